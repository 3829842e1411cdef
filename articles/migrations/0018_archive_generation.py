"""The archive generation: one number that every write to what search pages show moves on.

Search results and facets are cached under a key holding this number (articles.search.cache), so a
cached page is never stale: the number changes in the same transaction as the write, by triggers on the
tables the pages read (articles, mentions, entities, sources, topics, stories). Triggers rather than
calls in each service: ingest writes by raw INSERT/COPY, merges and story grouping by ``update()`` and
raw UPDATE, none of which send Django signals; a trigger sees them all, and an edit in the admin too.

PostgreSQL: a statement-level trigger (an ingest batch, one INSERT ... SELECT or COPY, costs one UPDATE of
the one-row table, also within a transaction, so a read later in the same transaction is not served an
older page); the row stays locked by the writing transaction until it commits (concurrent writing
transactions wait for each other at that point: reads never do). SQLite has only row-level triggers, and
one writer at a time anyway.

The table is not a Django model (nothing but these triggers writes it; articles.search.cache reads it).
"""

from django.db import migrations

TABLE = "articles_archive_generation"
WATCHED = (
    "articles_article",
    "articles_mention",
    "articles_entity",
    "articles_entityalias",
    "articles_source",
    "articles_topic",
    "articles_story",
)

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION archive_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {TABLE} SET value = value + 1 WHERE id = 1;
    RETURN NULL;
END $$;
"""


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    schema_editor.execute(f"CREATE TABLE {TABLE} (id integer PRIMARY KEY, value bigint NOT NULL)")
    schema_editor.execute(f"INSERT INTO {TABLE} (id, value) VALUES (1, 0)")
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)
        for table in WATCHED:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION archive_generation_bump()"
            )
    elif vendor == "sqlite":
        for table in WATCHED:
            for event in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_generation_{event.lower()} AFTER {event} ON {table} "
                    f"BEGIN UPDATE {TABLE} SET value = value + 1 WHERE id = 1; END"
                )


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in WATCHED:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_generation ON {table}")
        else:
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_generation_{event}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS archive_generation_bump()")
    schema_editor.execute(f"DROP TABLE {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0017_alias_tails_entity_lists")]
    operations = [migrations.RunPython(forward, backward)]
