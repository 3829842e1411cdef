"""Run by tests/test_search_index_check.py in a subprocess whose DATABASE_URL is an empty SQLite file (its own
database, so the data migrations' writes land there): migrates the articles app one migration at a time and
prints JSON: the migrations after which the FTS delete trigger was missing, the check's findings at the end,
then those after a table rebuild without the restore step, and after ``search_index_objects_ensure``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")

import django

django.setup()

from django.db import connection, models  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402

from articles.models import Article  # noqa: E402
from articles.search.checks import FTS_TRIGGER, search_index_inspect, search_index_objects_ensure  # noqa: E402


def trigger_present() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s", [FTS_TRIGGER])
        return cursor.fetchone() is not None


def findings() -> list[str]:
    return sorted(message.id for message in search_index_inspect(connection=connection))


executor = MigrationExecutor(connection)
(leaf,) = [name for app, name in executor.loader.graph.leaf_nodes() if app == "articles"]
names = [name for app, name in executor.loader.graph.forwards_plan(("articles", leaf)) if app == "articles"]
missing = []
for name in names:
    MigrationExecutor(connection).migrate([("articles", name)])
    if name >= "0003" and not trigger_present():
        missing.append(name)
MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
after_walk = findings()

# What the restore steps prevent: a new NOT NULL column makes SQLite's schema editor rebuild the table.
field = models.IntegerField(default=0)
field.set_attributes_from_name("rebuild_probe")
with connection.schema_editor() as editor:
    editor.add_field(Article, field)
after_rebuild = findings()
search_index_objects_ensure(connection=connection)
print(
    json.dumps(
        {
            "migrations": names,
            "missing": missing,
            "after_walk": after_walk,
            "after_rebuild": after_rebuild,
            "after_ensure": findings(),
        }
    )
)
