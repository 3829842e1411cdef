"""The ingest service: the one code path that stores clippings (the command, the admin upload and
its task, bulk loaders).

Two stages (issue 12):

1. **store** (:mod:`articles.ingest.store`): batches of ``BATCH_SIZE`` records, one transaction per batch
   holding the articles, their search index and the run's counts, so the articles are searchable
   at once and a killed run's row is exact up to its last batch. Duplicates are decided by the
   unique fingerprint constraint, so concurrent ingests cannot both insert. A thread reads and
   prepares the next batch (:func:`articles.ingest.store.batch_prepare`: no database) while one is stored.
2. **enrich** (:mod:`articles.enrich.stage`): entities and topic, each article in its own
   transaction. Synchronous by default (before ``ingest_stream`` returns, with a process pool);
   with ``defer_enrichment`` each stored batch queues background tasks (:mod:`articles.ingest.tasks`).

A run that stops (an exception, the database gone) is marked failed with a one-line reason; a run
whose process was killed is found by :func:`articles.ingest.runs.runs_reconcile`. A rerun of the same file
resumes it: the records the earlier run read are skipped, its pending articles are enriched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from itertools import islice
from typing import BinaryIO

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, reset_queries, transaction
from django.utils import timezone

from articles.enrich.consolidate import entities_consolidate_after_ingest
from articles.enrich.pipeline import Enrichment, enrichment_compute, enrichment_store
from articles.enrich.stage import ENRICH_BATCH, compute_safely, enrichments_store, pending_ids, pending_rows
from articles.ingest.originals import Written, blobs_discard, originals_attach
from articles.ingest.readers.base import Clipping, ParseItem, RecordError
from articles.ingest.readers.formats import ReadOptions, parse_stream
from articles.ingest.runs import run_chain_ids, run_to_resume, runs_reconcile, this_worker
from articles.ingest.store import (
    PreparedBatch,
    SourceCache,
    articles_store_batch,
    batch_prepare,
    fingerprint_compute,
)
from articles.ingest.tasks import enrichment_enqueue
from articles.ingest.validation import records_validate
from articles.ingest.vocabulary import ocr_vocabulary_get
from articles.models import Article, IngestRun, Source
from articles.search.backend import article_index, backend_get
from articles.text import edge_trim

log = logging.getLogger(__name__)

# Records per stage-1 transaction: one INSERT each (on SQLite 500 rows are about 12,000 parameters,
# within its limit; PostgreSQL gets one array per column). INGEST_BATCH_SIZE in the environment
# changes it (the fault tests use small batches so a kill lands between and inside them).
BATCH_SIZE = max(1, min(int(os.environ.get("INGEST_BATCH_SIZE", "500")), 2000))
# Errors kept on the run row; the counts stay exact beyond it.
MAX_STORED_ERRORS = 1000


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
    title = edge_trim(title)  # whatever the caller did: no edge RLM, BOM or ZWSP in a stored title
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
            article.enrichment = Article.Enrichment.DONE
            article.save(update_fields=["entities_extracted_at", "enrichment"])
            article_index(article)
    except IntegrityError:
        existing = Article.objects.filter(fingerprint=fingerprint).first()
        if existing is None:
            raise
        return Outcome(article=None, duplicate_of=existing)
    return Outcome(article=article)


# A batch of clipping files is cut early once the originals it holds in memory pass this many bytes.
BATCH_MAX_FILE_BYTES = 64 * 1024 * 1024


def _batches(items: Iterable[ParseItem], size: int) -> Iterator[list[ParseItem]]:
    batch: list[ParseItem] = []
    held = 0
    for item in items:
        batch.append(item)
        if isinstance(item, Clipping) and item.original is not None:
            held += len(item.original.data)
        if len(batch) >= size or held >= BATCH_MAX_FILE_BYTES:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


def enrichment_compute_pair(pair: tuple[str, str]) -> Enrichment:
    """Pool-friendly (one picklable argument); a module-level name, so a test can stub enrichment."""
    return enrichment_compute(*pair)


def _compute_safe(pair: tuple[str, str]) -> Enrichment | str:
    return compute_safely(enrichment_compute_pair, pair)


# Below this many articles in a batch a worker pool costs more than it saves.
POOL_MIN_BATCH = 50


class _Enricher:
    """Computes enrichments for the synchronous stage 2. With ``workers > 1`` it forks a process
    pool (once; each child loads the models itself, after the fork) and works ahead: the pool
    enriches the next batch while this process stores the current one."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool = None

    def submit(self, pairs: list[tuple[str, str]]) -> Callable[[], list[Enrichment | str]]:
        """Start enriching ``pairs``; the returned callable gives the results (waiting if needed)."""
        if self.workers > 1 and len(pairs) >= POOL_MIN_BATCH:
            if self.pool is None:
                self.pool = multiprocessing.get_context("fork").Pool(self.workers)
            return self.pool.map_async(_compute_safe, pairs, chunksize=8).get
        results = [_compute_safe(pair) for pair in pairs]
        return lambda: results

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()


def _note_error(run: IngestRun, error: RecordError | str) -> None:
    run.rejected_count += 1
    if len(run.errors) < MAX_STORED_ERRORS:
        run.errors.append(str(error))


def run_warning_note(run: IngestRun, *, where: str, message: str) -> None:
    """Record a problem that did not cost the record ("line N: message", or "FILE: message" for a clipping
    file); the count stays exact past the cap."""
    run.warning_count += 1
    if len(run.warnings) < MAX_STORED_ERRORS:
        run.warnings.append(f"{where}: {message}")


_COUNT_FIELDS = ["records_read", "created_count", "duplicate_count", "rejected_count", "warning_count"]
_SAVED_FIELDS = [*_COUNT_FIELDS, "errors", "warnings", "heartbeat_at"]


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or "no details"
    return f"{type(exc).__name__}: {text}"[:1000]


def ingest_items(
    items: Iterable[ParseItem],
    *,
    run: IngestRun,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    defer_enrichment: bool | None = None,
    skip: int = 0,
) -> IngestRun:
    """Store parsed items into the archive under ``run`` (stage 1), then enrich them (stage 2) or,
    with ``defer_enrichment``, queue their enrichment. Skips the first ``skip`` records (read by
    the run this one resumes). Marks the run succeeded or failed (``failure_reason``: one line);
    never raises for a failure of the run itself."""
    items = records_validate(items)  # each record valid for storage or rejected on its own (line, reason)
    workers = settings.INGEST_WORKERS if workers is None else workers
    if defer_enrichment is not None:
        run.defer_enrichment = defer_enrichment
    run.worker_host, run.worker_pid = this_worker()
    run.status = IngestRun.Status.RUNNING
    run.records_read = skip
    run.heartbeat_at = timezone.now()
    try:
        run.save()
        _stage_store(items, run=run, progress=progress, skip=skip)
        if not run.defer_enrichment:
            _stage_enrich(run, workers=workers)
            entities_consolidate_after_ingest()
    except Exception as exc:  # the run records why it stopped; stored articles stay
        log.exception("ingest run %s failed", run.pk)
        run.status = IngestRun.Status.FAILED
        run.failure_reason = _one_line(exc)
        if isinstance(exc, DatabaseError) and not connection.in_atomic_block:
            connection.close()  # a broken connection (database restarted): record the failure on a new one
    else:
        run.status = IngestRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    try:
        run.save()
    except Exception:  # the database is gone: the row stays "running" until runs_reconcile sees it
        log.exception("could not record the end of ingest run %s", run.pk)
    return run


def _stage_store(
    items: Iterable[ParseItem], *, run: IngestRun, progress: Callable[[int], None] | None, skip: int
) -> None:
    iterator = iter(items)
    if skip:
        for _ in islice(iterator, skip):
            pass
    sources = SourceCache()
    backend = backend_get()
    batches = _batches(iterator, BATCH_SIZE)

    def next_prepared() -> tuple[list[ParseItem], PreparedBatch] | None:
        """Read and prepare the next batch (parsing, keys, vectors, signatures: no database)."""
        batch = next(batches, None)
        return None if batch is None else (batch, batch_prepare(_clippings(batch), backend=backend))

    # One thread reads and prepares batch N+1 while this one stores batch N: the two overlap because
    # psycopg (and sqlite3) release the GIL while the database works. Writes stay here, one
    # transaction per batch, so a killed run's row is exact up to its last batch as before.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-prepare") as ahead:
        upcoming = ahead.submit(next_prepared)
        while (current := upcoming.result()) is not None:
            batch, prepared = current
            upcoming = ahead.submit(next_prepared)
            _stage_store_batch(batch, prepared, run=run, sources=sources)
            # Under DEBUG Django keeps the last 9,000 statements with their parameters: a batch's
            # INSERT is megabytes, so a long file's memory would grow with it.
            reset_queries()
            if progress:
                progress(len(batch))


def _clippings(batch: list[ParseItem]) -> list[Clipping]:
    return [item for item in batch if not isinstance(item, RecordError)]


def _stage_store_batch(
    batch: list[ParseItem], prepared: PreparedBatch, *, run: IngestRun, sources: SourceCache
) -> None:
    """Store one batch in its own transaction with the run's counts (and, deferred, its enrichment tasks)."""
    saved = {name: getattr(run, name) for name in _COUNT_FIELDS}
    saved_lists = (list(run.errors), list(run.warnings))
    written = Written()
    try:
        with transaction.atomic():
            stored_ids = _batch_store(batch, run=run, sources=sources, prepared=prepared, written=written)
            run.records_read += len(batch)
            run.heartbeat_at = timezone.now()
            run.save(update_fields=_SAVED_FIELDS)
            if run.defer_enrichment and stored_ids:
                if _queue_in_database():
                    enrichment_enqueue(stored_ids)  # commits (or rolls back) with the batch
                else:  # Redis must not hear of articles before they are committed
                    transaction.on_commit(lambda ids=stored_ids: enrichment_enqueue(ids), robust=False)
    except BaseException:
        # The batch rolled back: the row in memory must say what the database says.
        for name, value in saved.items():
            setattr(run, name, value)
        run.errors, run.warnings = saved_lists
        blobs_discard(written)  # the originals this batch stored go with its rows
        raise


def _batch_store(
    batch: list[ParseItem],
    *,
    run: IngestRun,
    sources: SourceCache,
    prepared: PreparedBatch | None = None,
    written: Written | None = None,
) -> list[int]:
    written = written if written is not None else Written()
    for item in batch:
        if isinstance(item, RecordError):
            _note_error(run, item)
        else:
            for message in item.warnings:
                run_warning_note(run, where=item.where, message=message)
    outcome = articles_store_batch(_clippings(batch), run=run, sources=sources, prepared=prepared)
    originals_attach(((s.id, s.clipping) for s in outcome.stored), written=written)
    run.created_count += len(outcome.stored)
    run.duplicate_count += len(outcome.duplicates)
    for stored in outcome.stored:
        category = stored.clipping.category
        if category and not sources.category_names_topic(category):
            run_warning_note(
                run,
                where=stored.clipping.where,
                message=f"category {category!r} names no topic; the classifier chose one",
            )
    return [stored.id for stored in outcome.stored]  # grouped into stories by the store, in its transaction


def _queue_in_database() -> bool:
    """Whether the tasks backend keeps its queue in this database (django-tasks-db), or runs tasks in
    the caller (ImmediateBackend): then enqueueing inside the batch's transaction is atomic with it."""
    backend = settings.TASKS["default"]["BACKEND"]
    return backend.startswith(("django_tasks_db.", "django.tasks.backends."))


def _stage_enrich(run: IngestRun, *, workers: int) -> None:
    """Enrich every pending article of the run (and of the runs it resumed) before returning."""
    run_ids = run_chain_ids(run)
    enrich = _Enricher(workers)
    try:
        after = 0
        pending = None
        while True:
            ids = pending_ids(run_ids=run_ids, after=after, limit=ENRICH_BATCH)
            submitted = None
            if ids:
                after = ids[-1]
                rows = pending_rows(ids)
                submitted = (rows, enrich.submit([(t, b) for _, t, b in rows]))
            if pending is not None:  # store the previous batch while the pool works on this one
                rows_before, results = pending
                enrichments_store(rows_before, results())
                run.heartbeat_at = timezone.now()
                run.save(update_fields=["heartbeat_at"])
            if submitted is None:
                break
            pending = submitted
    finally:
        enrich.close()


def ingest_stream(
    stream: BinaryIO,
    *,
    name: str,
    sha256: str = "",
    user=None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    defer_enrichment: bool = False,
    run: IngestRun | None = None,
    resume: bool = True,
    source: str = "",
    published_on: dt.date | None = None,
) -> IngestRun:
    """Parse and store a dump or JSON Lines stream. Raises NotUtf8Error before storing anything
    when the input is not UTF-8 text.

    With ``resume`` and a ``sha256``, an interrupted or failed earlier run of the same file is
    resumed: the new run's ``resumed_from`` points at it, the records it read are skipped, its
    pending articles are enriched with this run's. ``run`` is a queued run to carry out (admin upload).
    ``source`` and ``published_on`` are used for clipping files (scans, PDFs, Word files) that do not
    say them themselves (``--source``/``--date``).
    """
    options = ReadOptions(
        source=source,
        published_on=published_on,
        vocabulary=ocr_vocabulary_get,
        max_bytes=settings.CLIPPING_MAX_BYTES,
        zip_max_members=settings.CLIPPING_ZIP_MAX_MEMBERS,
        zip_max_bytes=settings.CLIPPING_ZIP_MAX_BYTES,
    )
    run_id: list[int] = []  # known once the run exists; the file is refused (NotUtf8Error) before that
    items = parse_stream(stream, name, replace(options, page_progress=_page_progress(run_id)))
    runs_reconcile()
    if run is not None and run.resumed_from is not None:  # an admin "resume" names its run
        previous = run.resumed_from
    else:
        previous = run_to_resume(sha256=sha256) if resume else None
        if previous is not None and run is not None and previous.pk == run.pk:
            previous = None
    if run is None:
        run = IngestRun.objects.create(file_name=name, sha256=sha256, created_by=user)
    if previous is not None:
        run.resumed_from = previous
    run_id.append(run.pk)
    return ingest_items(
        items,
        run=run,
        workers=workers,
        progress=progress,
        defer_enrichment=defer_enrichment or None,
        skip=previous.records_read if previous is not None else 0,
    )


def _page_progress(run_id: list[int]) -> Callable[[int, int], None]:
    """Record the page a multi-page file's reader is at, for the run's live progress. It is called from the
    thread that reads ahead (its own connection), so a failure to record it never costs the run."""

    def advance(done: int, total: int) -> None:
        if not run_id:
            return
        try:
            IngestRun.objects.filter(pk=run_id[0]).update(
                pages_done=done, pages_total=total, heartbeat_at=timezone.now()
            )
        except DatabaseError:  # e.g. SQLite busy with the batch being stored: the next page records it
            log.debug("page progress of run %s not recorded", run_id)
        finally:
            if threading.current_thread() is not threading.main_thread():
                connection.close()

    return advance


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
