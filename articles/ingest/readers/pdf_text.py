"""A line of a PDF's text layer in logical order: presentation forms mapped, bidi order restored.

Pure module, no Django, no pypdfium2: :mod:`articles.ingest.readers.pdf` reads the characters of a page
(:class:`Char`: the Unicode pdfium gives, its box and baseline in PDF points, origin bottom left) and
:mod:`articles.ingest.readers.pdf_layout` groups them into words and lines. The order inside a line is
taken from geometry, not from the content stream: Chromium, Word and old Arabic typesetters write glyph
runs in visual (left-to-right) order, some words reversed and some not, so stream order is not reading
order. For each line: characters in visual order (x ascending, each mark with its letter), then the
inverse of the Unicode bidi algorithm for a right-to-left line (reverse, then restore the left-to-right
runs of Latin letters and digits, swap mirrored brackets back), and presentation forms (U+FB50–FDFF,
U+FE70–FEFF) mapped to the letters they show (NFKC of those characters only: lam-alef → ل + ا).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import statistics
import unicodedata
from dataclasses import dataclass

# Arabic presentation forms A and B: glyph codes that old tools and some ToUnicode maps write instead of
# letters. NFKC maps each to its letters; two have no decomposition to standard Arabic letters
# (U+FDFC RIAL gives a Farsi yeh), so they are spelled out.
_PRESENTATION = ((0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
_PRESENTATION_FIX = {"\ufdfc": "ريال", "\ufdfd": "بسم الله الرحمن الرحيم", "\ufeff": ""}
_MIRROR = str.maketrans("()[]{}<>«»‹›", ")(][}{><»«›‹")
_RTL = ("R", "AL")
_LTR = ("L", "EN", "AN")  # digits show left to right inside an Arabic line too
_SPACES = " \t\r\n\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"


@dataclass(frozen=True)
class Char:
    """One character of pdfium's text page. Box and baseline in PDF points (origin bottom left of the
    page); ``size`` is the font size in points after the text matrix (0 when pdfium has none)."""

    text: str
    left: float
    bottom: float
    right: float
    top: float
    baseline: float
    size: float
    generated: bool = False  # a space or line break pdfium inserted, not in the content stream


@dataclass
class Word:
    """Characters of one word, in content-stream order, with their union box (points)."""

    chars: list[Char]
    left: float = 0.0
    right: float = 0.0
    bottom: float = 0.0
    top: float = 0.0
    baseline: float = 0.0
    size: float = 0.0

    def __post_init__(self) -> None:
        self.left = min(c.left for c in self.chars)
        self.right = max(c.right for c in self.chars)
        self.bottom = min(c.bottom for c in self.chars)
        self.top = max(c.top for c in self.chars)
        self.baseline = statistics.median(c.baseline for c in self.chars)
        self.size = statistics.median(c.size for c in self.chars) or (self.top - self.bottom)

    # The band a line of this word occupies for the XY-cut: baseline-based, not the ink box, so that the
    # descenders of one line never touch the dots of the next one.
    @property
    def band_bottom(self) -> float:
        return self.baseline - 0.15 * self.size

    @property
    def band_top(self) -> float:
        return self.baseline + 0.6 * self.size


def map_presentation_forms(text: str) -> str:
    """Arabic presentation-form characters replaced by the letters they stand for (ﻻ → لا, ﺎ → ا,
    ﷲ → الله); every other character is kept as is. Isolated harakat forms (U+FE70…) lose the space
    NFKC puts before them."""
    if not any(_is_presentation(c) for c in text):
        return text
    out = []
    for c in text:
        if not _is_presentation(c):
            out.append(c)
            continue
        mapped = _PRESENTATION_FIX.get(c)
        if mapped is None:
            mapped = unicodedata.normalize("NFKC", c)
            if mapped[:1] == " " and len(mapped) > 1:
                mapped = mapped[1:]
        out.append(mapped)
    return "".join(out)


def _is_presentation(c: str) -> bool:
    code = ord(c)
    return any(lo <= code <= hi for lo, hi in _PRESENTATION)


def direction(text: str) -> str:
    """'R' for Arabic/Hebrew letters, 'L' for Latin letters and digits, 'N' for neutrals."""
    for c in text:
        bidi = unicodedata.bidirectional(c)
        if bidi in _RTL:
            return "R"
        if bidi in _LTR:
            return "L"
    return "N"


def split_words(chars: list[Char]) -> list[Word]:
    """Words of a page from its characters in stream order. Pieces are cut at the spaces of the content
    stream; a space pdfium generated (at a jump in the stream) cuts only where the pieces stand apart
    (0.15 of the font size), since a reversed word is written from its left end and its comma or mark
    after it. Each piece is then cut, in x order, where two characters are 0.8 of the font size apart
    or on other baselines."""
    pieces: list[tuple[bool, list[Char]]] = []  # (follows a generated space, chars)
    current: list[Char] = []
    soft = False
    for char in chars:
        if char.generated or not char.text or char.text.isspace():
            if current:
                pieces.append((soft, current))
                current = []
            soft = char.generated
            continue
        current.append(char)
    if current:
        pieces.append((soft, current))
    tokens: list[list[Char]] = []
    for soft, piece in pieces:
        if soft and tokens and _apart(tokens[-1], piece) < 0.15 * max(piece[0].size, 1.0):
            tokens[-1].extend(piece)
        else:
            tokens.append(piece)
    return [Word(group) for token in tokens for group in _split_apart(token)]


def _apart(a: list[Char], b: list[Char]) -> float:
    """Horizontal gap between two pieces (negative when they overlap); infinite on other baselines."""
    if abs(a[0].baseline - b[0].baseline) > 0.5 * max(a[0].size, b[0].size, 1.0):
        return math.inf
    return max(min(c.left for c in a), min(c.left for c in b)) - min(max(c.right for c in a), max(c.right for c in b))


def _split_apart(token: list[Char]) -> list[list[Char]]:
    bases = sorted((c for c in token if not unicodedata.combining(c.text[:1])), key=lambda c: c.left)
    if len(bases) < 2:
        return [token]
    groups = [[bases[0]]]
    right = bases[0].right
    for char in bases[1:]:
        prev = groups[-1][-1]
        size = max(char.size, prev.size, 1.0)
        gap = char.left - right
        # A word space Chromium left out of the stream between an Arabic word and a bracket or a Latin
        # word: a gap of a fifth of the font where the direction changes (within a word, only the side
        # bearings of a narrow digit or the room of a mark leave 0.3 em, and they do not change it).
        turn = (
            direction(char.text) != direction(prev.text)
            or unicodedata.mirrored(char.text[:1])
            or (unicodedata.mirrored(prev.text[:1]))
        )
        if gap > 0.8 * size or (turn and gap > 0.2 * size) or abs(char.baseline - prev.baseline) > 0.5 * size:
            groups.append([])
            right = char.right
        groups[-1].append(char)
        right = max(right, char.right)
    if len(groups) == 1:
        return [token]
    members = {id(c): i for i, group in enumerate(groups) for c in group}
    out: list[list[Char]] = [[] for _ in groups]
    for char in token:  # stream order kept inside each group; a mark goes with the group under it
        index = members.get(id(char))
        if index is None:
            centre = (char.left + char.right) / 2
            index = min(range(len(groups)), key=lambda i: min(_distance(c, centre) for c in groups[i]))
        out[index].append(char)
    return out


def _clusters(word: Word) -> list[str]:
    """The word's grapheme clusters in visual order (left to right), each in logical order: a letter
    with its marks after it. The stream may put a mark before its letter or at the end of a reversed
    word, so a mark joins the letter whose box holds the mark's centre, else (Chromium gives a mark the
    box just before its letter in writing direction) the letter whose leading edge meets the mark."""
    letters = [c for c in word.chars if not unicodedata.combining(c.text[:1])]
    rtl = direction("".join(c.text for c in letters)) == "R"
    # pdfium gives the letters of a glyph it splits (a ligature, ﷲ, a fathatan glyph carrying اً) in
    # the order of the stream around them: logical where the word is stored in logical order, reversed
    # where it is stored in visual order (x ascending in an Arabic word).
    steps = [b.left + b.right - a.left - a.right for a, b in itertools.pairwise(letters) if not _nested(a, b)]
    stored_visual = rtl and sum(d > 0 for d in steps) > sum(d < 0 for d in steps)
    chars = _glyphs(word.chars, stored_visual)
    bases = [c for c in chars if not unicodedata.combining(c.text[:1])]
    if not bases:
        return ["".join(c.text for c in chars)]
    marks: dict[int, list[str]] = {}
    for char in chars:
        if unicodedata.combining(char.text[:1]):
            marks.setdefault(_mark_base(bases, char, rtl), []).append(char.text)
    # Letters with nested boxes (Amiri's لح, Noto's لأ) are such pieces too and keep that order; other
    # letters go by the centre of their box.
    index = {id(c): i for i, c in enumerate(bases)}
    clusters: list[list[Char]] = []
    for char in sorted(bases, key=lambda c: (c.left + c.right) / 2):
        if clusters and _nested(clusters[-1][-1], char):
            clusters[-1].append(char)
        else:
            clusters.append([char])
    out = []
    for cluster in clusters:
        cluster.sort(key=lambda c: -index[id(c)] if stored_visual else index[id(c)])
        text = "".join(map_presentation_forms(c.text) + "".join(marks.get(index[id(c)], [])) for c in cluster)
        out.append(text)
    return out


def _glyphs(chars: list[Char], stored_visual: bool) -> list[Char]:
    """Characters with the pieces of one glyph merged back: pdfium cuts a glyph whose ToUnicode entry has
    several characters into consecutive characters with identical boxes (KACST's لم and صر, ﷲ) or with
    equal boxes side by side (a fathatan glyph carrying اً). Found on Chromium PDFs: stacked pieces come
    reversed in a word stored in logical order and in order in a word stored in visual order (pdfium
    reverses them, then the run), side-by-side pieces follow the order the word is stored in."""
    out: list[Char] = []
    run: list[Char] = []
    for char in [*chars, None]:
        if char is not None and run and _same_glyph(run[-1], char):
            run.append(char)
            continue
        if len(run) > 1:
            stacked = all(_same_box(run[0], c) for c in run[1:])
            reverse = direction(run[0].text) == "R" and stacked != stored_visual
            text = "".join(c.text for c in (run[::-1] if reverse else run))
            merged = dataclasses.replace(
                run[0], text=text, left=min(c.left for c in run), right=max(c.right for c in run)
            )
            out.append(merged)
        elif run:
            out.append(run[0])
        run = [char] if char is not None else []
    return out


def _same_box(a: Char, b: Char, tolerance: float = 0.05) -> bool:
    return abs(a.left - b.left) <= tolerance and abs(a.right - b.right) <= tolerance


def _same_glyph(a: Char, b: Char, tolerance: float = 0.05) -> bool:
    if abs(a.top - b.top) > tolerance or abs(a.bottom - b.bottom) > tolerance:
        return False
    if _same_box(a, b, tolerance):
        return True
    touching = abs(a.left - b.right) <= tolerance or abs(a.right - b.left) <= tolerance
    return touching and abs((a.right - a.left) - (b.right - b.left)) <= 0.1


def _nested(a: Char, b: Char) -> bool:
    """Whether the x-ranges of two letters overlap by 60% of the narrower: pieces of one glyph."""
    overlap = min(a.right, b.right) - max(a.left, b.left)
    return overlap > 0 and overlap >= 0.6 * min(a.right - a.left, b.right - b.left)


def _distance(char: Char, x: float) -> float:
    if char.left <= x <= char.right:
        return 0.0
    return min(abs(char.left - x), abs(char.right - x))


def _mark_base(bases: list[Char], mark: Char, rtl: bool) -> int:
    centre = (mark.left + mark.right) / 2
    inside = [i for i, c in enumerate(bases) if c.left < centre < c.right]
    if inside:
        return min(inside, key=lambda i: bases[i].right - bases[i].left)
    if rtl:
        return min(range(len(bases)), key=lambda i: abs(bases[i].left - mark.right))
    return min(range(len(bases)), key=lambda i: abs(bases[i].right - mark.left))


def visual_to_logical(units: list[str], rtl: bool) -> list[str]:
    """Reading order of units (clusters and spaces) given in visual order, left to right.

    For a right-to-left line the units are reversed and each run of left-to-right units (Latin letters
    and digits, with the neutrals between them) is put back in visual order; neutrals of the Arabic text
    that mirror ( ( ) « » [ ] ) are swapped back, since the glyph shown is the mirror of the character
    typed. For a left-to-right line only the right-to-left runs are reversed (digits inside them kept).
    """
    dirs = [direction(u) for u in units]
    if rtl:
        units, dirs = units[::-1], dirs[::-1]
        inner = "L"
    else:
        inner = "R"
    out: list[str] = []
    i = 0
    while i < len(units):
        if dirs[i] != inner:
            out.append(units[i].translate(_MIRROR) if rtl and dirs[i] == "N" else units[i])
            i += 1
            continue
        # A run: from this unit to the last unit of the same direction before any opposite strong unit.
        j = last = i
        while j < len(units) and dirs[j] != ("R" if inner == "L" else "L"):
            if dirs[j] == inner:
                last = j
            j += 1
        run = units[i : last + 1][::-1]
        out.extend(run if rtl else _reverse_keep_digits(run))
        i = last + 1
    return out


_PAIRS = (("(", ")"), ("[", "]"), ("{", "}"), ("«", "»"))


def balance_brackets(text: str) -> str:
    """Brackets of a paragraph made to open before they close. A font maps each bracket glyph to one
    character, so where an Arabic line shows a mirrored bracket both ends of ``(UNESCO)`` can come out
    as ``)``; when a bracket type does not nest properly and its count is even, its occurrences are
    rewritten as open, close, open, close (news text rarely nests brackets of one type)."""
    for opening, closing in _PAIRS:
        if opening not in text and closing not in text:
            continue
        depth, valid, count = 0, True, 0
        for c in text:
            if c in (opening, closing):
                count += 1
                depth += 1 if c == opening else -1
                valid = valid and depth >= 0
        if (valid and depth == 0) or count % 2:
            continue
        chars, seen = list(text), 0
        for i, c in enumerate(chars):
            if c in (opening, closing):
                chars[i] = opening if seen % 2 == 0 else closing
                seen += 1
        text = "".join(chars)
    return text


def _reverse_keep_digits(run: list[str]) -> list[str]:
    """An Arabic run inside a left-to-right line, already reversed: numbers in it read left to right."""
    out: list[str] = []
    i = 0
    while i < len(run):
        if direction(run[i]) == "L":
            j = i
            while j < len(run) and direction(run[j]) == "L":
                j += 1
            out.extend(run[i:j][::-1])
            i = j
        else:
            out.append(run[i].translate(_MIRROR) if direction(run[i]) == "N" else run[i])
            i += 1
    return out


def line_text(words: list[Word], rtl: bool) -> tuple[str, list[Word], list[str]]:
    """A line's logical text from its words; returns (text, words in visual order, each word's text)."""
    visual = sorted(words, key=lambda w: (w.left + w.right) / 2)
    units: list[str] = []
    word_texts = []
    for word in visual:
        clusters = _clusters(word)
        word_texts.append("".join(visual_to_logical(clusters, rtl)))
        units.extend([" ", *clusters] if units else clusters)
    return "".join(visual_to_logical(units, rtl)), visual, word_texts


def is_rtl(chars: list[Char]) -> bool:
    """Whether a page (or line) reads right to left: more Arabic/Hebrew letters than Latin ones."""
    rtl = ltr = 0
    for char in chars:
        bidi = unicodedata.bidirectional(char.text[:1]) if char.text else ""
        rtl += bidi in _RTL
        ltr += bidi == "L"
    return rtl >= ltr and rtl > 0
