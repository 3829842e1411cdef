"""The search index system check (articles.search.checks) and the migrations that keep the SQLite trigger.

SQLite cases run on the suite's database when it is SQLite, and the migration walk on a fresh SQLite file in
any case; PostgreSQL cases run when the suite runs on PostgreSQL (DATABASE_URL=postgres://...)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection

from articles.models import Article
from articles.search.checks import FTS_TRIGGER, search_index_inspect
from tests.conftest import ROOT
from tests.search_data import article_make

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite FTS5 trigger (suite on PostgreSQL)")
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="suite on SQLite (set DATABASE_URL)")


def _ids(conn=connection) -> list[str]:
    return sorted(message.id for message in search_index_inspect(connection=conn))


def _check_fails_with(code: str) -> str:
    """``manage.py check`` as the command runs it (every registered check); returns its report."""
    with pytest.raises(SystemCheckError) as failure:
        call_command("check")
    assert code in str(failure.value)
    return str(failure.value)


@pytest.fixture
def indexed(db):
    return [article_make(f"خبر رقم {n} عن الانتخابات", f"نص الخبر {n} عن الانتخابات البلدية") for n in range(3)]


@pytest.mark.django_db
def test_a_complete_index_passes(indexed):
    assert _ids() == []
    call_command("check")  # raises on any error


@sqlite_only
def test_a_dropped_trigger_fails_the_check_and_migrate_puts_it_back(indexed):
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {FTS_TRIGGER}")
    report = _check_fails_with("articles.E101")
    assert "migrate" in report  # the hint names the repair
    call_command("migrate", verbosity=0, skip_checks=False)  # not refused for the fault it repairs
    assert _ids() == []
    # With the trigger back, a delete takes the article's row out of the index again.
    indexed[0].delete()
    assert _ids() == []


@sqlite_only
def test_an_article_missing_from_the_index_or_a_stale_row_fails_the_check(indexed):
    unindexed = Article.objects.create(title="خبر لم يفهرس", body="نص", source=indexed[0].source, fingerprint="x1")
    assert "3 index rows, 4 articles" in _check_fails_with("articles.E103")
    call_command("search_reindex", verbosity=0)  # the repair the hint names; it runs no checks itself
    assert _ids() == []
    with connection.cursor() as cursor:  # a row left behind for a deleted article (no trigger at the time)
        cursor.execute(f"DROP TRIGGER {FTS_TRIGGER}")
        unindexed.delete()
    assert _ids() == ["articles.E101", "articles.E103"]


@sqlite_only
def test_above_the_row_limit_the_count_is_skipped_and_said(indexed, settings):
    Article.objects.filter(pk=indexed[0].pk).delete()
    settings.SEARCH_INDEX_CHECK_MAX_ROWS = 1
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM article_fts")  # would be E103
    assert _ids() == ["articles.I101"]


@postgres_only
def test_postgres_missing_vectors_or_index_fail_the_check(indexed):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE articles_article SET search_stemmed = NULL, search_exact = NULL WHERE id = %s", [indexed[0].pk]
        )
    _check_fails_with("articles.E103")
    call_command("search_reindex", verbosity=0)
    assert _ids() == []
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS article_search_exact_gin")  # the phrase index, of either kind
        cursor.execute("DROP INDEX IF EXISTS article_search_exact_rum")
    assert _ids() == ["articles.E102"]
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX article_unindexed_idx")
    assert _ids() == ["articles.E102", "articles.E102"]
    with connection.cursor() as cursor:  # the test's own transaction holds deferred FK checks, a real migrate none
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("migrate", verbosity=0, skip_checks=False)  # not refused; re-creates both
    assert _ids() == []


@pytest.fixture(scope="module")
def migration_walk(tmp_path_factory) -> dict:
    """tests/migration_walk.py on an empty SQLite file (its own process and database)."""
    path = tmp_path_factory.mktemp("walk") / "walk.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "tests/migration_walk.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_migration_leaves_the_trigger_in_place(migration_walk):
    """Migrated one articles migration at a time, a fresh SQLite database has the trigger after each from 0003
    (which creates the index) on, the rebuilds of the article table (0007, 0008, 0010, 0013) included."""
    assert (
        migration_walk["migrations"][0] == "0001_initial" and "0016_search_index_check" in migration_walk["migrations"]
    )
    assert migration_walk["missing"] == []
    assert migration_walk["after_walk"] == []


def test_a_table_rebuild_without_the_restore_is_caught_and_repaired(migration_walk):
    """What the restore step prevents: the rebuild drops the trigger, the check says so, and the post-migrate
    step (search_index_objects_ensure) puts it back."""
    assert migration_walk["after_rebuild"] == ["articles.E101"]
    assert migration_walk["after_ensure"] == []
