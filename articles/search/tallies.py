"""Facet and histogram counts of a (capped or sampled) set of articles, grouped by the database.

One statement per set read: the set (at most ``limit + 1`` rows of the search, or of its id sample)
is a materialized CTE, and grouped aggregates over it give, in the same pass, the number of rows,
the enriched rows per topic and the pending ones, the rows per source, the rows per month (the date
histogram), and the ids of a coarser id sample of at most about ``id_limit`` of them (for the entity
facet, which needs the mention table). Python receives a few hundred grouped rows instead of every
counted row (10,000 rows of 5 columns converted and tallied in Python were most of a search's CPU
outside the database: docs/PERFORMANCE.md, round 2).

Both databases run the same SQL (``WITH ... AS MATERIALIZED``, SQLite ≥ 3.35 and PostgreSQL ≥ 12): a
CTE referenced by several branches is evaluated once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast, Substr, TruncMonth

from articles.models import Article
from articles.search.sampling import SAMPLE_STEPS, Count, SampleHash, count_estimate, sample_bound
from articles.search.sql import rows_read


def month_key():
    """The month of ``published_on`` as the database writes it: "YYYY-MM" text on SQLite (where
    TruncMonth is a Python function per row), a truncated date on PostgreSQL."""
    if connection.vendor == "sqlite":
        return Substr(Cast("published_on", CharField()), 1, 7)
    return TruncMonth("published_on")


def month_date(month) -> dt.date:
    """The first day of a :func:`month_key` value."""
    if isinstance(month, str):
        return dt.date(int(month[:4]), int(month[5:7]), 1)
    return month.date() if isinstance(month, dt.datetime) else month


@dataclass(frozen=True)
class Tally:
    """Counts of the rows read (not yet multiplied by any sample step).

    ``topics``: topic id (None: unclassified) → enriched rows; ``pending``: rows awaiting enrichment;
    ``sources``: source id → rows; ``months``: first day of the month → dated rows; ``ids``: the ids
    of the rows in the id sample of ``ids_step`` (a coarser sample of the rows read when they are
    more than the ``id_limit`` asked for; ``ids_step`` is absolute, like every sample step)."""

    n: int
    topics: dict[int | None, int] = field(default_factory=dict)
    pending: int = 0
    sources: dict[int, int] = field(default_factory=dict)
    months: dict[dt.date, int] = field(default_factory=dict)
    ids: tuple[int, ...] = ()
    ids_step: int = 1

    def __len__(self) -> int:
        return self.n


def thinning_step(n: int, step: int, id_limit: int) -> int:
    """The sample step whose share of ``n`` rows (the sample of ``step``) is expected to hold at most
    ``id_limit`` of them: ``step`` itself, or a coarser one of SAMPLE_STEPS (at most the coarsest)."""
    coarser = step
    while n * step / coarser > id_limit and coarser < SAMPLE_STEPS[-1]:
        coarser *= 2
    return coarser


def _thinning_sql(step: int, id_limit: int) -> str:
    """A CASE giving, from the row count ``c.n``, the hash bound of :func:`thinning_step` (the same
    choice in SQL, so only the thinned ids leave the database)."""
    branches, coarser = [], step
    while coarser < SAMPLE_STEPS[-1]:
        branches.append(f"WHEN c.n <= {id_limit * coarser // step} THEN {sample_bound(coarser)}")
        coarser *= 2
    if not branches:
        return str(sample_bound(SAMPLE_STEPS[-1]))
    return f"CASE {' '.join(branches)} ELSE {sample_bound(SAMPLE_STEPS[-1])} END"


def tally_read(queryset: QuerySet, limit: int, *, step: int = 1, id_limit: int = 2500) -> Tally:
    """A :class:`Tally` of at most ``limit + 1`` rows of ``queryset`` (the sample of ``step``:
    ``ids`` are thinned from it). One query, on the database articles are read from."""
    rows_sql, params = (
        queryset.order_by()
        .annotate(f_month=month_key(), f_hash=SampleHash("pk"))
        .values_list("pk", "topic_id", "source_id", "enrichment", "f_month", "f_hash")[: limit + 1]
        .query.sql_with_params()
    )
    sql = (
        f"WITH s(id, topic, source, enrichment, month, h) AS MATERIALIZED ({rows_sql}), "  # noqa: S608
        "c(n) AS (SELECT COUNT(*) FROM s) "
        "SELECT 'n', 0, c.n, CAST(NULL AS date) FROM c "
        "UNION ALL SELECT 'p', 0, COUNT(*), CAST(NULL AS date) FROM s WHERE s.enrichment = %s "
        "UNION ALL SELECT 't', s.topic, COUNT(*), CAST(NULL AS date) FROM s WHERE s.enrichment <> %s "
        "GROUP BY s.topic "
        "UNION ALL SELECT 's', s.source, COUNT(*), CAST(NULL AS date) FROM s GROUP BY s.source "
        "UNION ALL SELECT 'm', 0, COUNT(*), s.month FROM s WHERE s.month IS NOT NULL GROUP BY s.month "
        f"UNION ALL SELECT 'i', s.id, 0, CAST(NULL AS date) FROM s, c WHERE s.h < {_thinning_sql(step, id_limit)}"
    )
    pending_value = str(Article.Enrichment.PENDING)
    n, pending = 0, 0
    topics: dict[int | None, int] = {}
    sources: dict[int, int] = {}
    months: dict[dt.date, int] = {}
    ids: list[int] = []
    for kind, key, value, month in rows_read(sql, [*params, pending_value, pending_value]):
        if kind == "n":
            n = value
        elif kind == "p":
            pending = value
        elif kind == "t":
            topics[key] = value
        elif kind == "s":
            sources[key] = value
        elif kind == "m":
            day = month_date(month)
            months[day] = months.get(day, 0) + value
        else:
            ids.append(key)
    return Tally(
        n=n,
        topics=topics,
        pending=pending,
        sources=sources,
        months=months,
        ids=tuple(ids),
        ids_step=thinning_step(n, step, id_limit),
    )


def tally_estimate(sampled: Callable[[int], QuerySet], *, cap: int, id_limit: int = 2500) -> Count:
    """:func:`articles.search.sampling.count_estimate` of ``sampled`` whose ``rows`` is the
    :class:`Tally` of the rows it counted (exact up to ``cap``, else of its chosen sample)."""
    return count_estimate(
        sampled, cap=cap, read=lambda queryset, limit, step: tally_read(queryset, limit, step=step, id_limit=id_limit)
    )
