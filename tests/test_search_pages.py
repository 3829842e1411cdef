"""Search, article, entity, source and topic pages: facets, histogram, highlighting, entity links,
the entity index, hostile input and bounded query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.search_data import article_make, topic_get, world_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return world_make()


def facet_counts(html: str, facet: str) -> dict[str, int]:
    pattern = rf'data-facet="{facet}" data-slug="([^"]+)".*?<span class="count">(\d+)</span>'
    return {slug: int(n) for slug, n in re.findall(pattern, html, re.S)}


def test_search_page_lists_highlighted_escaped_results(client, world):
    html = client.get(reverse("search"), {"q": "بوتين"}).content.decode()
    assert html.count('class="result"') == 3
    assert "<mark>بوتين</mark>" in html
    assert "<mark>لبوتين</mark> رسالة &lt;script&gt;alert(1)&lt;/script&gt; جديدة." in html
    assert "<script>alert" not in html


def test_facets_exclude_their_own_filter(client, world):
    html = client.get(reverse("search"), {"q": "موسكو", "topic": "economy"}).content.decode()
    assert html.count('class="result"') == 1
    # Topic counts ignore the topic filter (multi-select), source counts respect it.
    assert facet_counts(html, "topic") == {"international": 1, "economy": 1}
    assert facet_counts(html, "source") == {"lebanon24": 1}
    both = client.get(reverse("search"), {"q": "موسكو", "topic": ["economy", "international"]}).content.decode()
    assert both.count('class="result"') == 2


def test_entities_narrow_together(client, world):
    html = client.get(reverse("search"), {"entity": ["putin", "moscow"]}).content.decode()
    assert html.count('class="result"') == 1
    assert facet_counts(html, "entity") == {"putin": 1, "moscow": 1}
    assert client.get(reverse("search"), {"kind": "LOC"}).content.decode().count('class="result"') == 2


def test_histogram_bars_link_to_narrower_ranges(client, world):
    html = client.get(reverse("search"), {"q": "بوتين"}).content.decode()
    bars = re.findall(r'<a href="([^"]+)" role="listitem".*?<rect class="fill"[^>]* height="([\d.]+)"', html, re.S)
    assert [b[1] for b in bars] == ["100.0", "0", "100.0"]  # 2024-01, 2024-02 (empty), 2024-03
    url = bars[2][0].replace("&amp;", "&")
    assert "date_from=2024-03-01" in url and "date_to=2024-03-31" in url
    narrowed = client.get(url).content.decode()
    assert narrowed.count('class="result"') == 1
    assert client.get(reverse("search"), {"year": 2024, "month": 3}).content.decode().count('class="result"') == 2


def test_sort_orders_and_undated_last(client, world):
    newest = client.get(reverse("search"), {"sort": "newest"}).content.decode()
    oldest = client.get(reverse("search"), {"sort": "oldest"}).content.decode()
    titles_newest = re.findall(r'<h2 lang="ar" dir="rtl"><a href="[^"]+">(.*?)</a>', newest)
    titles_oldest = re.findall(r'<h2 lang="ar" dir="rtl"><a href="[^"]+">(.*?)</a>', oldest)
    assert titles_newest == ["أسواق موسكو", "قمة اقتصادية", "بوتين في موسكو", "خبر بلا تاريخ"]
    assert titles_oldest == ["بوتين في موسكو", "قمة اقتصادية", "أسواق موسكو", "خبر بلا تاريخ"]


@pytest.mark.parametrize(
    "params",
    [
        {"q": '"'},
        {"q": "OR"},
        {"q": "-"},
        {"q": "\x00"},
        {"q": "a" * 10_000},
        {"q": "'; DROP TABLE x; --"},
        {"topic": "nope"},
        {"entity": "nope"},
        {"date_from": "yesterday"},
        {"year": "x"},
        {"month": "13"},
        {"month": "2"},
        {"sort": "random"},
        {"page": "-1"},
        {"page": "99999999999"},
        {"kind": "XXX"},
        {"date_from": "2025-01-01", "date_to": "2020-01-01"},
    ],
)
def test_hostile_parameters_give_a_page(client, world, params):
    assert client.get(reverse("search"), params).status_code == 200


def test_article_page_links_mentions_and_related(client, world):
    first = world["articles"][0]
    html = client.get(first.get_absolute_url()).content.decode()
    assert f'href="{world["putin"].get_absolute_url()}">بوتين</a> في <a class="entity entity-loc"' in html
    assert "استقبل بوتين ضيوفه" in html  # the mention is at the first occurrence, in the title
    related = re.search(r'<section class="related".*?</section>', html, re.S).group(0)
    assert "قمة اقتصادية" in related and "أسواق موسكو" in related


def test_entity_page(client, world):
    html = client.get(world["putin"].get_absolute_url()).content.decode()
    assert html.count('class="result"') == 3
    assert "Putin" in html and "فلاديمير بوتين" in html
    co = re.search(r'<section class="facet" aria-labelledby="co-h">.*?</section>', html, re.S).group(0)
    assert "موسكو" in co and "شي جين بينغ" in co
    assert 'class="histogram"' in html


@pytest.mark.parametrize("q", ["بوتين", "بُوتِين", "فلاديمير", "putin", "PUTIN", "Put", "بوتـين"])
def test_entity_index_finds_any_alias_or_variant(client, world, q):
    html = client.get(reverse("entity_index"), {"q": q}).content.decode()
    assert 'href="/entities/putin/"' in html
    assert 'href="/entities/moscow/"' not in html


def test_source_and_topic_pages(client, world):
    assert client.get(reverse("source_detail", args=["marib"])).content.decode().count('class="result"') == 2
    assert client.get(reverse("topic_detail", args=["economy"])).content.decode().count('class="result"') == 2


def test_pages_are_arabic_rtl_with_english_available(client, world):
    html = client.get(reverse("search")).content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "البحث في الأرشيف" in html and "الأحدث أولًا" in html  # locale/ar is compiled and shipped
    english = client.get(reverse("search"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en" dir="ltr">' in english
    assert "Search the archive" in english and "Newest first" in english


def _more_articles(n: int, world) -> None:
    for i in range(n):
        article_make(
            f"بوتين خبر رقم {i}",
            f"نص عن بوتين وموسكو {i}",
            published_on=dt.date(2023, 1 + i % 12, 1),
            topic=topic_get("economy"),
            entities=(world["putin"], world["moscow"]),
        )


PAGES = [
    ("search", {"q": "بوتين"}),
    ("search", {"q": "بوتين", "sort": "newest", "topic": "economy", "entity": "putin"}),
    ("search", {}),
    ("entity_index", {}),
    ("home", {}),
]


@pytest.mark.parametrize(("name", "params"), PAGES)
def test_query_count_does_not_grow_with_the_page(client, world, name, params):
    def count() -> int:
        cache.clear()  # the home page caches its totals: compare two uncached renderings
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(name), params).status_code == 200
        return len(ctx)

    small = count()
    _more_articles(25, world)
    assert count() == small


@pytest.mark.parametrize(
    ("url", "limit"),
    [
        # +1 for a query naming an entity: its other spellings are looked up (one query)
        ("/search/?q=بوتين", 14),
        # topic, source and date filters in use: each of those facets counts its wider set (the coarsest
        # sample, then one read while it is under the cap), and topic and source names are one query each
        # (PostgreSQL adds its planner settings: SET LOCAL, savepoints)
        ("/search/?q=بوتين&topic=economy&source=marib&entity=putin&entity=moscow&date_from=2020-01-01", 22),
        ("/search/", 10),
        ("/entities/", 4),
        # +1 for the editors' lists that name the entity (shown on its page)
        ("/entities/putin/", 10),
        ("/sources/marib/", 6),
        ("/topics/economy/", 6),
        ("/api/articles/?q=بوتين", 13),
    ],
)
def test_query_budget_per_page(client, world, django_assert_max_num_queries, url, limit):
    _more_articles(25, world)
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200


def test_article_page_query_budget(client, world, django_assert_max_num_queries):
    _more_articles(25, world)
    with django_assert_max_num_queries(5):
        assert client.get(world["articles"][0].get_absolute_url()).status_code == 200
