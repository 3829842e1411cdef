"""Issue 23 (Arabic text, round 3) on an existing archive.

* Titles, source names, entity names and alias names lose edge format characters (RLM, LRM, BOM,
  ZWSP, ...) as new ones do (``articles.text.edge_trim``). Keys do not change: every key already
  dropped those characters.
* Every article is indexed again: the index words changed (the ة/ه spellings of a word share their
  stems, the ى of the function words is kept apart from ي). The same as ``manage.py search_reindex``,
  which an archive too large to re-index inside a migration can run instead (``--fake`` this one).
"""

from django.db import migrations


def _trim(model, field: str) -> None:
    from articles.text import edge_trim

    rows = model.objects.order_by("pk").values_list("pk", field).iterator(chunk_size=2000)
    changed = [(pk, trimmed) for pk, value in rows if (trimmed := edge_trim(value)) != value and trimmed]
    for pk, value in changed:
        model.objects.filter(pk=pk).update(**{field: value})


def _forwards(apps, schema_editor):
    for model_name, field in (("Article", "title"), ("Source", "name"), ("Entity", "name"), ("EntityAlias", "name")):
        _trim(apps.get_model("articles", model_name), field)
    # The live index code: the stored index is what the current rules write.
    from articles.search.backend import articles_index_bulk

    rows = apps.get_model("articles", "Article").objects.order_by("pk").values_list("pk", "title", "body")
    articles_index_bulk(rows.iterator(chunk_size=500))


class Migration(migrations.Migration):
    dependencies = [("articles", "0013_clipping_files")]

    operations = [migrations.RunPython(_forwards, migrations.RunPython.noop)]
