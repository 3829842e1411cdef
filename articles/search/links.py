"""Links of the search page: its parameters, the same search with one thing changed, and the active
filters as removable chips. No queries: names come from the validated FilterSet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import QueryDict
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from articles.models import Entity
from articles.search.filters import DATE_PARAMS, UNCLASSIFIED, ArticleFilter

# Parameters a search URL carries (feeds, exports and saved searches reuse them). ``hist`` is the
# histogram's display mode, not a filter: kept across links, never a chip.
SEARCH_PARAMS = (
    "q", "topic", "source", "entity", "kind", "date_from", "date_to", "year", "month", "sort", "hist", "group"
)
# The filters a chip can remove (the text query stays in the search box).
FILTER_PARAMS = ("topic", "source", "entity", "kind", *DATE_PARAMS)


def search_params(data: QueryDict) -> QueryDict:
    """Only the search parameters of a query string (no page, no junk)."""
    params = QueryDict(mutable=True)
    for key in SEARCH_PARAMS:
        values = [v for v in data.getlist(key) if v != ""]
        if values:
            params.setlist(key, values)
    return params


def url_with(params: QueryDict, *, drop: tuple[str, ...] = (), toggle: tuple[str, str] | None = None, **set_) -> str:
    """The search URL for ``params`` with some keys dropped, one value toggled and some set."""
    new = params.copy()
    for key in drop:
        new.pop(key, None)
    if toggle:
        key, value = toggle
        values = new.getlist(key)
        new.setlist(key, [v for v in values if v != value] if value in values else [*values, value])
    for key, value in set_.items():
        new[key] = value
    return f"{reverse('search')}?{new.urlencode()}" if new else reverse("search")


@dataclass
class Chip:
    """One active filter: ``facet`` names the filter ("Topic"), ``label`` its value; ``url`` removes it."""

    name: str
    facet: str
    label: str
    url: str


def _day(value) -> str:
    return date_format(value, "j F Y")


def filter_chips(*, filterset: ArticleFilter, params: QueryDict) -> list[Chip]:
    """The active filters of a validated search, each with the URL of the search without it.

    Dates give one chip (a range, a year or a month) that removes every date parameter.
    Invalid values are not chips: the page lists them as errors.
    """
    filterset.errors  # noqa: B018 - validates
    data = filterset.form.cleaned_data
    chips: list[Chip] = []
    for topic in data.get("topic") or []:
        slug, label = (UNCLASSIFIED, _("Unclassified")) if topic == UNCLASSIFIED else (topic.slug, topic.name)
        chips.append(Chip("topic", _("Topic"), label, url_with(params, drop=("page",), toggle=("topic", slug))))
    for source in data.get("source") or []:
        chips.append(Chip("source", _("Source"), source.name, url_with(params, toggle=("source", source.slug))))
    for entity in data.get("entity") or []:
        chips.append(Chip("entity", _("Entity"), entity.name, url_with(params, toggle=("entity", entity.slug))))
    kinds = dict(Entity.Kind.choices)
    for kind in data.get("kind") or []:
        chips.append(Chip("kind", _("Kind of entity"), str(kinds[kind]), url_with(params, toggle=("kind", kind))))
    date_from, date_to, year, month = (data.get(key) for key in DATE_PARAMS)
    label = ""
    if date_from and date_to:
        label = _("%(start)s to %(end)s") % {"start": _day(date_from), "end": _day(date_to)}
    elif date_from:
        label = _("from %(start)s") % {"start": _day(date_from)}
    elif date_to:
        label = _("until %(end)s") % {"end": _day(date_to)}
    if year and month:
        label = " · ".join(filter(None, [label, date_format(dt.date(int(year), int(month), 1), "F Y")]))
    elif year:
        label = " · ".join(filter(None, [label, str(int(year))]))
    if label:
        chips.append(Chip("date", _("Dates"), label, url_with(params, drop=DATE_PARAMS)))
    return chips



def date_range_selected(filterset: ArticleFilter) -> tuple[dt.date | None, dt.date | None]:
    """The validated date filter as one (first day, last day) range; (None, None) when there is none."""
    filterset.errors  # noqa: B018 - validates
    data = filterset.form.cleaned_data
    start, end = data.get("date_from"), data.get("date_to")
    year, month = data.get("year"), data.get("month")
    if year:
        year = int(year)
        first = dt.date(year, int(month), 1) if month else dt.date(year, 1, 1)
        last = (
            dt.date(year + int(month) // 12, int(month) % 12 + 1, 1) - dt.timedelta(days=1)
            if month
            else dt.date(year, 12, 31)
        )
        start, end = max(filter(None, [start, first])), min(filter(None, [end, last]))
    return start, end
