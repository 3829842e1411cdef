"""The search page's facets and date histogram, grouped by the database over the set the result count read.

:func:`facet_count` counts a search as :func:`articles.search.sampling.count_estimate` does (exact up to
the cap, else its id sample), and each read is one grouped statement (:mod:`articles.search.tallies`):
rows per topic (and pending), per source, per month, and a thinned list of ids, from the same pass. No
row is tallied in Python and the search is not evaluated a second time. A facet whose own filter is in
use (topic and source are OR multi-selects, the histogram widens a date range) is grouped over the set
without that filter, read the same way (its sample when the count is an estimate). Entities need the
mention table: one query over the thinned ids (``ENTITY_FACET_ROWS``).

With ``step`` > 1 the rows are the sample of one article in ``step`` (:mod:`articles.search.sampling`) and
every count is multiplied by ``step``: an estimate, labelled on the page.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import get_language, gettext

from articles.models import LOW_CONFIDENCE, Entity, Mention, Source, Topic
from articles.search.filters import DATE_PARAMS, UNCLASSIFIED, ArticleFilter
from articles.search.sampling import Count, ids_sql
from articles.search.sql import rows_read
from articles.search.tallies import Tally, month_date, month_key, tally_estimate  # noqa: F401 - re-exported

FACET_SIZE = 15
# Months are shown up to this span, years beyond it.
HISTOGRAM_MAX_MONTHS = 36
# (id, topic_id, source_id, enrichment, month): the facet columns of a row (for callers reading rows).
FACET_FIELDS = ("pk", "topic_id", "source_id", "enrichment", "f_month")
# Entity, source and topic timelines read at most this many times the count cap of rows.
AGGREGATE_BOUND = 4
# The entity facet counts at most about this many articles (a coarser sample of the counted ones, and
# then labelled an estimate, also under the count cap): their ~11 distinct mentions each are the facets'
# dearest query (7,172 articles: 100 ms at 1,000,000 articles; 2,500: about 35 ms).
ENTITY_FACET_ROWS = 2500


@dataclass
class FacetValue:
    slug: str
    name: str
    count: int
    selected: bool = False
    kind: str = ""


@dataclass
class Bar:
    period: str  # "2024" or "2024-05"
    count: int
    date_from: dt.date
    date_to: dt.date
    percent: int = 0


@dataclass
class Histogram:
    unit: str  # "year" or "month"
    bars: list[Bar] = field(default_factory=list)

    @property
    def max_count(self) -> int:
        return max((bar.count for bar in self.bars), default=0)


def months_counted(months: Iterable) -> dict[dt.date, int]:
    """Counts per month (first day) of :func:`month_key` values; undated (None) ones are left out."""
    counts = Counter(months)
    out: dict[dt.date, int] = {}
    for month, n in counts.items():
        if month is not None:
            day = month_date(month)
            out[day] = out.get(day, 0) + n
    return out


def facet_count(sampled: Callable[[int], QuerySet], *, cap: int, id_limit: int = 0) -> Count:
    """:func:`articles.search.sampling.count_estimate` of ``sampled`` whose ``rows`` is the
    database's :class:`articles.search.tallies.Tally` of the rows counted (ids thinned to about
    ``id_limit``; default ENTITY_FACET_ROWS)."""
    return tally_estimate(sampled, cap=cap, id_limit=id_limit or ENTITY_FACET_ROWS)


def histogram_from_months(months: dict[dt.date, int]) -> Histogram:
    """Bars from counts per month (first day of the month → count): months up to
    HISTOGRAM_MAX_MONTHS, years beyond; ``percent`` relative to the tallest bar."""
    if not months:
        return Histogram(unit="month")
    first, last = min(months), max(months)
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    if span > HISTOGRAM_MAX_MONTHS:
        years: dict[int, int] = {}
        for month, n in months.items():
            years[month.year] = years.get(month.year, 0) + n
        bars = [
            Bar(period=str(y), count=years.get(y, 0), date_from=dt.date(y, 1, 1), date_to=dt.date(y, 12, 31))
            for y in range(first.year, last.year + 1)
        ]
        histogram = Histogram(unit="year", bars=bars)
    else:
        bars = []
        year, month = first.year, first.month
        for _ in range(span):
            start = dt.date(year, month, 1)
            end = (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
            bars.append(Bar(period=f"{year}-{month:02d}", count=months.get(start, 0), date_from=start, date_to=end))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        histogram = Histogram(unit="month", bars=bars)
    top = histogram.max_count or 1
    for bar in histogram.bars:
        bar.percent = round(100 * bar.count / top) if bar.count else 0
    return histogram


@dataclass
class SearchFacets:
    facets: dict[str, list[FacetValue]]
    histogram: Histogram
    # Rows (times the step) still awaiting enrichment: not in the topic and entity counts.
    pending: int
    # The coarsest sample any facet was counted over (1: every facet exact).
    step: int = 1


def search_facets(*, filterset: ArticleFilter, tally: Tally, step: int, cap: int) -> SearchFacets:
    """Topic, source and entity facets and the date histogram of a search whose count grouped
    ``tally`` (:mod:`articles.search.tallies`: every result, or the sample of ``step``). Topic and
    source are each counted without their own filter (OR multi-select), the histogram without the
    date filters, entities over the results (selected entities AND together). Topic and entity
    counts cover enriched articles only. Queries: topic names, source names, the entity facet, plus
    one grouped read per facet whose own filter is in use (that set counted as the results are:
    exact up to the cap, else its own sample, so a facet is never a silently truncated count)."""
    data = filterset.form.cleaned_data
    steps = [step]

    def tally_without(*names: str) -> tuple[Tally, int]:
        """The tally of the set without the filters ``names`` and its step: the results' when none
        is in use; else that (larger) set counted the same way, exact or sampled."""
        if not any(data.get(name) for name in names):
            return tally, step
        counted = facet_count(lambda s: filterset.sampled(s, *names), cap=cap)
        steps.append(counted.step)
        return counted.rows, counted.step

    topics, pending = _topic_values(*tally_without("topic"))
    unclassified = gettext("Unclassified")
    chosen_topics = [
        (UNCLASSIFIED, unclassified) if t == UNCLASSIFIED else (t.slug, t.name) for t in filterset.selected("topic")
    ]
    entities, entity_step = _entity_values(filterset, tally)
    steps.append(entity_step)
    dated, date_step = tally_without(*DATE_PARAMS)
    return SearchFacets(
        facets={
            "topic": _with_selected(topics, chosen_topics),
            "source": _with_selected(
                _source_values(*tally_without("source")), [(s.slug, s.name) for s in filterset.selected("source")]
            ),
            "entity": _with_selected(entities, [(e.slug, e.name) for e in filterset.selected("entity")]),
        },
        histogram=histogram_from_months({month: n * date_step for month, n in dated.months.items()}),
        pending=pending,
        step=max(steps),
    )


def _topic_values(tally: Tally, step: int) -> tuple[list[FacetValue], int]:
    """Enriched rows per topic, the articles without a topic as a value of their own
    ("unclassified", so the counts add up to the result count), most first; and the pending rows
    (no topic yet: they are not "unclassified"), both times ``step``."""
    english = (get_language() or "ar").startswith("en")
    topics = Topic.objects.in_bulk([t for t in tally.topics if t is not None])
    values = []
    for topic_id, n in tally.topics.items():
        topic = topics.get(topic_id)
        if topic is None:
            values.append(FacetValue(slug=UNCLASSIFIED, name=gettext("Unclassified"), count=n * step))
        else:
            name = (topic.name_en if english else topic.name_ar) or gettext("Unclassified")
            values.append(FacetValue(slug=topic.slug, name=name, count=n * step))
    values.sort(key=lambda v: (-v.count, v.slug))
    return values, tally.pending * step


def _source_values(tally: Tally, step: int) -> list[FacetValue]:
    """The FACET_SIZE sources with the most rows, most first, then by name (times ``step``)."""
    counts = tally.sources
    if not counts:
        return []
    # Every source tied with the last one shown competes on its name.
    floor = sorted(counts.values(), reverse=True)[:FACET_SIZE][-1]
    found = {
        pk: (slug, name)
        for pk, slug, name in Source.objects.filter(pk__in=[s for s, n in counts.items() if n >= floor]).values_list(
            "pk", "slug", "name"
        )
    }
    ranked = sorted(found, key=lambda s: (-counts[s], found[s][1]))[:FACET_SIZE]
    return [FacetValue(slug=found[s][0], name=found[s][1], count=counts[s] * step) for s in ranked]


def _entity_values(filterset: ArticleFilter, tally: Tally) -> tuple[list[FacetValue], int]:
    """The FACET_SIZE entities mentioned in the most of the tally's thinned ids (visible ones, of the
    selected kinds): about ENTITY_FACET_ROWS articles at most, a coarser sample whose step is returned."""
    kinds = list(filterset.form.cleaned_data.get("kind") or [])
    values = [
        FacetValue(slug=slug, name=name, count=n * tally.ids_step, kind=kind)
        for slug, name, kind, n in entities_counted(ids=tally.ids, kinds=kinds, limit=FACET_SIZE)
    ]
    return values, tally.ids_step


MENTION, ENTITY = (m._meta.db_table for m in (Mention, Entity))
# Entities shown in facets and related lists: as Entity.visible_q (junk seen once, unsure, is hidden).
VISIBLE_SQL = "(e.article_count >= 2 OR (e.article_count >= 1 AND e.confidence >= %s))"


def entities_counted(
    *, ids: list[int] | tuple[int, ...], limit: int, kinds: list[str] | None = None, exclude: int | None = None
) -> list[tuple[str, str, str, int]]:
    """(slug, name, kind, articles) of the visible entities mentioned in the most of the articles
    ``ids``, most first, then by name; ``kinds`` keeps those kinds, ``exclude`` leaves one entity out.
    One query (the ids are one parameter, :func:`articles.search.sampling.ids_sql`): the distinct
    (entity, article) pairs first, then counted per entity, then joined to the few entities (twice
    as fast as a COUNT(DISTINCT) grouped by the entities' columns: 7,172 articles at 1,000,000, 100
    against 245 ms)."""
    if not ids:
        return []
    sql, params = ids_sql(ids)
    kinds = list(kinds or [])
    kind_sql = f"AND e.kind IN ({', '.join(['%s'] * len(kinds))}) " if kinds else ""
    return rows_read(
        f"SELECT e.slug, e.name, e.kind, t.n FROM (SELECT p.entity_id, COUNT(*) AS n FROM "  # noqa: S608
        f"(SELECT DISTINCT m.entity_id, m.article_id FROM {MENTION} m WHERE m.article_id IN ({sql})) p "
        f"GROUP BY p.entity_id) t JOIN {ENTITY} e ON e.id = t.entity_id "
        f"WHERE e.id <> %s AND {VISIBLE_SQL} {kind_sql}ORDER BY 4 DESC, 2 LIMIT %s",
        [*params, exclude or 0, LOW_CONFIDENCE, *kinds, limit],
    )


def _with_selected(values: list[FacetValue], chosen: list[tuple[str, str]]) -> list[FacetValue]:
    """Mark chosen values; keep a chosen value that has no count any more, so it can be removed."""
    chosen_slugs = {slug for slug, _ in chosen}
    for value in values:
        value.selected = value.slug in chosen_slugs
    present = {value.slug for value in values}
    return values + [FacetValue(slug=s, name=n, count=0, selected=True) for s, n in chosen if s not in present]
