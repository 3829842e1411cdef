"""SQLite backend: an FTS5 table (migration 0003) whose rowid is the article id.

Columns hold pre-processed text: *_stem the clitic/suffix candidates of each word, *_exact the
normalised words (phrases match there). The default unicode61 tokenizer only splits on spaces here,
because the words are already normalised ``\\w`` runs. A trigger removes a deleted article's row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from django.db import connection
from django.db.models import F, Lookup, QuerySet
from django.db.models.expressions import RawSQL

from articles.search.arabic import candidates_compute, fold
from articles.search.base import IndexDoc, SearchBackend
from articles.search.query import ParsedQuery, Term
from articles.search.sampling import sample_sql

# bm25 column weights, in column order: title_stem, body_stem, title_exact, body_exact.
BM25 = "bm25(article_fts, 10.0, 1.0, 10.0, 1.0)"
STEM_COLUMNS = "{title_stem body_stem}"
EXACT_COLUMNS = "{title_exact body_exact}"
# Re-created on first use: a later migration that rebuilds articles_article on SQLite drops it.
TRIGGER_SQL = (
    "CREATE TRIGGER IF NOT EXISTS article_fts_delete AFTER DELETE ON articles_article "
    "BEGIN DELETE FROM article_fts WHERE rowid = old.id; END"
)


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


@lru_cache(maxsize=200_000)
def _stem_group(word: str) -> str:
    """A word's candidates as FTS5 text, computed once per distinct word."""
    return " ".join(sorted(candidates_compute(word)))


def _stem_text(words: list[str]) -> str:
    return " ".join(map(_stem_group, words))


# A phrase with function words in it is one FTS5 phrase per combination of their spellings, at most this many.
MAX_PHRASE_SPELLINGS = 16


def _phrases(term: Term) -> list[str]:
    phrases = [""]
    for forms in term.exact_alternatives():
        phrases = [f"{p} {form}".strip() for p in phrases for form in forms][:MAX_PHRASE_SPELLINGS]
    return phrases


def _term_expr(term: Term) -> str:
    if term.exact:
        return f"{EXACT_COLUMNS} : (" + " OR ".join(_quote(p) for p in _phrases(term)) + ")"
    parts = ["(" + " OR ".join(_quote(form) for form in forms) + ")" for forms in term.stem_forms()]
    return f"{STEM_COLUMNS} : (" + " AND ".join(parts) + ")"


def _terms_expr(terms: list[Term]) -> str:
    return "(" + " OR ".join(_term_expr(term) for term in terms) + ")"


def match_expression(clauses: list[list[Term]]) -> str:
    return " AND ".join(_terms_expr(clause) for clause in clauses)


def _match(expression: str) -> RawSQL:
    return RawSQL("SELECT rowid FROM article_fts WHERE article_fts MATCH %s", [expression])


# Set while queries that list matches by date are compiled for a match set known to be large.
_DATE_WALK: ContextVar[bool] = ContextVar("sqlite_date_walk", default=False)


class _MatchIn(Lookup):
    """``id IN (the FTS5 matches of an expression)``, a lookup built directly (``rhs``: the MATCH
    expression and the id sample). A lookup, not a boolean expression, so SQLite gets no ``= 1``
    that would stop it using the IN list to drive the query.

    Compiled under :meth:`SqliteBackend.listing` for many matches it is written ``+id IN (...)``: the unary plus keeps
    SQLite from driving the query by looking up every match (41,747 row look-ups and a sort for the
    newest 1,000 of a common word at 100k articles, 98 ms) and lets it walk the date index instead,
    testing membership (19 ms)."""

    lookup_name = "fts_match_in"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        expression, sample = self.rhs
        sql = f"{lhs} IN (SELECT rowid FROM article_fts WHERE article_fts MATCH %s"  # noqa: S608 - compiled column
        if sample > 1:
            # The sample test on the FTS5 rowid: unsampled matches never cost an article-row lookup
            # (counting a sample of 41,747 matches at 100k articles: 18 ms instead of 98).
            sql += " AND " + sample_sql("rowid", sample).replace("%", "%%")
        sql += ")"
        return ("+" + sql if _DATE_WALK.get() else sql), [*lhs_params, expression]


# Above this many text matches (before other filters) a date-ordered listing walks the date index.
DATE_WALK_MATCHES = 5000


class SqliteBackend(SearchBackend):
    @contextmanager
    def listing(self, query: ParsedQuery, *, above_cap: bool) -> Iterator[SqliteBackend]:
        # SQLite has no statistics about an FTS5 match: ask FTS5 how many there are (a capped count
        # of rowids, a few ms) unless the filtered count already says they are many. A date range
        # over a common word is the case the filtered count misses (4,542 results, 41,747 matches).
        walk = above_cap or (bool(query.clauses) and self._matches_over(query, DATE_WALK_MATCHES))
        token = _DATE_WALK.set(walk)
        try:
            yield self
        finally:
            _DATE_WALK.reset(token)

    def _matches_over(self, query: ParsedQuery, n: int) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM (SELECT rowid FROM article_fts WHERE article_fts MATCH %s LIMIT %s)",
                [match_expression(query.clauses), n + 1],
            )
            return cursor.fetchone()[0] > n

    def index(self, docs: Iterable[IndexDoc]) -> None:
        self._write(docs, replace=True)

    def index_inserted(self, docs: list[IndexDoc]) -> None:
        self._write(docs, replace=False)  # new ids: no old row to delete

    def _write(self, docs: Iterable[IndexDoc], *, replace: bool) -> None:
        rows = [
            (
                doc.id,
                _stem_text(doc.title),
                _stem_text(doc.body),
                " ".join(doc.exact_title()),
                " ".join(doc.exact_body()),
            )
            for doc in docs
        ]
        if not rows:
            return
        with connection.cursor() as cursor:
            if not getattr(connection, "_article_fts_trigger", False):
                cursor.execute(TRIGGER_SQL)
                connection._article_fts_trigger = True
            if replace:
                cursor.executemany("DELETE FROM article_fts WHERE rowid = %s", [(row[0],) for row in rows])
            cursor.executemany(
                "INSERT INTO article_fts (rowid, title_stem, body_stem, title_exact, body_exact) "
                "VALUES (%s, %s, %s, %s, %s)",
                rows,
            )

    def unindex(self, ids: Iterable[int]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany("DELETE FROM article_fts WHERE rowid = %s", [(i,) for i in ids])

    def filter(self, queryset: QuerySet, query: ParsedQuery, *, sample: int = 1) -> QuerySet:
        if query.clauses:
            queryset = queryset.filter(_MatchIn(F("pk"), (match_expression(query.clauses), sample)))
        if query.excluded:
            queryset = queryset.exclude(pk__in=_match(_terms_expr(query.excluded)))
        return queryset

    def ranked_ids(self, queryset: QuerySet, query: ParsedQuery, *, offset: int, limit: int) -> list[int]:
        # The ranking MATCH adds the typed word forms (exact columns) so bm25 ranks literal
        # matches higher; the set itself is fixed by ``rowid IN (queryset)``.
        exact_words = sorted({word for term in query.positive_terms() for word in term.exact_words})
        boost = f"{EXACT_COLUMNS} : (" + " OR ".join(_quote(w) for w in exact_words) + ")"
        # Query words found side by side (as written, up to one word apart) rank above those merely present.
        pairs = [f"NEAR({_quote(fold(a))} {_quote(fold(b))}, 1)" for a, b in query.adjacent_pairs()]
        if pairs:
            boost += f" OR {EXACT_COLUMNS} : (" + " OR ".join(pairs) + ")"
        expression = f"({match_expression(query.clauses)}) OR {boost}"
        inner_sql, inner_params = queryset.order_by().values("pk").query.sql_with_params()
        # The unary + keeps SQLite from probing the FTS table once per id of the IN list (each probe
        # re-runs the MATCH: 300 ms instead of 7 ms at 3,000 articles). Scoring inside the subquery
        # and joining the article rows after it looks up only the ranked rows, not every match
        # (a common word at 100k articles: 54 ms instead of 212).
        # Django's compiled SQL and constants only; values are parameters.
        sql = (
            f"SELECT f.rowid FROM (SELECT rowid, {BM25} AS score FROM article_fts "  # noqa: S608
            f"WHERE article_fts MATCH %s AND +rowid IN ({inner_sql})) f "
            "CROSS JOIN articles_article a ON a.id = f.rowid "
            "ORDER BY f.score, a.published_on DESC, a.id DESC LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [expression, *inner_params, limit, offset])
            return [row[0] for row in cursor.fetchall()]
