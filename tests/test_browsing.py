"""Browsing (issue 14 §3): result count, page numbers, filter chips, the unclassified topic, the
histogram's counts / selection / share mode / log scale, the source and topic indexes and pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from articles.search.pagination import CappedPage
from articles.search.selectors import Bar
from articles.web.charts import histogram_chart, sparkline
from tests.search_data import article_make, source_make, world_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    cache.clear()  # the share mode's totals and the index pages are cached
    yield world_make()
    cache.clear()


def _get(client, **params) -> str:
    response = client.get(reverse("search"), params)
    assert response.status_code == 200
    return response.content.decode()


def _chips(html: str) -> dict[str, str]:
    """{chip name: remove URL} of the page's active-filter chips."""
    return {
        name: url.replace("&amp;", "&")
        for name, url in re.findall(r'data-chip="(\w+)".*?<a href="([^"]+)" class="chip-remove"', html, re.S)
    }


def test_result_count_is_at_the_top(client, world):
    html = _get(client, q="بوتين")
    count = re.search(r'<p class="result-count" role="status">(.*?)</p>', html).group(1)
    assert "3" in count
    assert html.index('class="result-count"') < html.index('class="results"')


def test_topic_facet_counts_add_up_with_unclassified(client, world):
    html = _get(client)
    counts = dict(re.findall(r'data-facet="topic" data-slug="([^"]+)".*?<span class="count">(\d+)</span>', html, re.S))
    assert counts == {"economy": "2", "international": "1", "none": "1"}
    unclassified = _get(client, topic="none")
    assert unclassified.count('class="result"') == 1 and "خبر بلا تاريخ" in unclassified
    both = _get(client, topic=["none", "international"])
    assert both.count('class="result"') == 2
    assert _get(client, topic="no-such-topic").count('class="errors"') == 1


def test_every_filter_is_a_removable_chip(client, world):
    html = _get(
        client,
        q="بوتين",
        topic=["economy", "none"],
        source="lebanon24",
        entity="putin",
        kind="PERS",
        date_from="2024-03-01",
        date_to="2024-03-31",
    )
    chips = _chips(html)
    assert set(chips) == {"date", "entity", "kind", "source", "topic"}
    assert html.count('data-chip="topic"') == 2
    # Removing the date chip drops every date parameter and keeps the rest.
    assert "date_from" not in chips["date"] and "date_to" not in chips["date"]
    assert "source=lebanon24" in chips["date"] and "q=" in chips["date"]
    # Removing the entity-kind chip keeps the dates.
    assert "kind=" not in chips["kind"] and "date_from=2024-03-01" in chips["kind"]
    assert 'class="clear-filters"' in html
    # Following a chip really removes the filter.
    assert _get(client, **{"q": "بوتين", "kind": "LOC"}).count('class="result"') == 1
    without_kind = client.get(_chips(_get(client, q="بوتين", kind="LOC"))["kind"]).content.decode()
    assert without_kind.count('class="result"') == 3


def test_year_and_month_make_one_date_chip(client, world):
    html = _get(client, year=2024, month=3)
    chips = _chips(html)
    assert list(chips) == ["date"]
    assert "year" not in chips["date"] and "month" not in chips["date"]


def test_no_chips_without_filters(client, world):
    assert 'data-chip="' not in _get(client, q="بوتين")


def test_page_numbers_link_every_page_up_to_the_cap(client, world):
    for i in range(60):
        article_make(f"خبر رقم {i}", published_on=dt.date(2023, 1, 1) + dt.timedelta(days=i))
    html = _get(client, page=2)
    numbers = [int(n) for n in re.findall(r'data-page="(\d+)"', html)]
    assert numbers == [1, 3, 4]  # 64 articles: pages 1-4, page 2 current
    assert '<span aria-current="page">2</span>' in html
    with override_settings(SEARCH_COUNT_CAP=30):
        capped = _get(client)
        assert re.findall(r'data-page="(\d+)"', capped) == ["2"]  # 30 counted: 2 pages, then "…"
        shown = re.search(r'class="result-count"[^>]*>(.*?)</p>', capped).group(1)
        assert "نحو" in shown and int(re.search(r"[\d,]+", shown).group(0).replace(",", "")) > 30


def test_page_numbers_elide_the_middle():
    page = CappedPage(items=[], number=25, per_page=20, count=1000, count_is_estimate=False)
    assert page.page_numbers() == [1, None, 23, 24, 25, 26, 27, None, 50]
    assert CappedPage(items=[], number=1, per_page=20, count=5, count_is_estimate=False).page_numbers() == [1]


def test_histogram_writes_counts_and_marks_the_selected_month(client, world):
    html = _get(client, q="بوتين", date_from="2024-03-01", date_to="2024-03-31")
    assert re.search(r'class="bar selected" data-period="2024-03"', html)
    assert 'class="bar selected" data-period="2024-01"' not in html
    labels = re.findall(r'<text class="n"[^>]*>([^<]+)</text>', html)
    assert labels == ["1", "1"]  # January and March; the empty February has no label


def _bars(*counts: int, start: int = 2000) -> list[Bar]:
    return [
        Bar(period=str(start + i), count=n, date_from=dt.date(start + i, 1, 1), date_to=dt.date(start + i, 12, 31))
        for i, n in enumerate(counts)
    ]


def test_log_scale_keeps_small_years_visible():
    chart = histogram_chart(_bars(2000, 20, 5, 0), unit="year")
    assert chart.log_scale
    heights = [bar.height for bar in chart.bars]
    assert heights[0] == 100 and heights[2] > 15 and heights[3] == 0
    linear = histogram_chart(_bars(10, 8, 5), unit="year")
    assert not linear.log_scale and [b.height for b in linear.bars] == [100, 80, 50]


def test_share_mode_divides_by_the_archive_month():
    chart = histogram_chart(_bars(10, 10), unit="year", mode="share", totals={"2000": 100, "2001": 20})
    assert [b.label for b in chart.bars] == ["10%", "50%"]
    assert [b.height for b in chart.bars] == [20, 100]


def test_share_mode_on_the_search_page(client, world):
    html = _get(client, q="موسكو", hist="share")
    assert 'data-hist="count"' in html
    labels = re.findall(r'<text class="n"[^>]*>([^<]+)</text>', html)
    # January: 1 of 1 article; March: 1 (أسواق موسكو) of 2.
    assert labels == ["100%", "50%"]
    # The mode survives a facet click.
    assert re.search(r'data-facet="source"[^>]*', html)
    assert "hist=share" in re.search(r'<a href="([^"]+)" data-facet="source"', html).group(1)
    assert 'data-chip="' not in html


def test_sparkline_scales_counts():
    line = sparkline([0, 5, 10], width=100, height=22)
    assert line.points == "0.0,21.0 50.0,11.0 100.0,1.0"
    assert sparkline([0, 0]) is None


def test_source_and_topic_indexes(client, world):
    sources = client.get("/sources/").content.decode()
    rows = re.findall(r'<tr data-slug="([^"]+)">.*?<td class="count">(\d+)</td>', sources, re.S)
    assert rows == [("lebanon24", "2"), ("marib", "2")] or rows == [("marib", "2"), ("lebanon24", "2")]
    assert sources.count("<polyline") == 2
    topics = client.get("/topics/").content.decode()
    rows = dict(re.findall(r'<tr data-slug="([^"]+)">.*?<td class="count">(\d+)</td>', topics, re.S))
    assert {slug: n for slug, n in rows.items() if n != "0"} == {"economy": "2", "international": "1", "none": "1"}
    assert 'href="/search/?topic=none"' in topics


def test_source_page_has_histogram_top_entities_and_latest(client, world):
    html = client.get("/sources/lebanon24/").content.decode()
    assert '<figure class="timeline">' in html
    top = re.search(r'id="top-entities-h".*?</section>', html, re.S).group(0)
    assert "موسكو" in top and "بوتين" in top and "شي جين بينغ" in top
    assert html.count('class="result"') == 2
    titles = re.findall(r'<h2 lang="ar" dir="rtl"><a href="[^"]+">(.*?)</a>', html)
    assert titles == ["أسواق موسكو", "قمة اقتصادية"]  # newest first
    topic = client.get("/topics/economy/").content.decode()
    assert '<figure class="timeline">' in topic and 'id="top-entities-h"' in topic


def test_index_pages_escape_names(client, world):
    source_make("<b>x</b>", "bold")
    cache.clear()
    html = client.get("/sources/").content.decode()
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    assert 'rel="icon"' in client.get("/sources/").content.decode()


def test_admin_speaks_arabic_with_arabic_dates(client, world):
    from django.contrib.auth.models import User

    from articles.models import Article

    admin = User.objects.create_superuser("boss", password="a long admin password")
    client.force_login(admin)
    Article.objects.filter(pk=world["articles"][0].pk).update(published_on=dt.date(2026, 11, 29))
    html = client.get("/admin/articles/article/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "29 نوفمبر 2026" in html  # not "29 نوفمبر، 2026" (Django's ar default) nor "Nov. 29, 2026"
    assert "المقالات" in html and ">Articles<" not in html and ">الأرشيف<" in html
    change = client.get(f"/admin/articles/article/{world['articles'][0].pk}/change/", HTTP_ACCEPT_LANGUAGE="ar")
    text = change.content.decode()
    assert "مصدر الموضوع" in text and "topic given by" not in text  # field names translated


def test_api_errors_in_one_language_per_request(client, world):
    arabic = client.get("/api/articles/", {"page": "0"}, HTTP_ACCEPT_LANGUAGE="ar").json()
    assert arabic["error"].startswith("يجب") and "page" in arabic["error"]
    english = client.get("/api/articles/", {"page": "0"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["error"].startswith("page must be")
    form_error = client.get("/api/articles/", {"date_to": "soon"}, HTTP_ACCEPT_LANGUAGE="ar").json()
    assert form_error["error"].startswith("قيمة غير صالحة") and not any(c.isascii() and c.isalpha() for c in
                                                                     form_error["errors"]["date_to"][0]["message"])


def test_sqlite_fts_delete_trigger_survives_the_migrations():
    """SQLite rebuilds articles_article to add a column, dropping its triggers (0007 puts it back)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the FTS delete trigger exists on SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'articles_article'")
        assert ("article_fts_delete",) in cursor.fetchall()


def test_sparklines_cover_the_last_three_years(client, world):
    article_make("خبر قديم جدا", published_on=dt.date(1990, 5, 1))
    cache.clear()
    html = client.get("/sources/").content.decode()
    points = re.search(r'<tr data-slug="marib">.*?<polyline points="([^"]+)"', html, re.S).group(1).split()
    assert len(points) == 36  # 2021-04 .. 2024-03, not 1990 .. 2024
