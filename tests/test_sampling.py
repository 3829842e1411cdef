"""Counts above the cap: the id sample, its SQL twin, the estimate and what the search page says."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.db import connection
from django.test import override_settings

from articles.models import Article
from articles.search.sampling import SAMPLE_STEPS, Count, count_estimate, in_sample, sample_filter, sample_sql
from articles.search.selectors import article_search
from tests.search_data import source_make, topic_get

pytestmark = pytest.mark.django_db


def _bulk(n: int, *, every: int = 1, title: str = "خبر") -> list[int]:
    """``n`` articles (not indexed: counts without a term need no index), every ``every``-th in topic
    economy and the rest in politics; returns their ids."""
    source = source_make()
    economy, politics = topic_get("economy"), topic_get("politics")
    rows = [
        Article(
            title=f"{title} {i}",
            body="نص",
            source=source,
            published_on=dt.date(2020, 1, 1) + dt.timedelta(days=i % 1000),
            topic=economy if i % every == 0 else politics,
            fingerprint=uuid.uuid4().hex,
        )
        for i in range(n)
    ]
    return [a.pk for a in Article.objects.bulk_create(rows, batch_size=500)]


def test_a_sample_is_a_range_of_the_sample_index():
    """The query's expression is the index's, so the database reads only the sampled ids."""
    sql, params = sample_filter(Article.objects.all(), 64).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        else:
            # On the test's near-empty table every plan costs about the same: with neither a sequential scan
            # nor an index-only walk of another index (filtering each row), only the sample index answers.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexonlyscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "article_sample_idx" in plan


def test_partial_search_indexes_hold_the_sample_of_16():
    migration = __import__("articles.migrations.0012_sample_search_indexes", fromlist=["PREDICATE"])
    assert migration.PREDICATE == sample_sql("id", 16)


def test_samples_nest_and_spread_over_alternating_ids():
    ids = range(1, 200_001)
    for step in SAMPLE_STEPS:
        assert abs(sum(in_sample(i, step) for i in ids) - len(ids) / step) <= 5
        # Every other id (a feed alternating two outlets): still one in step, not all or none.
        assert abs(sum(in_sample(i, step) for i in ids[::2]) - len(ids) / 2 / step) <= 5
    finer, coarser = SAMPLE_STEPS[0], SAMPLE_STEPS[1]
    assert all(in_sample(i, finer) for i in ids if in_sample(i, coarser))


def test_the_database_draws_the_same_sample_as_python():
    ids = _bulk(600)
    for step in SAMPLE_STEPS:
        drawn = set(sample_filter(Article.objects.filter(pk__in=ids), step).values_list("pk", flat=True))
        assert drawn == {i for i in ids if in_sample(i, step)}
    with pytest.raises(ValueError):
        sample_filter(Article.objects.all(), 7)
    # The FTS5 rowid test (raw SQL) draws the same sample.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM articles_article WHERE {sample_sql('id', 8)}")  # noqa: S608
        assert {row[0] for row in cursor.fetchall()} & set(ids) == {i for i in ids if in_sample(i, 8)}


def test_count_is_exact_up_to_the_cap_then_estimated_from_the_sample():
    ids = _bulk(1600)
    def sampled(step):
        return sample_filter(Article.objects.all(), step)

    assert count_estimate(sampled, cap=2000) == Count(1600)
    estimate = count_estimate(sampled, cap=100)
    assert estimate.is_estimate and estimate.step in SAMPLE_STEPS
    sampled = sum(in_sample(i, estimate.step) for i in ids)
    assert estimate.value == max(sampled * estimate.step, 101)
    assert abs(estimate.value - 1600) / 1600 < 0.2


@override_settings(SEARCH_COUNT_CAP=100)
def test_search_page_facets_and_histogram_are_sample_estimates_above_the_cap():
    ids = _bulk(1600, every=4)  # a quarter in economy
    result = article_search(data={})
    step = result.sample_step
    assert result.page.count_is_estimate and result.facets_are_estimates and step in SAMPLE_STEPS
    assert result.page.count == 100  # pages stop at the cap
    sampled = [i for i in ids if in_sample(i, step)]
    economy = next(v.count for v in result.facets["topic"] if v.slug == "economy")
    order = {pk: n for n, pk in enumerate(ids)}
    assert economy == step * sum(1 for i in sampled if order[i] % 4 == 0)
    assert sum(bar.count for bar in result.histogram.bars) == step * len(sampled)


@override_settings(SEARCH_COUNT_CAP=50)
def test_text_search_samples_inside_the_index_and_judges_leads_on_all_matches():
    """The sampled search (FTS5 narrows to the sample itself on SQLite) finds exactly the sampled
    matches; a later copy whose first copy matches outside the sample is still not shown."""
    from articles.search.filters import ArticleFilter
    from tests.search_data import article_make

    articles = [article_make(f"بوتين في موسكو {i}") for i in range(150)]
    filterset = ArticleFilter({"q": "بوتين"}, queryset=Article.objects.all())
    for step in SAMPLE_STEPS:
        assert set(filterset.sampled(step).values_list("pk", flat=True)) == {
            a.pk for a in articles if in_sample(a.pk, step)
        }
    result = article_search(data={"q": "بوتين"})
    assert result.page.count_is_estimate and abs(result.page.estimate - 150) / 150 < 0.5


@override_settings(SEARCH_COUNT_CAP=100)
def test_search_page_labels_the_estimate(client):
    _bulk(400, title="بوتين")
    html = client.get("/search/", {"q": "", "group": "none"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "results (estimated)" in html and "one match in" in html


@override_settings(SEARCH_COUNT_CAP=100)
def test_a_facet_without_its_own_filter_is_counted_like_the_results_never_truncated():
    """Topic selected: the topic facet counts the larger set without that filter; above the cap it
    is estimated from its own sample and labelled, not cut at a bound."""
    _bulk(1600, every=4)  # 400 economy, 1,200 politics
    result = article_search(data={"topic": ["economy"]})
    counts = {v.slug: v.count for v in result.facets["topic"]}
    assert result.facets_are_estimates and result.sample_step in SAMPLE_STEPS
    assert abs(counts["politics"] - 1200) / 1200 < 0.25 and abs(counts["economy"] - 400) / 400 < 0.4


@override_settings(SEARCH_COUNT_CAP=50)
def test_entity_page_above_the_cap_estimates_from_its_sample_and_says_so(client):
    from articles.search.selectors import entity_overview
    from tests.search_data import article_make, entity_make

    putin = entity_make("بوتين", slug="putin")
    for i in range(300):
        article_make(f"بوتين في موسكو {i}", published_on=dt.date(2020 + i % 3, 1, 1), entities=(putin,))
    overview = entity_overview(entity=putin, page=1, per_page=20)
    assert overview.page.count_is_estimate and overview.step in SAMPLE_STEPS
    assert abs(sum(bar.count for bar in overview.histogram.bars) - 300) / 300 < 0.4
    assert len(overview.page.items) == 20
    html = client.get("/entities/putin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "one match in" in html


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's date-walk listing")
def test_sqlite_date_walk_lists_the_same_page(monkeypatch, settings):
    """Under a filter the count is small while FTS5 reports many matches: the listing walks the
    date index, and the page is the one the match-driven plan gives."""
    settings.SEARCH_CACHE_SECONDS = 0  # the same search is run under two plans
    from articles.search import sqlite
    from tests.search_data import article_make

    for i in range(30):
        article_make(f"بوتين في موسكو {i}", "نص عن بوتين", published_on=dt.date(2019 + i % 4, 1 + i % 12, 1))
    from django.test.utils import CaptureQueriesContext

    pages, walked = [], []
    for threshold in (10**9, 5):
        monkeypatch.setattr(sqlite, "DATE_WALK_MATCHES", threshold)
        for sort in ("relevance", "newest"):
            data = {"q": "بوتين", "sort": sort, "date_from": "2020-01-01", "date_to": "2021-12-31"}
            with CaptureQueriesContext(connection) as ctx:
                pages.append([a.pk for a in article_search(data=data, facets=False).page.items])
            walked.append(any(re.search(r'\+"\w+"\."id" IN', q["sql"]) for q in ctx.captured_queries))
    assert pages[:2] == pages[2:] and pages[0]
    assert walked == [False, False, True, True]
