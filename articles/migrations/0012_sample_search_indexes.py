"""PostgreSQL: the search vectors of the 1/16 id sample in GIN indexes of their own (articles.sampling).

A common word's bitmap from the whole GIN index is the dearest part of counting its sample (417,518 matches
at 1,000,000 articles: 70-150 ms to build before the sample narrows it); these partial indexes hold one
article in 16, so a sample of step 16 or coarser reads a sixteenth of the postings (5 ms). PostgreSQL proves
that a coarser sample's condition (hash < 2³²/32 …) implies the index predicate (hash < 2³²/16). About 6 % of
the two GIN indexes' size and insert work. SQLite needs nothing: its sample test runs inside the FTS5 scan.
"""

from django.db import migrations

# articles.sampling.sample_sql("id", 16), frozen here (tests/test_sampling.py checks they agree).
PREDICATE = "((id * 2654435761) & 4294967295) < 268435456"
INDEXES = {"article_sample_stemmed_gin": "search_stemmed", "article_sample_exact_gin": "search_exact"}


def _run(forward: bool):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name, column in INDEXES.items():
            if forward:
                schema_editor.execute(
                    f"CREATE INDEX IF NOT EXISTS {name} ON articles_article USING gin ({column}) WHERE {PREDICATE}"
                )
            else:
                schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return run


class Migration(migrations.Migration):
    dependencies = [("articles", "0011_sample_index")]
    operations = [migrations.RunPython(_run(True), _run(False))]
