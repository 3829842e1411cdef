"""The search-backend interface and the document preparation both backends share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db.models import QuerySet

from articles.search import keys  # a module, not its names: articles.search.keys imports articles.search.arabic
from articles.search.arabic import candidates, fold
from articles.search.query import ParsedQuery

# Words indexed per body; beyond this a "clipping" is a dump accident, and PostgreSQL caps a
# tsvector at 1 MB.
MAX_BODY_WORDS = 20_000


@dataclass(frozen=True)
class IndexDoc:
    """An article as the index sees it: the spelled key words of its title and body (ة kept, see
    :func:`articles.search.arabic.key_words`); :meth:`exact_title`/:meth:`exact_body` fold them."""

    id: int
    title: list[str]
    body: list[str]

    @classmethod
    def from_text(cls, *, id: int, title: str, body: str) -> IndexDoc:
        # articles.search.keys.index_words == arabic.key_words, computed once per distinct token.
        return cls.of_words(id=id, title=keys.index_words(title), body=keys.index_words(body))

    @classmethod
    def of_words(cls, *, id: int, title: list[str], body: list[str]) -> IndexDoc:
        """From the index words (``articles.search.keys.index_words``) of the title and body."""
        return cls(id=id, title=title, body=body[:MAX_BODY_WORDS])

    def exact_title(self) -> list[str]:
        return [fold(w) for w in self.title]

    def exact_body(self) -> list[str]:
        return [fold(w) for w in self.body]


def stem_forms(words: list[str]) -> list[frozenset[str]]:
    return [candidates(word) for word in words]


class SearchBackend(ABC):
    """One database's full-text index. Matching is expressed as ``pk IN (raw subquery)`` so a
    filtered queryset stays composable (facets reuse it as a subquery)."""

    @abstractmethod
    def index(self, docs: Iterable[IndexDoc]) -> None:
        """Write (or rewrite) the index entries of these articles."""

    def insert_columns(self) -> list[tuple[str, str]]:
        """(column, SQL type) pairs the fast store writes into the article row itself."""
        return []

    def insert_values(self, doc: IndexDoc) -> tuple:
        """Values of :meth:`insert_columns` for one article (its id is not known yet)."""
        return ()

    def index_inserted(self, docs: list[IndexDoc]) -> None:
        """Index articles the fast store has just inserted (nothing indexed them yet)."""
        self.index(docs)

    @abstractmethod
    def unindex(self, ids: Iterable[int]) -> None:
        """Remove index entries (a deleted article's row goes with it on both backends; this is for
        callers that delete with raw SQL)."""

    @abstractmethod
    def filter(self, queryset: QuerySet, query: ParsedQuery, *, sample: int = 1) -> QuerySet:
        """Restrict to the articles that match (positive clauses) and not the excluded terms.
        ``sample``: the caller keeps only that id sample; a backend may drop the others early."""

    @abstractmethod
    def ranked_ids(self, queryset: QuerySet, query: ParsedQuery, *, offset: int, limit: int) -> list[int]:
        """Ids of ``queryset`` (already filtered) by relevance: title above body, newest first on ties."""

    @contextmanager
    def planned(self) -> Iterator[SearchBackend]:
        """Run a text search's queries inside; see :meth:`selective`. No-op by default."""
        yield self

    def selective(self) -> None:  # noqa: B027 - optional hook, a no-op unless a backend needs it
        """Called inside :meth:`planned` once the match count is known to be small."""

    @contextmanager
    def listing(self, query: ParsedQuery, *, above_cap: bool) -> Iterator[SearchBackend]:
        """Around the queries that list the matches of ``query`` in date order (the page, the
        relevance window); ``above_cap``: the filtered count is above the cap. The backend may plan
        them as a walk of the date index when the matches are many. No-op by default."""
        yield self
