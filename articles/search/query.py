"""Web-style query parsing: words, "quoted phrases", OR, -exclusion. Never raises.

The parser only produces normalised words (``\\w`` runs of the search key), so nothing the reader
types reaches SQL or FTS5 syntax: backends quote every word themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from articles.search.arabic import exact_forms, fold, key_words, query_forms
from articles.text import search_key

# A query longer than this is cut (10 KB of text is not a search, and every word costs a join).
MAX_QUERY_CHARS = 500
MAX_TERMS = 16
MAX_PHRASE_WORDS = 12
# Hyphen, minus and the typographic dashes all negate a term when they start it.
_NEGATORS = "-\u2212\u2013\u2014"
_TOKEN_RE = re.compile(rf'([{_NEGATORS}]?)"([^"]*)"?|(\S+)')
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_OR_WORDS = frozenset({"OR", "|", "او"})  # او is normalised أو


@dataclass(frozen=True)
class Term:
    """One search term: a word (stemmed, any clitic form) or a quoted phrase (exact word forms).
    ``words`` are spelled key words (ة kept, for the stemmer); :attr:`exact_words` are as the key has them."""

    words: tuple[str, ...]
    exact: bool = False

    @property
    def exact_words(self) -> tuple[str, ...]:
        """The words as typed (folded): what ranking boosts."""
        return tuple(fold(w) for w in self.words)

    def exact_alternatives(self) -> list[tuple[str, ...]]:
        """Per word, the exact-column words that satisfy it (a function word's ى and ي spellings)."""
        return [exact_forms(word) for word in self.words]

    def stem_forms(self) -> list[list[str]]:
        """Per word, the stemmed-index forms any of which satisfies that word."""
        return [query_forms(word) for word in self.words]


@dataclass
class ParsedQuery:
    # Every clause must match; a clause matches when any of its terms does.
    clauses: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.clauses and not self.excluded

    @property
    def has_positive(self) -> bool:
        return bool(self.clauses)

    def positive_terms(self) -> list[Term]:
        return [term for clause in self.clauses for term in clause]

    def adjacent_pairs(self) -> list[tuple[str, str]]:
        """Pairs of query words typed side by side (spelled), for the proximity boost of ranking:
        «العملات الرقمية» ranks articles where the two words are neighbours above those that merely
        contain both. A clause with OR breaks the chain."""
        pairs: list[tuple[str, str]] = []
        previous: str | None = None
        for clause in self.clauses:
            if len(clause) != 1:
                previous = None
                continue
            for word in clause[0].words:
                if previous is not None:
                    pairs.append((previous, word))
                previous = word
        return pairs

    def highlight_forms(self) -> tuple[frozenset[str], frozenset[str]]:
        """(stem forms, exact words) of the positive terms, to mark matching words in a snippet."""
        stems: set[str] = set()
        exact: set[str] = set()
        for term in self.positive_terms():
            if term.exact:
                exact.update(form for forms in term.exact_alternatives() for form in forms)
            else:
                for word in term.words:
                    stems.update(query_forms(word))
        return frozenset(stems), frozenset(exact)


def _term(text: str, *, exact: bool) -> Term | None:
    words = key_words(text)
    if not words:
        return None
    return Term(words=tuple(words[:MAX_PHRASE_WORDS]), exact=exact)


def query_parse(raw: str | None) -> ParsedQuery:
    """Parse what a reader typed. Unbalanced quotes close at the end; lone operators are ignored."""
    parsed = ParsedQuery()
    if not raw:
        return parsed
    text = _CONTROL_RE.sub(" ", raw[:MAX_QUERY_CHARS])
    pending_or = False
    count = 0
    for match in _TOKEN_RE.finditer(text):
        if count >= MAX_TERMS:
            break
        negated_phrase, phrase, bare = match.groups()
        if bare is not None and (bare in _OR_WORDS or search_key(bare) in _OR_WORDS):
            pending_or = bool(parsed.clauses)
            continue
        if phrase is not None:
            negated, term = bool(negated_phrase), _term(phrase, exact=True)
        else:
            negated = bare[0] in _NEGATORS and len(bare) > 1
            term = _term(bare[1:] if negated else bare, exact=False)
        if term is None:
            continue
        count += 1
        if negated:
            parsed.excluded.append(term)
            pending_or = False
        elif pending_or:
            parsed.clauses[-1].append(term)
            pending_or = False
        else:
            parsed.clauses.append([term])
    return parsed
