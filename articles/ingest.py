"""The ingest service: the one code path that stores clippings (the command and the admin upload).

Each article is stored in its own transaction together with its enrichment, so a failure never
leaves a half-written article and never loses the ones stored before it. Duplicates are decided by
the unique fingerprint constraint, not by a prior lookup, so concurrent ingests cannot both insert.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from articles.dump import Clipping, ParseItem, RecordError, parse_stream
from articles.enrich.pipeline import Enrichment, enrichment_compute, enrichment_compute_pair, enrichment_store
from articles.models import Article, IngestRun, Source
from articles.search import article_index
from articles.stories.service import story_assign
from articles.text import collapse_spaces, search_key
from articles.validation import records_validate

log = logging.getLogger(__name__)

BATCH_SIZE = 200
# Errors kept on the run row; the counts stay exact beyond it.
MAX_STORED_ERRORS = 1000


def fingerprint_compute(title: str, body: str) -> str:
    """Content fingerprint: the same text in another spelling variant or layout is a duplicate."""
    return hashlib.sha256(f"{search_key(title)}\n{search_key(body)}".encode()).hexdigest()


def source_get_or_create(name: str) -> Source:
    """The source of that (normalised) name, created on first sight."""
    name = collapse_spaces(name)
    key = search_key(name) or name
    try:
        return Source.objects.get(key=key)
    except Source.DoesNotExist:
        pass
    base = slugify(name, allow_unicode=True) or "source"
    for attempt in range(1, 50):
        slug = base if attempt == 1 else f"{base}-{attempt}"
        try:
            with transaction.atomic():
                return Source.objects.create(name=name, key=key, slug=slug)
        except IntegrityError:
            existing = Source.objects.filter(key=key).first()
            if existing:  # another ingest created it meanwhile
                return existing
    raise IntegrityError(f"could not find a free slug for source {name!r}")


@dataclass
class Outcome:
    article: Article | None
    duplicate_of: Article | None = None


def article_store(
    *,
    title: str,
    body: str,
    source: Source,
    published_on=None,
    url: str = "",
    run: IngestRun | None = None,
    enrichment: Enrichment | None = None,
    topic=None,
    category: str = "",
) -> Outcome:
    """Store one article and its enrichment atomically. Returns the duplicate instead when the
    fingerprint exists. ``topic`` given by an editor locks the topic; ``category`` is the source's
    own (stored as given; the topic service maps it to a topic)."""
    fingerprint = fingerprint_compute(title, body)
    if enrichment is None:
        enrichment = enrichment_compute(title, body)
    try:
        with transaction.atomic():
            article = Article.objects.create(
                title=title,
                body=body,
                source=source,
                published_on=published_on,
                url=url,
                fingerprint=fingerprint,
                ingest_run=run,
                topic=topic,
                topic_locked=topic is not None,
                topic_confirmed=topic is not None,
                topic_origin=Article.TopicOrigin.EDITOR if topic is not None else Article.TopicOrigin.NONE,
                source_category=category[:100],
            )
            enrichment_store(article, enrichment)
            article.entities_extracted_at = timezone.now()
            article.save(update_fields=["entities_extracted_at"])
            article_index(article)
    except IntegrityError:
        existing = Article.objects.filter(fingerprint=fingerprint).first()
        if existing is None:
            raise
        return Outcome(article=None, duplicate_of=existing)
    return Outcome(article=article)


def _batches(items: Iterable[ParseItem], size: int) -> Iterator[list[ParseItem]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


# Below this many fresh articles in a batch a worker pool costs more than it saves.
POOL_MIN_BATCH = 50


class _Enricher:
    """Turns texts into enrichments. On large batches it forks a process pool (once) and works
    ahead: the workers enrich the next batch while this process stores the current one."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool = None

    def submit(self, pairs: list[tuple[str, str]]) -> Callable[[], list[Enrichment]]:
        """Start enriching ``pairs``; the returned callable gives the results (waiting if needed)."""
        if self.workers > 1 and len(pairs) >= POOL_MIN_BATCH:
            if self.pool is None:
                enrichment_compute("", "")  # load the models once, before forking: children share them
                self.pool = multiprocessing.get_context("fork").Pool(self.workers)
            return self.pool.map_async(enrichment_compute_pair, pairs, chunksize=8).get
        return lambda: [enrichment_compute(*pair) for pair in pairs]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()


def _note_error(run: IngestRun, error: RecordError | str) -> None:
    run.rejected_count += 1
    if len(run.errors) < MAX_STORED_ERRORS:
        run.errors.append(str(error))


def run_warning_note(run: IngestRun, *, line: int, message: str) -> None:
    """Record a problem that did not cost the record ("line N: message"); the count stays exact past the cap."""
    run.warning_count += 1
    if len(run.warnings) < MAX_STORED_ERRORS:
        run.warnings.append(f"line {line}: {message}")


@dataclass
class _PendingBatch:
    clippings: list[Clipping]
    enrichments: Callable[[], list[Enrichment]]
    size: int


def ingest_items(
    items: Iterable[ParseItem],
    *,
    run: IngestRun,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> IngestRun:
    """Store parsed items into the archive under ``run``; marks the run succeeded or failed."""
    items = records_validate(items)  # each record valid for storage or rejected on its own (line, reason)
    workers = settings.INGEST_WORKERS if workers is None else workers
    enrich = _Enricher(workers)
    sources: dict[str, Source] = {}
    pending: _PendingBatch | None = None

    def store(batch: _PendingBatch) -> None:
        _batch_store(batch, run=run, sources=sources)
        run.save(
            update_fields=["created_count", "duplicate_count", "rejected_count", "errors", "warning_count", "warnings"]
        )
        if progress:
            progress(batch.size)

    try:
        for batch in _batches(items, BATCH_SIZE):
            fresh = _batch_prepare(batch, run=run)
            submitted = _PendingBatch(fresh, enrich.submit([(c.title, c.body) for c in fresh]), len(batch))
            if pending is not None:
                store(pending)
            pending = submitted
        if pending is not None:
            store(pending)
    except Exception as exc:  # the run records why it stopped; stored articles stay
        log.exception("ingest run %s failed", run.pk)
        run.status = IngestRun.Status.FAILED
        run.failure_reason = f"{type(exc).__name__}: {exc}"
    else:
        run.status = IngestRun.Status.SUCCEEDED
    finally:
        enrich.close()
    run.finished_at = timezone.now()
    run.save()
    return run


def _batch_prepare(batch: list[ParseItem], *, run: IngestRun) -> list[Clipping]:
    """Count rejected records and known duplicates; return the clippings worth enriching."""
    clippings: list[tuple[Clipping, str]] = []
    for item in batch:
        if isinstance(item, RecordError):
            _note_error(run, item)
        else:
            for message in item.warnings:
                run_warning_note(run, line=item.line, message=message)
            clippings.append((item, fingerprint_compute(item.title, item.body)))
    # Skip enrichment work for known duplicates; the constraint still decides at insert time.
    fingerprints = [fp for _, fp in clippings]
    known = set(Article.objects.filter(fingerprint__in=fingerprints).values_list("fingerprint", flat=True))
    fresh: list[Clipping] = []
    seen: set[str] = set()
    for clipping, fp in clippings:
        if fp in known or fp in seen:
            run.duplicate_count += 1
        else:
            seen.add(fp)
            fresh.append(clipping)
    return fresh


def _batch_store(batch: _PendingBatch, *, run: IngestRun, sources: dict[str, Source]) -> None:
    created: list[Article] = []
    for clipping, enrichment in zip(batch.clippings, batch.enrichments(), strict=True):
        if clipping.source not in sources:
            sources[clipping.source] = source_get_or_create(clipping.source)
        outcome = article_store(
            title=clipping.title,
            body=clipping.body,
            source=sources[clipping.source],
            published_on=clipping.published_on,
            url=clipping.url,
            run=run,
            enrichment=enrichment,
            category=clipping.category,
        )
        if outcome.article is None:
            run.duplicate_count += 1
        else:
            run.created_count += 1
            if clipping.category and outcome.article.topic_origin != Article.TopicOrigin.SOURCE:
                run_warning_note(
                    run,
                    line=clipping.line,
                    message=f"category {clipping.category!r} names no topic; the classifier chose one",
                )
            created.append(outcome.article)
    story_assign(articles=created)  # near-duplicates: one batched band lookup for the whole batch


def ingest_stream(
    stream: BinaryIO,
    *,
    name: str,
    sha256: str = "",
    user=None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> IngestRun:
    """Parse and store a dump or JSON Lines stream. Raises NotUtf8Error before storing anything
    when the input is not UTF-8 text."""
    items = parse_stream(stream, name)
    run = IngestRun.objects.create(file_name=name, sha256=sha256, created_by=user)
    return ingest_items(items, run=run, workers=workers, progress=progress)


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
