"""PostgreSQL: the search vectors of the 1/16 id sample in GIN indexes of their own, and the sample index
made covering (articles.search.sampling).

A common word's bitmap from the whole GIN index is the dearest part of counting its sample (417,518 matches
at 1,000,000 articles: 70-150 ms to build before the sample narrows it); these partial indexes hold one
article in 16, so a sample of step 16 or coarser reads a sixteenth of the postings (5 ms). PostgreSQL proves
that a coarser sample's condition (hash < 2³²/32 …) implies the index predicate (hash < 2³²/16). About 6 % of
the two GIN indexes' size and insert work. SQLite needs nothing: its sample test runs inside the FTS5 scan.

``article_sample_idx`` (migration 0011) is re-created with the columns a count reads (articles.search.facets)
INCLUDEd: a sample without a text query (browse, an entity filter) is then an index-only range scan
(entity filter at 1,000,000 articles, 1/16 sample: 71 ms instead of 180). Django's model state keeps the
plain expression index (INCLUDE is PostgreSQL's; on SQLite Django would warn and ignore it).
"""

from django.db import migrations

# articles.search.sampling.sample_sql("id", 16), frozen here (tests/test_sampling.py checks they agree).
PREDICATE = "((id * 2654435761) & 4294967295) < 268435456"
INDEXES = {"article_sample_stemmed_gin": "search_stemmed", "article_sample_exact_gin": "search_exact"}


SAMPLE_HASH = "((id * 2654435761) & 4294967295)"
COVERED = "id, story_lead, story_id, topic_id, source_id, enrichment, published_on"


def _run(forward: bool):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("DROP INDEX IF EXISTS article_sample_idx")
        include = f" INCLUDE ({COVERED})" if forward else ""
        schema_editor.execute(f"CREATE INDEX article_sample_idx ON articles_article (({SAMPLE_HASH})){include}")
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
