"""Stage 1 of the ingest: store a batch of parsed clippings, searchable at once, in one statement.

:func:`articles_store_batch` is the fast store path (the ingest service and bulk loaders call it):

* the keys of each article (fingerprint words, index words) are computed once per distinct word
  (:mod:`articles.keys`), the search vectors from them (:mod:`articles.search`);
* one ``INSERT ... VALUES (...), (...) ON CONFLICT (fingerprint) DO NOTHING RETURNING id,
  fingerprint`` per batch stores the articles: the unique fingerprint decides duplicates, so
  concurrent ingests never both insert, and the rows not returned are the duplicates. On
  PostgreSQL the search vectors go into the same row; on SQLite the FTS5 rows follow in one
  ``executemany``;
* sources come from a per-run cache (one query per batch for the new names);
* articles are stored ``enrichment = pending``: entities and topic are stage 2
  (:mod:`articles.enrich.stage`);
* ``settings.INGEST_STORE_HOOKS`` (dotted paths) are called with the stored articles inside the
  batch's transaction: the place for work that must be atomic with the store (story assignment).

Call it inside a transaction (the ingest service opens one per batch).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string

from articles.dump import Clipping
from articles.keys import fingerprint_of_words, key_words
from articles.models import Article, IngestRun
from articles.search import backend_get
from articles.search.base import IndexDoc
from articles.text import collapse_spaces


@dataclass
class StoredArticle:
    """An article the batch inserted, with the keys computed on the way (hooks may reuse them)."""

    id: int
    clipping: Clipping
    fingerprint: str
    source_id: int
    title_words: list[str]
    body_words: list[str]


@dataclass
class BatchOutcome:
    stored: list[StoredArticle] = field(default_factory=list)
    # Clippings whose fingerprint was already archived, or repeated earlier in the same batch.
    duplicates: list[Clipping] = field(default_factory=list)


class SourceCache:
    """Source ids by name for one run: a new name costs one lookup, then nothing."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.categories: dict[str, bool] = {}

    def category_names_topic(self, category: str) -> bool:
        """Whether a source's category names a topic (then it decides the topic at enrichment)."""
        from articles.enrich.topic_service import topic_for_category

        if category not in self.categories:
            self.categories[category] = topic_for_category(category) is not None
        return self.categories[category]

    def resolve(self, names: Iterable[str]) -> dict[str, int]:
        from articles.ingest import source_get_or_create  # the one place that creates sources

        for name in set(names) - self.ids.keys():
            self.ids[name] = source_get_or_create(name).pk
        return self.ids


def _store_hooks() -> list[Callable[[list[StoredArticle]], None]]:
    return [import_string(path) for path in getattr(settings, "INGEST_STORE_HOOKS", [])]


@dataclass
class _Row:
    clipping: Clipping
    fingerprint: str
    title_words: list[str]
    body_words: list[str]
    article: Article | None = None


def articles_store_batch(
    clippings: list[Clipping],
    *,
    run: IngestRun | None,
    sources: SourceCache,
    enrichment: str = Article.Enrichment.PENDING,
) -> BatchOutcome:
    """Store ``clippings`` (one batch, a few hundred) and their search index; returns what was
    stored and what was a duplicate. Must run inside a transaction: it is all or nothing."""
    outcome = BatchOutcome()
    rows: dict[str, _Row] = {}
    for clipping in clippings:
        title_words, body_words = key_words(clipping.title), key_words(clipping.body)
        fingerprint = fingerprint_of_words(title_words, body_words)
        if fingerprint in rows:
            outcome.duplicates.append(clipping)
        else:
            rows[fingerprint] = _Row(clipping, fingerprint, title_words, body_words)
    # Known duplicates cost no index work (a rerun of a file); the constraint still decides below.
    known = set(Article.objects.filter(fingerprint__in=list(rows)).values_list("fingerprint", flat=True))
    for fingerprint in known:
        outcome.duplicates.append(rows.pop(fingerprint).clipping)
    if not rows:
        return outcome
    source_ids = sources.resolve(collapse_spaces(row.clipping.source) for row in rows.values())
    for row in rows.values():
        c = row.clipping
        row.article = Article(
            title=c.title,
            body=c.body,
            source_id=source_ids[collapse_spaces(c.source)],
            published_on=c.published_on,
            url=c.url,
            fingerprint=row.fingerprint,
            ingest_run=run,
            enrichment=enrichment,
            # The source's own category: the topic service maps it to a topic at enrichment.
            source_category=c.category[:100],
        )
    backend = backend_get()
    docs = {fp: IndexDoc.from_text(id=0, title=r.clipping.title, body=r.clipping.body) for fp, r in rows.items()}
    inserted = _insert(list(rows.values()), backend=backend, docs=docs)
    for fingerprint, row in rows.items():
        if fingerprint not in inserted:  # another ingest stored it meanwhile
            outcome.duplicates.append(row.clipping)
            continue
        outcome.stored.append(
            StoredArticle(
                id=inserted[fingerprint],
                clipping=row.clipping,
                fingerprint=fingerprint,
                source_id=row.article.source_id,
                title_words=row.title_words,
                body_words=row.body_words,
            )
        )
    backend.index_inserted(
        [IndexDoc(id=s.id, title=docs[s.fingerprint].title, body=docs[s.fingerprint].body) for s in outcome.stored]
    )
    for hook in _store_hooks():
        hook(outcome.stored)
    return outcome


def _insert(rows: list[_Row], *, backend, docs: dict[str, IndexDoc]) -> dict[str, int]:
    """One multi-row INSERT; returns fingerprint → id of the rows inserted (conflicts are skipped).

    Columns come from the model, so a field added later (with its default) is written too.
    """
    fields = [f for f in Article._meta.concrete_fields if not f.primary_key]
    extra = backend.insert_columns()
    columns = [connection.ops.quote_name(f.column) for f in fields] + [name for name, _ in extra]
    placeholder = "(" + ", ".join(["%s"] * len(fields) + [ph for _, ph in extra]) + ")"
    params: list = []
    for row in rows:
        article = row.article
        params.extend(f.get_db_prep_save(f.pre_save(article, True), connection) for f in fields)
        if extra:
            params.extend(backend.insert_values(docs[row.fingerprint]))
    table = connection.ops.quote_name(Article._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([placeholder] * len(rows))} "  # noqa: S608
        "ON CONFLICT (fingerprint) DO NOTHING RETURNING id, fingerprint"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {fingerprint: pk for pk, fingerprint in cursor.fetchall()}
