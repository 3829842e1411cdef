"""The expression index of the id sample that counts above the cap (articles.search.sampling): any step's
sample is a range scan of it, on SQLite and PostgreSQL (where a search ANDs it with the GIN bitmap)."""

import articles.search.sampling
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0010_ingest_pipeline'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='article',
            index=models.Index(articles.search.sampling.SampleHash('id'), name='article_sample_idx'),
        ),
    ]
