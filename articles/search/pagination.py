"""Pagination that never counts a million rows: the total is counted up to a cap and shown as "N+"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet


@dataclass
class CappedPage:
    items: list[Any]
    number: int
    per_page: int
    count: int
    count_is_estimate: bool
    # With count_is_estimate: the estimated total (articles.search.sampling), for display; ``count`` stays
    # the cap, the last result a reader can page to.
    estimate: int | None = None

    @property
    def has_next(self) -> bool:
        return self.number * self.per_page < self.count

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    def page_numbers(self, *, around: int = 2, ends: int = 1) -> list[int | None]:
        """Page numbers to link: the first and last ``ends`` pages and ``around`` on each side of the
        current one, ``None`` where pages are left out (an ellipsis), like Django's
        ``Paginator.get_elided_page_range``. Above the count cap the last number is the cap's page
        (the count is not known beyond it)."""
        last = self.num_pages
        shown = {
            n
            for n in (*range(1, ends + 1), *range(self.number - around, self.number + around + 1),
                      *range(last - ends + 1, last + 1))
            if 1 <= n <= last
        }
        numbers: list[int | None] = []
        for n in sorted(shown):
            if numbers and n - numbers[-1] > 1:
                # A gap of one page is shown as that page rather than an ellipsis.
                numbers.append(n - 1 if n - numbers[-1] == 2 else None)
            numbers.append(n)
        return numbers


def capped_count(queryset: QuerySet, cap: int | None = None) -> tuple[int, bool]:
    """Count at most ``cap + 1`` rows: exact below the cap, (cap, True) above it."""
    cap = settings.SEARCH_COUNT_CAP if cap is None else cap
    n = queryset.order_by()[: cap + 1].count()
    return (cap, True) if n > cap else (n, False)


def page_parse(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


def capped_page(queryset: QuerySet, *, page: int, per_page: int, cap: int | None = None) -> CappedPage:
    count, estimate = capped_count(queryset, cap)
    last = max(1, -(-count // per_page))
    page = min(page, last)
    offset = (page - 1) * per_page
    items = list(queryset[offset : offset + per_page])
    return CappedPage(items=items, number=page, per_page=per_page, count=count, count_is_estimate=estimate)
