"""Search pages are cached under the archive generation: a repeated search is served from the cache,
and any write to what the page shows (ingest, edit, entity merge, story grouping, raw SQL) moves the
generation on, so a cached page is never stale."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, Entity, Mention
from articles.search.cache import archive_generation, search_cache_key
from articles.search.selectors import article_search
from tests.search_data import article_make, source_make

pytestmark = pytest.mark.django_db


def _titles(data) -> list[str]:
    return [a.title for a in article_search(data=data).page.items]


def test_a_repeated_search_is_served_from_the_cache():
    article_make("بوتين في موسكو")
    with CaptureQueriesContext(connection) as first:
        article_search(data={"q": "بوتين"})
    with CaptureQueriesContext(connection) as second:
        result = article_search(data={"q": "بوتين"})
    assert [a.title for a in result.page.items] == ["بوتين في موسكو"]
    assert result.facets["source"][0].count == 1
    # The search's count, page and facets are not run again: only the generation and the expansion look-up.
    assert len(second.captured_queries) < len(first.captured_queries)
    assert not any("articles_article" in q["sql"] and "COUNT" in q["sql"] for q in second.captured_queries)


def test_every_kind_of_write_moves_the_generation_and_the_page_follows():
    first = article_make("بوتين في موسكو")
    assert _titles({"q": "بوتين"}) == ["بوتين في موسكو"]
    before = archive_generation()
    # A new article (an INSERT, as ingest writes): seen at once.
    article_make("بوتين في بكين")
    assert archive_generation() > before
    assert sorted(_titles({"q": "بوتين"})) == ["بوتين في بكين", "بوتين في موسكو"]
    # An edit by update() (no signal, no save): seen at once.
    before = archive_generation()
    Article.objects.filter(pk=first.pk).update(source=source_make("جريدة أخرى", "other"))
    assert archive_generation() > before
    sources = {v.slug for v in article_search(data={"q": "بوتين"}).facets["source"]}
    assert "other" in sources
    # Raw SQL (as the PostgreSQL COPY path and story grouping write) and a delete.
    before = archive_generation()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM articles_article WHERE id = %s", [first.pk])
    assert archive_generation() > before
    assert _titles({"q": "بوتين"}) == ["بوتين في بكين"]


def test_an_entity_merge_moves_the_generation():
    article = article_make("بوتين في موسكو")
    entity = Entity.objects.create(name="بوتين", kind="PER", slug="putin", article_count=2)
    before = archive_generation()
    Mention.objects.create(article=article, entity=entity, surface="بوتين", start=0, end=5, in_title=True)
    assert archive_generation() > before
    before = archive_generation()
    Entity.objects.filter(pk=entity.pk).update(name="فلاديمير بوتين")
    assert archive_generation() > before


def test_the_key_holds_the_generation_and_every_parameter():
    article_make("بوتين في موسكو")
    key = search_cache_key(kind="search", data={"q": "بوتين"}, page=1)
    assert key == search_cache_key(kind="search", data={"q": "بوتين"}, page=1)
    assert key != search_cache_key(kind="search", data={"q": "بوتين"}, page=2)
    assert key != search_cache_key(kind="search", data={"q": "بوتين", "sort": "newest"}, page=1)
    assert key.split(":")[1] == str(archive_generation())
    article_make("خبر آخر")
    assert key != search_cache_key(kind="search", data={"q": "بوتين"}, page=1)


def test_caching_can_be_turned_off(settings):
    settings.SEARCH_CACHE_SECONDS = 0
    article_make("بوتين في موسكو")
    with CaptureQueriesContext(connection) as first:
        article_search(data={"q": "بوتين"})
    with CaptureQueriesContext(connection) as second:
        article_search(data={"q": "بوتين"})
    assert len(second.captured_queries) == len(first.captured_queries)


def test_on_redis_the_cached_page_is_shared_and_never_stale(settings):
    """Production's cache (CACHE_URL: Django's Redis backend): the page is pickled there whole, and a write
    makes the next search compute afresh."""
    import uuid

    from django.core.cache import caches

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    settings.SEARCH_CACHE_SECONDS = 60
    settings.CACHES = {
        **settings.CACHES,
        "search": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        },
    }
    try:
        caches["search"].get("probe")
    except Exception as exc:
        pytest.skip(f"no Redis at {redis_url}: {exc}")
    article_make("بوتين في موسكو")
    first = article_search(data={"q": "بوتين"})
    with CaptureQueriesContext(connection) as again:
        second = article_search(data={"q": "بوتين"})
    assert [a.title for a in second.page.items] == [a.title for a in first.page.items] == ["بوتين في موسكو"]
    assert second.page.items[0].title_html and second.facets["source"][0].count == 1
    assert not any("COUNT" in q["sql"] for q in again.captured_queries)
    article_make("بوتين في بكين")
    assert len(article_search(data={"q": "بوتين"}).page.items) == 2
    # No clear(): on Redis it is FLUSHDB of a database other processes use; the keys expire by themselves.


def test_an_entity_page_is_cached_and_follows_a_new_mention():
    from articles.search.selectors import entity_overview

    entity = Entity.objects.create(name="بوتين", kind="PER", slug="putin", article_count=2)
    first = article_make("بوتين في موسكو")
    Mention.objects.create(article=first, entity=entity, surface="بوتين", start=0, end=5, in_title=True)
    assert [a.pk for a in entity_overview(entity=entity, page=1, per_page=20).page.items] == [first.pk]
    with CaptureQueriesContext(connection) as again:
        entity_overview(entity=entity, page=1, per_page=20)
    assert len(again.captured_queries) == 1  # the generation only
    second = article_make("بوتين في بكين")
    Mention.objects.create(article=second, entity=entity, surface="بوتين", start=0, end=5, in_title=True)
    assert {a.pk for a in entity_overview(entity=entity, page=1, per_page=20).page.items} == {first.pk, second.pk}
