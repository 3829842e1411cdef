"""Finding an editors' list's aliases in an article's text: pure (no Django).

An alias key (``articles.enrich.resolve.name_key``: normalised words, the first without its article)
matches a run of the text's words when the first word is the key's first word behind any of the
proclitics و ف ب ل ك (and their pairs وب, فل, ...), with the article ال (or لل for ل + ال) where the
alias is written with it (المتن, never متن) and without it where it is not (بيروت), and the
next words equal the key's next words, separated by spaces only (never across a comma or a full
stop). The longest alias wins at a position. An alias followed by a relative's marker (ترامب جي ار,
بوش الابن) is another person and does not match, unless the alias has the marker itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from articles.text import JUNIOR_MARKERS, has_junior_marker, normalize

# Word characters with the marks normalize() removes (harakat, Quranic marks, dagger alef), so a
# vocalised or stretched word is one token.
_TOKEN_RE = re.compile(r"[\w\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]+")
_GAP_RE = re.compile(r"[\s\u200b-\u200f\u2060\u0640]*")
_PROCLITICS = ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل", "فك")
_JUNIOR_WORDS = tuple(tuple(m.split()) for m in JUNIOR_MARKERS)


@lru_cache(maxsize=200_000)  # news words repeat: a scan normalises each spelling once per process
def _word(token: str) -> str:
    return normalize(token)


def first_word_forms(word: str, *, article: bool) -> dict[str, int]:
    """The forms the first word of an alias key takes in running text, with its proclitics, and how
    many leading characters are clitics (the article stays part of the name: والتيار → التيار).
    ``article``: the alias is written with ال (المتن): only forms with it (متن is another word)."""
    forms: dict[str, int] = {}
    for clitic in _PROCLITICS:
        if not article:
            forms.setdefault(clitic + word, len(clitic))
            continue
        forms.setdefault(clitic + "ال" + word, len(clitic))
        if clitic.endswith("ل"):  # ل + ال is written لل: للحريري, وللتيار
            forms.setdefault(clitic + "ل" + word, len(clitic) + 1)
    return forms


@dataclass(frozen=True)
class Match:
    entity_id: int
    start: int  # character offsets into the text matched (the first word's clitics excluded)
    end: int
    surface: str


class ListMatcher:
    """Aliases of listed entities, indexed by their first word's forms. Build once per batch."""

    def __init__(self, aliases: Iterable[tuple[int, str, str]]) -> None:
        """``aliases``: (entity id, alias key, alias name as written)."""
        # first-word form -> [(rest words, entity id, clitic length, alias is a relative's name)]
        self._by_first: dict[str, list[tuple[tuple[str, ...], int, int, bool]]] = {}
        for entity_id, key, name in aliases:
            words = key.split()
            if not words:
                continue
            written = normalize(name).split()
            article = bool(written) and written[0] != words[0] and written[0] == "ال" + words[0]
            for form, clitic in first_word_forms(words[0], article=article).items():
                entry = (tuple(words[1:]), entity_id, clitic, has_junior_marker(key))
                self._by_first.setdefault(form, []).append(entry)
        for entries in self._by_first.values():
            entries.sort(key=lambda e: -len(e[0]))  # the longest alias first

    def __bool__(self) -> bool:
        return bool(self._by_first)

    def find(self, text: str) -> list[Match]:
        """Non-overlapping matches in ``text``, in order."""
        if not self._by_first or not text:
            return []
        tokens = [(m.start(), m.end(), _word(m.group())) for m in _TOKEN_RE.finditer(text)]
        out: list[Match] = []
        i = 0
        while i < len(tokens):
            found = self._match_at(text, tokens, i)
            if found is None:
                i += 1
                continue
            match, width = found
            out.append(match)
            i += width
        return out

    def _match_at(self, text: str, tokens: list[tuple[int, int, str]], i: int) -> tuple[Match, int] | None:
        entries = self._by_first.get(tokens[i][2])
        if not entries:
            return None
        for rest, entity_id, clitic, junior in entries:
            width = 1 + len(rest)
            if i + width > len(tokens):
                continue
            if any(tokens[i + 1 + j][2] != word for j, word in enumerate(rest)):
                continue
            if not all(_GAP_RE.fullmatch(text, tokens[k][1], tokens[k + 1][0]) for k in range(i, i + width - 1)):
                continue
            if not junior and self._junior_follows(text, tokens, i + width):
                continue
            start, end = tokens[i][0], tokens[i + width - 1][1]
            if len(normalize(text[start : tokens[i][1]])) == tokens[i][1] - start:  # offsets map 1:1
                start += clitic
            return Match(entity_id=entity_id, start=start, end=end, surface=text[start:end]), width
        return None

    @staticmethod
    def _junior_follows(text: str, tokens: list[tuple[int, int, str]], k: int) -> bool:
        for marker in _JUNIOR_WORDS:
            run = tokens[k : k + len(marker)]
            if len(run) == len(marker) and tuple(t[2] for t in run) == marker:
                if _GAP_RE.fullmatch(text, tokens[k - 1][1], run[0][0]):
                    return True
        return False
