"""What a restore must give back, read from the archive's database and originals storage as JSON-able values:
articles, entities, mentions, stories, stored files and search results (ids in rank order, counts, facets).
Run in this process for the backed-up archive and as `python tests/backup_probe.py` for the restored one."""

from __future__ import annotations

import hashlib
import json
import sys

QUERIES = ["درعا", "النفط", "مجلس الأمن", "أسعار", "الأمم المتحدة"]


def archive_state() -> dict:
    from articles.backup import _storage_names
    from articles.ingest.models import OriginalFile, originals_storage
    from articles.models import Article, Entity, EntityAlias, Mention, Story
    from articles.search.selectors import article_search

    storage = originals_storage()
    searches = {}
    for q in QUERIES:
        result = article_search(data={"q": q})
        searches[q] = {
            "ids": [a.pk for a in result.page.items],
            "count": result.page.count,
            "facets": {name: [[v.slug, v.count] for v in values] for name, values in sorted(result.facets.items())},
        }
    files = {}
    for name in _storage_names(storage):
        with storage.open(name, "rb") as handle:
            files[name] = hashlib.sha256(handle.read()).hexdigest()
    return {
        "articles": [list(r) for r in Article.objects.order_by("pk").values_list(
            "pk", "title", "body", "fingerprint", "source__key", "published_on", "topic__slug", "story_id",
            "story_lead", "original__sha256")],
        "entities": [list(r) for r in Entity.objects.order_by("pk").values_list("pk", "kind", "key", "article_count")],
        "aliases": EntityAlias.objects.count(),
        "mentions": [list(r) for r in Mention.objects.order_by("pk").values_list("pk", "article_id", "entity_id")],
        "stories": [list(r) for r in Story.objects.order_by("pk").values_list("pk", "lead_id", "size")],
        "originals": sorted(OriginalFile.objects.values_list("sha256", flat=True)),
        "files": files,
        "searches": searches,
    }


if __name__ == "__main__":
    import os
    from pathlib import Path

    import django

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    django.setup()
    print(json.dumps(archive_state(), ensure_ascii=False, default=str))
