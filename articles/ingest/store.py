"""Stage 1 of the ingest: store a batch of parsed clippings, searchable and grouped at once.

:func:`articles_store_batch` is the fast store path (the ingest service and bulk loaders call it):

* :func:`batch_prepare` does the CPU work without the database, so the ingest runs it for the next
  batch in a thread while this one is written: the keys of each article (fingerprint words, index
  words; once per distinct token, :mod:`articles.search.keys`), the search backend's insert values (the
  PostgreSQL vectors), the story signature and bands (:mod:`articles.stories.signature`);
* one ``INSERT ... ON CONFLICT (fingerprint) DO NOTHING RETURNING id, fingerprint`` per batch
  stores the articles: the unique fingerprint decides duplicates, so concurrent ingests never both
  insert, and the rows not returned are the duplicates. On PostgreSQL the values travel as one
  array per column (``unnest``) and the row holds its search vectors and its story columns (ids
  reserved first, stories decided before the INSERT: no UPDATE of a fresh row, which would
  re-insert its GIN entries); on SQLite the FTS5 rows and the story columns follow in one
  ``executemany`` each;
* stories (:mod:`articles.stories.service`): new ones in one insert, band hashes in one statement;
* sources come from a per-run cache (one query per batch for the new names);
* articles are stored ``enrichment = pending``: entities and topic are stage 2
  (:mod:`articles.enrich.stage`);
* ``settings.INGEST_STORE_HOOKS`` (dotted paths) are called with the stored articles inside the
  batch's transaction: the place for other work that must be atomic with the store.

Call it inside a transaction (the ingest service opens one per batch).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils.module_loading import import_string
from django.utils.text import slugify

from articles.dbarrays import server_bound_cursor
from articles.ingest.readers.base import Clipping
from articles.models import Article, IngestRun, Source
from articles.search.backend import backend_get
from articles.search.base import IndexDoc, SearchBackend
from articles.search.keys import fingerprint_of_words, key_words, text_keys
from articles.stories.service import Grouped, articles_story_update, bands_write, stories_group
from articles.stories.signature import band_hashes, signature_of_words
from articles.stories.signature import title_words as story_title_words
from articles.text import collapse_spaces, edge_trim, search_key


def fingerprint_compute(title: str, body: str) -> str:
    """Content fingerprint: the same text in another spelling variant or layout is a duplicate."""
    return fingerprint_of_words(key_words(title), key_words(body))


def source_get_or_create(name: str) -> Source:
    """The source of that (normalised) name, created on first sight."""
    name = edge_trim(collapse_spaces(name))
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

        for name in set(names) - self.ids.keys():
            self.ids[name] = source_get_or_create(name).pk
        return self.ids


def _store_hooks() -> list[Callable[[list[StoredArticle]], None]]:
    return [import_string(path) for path in getattr(settings, "INGEST_STORE_HOOKS", [])]


@dataclass
class _Row:
    """One clipping's pure work: everything the store needs that the database does not decide."""

    clipping: Clipping
    fingerprint: str
    title_words: list[str]
    body_words: list[str]
    doc: IndexDoc  # the search document (id 0: the row has none yet)
    index_values: tuple  # the backend's insert_values (PostgreSQL: the two tsvector literals)
    signature: np.ndarray  # the story signature (signature_of_words), NUM_PERM uint32
    bands: list[int]
    article: Article | None = None


@dataclass
class PreparedBatch:
    """A batch of clippings after :func:`batch_prepare`: the first row of each fingerprint, and the
    clippings repeating one earlier in the batch."""

    rows: dict[str, _Row]
    duplicates: list[Clipping]


def batch_prepare(clippings: list[Clipping], *, backend: SearchBackend) -> PreparedBatch:
    """The CPU work of storing ``clippings``, without the database: keys and fingerprints (once per
    distinct token), duplicates within the batch, the search document and its insert values, the
    story signature and bands. Pure and thread-safe: the ingest prepares the next batch in a thread
    while the database stores this one (psycopg releases the GIL while it waits)."""
    prepared = PreparedBatch(rows={}, duplicates=[])
    for clipping in clippings:
        (title_words, title_spelled), (body_words, body_spelled) = text_keys(clipping.title), text_keys(clipping.body)
        fingerprint = fingerprint_of_words(title_words, body_words)
        if fingerprint in prepared.rows:
            prepared.duplicates.append(clipping)
            continue
        doc = IndexDoc.of_words(id=0, title=title_spelled, body=body_spelled)
        signature = signature_of_words(story_title_words(clipping.title), body_words)
        prepared.rows[fingerprint] = _Row(
            clipping=clipping,
            fingerprint=fingerprint,
            title_words=title_words,
            body_words=body_words,
            doc=doc,
            index_values=backend.insert_values(doc),
            signature=signature,
            bands=band_hashes(signature),
        )
    return prepared


def articles_store_batch(
    clippings: list[Clipping],
    *,
    run: IngestRun | None,
    sources: SourceCache,
    enrichment: str = Article.Enrichment.PENDING,
    prepared: PreparedBatch | None = None,
) -> BatchOutcome:
    """Store ``clippings`` (one batch, a few hundred), their search index and their stories; returns
    what was stored and what was a duplicate. ``prepared``: :func:`batch_prepare` of the same
    clippings, done ahead (computed here when not given). Must run inside a transaction: it is all
    or nothing."""
    backend = backend_get()
    prepared = prepared or batch_prepare(clippings, backend=backend)
    outcome = BatchOutcome(duplicates=list(prepared.duplicates))
    rows = dict(prepared.rows)
    # Known duplicates (a rerun of a file) are dropped before any write; the constraint still decides below.
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
    if connection.vendor == "postgresql":
        grouped = _insert_grouped(rows, backend=backend, duplicates=outcome.duplicates)
        inserted = {fp: item.id for fp, item in grouped.items()}
    else:
        inserted = _insert(list(rows.values()), backend=backend)
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
        [
            IndexDoc(id=s.id, title=rows[s.fingerprint].doc.title, body=rows[s.fingerprint].doc.body)
            for s in outcome.stored
        ]
    )
    if connection.vendor != "postgresql":  # an in-place UPDATE of the new rows is cheap on SQLite
        grouped = {s.fingerprint: _grouped(rows[s.fingerprint], s.id) for s in outcome.stored}
        stories_group(items=list(grouped.values()))
        articles_story_update(items=list(grouped.values()))
    bands_write(items=list(grouped.values()))
    for hook in _store_hooks():
        hook(outcome.stored)
    return outcome


def _grouped(row: _Row, id: int) -> Grouped:
    return Grouped(
        id=id,
        published_on=row.clipping.published_on,
        source_id=row.article.source_id,
        values=row.signature,
        bands=row.bands,
    )


class _Raced(Exception):
    """Rows another ingest stored between our duplicate check and our INSERT."""

    def __init__(self, fingerprints: set[str]) -> None:
        super().__init__(f"{len(fingerprints)} rows stored meanwhile")
        self.fingerprints = fingerprints


def _insert_grouped(rows: dict[str, _Row], *, backend: SearchBackend, duplicates: list[Clipping]) -> dict[str, Grouped]:
    """PostgreSQL: reserve the new rows' ids, group them into stories and INSERT them with their
    story columns, so no row is updated after its insert (an UPDATE of a fresh row is not HOT: it
    would re-insert every GIN entry of its search vectors). Returns fingerprint -> grouped article;
    ``rows`` loses (and ``duplicates`` gains) the rows a concurrent ingest stored first: then the
    attempt rolls back to its savepoint (its stories name ids that will not exist) and runs again."""
    while rows:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                        [Article._meta.db_table, len(rows)],
                    )
                    ids = [pk for (pk,) in cursor.fetchall()]
                grouped = {fp: _grouped(row, pk) for (fp, row), pk in zip(rows.items(), ids, strict=True)}
                stories_group(items=list(grouped.values()))
                for fp, row in rows.items():
                    item = grouped[fp]
                    article = row.article
                    article.pk, article.story_id, article.story_lead = item.id, item.story_id, item.story_lead
                    article.story_signature = item.signature()
                inserted = _insert(list(rows.values()), backend=backend)
                if missing := rows.keys() - inserted.keys():
                    raise _Raced(missing)
                return grouped
        except _Raced as raced:
            for fp in raced.fingerprints:
                duplicates.append(rows.pop(fp).clipping)
    return {}


def _insert(rows: list[_Row], *, backend: SearchBackend) -> dict[str, int]:
    """One INSERT of the batch; returns fingerprint → id of the rows inserted (conflicts are skipped).

    Columns come from the model, so a field added later (with its default) is written too; the id
    too when the rows have one (PostgreSQL reserves them). On PostgreSQL the values travel as one
    array per column through ``unnest``: a statement of a few dozen placeholders instead of 12,000,
    which psycopg would otherwise parse on every batch. SQLite gets one multi-row VALUES.
    """
    with_id = rows[0].article.pk is not None
    fields = [f for f in Article._meta.concrete_fields if with_id or not f.primary_key]
    extra = backend.insert_columns()
    columns = [connection.ops.quote_name(f.column) for f in fields] + [name for name, _ in extra]
    table = connection.ops.quote_name(Article._meta.db_table)
    values = []
    for row in rows:
        article = row.article
        values.append(
            [f.get_db_prep_save(f.pre_save(article, True), connection) for f in fields] + list(row.index_values)
        )
    if connection.vendor == "postgresql":
        types = [f.db_type(connection) for f in fields] + [sql_type for _, sql_type in extra]
        arrays = ", ".join(f"%s::{sql_type}[]" for sql_type in types)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"  # noqa: S608
        params = [list(column) for column in zip(*values, strict=True)]
    else:
        placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([placeholder] * len(rows))}"  # noqa: S608
        params = [value for row in values for value in row]
    sql += " ON CONFLICT (fingerprint) DO NOTHING RETURNING id, fingerprint"
    with server_bound_cursor() if connection.vendor == "postgresql" else connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {fingerprint: pk for pk, fingerprint in cursor.fetchall()}
