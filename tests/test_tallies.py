"""Facet counts grouped by the database (articles.search.tallies) equal the Python tallies of the
rows they replaced, for every set read: all rows, a capped read, and each id sample."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter

import pytest

from articles.models import Article
from articles.search.facets import FACET_FIELDS, month_date, month_key
from articles.search.sampling import in_sample, sample_filter
from articles.search.tallies import tally_estimate, tally_read, thinning_step
from tests.search_data import source_make, topic_get

pytestmark = pytest.mark.django_db


def _mixed(n: int) -> None:
    """``n`` articles over 3 sources, 2 topics, no topic, pending and failed enrichment, 30 months
    and some undated."""
    sources = [source_make(f"مصدر {k}", f"src-{k}") for k in range(3)]
    topics = [topic_get("economy"), topic_get("politics"), None]
    states = [Article.Enrichment.DONE, Article.Enrichment.DONE, Article.Enrichment.PENDING, Article.Enrichment.FAILED]
    rows = [
        Article(
            title=f"خبر {i}",
            body="نص",
            source=sources[i % 3 if i % 7 else 0],
            topic=topics[(i // 2) % 3],
            enrichment=states[(i // 3) % 4],
            published_on=None if i % 11 == 0 else dt.date(2021, 1, 15) + dt.timedelta(days=(i * 37) % 900),
            fingerprint=uuid.uuid4().hex,
        )
        for i in range(n)
    ]
    Article.objects.bulk_create(rows, batch_size=500)


def _python_tally(queryset, limit: int):
    """What facets.py tallied before: the rows read, counted in Python."""
    rows = list(queryset.order_by().annotate(f_month=month_key()).values_list(*FACET_FIELDS)[: limit + 1])
    topics: Counter = Counter()
    pending = 0
    for _, topic_id, _, enrichment, _ in rows:
        if enrichment == Article.Enrichment.PENDING:
            pending += 1
        else:
            topics[topic_id] += 1
    months: Counter = Counter(month_date(row[4]) for row in rows if row[4] is not None)
    return rows, dict(topics), pending, dict(Counter(row[2] for row in rows)), dict(months)


@pytest.mark.parametrize("step", [1, 2, 8, 64])
def test_grouped_counts_equal_the_python_tallies_they_replace(step):
    _mixed(900)
    queryset = sample_filter(Article.objects.all(), step)
    for limit in (10_000, 150):  # all rows; a capped read (limit + 1 rows)
        rows, topics, pending, sources, months = _python_tally(queryset, limit)
        tally = tally_read(queryset, limit, step=step, id_limit=100)
        assert tally.n == len(rows)
        assert (tally.topics, tally.pending, tally.sources, tally.months) == (topics, pending, sources, months)
        if step == 1:  # the data has every kind of value the SQL groups
            assert None in tally.topics and tally.pending and len(tally.sources) == 3 and len(tally.months) > 12
        # Entity-facet ids: the rows' ids thinned to the sample Python would have chosen.
        ids = [row[0] for row in rows]
        assert tally.ids_step == thinning_step(len(ids), step, 100)
        assert set(tally.ids) == {i for i in ids if in_sample(i, tally.ids_step)}
        if limit > len(ids) > 100:  # (a capped read follows the sample index: its rows are the lowest hashes)
            assert tally.ids_step > step and 0 < len(tally.ids) < len(ids)


def test_the_estimate_keeps_the_tally_of_the_sample_it_counted():
    _mixed(1200)

    def sampled(step: int):
        return sample_filter(Article.objects.all(), step)

    exact = tally_estimate(sampled, cap=5000)
    assert exact.step == 1 and exact.value == 1200 == exact.rows.n
    assert sum(exact.rows.sources.values()) == 1200
    assert sum(exact.rows.topics.values()) + exact.rows.pending == 1200
    estimate = tally_estimate(sampled, cap=100)
    assert estimate.is_estimate
    in_step = [pk for pk in Article.objects.values_list("pk", flat=True) if in_sample(pk, estimate.step)]
    assert estimate.rows.n == len(in_step) and sum(estimate.rows.sources.values()) == len(in_step)
