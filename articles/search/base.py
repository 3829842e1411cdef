"""The search-backend interface and the document preparation both backends share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

from django.db.models import QuerySet

from articles.search.arabic import candidates, fold, key_words
from articles.search.query import ParsedQuery

# Distinct tokens whose index words are kept (see index_words).
TOKEN_CACHE_SIZE = 300_000


@lru_cache(maxsize=TOKEN_CACHE_SIZE)
def _token_index_words(token: str) -> tuple[str, ...]:
    return tuple(key_words(token))


def index_words(text: str) -> list[str]:
    """``arabic.key_words(text)``, normalising each distinct whitespace-separated token once (news
    vocabulary repeats: several times faster on bulk ingest). Normalisation never crosses whitespace,
    so the words are the same; tests/test_store.py checks it on real news."""
    return list(chain.from_iterable(map(_token_index_words, text.split())))


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
        # articles.keys.index_words == arabic.key_words, computed once per distinct token.
        return cls(id=id, title=index_words(title), body=index_words(body)[:MAX_BODY_WORDS])

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
        """(column, SQL placeholder) pairs the fast store writes into the article row itself."""
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
    def filter(self, queryset: QuerySet, query: ParsedQuery) -> QuerySet:
        """Restrict to the articles that match (positive clauses) and not the excluded terms."""

    @abstractmethod
    def ranked_ids(self, queryset: QuerySet, query: ParsedQuery, *, offset: int, limit: int) -> list[int]:
        """Ids of ``queryset`` (already filtered) by relevance: title above body, newest first on ties."""

    @contextmanager
    def planned(self) -> Iterator[SearchBackend]:
        """Run a text search's queries inside; see :meth:`selective`. No-op by default."""
        yield self

    def selective(self) -> None:  # noqa: B027 - optional hook, a no-op unless a backend needs it
        """Called inside :meth:`planned` once the match count is known to be small."""
