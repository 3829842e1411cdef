"""System check (``manage.py check``, and every command that runs the checks): the full-text index is
complete and kept up to date.

SQLite: the FTS5 table ``article_fts`` and its delete trigger ``article_fts_delete`` exist (a migration
that rebuilds articles_article drops the trigger; articles/migrations/_sqlite_fts.py), and the index
holds one row per article. PostgreSQL (vectors written by Python, no trigger): the two GIN indexes of
migration 0003 and the partial index of unindexed articles (0016) exist and are valid, and no
article lacks its vectors.

Cost: a handful of catalogue look-ups and two counts. PostgreSQL counts the unindexed articles
through the partial index (a scan of the few rows lacking vectors, whatever the archive's size).
SQLite counts both tables by walking a b-tree (FTS5's docsize table, the articles' smallest index):
linear, measured in docs/RELIABILITY.md; above ``SEARCH_INDEX_CHECK_MAX_ROWS`` articles (highest id,
an O(log n) bound) the count is skipped with an Info message saying so.

Not run while ``migrate`` runs the checks (the project's ``migrate`` wraps Django's in
:func:`search_index_check_deferred`): migrate re-creates the trigger and indexes (post_migrate), so it
must not be refused for the fault it repairs. ``search_reindex``, the repair of a short index,
runs no checks. A database that cannot be reached or is not migrated yet is not checked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core import checks
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from articles.search.sqlite import TRIGGER_SQL

ARTICLE_TABLE = "articles_article"
FTS_TABLE = "article_fts"
FTS_TRIGGER = "article_fts_delete"
# The PostgreSQL index objects the search needs, as migrations 0003 and 0016 create them (IF NOT EXISTS
# here: re-created after every migrate when missing, a no-op otherwise).
PG_INDEX_SQL = {
    "article_search_stemmed_gin": "CREATE INDEX IF NOT EXISTS article_search_stemmed_gin "
    "ON articles_article USING gin (search_stemmed)",
    "article_unindexed_idx": "CREATE INDEX IF NOT EXISTS article_unindexed_idx "
    "ON articles_article (id) WHERE search_stemmed IS NULL",
}
PG_INDEXES = tuple(PG_INDEX_SQL)
# The phrase column's index: RUM where migration 0019 found the extension, GIN otherwise; either will do.
EXACT_INDEX_SQL = {
    "article_search_exact_rum": "CREATE INDEX IF NOT EXISTS article_search_exact_rum "
    "ON articles_article USING rum (search_exact rum_tsvector_ops)",
    "article_search_exact_gin": "CREATE INDEX IF NOT EXISTS article_search_exact_gin "
    "ON articles_article USING gin (search_exact)",
}
DEFAULT_MAX_ROWS = 5_000_000
REPAIR = "run `python manage.py search_reindex` (it rebuilds every article's entry)"
TRIGGER_REPAIR = "run `python manage.py migrate`: it re-creates the index objects after every run (articles.apps)"


def search_index_inspect(*, connection: BaseDatabaseWrapper) -> list[checks.CheckMessage]:
    """The check's findings for one database: Error articles.E101 (trigger missing), E102 (index table
    or index missing), E103 (index row count differs from article count); Info I101 (count skipped)."""
    try:
        with connection.cursor() as cursor:
            tables = set(connection.introspection.table_names(cursor))
            if ARTICLE_TABLE not in tables:
                return []  # not migrated yet: migrate creates it all
            if connection.vendor == "sqlite":
                return _sqlite(cursor, tables)
            if connection.vendor == "postgresql":
                return _postgres(cursor)
    except DatabaseError:
        # Unreachable (a build step without its database): every query says so loudly; a check
        # message here would only fail `check --deploy --fail-level WARNING` on a build machine.
        return []
    return []


def _sqlite(cursor, tables: set[str]) -> list[checks.CheckMessage]:
    if FTS_TABLE not in tables:
        return [checks.Error(f"the full-text table {FTS_TABLE} is missing", hint=TRIGGER_REPAIR, id="articles.E102")]
    problems: list[checks.CheckMessage] = []
    cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s", [FTS_TRIGGER])
    if cursor.fetchone() is None:
        problems.append(
            checks.Error(
                f"the trigger {FTS_TRIGGER} is missing: deleted articles stay in the search index",
                hint=TRIGGER_REPAIR,
                id="articles.E101",
            )
        )
    cursor.execute(f"SELECT max(id) FROM {ARTICLE_TABLE}")  # noqa: S608 - constant table name
    highest = cursor.fetchone()[0] or 0
    limit = getattr(settings, "SEARCH_INDEX_CHECK_MAX_ROWS", DEFAULT_MAX_ROWS)
    if highest > limit:
        problems.append(
            checks.Info(f"search index row count not compared: over {limit:,} articles", id="articles.I101")
        )
        return problems
    cursor.execute(f"SELECT count(*) FROM {ARTICLE_TABLE}")  # noqa: S608
    articles = cursor.fetchone()[0]
    cursor.execute(f"SELECT count(*) FROM {FTS_TABLE}_docsize")  # noqa: S608 - one row per indexed article
    indexed = cursor.fetchone()[0]
    if indexed != articles:
        problems.append(
            checks.Error(
                f"the search index and the articles differ: {indexed:,} index rows, {articles:,} articles",
                hint=REPAIR,
                id="articles.E103",
            )
        )
    return problems


def _postgres(cursor) -> list[checks.CheckMessage]:
    cursor.execute(
        "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass AND c.relname = ANY(%s)",
        [ARTICLE_TABLE, [*PG_INDEXES, *EXACT_INDEX_SQL]],
    )
    found = dict(cursor.fetchall())
    problems: list[checks.CheckMessage] = [
        checks.Error(
            f"the search index {name} is missing or invalid",
            hint=TRIGGER_REPAIR + " (an invalid one: DROP INDEX it first)",
            id="articles.E102",
        )
        for name in PG_INDEXES
        if not found.get(name)
    ]
    if not any(found.get(name) for name in EXACT_INDEX_SQL):
        problems.append(
            checks.Error(
                "the phrase index (article_search_exact_rum or _gin) is missing or invalid",
                hint=TRIGGER_REPAIR + " (an invalid one: DROP INDEX it first)",
                id="articles.E102",
            )
        )
    if "article_unindexed_idx" not in found:
        return problems  # without it the count would be a scan of the whole table
    cursor.execute(f"SELECT count(*) FROM {ARTICLE_TABLE} WHERE search_stemmed IS NULL")  # noqa: S608
    unindexed = cursor.fetchone()[0]
    if unindexed:
        problems.append(
            checks.Error(f"{unindexed:,} articles are not in the search index", hint=REPAIR, id="articles.E103")
        )
    return problems


# Set while ``migrate`` runs its checks (articles/management/commands/migrate.py).
_MIGRATING: ContextVar[bool] = ContextVar("search_index_check_migrating", default=False)


@contextmanager
def search_index_check_deferred() -> Iterator[None]:
    """No search index findings inside: ``migrate`` re-creates what they report missing, so they
    must not refuse it (and a short index, which it does not repair, must not block other apps'
    migrations)."""
    token = _MIGRATING.set(True)
    try:
        yield
    finally:
        _MIGRATING.reset(token)


@checks.register("articles")
def search_index_check(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """Registered check: :func:`search_index_inspect` on the default database (Django passes every
    alias as ``databases``; the archive searches the default one); nothing under ``migrate``."""
    if _MIGRATING.get():
        return []
    return search_index_inspect(connection=connections["default"])


def search_index_objects_ensure(*, connection: BaseDatabaseWrapper) -> None:
    """Re-create what the check reports missing: the SQLite delete trigger (when the FTS table exists),
    the PostgreSQL indexes (when the vector columns exist); no-ops when present. Run after every
    ``migrate`` (post_migrate, articles.apps): a migration that rebuilt the article table and forgot
    ``fts_delete_trigger_restore`` cannot leave the index without it. An *invalid* PostgreSQL index
    (a failed concurrent build) is not replaced: drop it, then migrate."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if connection.vendor == "sqlite" and FTS_TABLE in tables:
            cursor.execute(TRIGGER_SQL)
        elif connection.vendor == "postgresql" and ARTICLE_TABLE in tables:
            columns = {c.name for c in connection.introspection.get_table_description(cursor, ARTICLE_TABLE)}
            if {"search_stemmed", "search_exact"} <= columns:
                for sql in PG_INDEX_SQL.values():
                    cursor.execute(sql)
                _exact_index_ensure(cursor)


def _exact_index_ensure(cursor) -> None:
    """The phrase index when neither kind is there: RUM where the extension is installed in this database
    and SEARCH_PHRASE_INDEX is not "gin" (migration 0019's choice), GIN otherwise."""
    cursor.execute("SELECT 1 FROM pg_class WHERE relname = ANY(%s) AND relkind = 'i'", [list(EXACT_INDEX_SQL)])
    if cursor.fetchone() is not None:
        return
    cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'rum'")
    rum = cursor.fetchone() is not None and os.environ.get("SEARCH_PHRASE_INDEX", "rum") != "gin"
    cursor.execute(EXACT_INDEX_SQL["article_search_exact_rum" if rum else "article_search_exact_gin"])
