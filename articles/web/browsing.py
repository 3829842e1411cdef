"""Selectors of the browsing pages: the source and topic indexes (counts and sparklines).

The indexes count every article once per source/topic and month: one grouped scan of the article
table, cached for TOTALS_CACHE_SECONDS because it only changes with ingest (at a million rows the
scan takes seconds on PostgreSQL; see docs/search.md for the search page's own bounded queries).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count
from django.utils.translation import gettext

from articles.models import Article, Source, Topic
from articles.search.facets import month_date, month_key
from articles.search.filters import UNCLASSIFIED
from articles.search.selectors import TOTALS_CACHE_SECONDS


@dataclass
class IndexRow:
    """One source or topic on an index page: its article count and its articles per month."""

    slug: str
    name: str
    url: str
    count: int
    months: list[int] = field(default_factory=list)  # oldest first, the archive's last SPARKLINE_MONTHS
    first: str = ""  # "2018-01": the month of months[0]
    last: str = ""


def _month_counts(column: str) -> tuple[dict[object, dict[dt.date, int]], dict[object, int]]:
    """Articles per (``column`` value, month) and per ``column`` value (undated ones included)."""
    by_month: dict[object, dict[dt.date, int]] = {}
    for key, month, n in (
        Article.objects.filter(published_on__isnull=False)
        .annotate(f_month=month_key())
        .values(column, "f_month")
        .annotate(n=Count("pk"))
        .values_list(column, "f_month", "n")
    ):
        month = month_date(month)
        months = by_month.setdefault(key, {})
        months[month] = months.get(month, 0) + n
    totals = dict(Article.objects.values(column).annotate(n=Count("pk")).values_list(column, "n"))
    return by_month, totals


# Sparklines show the archive's last SPARKLINE_MONTHS months: a few clippings dated decades back
# (or a misread date) would otherwise flatten every line into its last pixels.
SPARKLINE_MONTHS = 36


def _span(by_month: dict[object, dict[dt.date, int]]) -> list[dt.date]:
    every = [m for months in by_month.values() for m in months]
    if not every:
        return []
    last = max(every)
    back = last.year * 12 + last.month - 1 - (SPARKLINE_MONTHS - 1)
    first = max(min(every), dt.date(back // 12, back % 12 + 1, 1))
    span, (year, month) = [], (first.year, first.month)
    while (year, month) <= (last.year, last.month):
        span.append(dt.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return span


def _overview(column: str) -> tuple[list[dt.date], dict[object, list[int]], dict[object, int]]:
    key = f"browsing_overview:{column}"
    cached = cache.get(key)
    if cached is None:
        by_month, totals = _month_counts(column)
        span = _span(by_month)
        series = {k: [months.get(m, 0) for m in span] for k, months in by_month.items()}
        cached = (span, series, totals)
        cache.set(key, cached, TOTALS_CACHE_SECONDS)
    return cached


def _period(month: dt.date | None) -> str:
    return f"{month.year}-{month.month:02d}" if month else ""


def _rows(objects, column: str, *, name=lambda o: o.name) -> tuple[list[IndexRow], dict, list[int], str, str]:
    span, series, totals = _overview(column)
    first, last = _period(span[0] if span else None), _period(span[-1] if span else None)
    rows = [
        IndexRow(
            slug=o.slug,
            name=name(o),
            url=o.get_absolute_url(),
            count=totals.get(o.pk, 0),
            months=series.get(o.pk, []),
            first=first,
            last=last,
        )
        for o in objects
    ]
    rows.sort(key=lambda r: (-r.count, r.name))
    return rows, totals, series.get(None, []), first, last


def sources_overview() -> list[IndexRow]:
    """Every source with its article count and monthly series, most articles first."""
    return _rows(Source.objects.all(), "source_id")[0]


def topics_overview() -> list[IndexRow]:
    """Every topic, then the unclassified articles, with counts and monthly series."""
    rows, totals, unclassified, first, last = _rows(Topic.objects.all(), "topic_id")
    if totals.get(None):
        rows.append(
            IndexRow(
                slug=UNCLASSIFIED,
                name=gettext("Unclassified"),
                url="",
                count=totals[None],
                months=unclassified,
                first=first,
                last=last,
            )
        )
    return rows
