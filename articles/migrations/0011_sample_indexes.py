"""Partial indexes over the systematic id samples that count above the cap (articles.sampling).

PostgreSQL only: a search's GIN bitmap is ANDed with the sample's (a hash of the id, see
``articles.sampling.sample_sql``) so only the sampled matches are visited. SQLite's plans start from the FTS5 match list, where the id test is
free, so it needs none. Built CONCURRENTLY would not run in a transaction; plain CREATE INDEX on
1,000,000 rows takes a few seconds per index (each holds 1/step of the ids).
"""

from django.db import migrations

STEPS = (8, 64, 512)


def sample_sql(column: str, step: int) -> str:
    # Frozen copy of articles.sampling.sample_sql (tests/test_sampling.py checks they agree).
    return f"(({column} * 2654435761) % 4294967296) < {4294967296 // step}"


def _run(forward: bool):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for step in STEPS:
            if forward:
                # params=None: the driver must not read "%" as a placeholder.
                where = sample_sql("id", step)
                sql = f"CREATE INDEX IF NOT EXISTS article_sample{step}_idx ON articles_article (id) WHERE {where}"
                schema_editor.execute(sql, None)
            else:
                schema_editor.execute(f"DROP INDEX IF EXISTS article_sample{step}_idx")

    return run


class Migration(migrations.Migration):
    dependencies = [("articles", "0010_ingest_pipeline")]
    operations = [migrations.RunPython(_run(True), _run(False))]
