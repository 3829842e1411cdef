"""Migration 0019_rum_exact_index: phrases on a RUM index where PostgreSQL has the extension, GIN kept
otherwise (with a message), nothing on SQLite; phrase searches give the same results either way."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection

from articles.search.selectors import article_search
from tests.search_data import article_make

pytestmark = pytest.mark.django_db
migration = importlib.import_module("articles.migrations.0019_rum_exact_index")


def _indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'articles_article'")
        return {row[0] for row in cursor.fetchall()}


def _phrase_titles() -> list[str]:
    return sorted(a.title for a in article_search(data={"q": '"الأمم المتحدة"'}).page.items)


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("RUM is a PostgreSQL access method; SQLite keeps FTS5")


def test_with_the_extension_phrases_use_the_rum_index(postgres):
    with connection.schema_editor() as editor:
        if not migration.rum_available(editor):
            pytest.skip("the rum extension is not installed here (apt-get install postgresql-15-rum)")
    assert migration.RUM_INDEX in _indexes() and migration.GIN_INDEX not in _indexes()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        phrase = "'الامم' <-> 'المتحده'"
        cursor.execute("EXPLAIN SELECT id FROM articles_article WHERE search_exact @@ %s::tsquery", [phrase])
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert migration.RUM_INDEX in plan


def test_without_the_extension_gin_is_kept_with_a_message_and_results_are_the_same(postgres, monkeypatch, capsys):
    article_make("الأمم المتحدة تجتمع")
    article_make("الأمم في المتحدة")  # both words, not side by side: not the phrase
    with connection.cursor() as cursor:  # the inserts' deferred FK checks, else no DDL on the table
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor(atomic=False) as editor:
        migration.backward(None, editor)  # as before the migration: GIN
    gin_titles = _phrase_titles()
    monkeypatch.setattr(migration, "rum_available", lambda editor: False)
    with connection.schema_editor(atomic=False) as editor:
        migration.forward(None, editor)
    message = capsys.readouterr().out
    assert "'rum' is not installed" in message and "apt-get install postgresql-15-rum" in message
    assert migration.GIN_INDEX in _indexes() and migration.RUM_INDEX not in _indexes()
    assert gin_titles == ["الأمم المتحدة تجتمع"]
    monkeypatch.undo()
    with connection.schema_editor(atomic=False) as editor:
        if not migration.rum_available(editor):
            return
        migration.forward(None, editor)
    assert migration.RUM_INDEX in _indexes()
    assert _phrase_titles() == gin_titles


def test_a_deployment_may_keep_gin_by_choice(postgres, monkeypatch, capsys):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor(atomic=False) as editor:
        migration.backward(None, editor)
        monkeypatch.setenv("SEARCH_PHRASE_INDEX", "gin")
        migration.forward(None, editor)
    assert "SEARCH_PHRASE_INDEX=gin" in capsys.readouterr().out
    assert migration.GIN_INDEX in _indexes() and migration.RUM_INDEX not in _indexes()


def test_sqlite_is_left_to_fts5():
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite half")
    migration.forward(None, SimpleNamespace(connection=connection))  # nothing to do, no error
    assert article_make("الأمم المتحدة تجتمع") and _phrase_titles() == ["الأمم المتحدة تجتمع"]
