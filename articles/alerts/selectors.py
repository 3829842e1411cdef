"""Read side of saved searches: a saved search's parameters, what is new since the last visit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import QueryDict

from articles.alerts.models import SavedSearch
from articles.models import Article
from articles.search.filters import ArticleFilter
from articles.search.links import search_params
from articles.search.pagination import capped_count

# A reader's list shows at most this many saved searches (each costs one capped count).
SAVED_SEARCHES_MAX = 100
# "New since the last visit" counts at most this many articles ("100+").
NEW_COUNT_CAP = 100


def saved_search_params(saved: SavedSearch) -> QueryDict:
    """The saved search's parameters (only the search page's own, whatever the stored text holds)."""
    params = search_params(QueryDict(saved.query))
    params.pop("hist", None)
    return params


def saved_search_matches(saved: SavedSearch, *, since: dt.datetime | None = None) -> QuerySet[Article]:
    """Articles matching the saved search, ingested after ``since`` when given (any order)."""
    queryset = ArticleFilter(saved_search_params(saved), queryset=Article.objects.all()).qs
    return queryset.filter(created_at__gt=since) if since else queryset


@dataclass
class NewArticles:
    count: int
    count_is_estimate: bool
    articles: list[Article] = field(default_factory=list)


def saved_search_new(*, saved: SavedSearch, limit: int = 20) -> NewArticles:
    """Articles ingested since the reader's last visit: a capped count and the ``limit`` newest."""
    new = saved_search_matches(saved, since=saved.last_seen_at)
    count, estimate = capped_count(new, NEW_COUNT_CAP)
    articles = list(new.select_related("source", "topic").order_by("-created_at", "-pk")[:limit]) if count else []
    return NewArticles(count=count, count_is_estimate=estimate, articles=articles)


def saved_searches_of(*, user) -> list[tuple[SavedSearch, NewArticles]]:
    """The reader's saved searches (at most SAVED_SEARCHES_MAX), each with its new-article count."""
    return [
        (saved, saved_search_new(saved=saved, limit=0))
        for saved in SavedSearch.objects.filter(user=user)[:SAVED_SEARCHES_MAX]
    ]
