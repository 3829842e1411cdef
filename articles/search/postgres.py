"""PostgreSQL backend: stored tsvector columns built in Python, GIN-indexed (migration 0003).

The vectors are written as tsvector literals, not through to_tsvector: the 'simple' and 'arabic'
parsers never see the text, so what is stored is exactly the normalised words (search_exact) and
their clitic/suffix candidates at the same position (search_stemmed). Title words carry weight A,
body words weight B; ts_rank's weight array ranks A above B.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache

from django.db import connection, connections, router, transaction
from django.db.models import BooleanField, F, FloatField, QuerySet

from articles.search.arabic import candidates_compute, fold, query_forms
from articles.search.base import IndexDoc, SearchBackend
from articles.search.query import ParsedQuery, Term
from articles.search.sql import TableSQL

# work_mem of a text search's queries (for its bitmaps); transient, per query node.
SEARCH_WORK_MEM = "64MB"
MAX_POSITION = 16383  # PostgreSQL's limit for tsvector positions
MAX_POSITIONS_PER_LEXEME = 256
# {D, C, B, A}: a title (A) match weighs 2.5 times a body (B) match.
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"

TABLE = "articles_article"


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


# Distinct words whose lexemes are kept: with the token cache (articles.search.keys) and the stemmer's own
# cache, what keeps a long ingest's memory flat (about 200 bytes each).
LEXEME_CACHE_SIZE = 150_000

# Position marks ("12A") made once: building them per word was a third of the indexing time.
_MARKS = {weight: [f"{p}{weight}" for p in range(MAX_POSITION + 1)] for weight in "AB"}


@lru_cache(maxsize=LEXEME_CACHE_SIZE)
def _lexemes(word: str) -> tuple[tuple[str, ...], str]:
    """(quoted clitic/suffix candidates, quoted folded word) of a spelled word: one cache lookup per
    distinct word of an article gives both vectors' lexemes."""
    stems = tuple(_quote(form) for form in sorted(candidates_compute(word)))
    exact = _quote(fold(word))
    # The folded word is one of its own candidates: keep one string object for both.
    return stems, next((stem for stem in stems if stem == exact), exact)


def _positions(groups: list[tuple[list[str], str]]) -> dict[str, list[str]]:
    """Each distinct word's position marks, title (weight A) then body (weight B), one gap between
    them so a phrase never spans the two. One dict operation per word occurrence."""
    by_word: dict[str, list[str]] = {}
    position = 0
    for words, weight in groups:
        marks = _MARKS[weight]
        position += 1
        for word in words:
            if position < MAX_POSITION:
                position += 1
            found = by_word.get(word)
            if found is None:
                by_word[word] = [marks[position]]
            else:
                found.append(marks[position])
    return by_word


def _literal(merged: dict[str, list[str]]) -> str:
    return " ".join([f"{lexeme}:{','.join(marks[:MAX_POSITIONS_PER_LEXEME])}" for lexeme, marks in merged.items()])


def vectors(doc: IndexDoc) -> tuple[str, str]:
    """(search_stemmed, search_exact) tsvector literals of an article: the exact one holds each
    folded word at its positions, the stemmed one every candidate of the spelled word at the word's
    positions (PostgreSQL sorts lexemes and positions on input). Work is per distinct word; words
    that share a lexeme (الحكومة, حكومة) share its entry, their marks in first-occurrence order."""
    stemmed: dict[str, list[str]] = {}
    exact: dict[str, list[str]] = {}
    stemmed_get, exact_get = stemmed.get, exact.get
    for word, marks in _positions([(doc.title, "A"), (doc.body, "B")]).items():
        stems, folded = _lexemes(word)
        found = exact_get(folded)
        # A new list when two words meet, never the word's own list (the other vector uses it too).
        exact[folded] = marks if found is None else found + marks
        for lexeme in stems:
            found = stemmed_get(lexeme)
            stemmed[lexeme] = marks if found is None else found + marks
    return _literal(stemmed), _literal(exact)


def _forms(word: str) -> str:
    return "(" + " | ".join(_quote(form) for form in query_forms(word)) + ")"


def _term_sql(term: Term) -> tuple[str, str]:
    """(SQL condition with a {t} table placeholder, tsquery literal) of one term."""
    if term.exact:
        parts = ["(" + " | ".join(_quote(w) for w in forms) + ")" for forms in term.exact_alternatives()]
        return "{t}.search_exact @@ %s::tsquery", " <-> ".join(parts)
    parts = ["(" + " | ".join(_quote(form) for form in forms) + ")" for forms in term.stem_forms()]
    return "{t}.search_stemmed @@ %s::tsquery", " & ".join(parts)


def _terms_sql(terms: list[Term]) -> tuple[str, list[str]]:
    sqls, params = zip(*(_term_sql(term) for term in terms), strict=True)
    return "(" + " OR ".join(sqls) + ")", list(params)


def _read_alias() -> str:
    from articles.models import Article

    return router.db_for_read(Article)


def _condition(clauses: list[list[Term]]) -> tuple[str, list[str]]:
    parts = [_terms_sql(clause) for clause in clauses]
    return " AND ".join(sql for sql, _ in parts), [p for _, ps in parts for p in ps]


class PostgresBackend(SearchBackend):
    def index(self, docs: Iterable[IndexDoc]) -> None:
        rows = [(*vectors(doc), doc.id) for doc in docs]
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {TABLE} SET search_stemmed = %s::tsvector, search_exact = %s::tsvector WHERE id = %s",  # noqa: S608
                    rows,
                )

    def insert_columns(self) -> list[tuple[str, str]]:
        return [("search_stemmed", "tsvector"), ("search_exact", "tsvector")]

    def insert_values(self, doc: IndexDoc) -> tuple:
        return vectors(doc)

    def index_inserted(self, docs: list[IndexDoc]) -> None:
        pass  # the vectors went into the INSERT

    def unindex(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {TABLE} SET search_stemmed = NULL, search_exact = NULL WHERE id = ANY(%s)",  # noqa: S608
                    [ids],
                )

    def filter(self, queryset: QuerySet, query: ParsedQuery, *, sample: int = 1) -> QuerySet:
        # ``sample`` needs nothing here: the planner ANDs the GIN bitmap with the sample's partial index.
        if query.clauses:
            sql, params = _condition(query.clauses)
            queryset = queryset.filter(TableSQL(sql, params, BooleanField()))
        if query.excluded:
            sql, params = _terms_sql(query.excluded)
            # The excluded set comes from GIN as a hashed list: testing each candidate row's own
            # vector would detoast them all. Unindexed articles are never "excluded".
            inner = sql.replace("{t}", "x")
            queryset = queryset.filter(
                TableSQL(f"NOT ({{t}}.id IN (SELECT x.id FROM {TABLE} x WHERE {inner}))", params, BooleanField())  # noqa: S608
            )
        return queryset

    @contextmanager
    def planned(self) -> Iterator[PostgresBackend]:
        # The planner prices "vector @@ query" on a row as one cheap operator, but each row's
        # vector is a toasted, compressed value: a sequential or date-index scan that tests rows
        # one by one costs seconds where the GIN index costs milliseconds (see ARCHITECTURE.md).
        # On the database the search reads from (a replica on read-only pages, see newsarchive/db_router.py).
        alias = _read_alias()
        with transaction.atomic(using=alias):
            with connections[alias].cursor() as cursor:
                # enable_seqscan off (above); and work_mem: a common word's GIN bitmap (417,518 matches at
                # 1,000,000 articles) outgrows the 4 MB default and turns lossy: every row of a lossy page is
                # then rechecked, its vector detoasted (26,000 of them for a 1/32 sample: 760 ms instead of
                # ~100). Both in one statement (SET LOCAL, as set_config(..., true)): one round trip.
                cursor.execute(
                    "SELECT set_config('enable_seqscan', 'off', true), set_config('work_mem', %s, true)",
                    [SEARCH_WORK_MEM],
                )
            yield self

    def selective(self) -> None:
        # Few matches: never walk the date index testing rows ("newest first" with a rare word);
        # fetch the matches from GIN and sort them. With many matches the walk is the fast plan.
        with connections[_read_alias()].cursor() as cursor:
            cursor.execute("SET LOCAL enable_indexscan = off")

    def ranked_ids(self, queryset: QuerySet, query: ParsedQuery, *, offset: int, limit: int) -> list[int]:
        terms = query.positive_terms()
        stems = {form for term in terms if not term.exact for forms in term.stem_forms() for form in forms}
        # Exact word forms rank above clitic/stem matches: the literal word the reader typed.
        exact = {word for term in terms for word in term.exact_words}
        rank_parts, params = [], []
        if stems:
            rank_parts.append(f"ts_rank('{RANK_WEIGHTS}', {{t}}.search_stemmed, %s::tsquery)")
            params.append(" | ".join(_quote(s) for s in sorted(stems)))
        # The literal words count twice, and query words found side by side (any clitic form) four times:
        # a stem-only match never outranks the exact form or the phrase the reader meant.
        rank_parts.append(f"2 * ts_rank('{RANK_WEIGHTS}', {{t}}.search_exact, %s::tsquery)")
        params.append(" | ".join(_quote(w) for w in sorted(exact)))
        if pairs := query.adjacent_pairs():
            near = " | ".join(f"({_forms(a)} <-> {_forms(b)})" for a, b in pairs)
            rank_parts.append(f"4 * ts_rank('{RANK_WEIGHTS}', {{t}}.search_stemmed, %s::tsquery)")
            params.append(near)
        ranked = queryset.annotate(search_rank=TableSQL(" + ".join(rank_parts), params, FloatField())).order_by(
            "-search_rank", F("published_on").desc(nulls_last=True), "-pk"
        )
        return list(ranked.values_list("pk", flat=True)[offset : offset + limit])
