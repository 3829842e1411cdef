"""Snippets and highlighting: escape the stored text first, then add <mark> around matching words.

Both show the text in its display form (:func:`articles.text.display_form`: a PDF's presentation-form
glyphs as letters, Latin , ; ? after Arabic as ، ؛ ؟), like typed text; matching is on the keys, so a
word marks the same either way."""

from __future__ import annotations

import html
import re
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.search.arabic import candidates, fold, key_words
from articles.search.query import ParsedQuery
from articles.text import INVISIBLE_CHARS, display_form

# A word as written: letters/digits plus the marks and the invisible characters that normalisation removes
# (a PDF's soft hyphen or an OCR engine's zero-width space inside a word leaves it one word).
_RAW_WORD_RE = re.compile(f"[\\w\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640{INVISIBLE_CHARS}]+")
SNIPPET_WORDS = 40
# Enough text to find a hit in without scanning a whole long body.
SCAN_CHARS = 20_000


@lru_cache(maxsize=100_000)
def _forms(raw: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """Normalised words of a word as written, with their candidates (cached: words repeat a lot)."""
    return tuple((fold(word), candidates(word)) for word in key_words(raw))


def _is_hit(raw: str, stems: frozenset[str], exact: frozenset[str]) -> bool:
    return any(word in exact or not forms.isdisjoint(stems) for word, forms in _forms(raw))


def _render(text: str, matches: list[re.Match], hits: set[int], start: int, end: int) -> str:
    """Escaped text from word ``start`` to word ``end`` (exclusive), hit words in <mark>.

    Escapes with the standard library's ``html.escape`` (what Django's ``escape`` calls) on whole
    runs between marks: a SafeString per word was half the cost of a results page's snippets."""
    out: list[str] = []
    pos = matches[start].start()
    for i in range(start, end):
        if i in hits:
            match = matches[i]
            out.append(html.escape(text[pos : match.start()]))
            out.append(f"<mark>{html.escape(match.group())}</mark>")
            pos = match.end()
    stop = len(text) if end == len(matches) else matches[end - 1].end()
    out.append(html.escape(text[pos:stop]))
    return "".join(out)


def highlight(text: str, query: ParsedQuery | None) -> SafeString:
    """The whole text in its display form, escaped, matching words marked."""
    text = display_form(text)
    if not query or not query.has_positive:
        return escape(text)
    stems, exact = query.highlight_forms()
    matches = list(_RAW_WORD_RE.finditer(text))
    if not matches:
        return escape(text)
    hits = {i for i, m in enumerate(matches) if _is_hit(m.group(), stems, exact)}
    return mark_safe(escape(text[: matches[0].start()]) + _render(text, matches, hits, 0, len(matches)))  # noqa: S308


def snippet(text: str, query: ParsedQuery | None, *, words: int = SNIPPET_WORDS) -> SafeString:
    """About ``words`` words of ``text`` (display form) around its first match, escaped, matches marked."""
    text = display_form(text)
    matches = list(_RAW_WORD_RE.finditer(text[:SCAN_CHARS]))
    if not matches:
        return escape(text[:300])
    hits: set[int] = set()
    first = 0
    stems = exact = frozenset()
    if query and query.has_positive:
        stems, exact = query.highlight_forms()
        first = next((i for i, m in enumerate(matches) if _is_hit(m.group(), stems, exact)), 0)
    start = max(0, first - words // 4)
    end = min(len(matches), start + words)
    if stems or exact:
        hits = {i for i in range(start, end) if _is_hit(matches[i].group(), stems, exact)}
    html = _render(text, matches, hits, start, end)
    if end == len(matches) and len(text) > SCAN_CHARS:
        end -= 1  # the scan stopped early: more text follows
    prefix = "… " if start > 0 else escape(text[: matches[0].start()])
    suffix = " …" if end < len(matches) else ""
    return mark_safe(prefix + html.strip() + suffix)  # noqa: S308 - every piece is escaped above


def words_hit(words: list[str], query: ParsedQuery | None) -> list[bool]:
    """For each word as written (an OCR word box's text), whether the query matches it, by the same rules
    as the text's highlighting (so a word marked in the text is the word marked on the scan)."""
    if not query or not query.has_positive:
        return [False] * len(words)
    stems, exact = query.highlight_forms()
    return [any(_is_hit(m.group(), stems, exact) for m in _RAW_WORD_RE.finditer(word)) for word in words]
