"""Full-text search over articles, behind one small interface chosen by the database vendor.

Write side: :func:`article_index` (called inside ``article_store``'s transaction and by the admin
after an edit) and :func:`articles_index_bulk`. Read side: :func:`search_filter` and
:func:`search_ranked_ids`, used by :mod:`articles.search.selectors`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import F, QuerySet

from articles.search.base import IndexDoc, SearchBackend
from articles.search.query import ParsedQuery, query_parse

if TYPE_CHECKING:
    from articles.models import Article

__all__ = [
    "ParsedQuery",
    "article_index",
    "article_unindex",
    "articles_index_bulk",
    "backend_get",
    "query_parse",
    "search_filter",
    "search_planned",
    "search_ranked_ids",
]


def backend_get() -> SearchBackend:
    if connection.vendor == "postgresql":
        from articles.search.postgres import PostgresBackend

        return PostgresBackend()
    if connection.vendor == "sqlite":
        from articles.search.sqlite import SqliteBackend

        return SqliteBackend()
    raise NotImplementedError(f"no search backend for {connection.vendor}")


def article_index(article: Article) -> None:
    """(Re)index one article from its current title and body. Call after every create or edit."""
    backend_get().index([IndexDoc.from_text(id=article.pk, title=article.title, body=article.body)])


def articles_index_bulk(rows: Iterable[tuple[int, str, str]], *, batch: int = 500) -> int:
    """(Re)index ``(id, title, body)`` rows in batches; returns how many were indexed."""
    backend = backend_get()
    done = 0
    chunk: list[IndexDoc] = []
    for pk, title, body in rows:
        chunk.append(IndexDoc.from_text(id=pk, title=title, body=body))
        if len(chunk) >= batch:
            backend.index(chunk)
            done += len(chunk)
            chunk = []
    backend.index(chunk)
    return done + len(chunk)


def article_unindex(article_id: int) -> None:
    """Drop an article from the index (deleting the article already does; for raw-SQL deletes)."""
    backend_get().unindex([article_id])


def search_filter(queryset: QuerySet, query: ParsedQuery, *, sample: int = 1) -> QuerySet:
    """``queryset`` restricted to the matches of ``query``; with ``sample`` > 1 the backend may also
    keep only the matches in that id sample (:mod:`articles.search.sampling`) inside its index scan (the
    caller still applies :func:`articles.search.sampling.sample_filter`, which decides the rows)."""
    return backend_get().filter(queryset, query, sample=sample)


@contextmanager
def search_planned(query: ParsedQuery) -> Iterator[SearchBackend | None]:
    """Wrap the queries of one text search (count, page, facets): the backend may set planner
    hints for them; call ``.selective()`` on the yielded backend when the count is small."""
    if query.is_empty:
        yield None
        return
    with backend_get().planned() as backend:
        yield backend


# Relevance is computed over the newest RANK_WINDOW matches (ranking reads every candidate's
# index entry: seconds for a word in most articles); beyond them results continue newest first.
RANK_WINDOW = 1000


def search_ranked_ids(queryset: QuerySet, query: ParsedQuery, *, offset: int, limit: int) -> list[int]:
    """Ids by relevance (title above body, literal form above clitic forms), newest first on ties."""
    newest = queryset.order_by(F("published_on").desc(nulls_last=True), "-pk").values_list("pk", flat=True)
    if not query.has_positive or offset >= RANK_WINDOW:
        return list(newest[offset : offset + limit])
    window = queryset.model.objects.filter(pk__in=newest[:RANK_WINDOW])
    ids = backend_get().ranked_ids(window, query, offset=offset, limit=limit)
    if offset + limit > RANK_WINDOW and len(ids) < limit:
        ids += list(newest[RANK_WINDOW : offset + limit])
    return ids
