"""Arabic light stemming for search: clitic prefixes, the article and common suffixes.

Pure module. Input words are already normalised by :func:`articles.text.search_key` (hamza, ة/ه,
ى/ي, diacritics, tatweel, digits), so the rules below see one spelling per word.

Indexing stores every *candidate* of a word (the word, and the word with clitics, the article or a
suffix removed); a query word matches a stored word when any of its own candidates is among them.
So بوتين meets وبوتين, لبوتين and ببوتين, and انتخابات meets الانتخابات and والانتخابات.

The false-friend guard is the minimum length of what a strip leaves: a single letter ب ف ك ل is
only a clitic when at least five letters remain, و when three remain. So بوتين never yields وتين and
فرنسا never yields رنسا: a name keeps its first letter. Shorter words behind a one-letter clitic
(بمصر, لغزة, بقطر) are stripped only on evidence from ~10 million words of news (:mod:`lexicon`):
the remainder must be a common word, far commoner than the whole (مصر 5,779 times against بمصر 189;
بنان 8 against لبنان 1,767 and وتين never, so those stay whole).
"""

from __future__ import annotations

import re
from functools import lru_cache

from articles.search.lexicon import word_counts


def _prefix_table() -> tuple[tuple[str, int], ...]:
    """Every clitic prefix with the letters that must remain after it, longest first.

    Grammar: an optional conjunction (و ف), then an optional preposition (ب ك ل) and/or the article
    (ال; ل + ال is written لل). One strip per word: ب after ل (لب...) is never two clitics.
    """
    table: dict[str, int] = {}
    for conj in ("", "و", "ف"):
        for core, keep in (("ال", 3), ("بال", 3), ("كال", 3), ("لل", 3), ("ب", 5), ("ك", 5), ("ل", 5), ("", 0)):
            prefix = conj + core
            if prefix:
                # و alone leaves three letters (وقال); any other lone one-letter clitic needs five.
                table[prefix] = keep or (3 if prefix == "و" else 5)
    return tuple(sorted(table.items(), key=lambda item: -len(item[0])))


_PREFIXES = _prefix_table()
# Plural, dual-free feminine/nisba and pronoun suffixes. ان is left out on purpose: it ends many
# names (سليمان, عثمان) and stripping it would let سليم find سليمان.
_SUFFIXES: tuple[str, ...] = ("يين", "يون", "هما", "ات", "ون", "ين", "يه", "ها", "هم", "هن", "كم", "نا", "ه", "ي")
_PRONOUNS = frozenset(("هما", "ها", "هم", "هن", "كم", "نا", "ي"))
_SUFFIX_MIN_STEM = 4
# Longest indexed word; longer "words" are junk (URLs, base64) and PostgreSQL caps lexemes at 2 KB.
MAX_WORD = 60
_ARABIC_RE = re.compile("[\u0600-\u06ff]")
_SPLIT_RE = re.compile(r"[^\W_]+")


def split_key(key: str) -> list[str]:
    """Words of a search key. The underscore is a separator here, as it is for FTS5."""
    return [w[:MAX_WORD] for w in _SPLIT_RE.findall(key)]


# The prepositions ب and ل (and a conjunction before one), which the length rule would keep on short
# words. Lone ف and ك are left out: on short words they are mostly part of the word (فيصل, كيري, فتحت).
_SHORT_WORD_CLITICS = ("ب", "ل", "وب", "ول", "فب", "فل")
# Evidence for a strip: the remainder is seen at least this often, and this many times more than the whole.
_EVIDENCE_MIN = 20
_EVIDENCE_RATIO = 2


def _prefix_strips(word: str) -> set[str]:
    found = {
        word[len(prefix) :] for prefix, keep in _PREFIXES if word.startswith(prefix) and len(word) - len(prefix) >= keep
    }
    counts = word_counts()
    whole = counts.get(word, 0)
    for prefix in _SHORT_WORD_CLITICS:
        rest = word[len(prefix) :]
        if word.startswith(prefix) and len(rest) >= 3:
            seen = counts.get(rest, 0)
            if seen >= _EVIDENCE_MIN and seen >= _EVIDENCE_RATIO * whole:
                found.add(rest)
    return found


def _suffix_strips(word: str) -> set[str]:
    found: set[str] = set()
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _SUFFIX_MIN_STEM:
            stem = word[: -len(suffix)]
            found.add(stem)
            # حكومتها -> حكومت: the ت of a suffixed feminine noun is the ه (ة) of its bare form.
            if stem.endswith("ت") and suffix in _PRONOUNS:
                found.add(stem[:-1] + "ه")
    return found


@lru_cache(maxsize=200_000)
def candidates(word: str) -> frozenset[str]:
    """All forms of a normalised word that the stemmed index stores (the word itself included)."""
    if not _ARABIC_RE.match(word):
        return frozenset((word,))
    forms = {word} | _prefix_strips(word)
    for form in list(forms):
        forms |= _suffix_strips(form)
    return frozenset(forms)


def query_forms(word: str) -> list[str]:
    """The stemmed-index forms a query word matches (any of them): its own candidates."""
    return sorted(candidates(word))
