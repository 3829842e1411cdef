"""Counts above the count cap: exact up to ``SEARCH_COUNT_CAP``, then estimated from a systematic
sample of article ids, and facets counted over the same sample.

Counting a term found in a quarter of a million articles means visiting every one of them (seconds
at 1,000,000 articles). Above the cap the archive counts instead the matches in a *sample* of one
article in ``step`` (a power of two, 2 … 1,024, chosen so the sample holds cap/4 … cap rows) and
multiplies by the step. The sample rows are reached through an expression index
(``article_sample_idx``; on PostgreSQL covering, plus partial GIN indexes over the 1/16 sample,
migration 0012), so the work is that of reading at most about ``cap`` rows whatever the size of the
archive.

The sample is a hash of the id, not ``id % step``: a feed that alternates outlets (or languages) would
put every sampled id in one of them. Knuth's multiplicative hash ``h = id × 2654435761 mod 2³²``
(TAOCP vol. 3, §6.4; the multiplier is 2³²/φ) is a bijection on 32-bit ids whose values for any
arithmetic progression of ids are spread evenly (a Weyl sequence), and the samples nest: ``h < 2³²/1024``
⊂ … ⊂ ``h < 2³²/4`` ⊂ ``h < 2³²/2``. Plain integer arithmetic (``& (2³² - 1)`` for the modulo: no ``%`` for
the DB-API driver to misread), so SQLite and PostgreSQL compute it the same, and one expression index
on ``h`` (``article_sample_idx``) turns every sample into an index range scan on both.

Error: the relative standard error of an estimate is about ``sqrt(1 / n)`` for ``n`` sampled rows
(binomial variance of a 1/step sample; an evenly spread sample does no worse): at least 2,500 rows
for a result count (≤ 2 %), fewer for one facet value. Measured on the benchmark corpus
(``bench/bench_estimates.py``, docs/PERFORMANCE.md): result counts within 1.0 % at 1,000,000 articles.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sized
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BigIntegerField, Func, QuerySet

# Sample steps: one article in 2, 4, … 1,024 (powers of two, so every coarser sample is a subset of a
# finer one); finest first.
SAMPLE_STEPS = tuple(2**k for k in range(1, 11))
HASH_MULTIPLIER = 2654435761  # Knuth: 2**32 / golden ratio, odd
HASH_MASK = 2**32 - 1


class SampleHash(Func):
    """``(id × 2654435761) mod 2³²`` of an id expression: what ``article_sample_idx`` indexes."""

    template = f"((%(expressions)s * {HASH_MULTIPLIER}) & {HASH_MASK})"
    output_field = BigIntegerField()
    arity = 1


def sample_bound(step: int) -> int:
    """Ids whose :class:`SampleHash` is below this are the sample of ``step``."""
    return (HASH_MASK + 1) // step


def sample_sql(column: str, step: int) -> str:
    """The SQL condition "``column`` (an article id) is in the sample of ``step``", as the index
    expression writes it (for raw SQL such as the FTS5 rowid)."""
    return f"(({column} * {HASH_MULTIPLIER}) & {HASH_MASK}) < {sample_bound(step)}"


def in_sample(article_id: int, step: int) -> bool:
    """Whether an id is in the sample of ``step`` (the Python twin of :func:`sample_sql`)."""
    return (article_id * HASH_MULTIPLIER) & HASH_MASK < sample_bound(step)


@dataclass(frozen=True)
class Count:
    """A count: ``value`` exact (``step == 1``) or estimated from the matches in the sample of
    ``step`` (``value`` is their number times ``step``). Facets of an estimated count are taken over the same
    rows (:func:`sample_filter`) and multiplied by ``step``."""

    value: int
    step: int = 1
    # The rows counted (``fields`` of each: all results, or the sample's), for facets over them.
    rows: tuple[tuple, ...] | Sized = field(default=(), compare=False, repr=False)

    @property
    def is_estimate(self) -> bool:
        return self.step > 1


def sample_filter(queryset: QuerySet, step: int, *, article: str = "pk") -> QuerySet:
    """``queryset`` restricted to the rows whose article id (the field ``article``) is in the sample
    of ``step`` (1: unchanged).

    Raises ValueError for a step that is not one of SAMPLE_STEPS."""
    if step == 1:
        return queryset
    if step not in SAMPLE_STEPS:
        raise ValueError(f"no sample of step {step}")
    return queryset.alias(sample_hash=SampleHash(article)).filter(sample_hash__lt=sample_bound(step))


def _rows_upto(queryset: QuerySet, limit: int, fields: tuple[str, ...]) -> list[tuple]:
    # Rows rather than COUNT(*): the same rows are read, and the facets then tally them without
    # evaluating the search again (articles.search.facets).
    return list(queryset.order_by().values_list(*fields)[: limit + 1])


def count_estimate(
    sampled: Callable[[int], QuerySet],
    *,
    cap: int,
    fields: tuple[str, ...] = ("pk",),
    read: Callable[[QuerySet, int, int], Sized] | None = None,
) -> Count:
    """The number of rows of ``sampled(1)``: exact up to ``cap``; above it, the number of rows of
    ``sampled(step)`` (the same set restricted to the id sample of ``step``, e.g.
    ``lambda step: sample_filter(queryset, step)``) times the step, for the finest step whose sample
    holds at most about ``cap`` rows. ``Count.rows`` are the ``fields`` of the rows counted (all
    of them, or the sample's).

    The step is chosen from the coarsest sample's count (N ≈ its rows × 1,024), so the sample read
    holds between ``cap/4`` and ``cap`` rows whatever N (reading a row costs ~10 µs on PostgreSQL:
    the sample's size is the page's budget): the error of a facet value counted ``c`` times is then
    about ``sqrt(step / c)``. Queries: the coarsest sample, a capped read
    (skipped when that sample already shows many times the cap), the chosen sample (and a coarser
    one in the rare case the first guess was too fine).

    ``read(queryset, limit, step)``, when given, replaces reading rows: it returns anything with a
    length (the rows it read, at most ``limit + 1``), kept as ``Count.rows`` (e.g. a grouped
    :class:`articles.search.tallies.Tally` of them)."""
    limit = cap

    def rows_upto(queryset: QuerySet, upto: int, step: int) -> Sized:
        return _rows_upto(queryset, upto, fields) if read is None else read(queryset, upto, step)

    coarsest = SAMPLE_STEPS[-1]
    coarse = rows_upto(sampled(coarsest), 4 * limit, coarsest)
    # 40 or more sampled rows: N is above 4 × cap (for a 10,000 cap) well beyond the sample's
    # error, so the exact attempt (reading cap + 1 rows to learn it is too many) is skipped.
    if len(coarse) * coarsest < 4 * cap:
        rows = rows_upto(sampled(1), cap, 1)
        if len(rows) <= cap:
            return Count(len(rows), rows=_kept(rows))
    guess = max(len(coarse) * coarsest, cap + 1)
    step = next((s for s in SAMPLE_STEPS if guess / s <= limit), coarsest)
    while step < coarsest:
        rows = rows_upto(sampled(step), 2 * limit, step)
        if len(rows) <= 2 * limit:
            break
        step *= 2
    if step == coarsest:
        rows = coarse
    return Count(max(len(rows) * step, cap + 1), step, _kept(rows))


def _kept(rows: Sized):
    return tuple(rows) if isinstance(rows, list) else rows


def ids_thinned(ids: list[int], step: int, limit: int) -> tuple[list[int], int]:
    """``ids`` (the sample of ``step``) cut down to a coarser sample of at most about ``limit`` of
    them, and that sample's step: the nested samples make it a filter on the ids already read."""
    for coarser in SAMPLE_STEPS:
        if coarser > step and len(ids) > limit:
            ids, step = [i for i in ids if in_sample(i, coarser)], coarser
    return ids, step


def ids_sql(ids: tuple[int, ...] | list[int]) -> tuple[str, list]:
    """A subquery listing these ids, and its one parameter (an array on PostgreSQL, a JSON array on
    SQLite) rather than one placeholder per id: 20,000 ids stay one cheap query."""
    if connection.vendor == "postgresql":
        return "SELECT unnest(%s::bigint[])", [list(ids)]
    return "SELECT value FROM json_each(%s)", [json.dumps(list(ids))]
