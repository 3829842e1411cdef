"""Page layout from Tesseract's word boxes: reading order, headline, what is not article text. Pure module.

:func:`page_layout` takes the :class:`~articles.ingest.ocr.tesseract.RawWord` list of one (deskewed)
page and returns a :class:`PageLayout`:

* **lines**: Tesseract's own lines, split where a gap between two words is wider than a column gutter
  (Tesseract sometimes joins the lines of two columns);
* **non-text** dropped: words that are rules or frames (only dashes, tatweel, bars; extremely long thin
  boxes), lines of only digits in any script (page numbers), a short line alone at the very top (the
  running head: outlet, date, section) or alone at the very bottom (folio) of the page;
* **headline**: the lines above the body set in type clearly larger than the body's median line height
  (x 1.3, median word heights), possibly spanning the columns; joined top to bottom into ``title``;
* **columns**: x ranges that no more than a few body lines cover are gutters; lines that cross a gutter
  span the columns and cut the page into bands; within a band columns are read right to left (Arabic),
  lines top to bottom;
* **paragraphs**: a new one where the vertical gap is clearly above the column's usual line gap, where
  the line is indented on the right, or after a line ending well short of the column's left edge.

Geometry is in the pixels of the image Tesseract read; words keep their order within a line as
Tesseract gave it (logical order, with its bidi handling of Latin runs).
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from articles.ingest.ocr.tesseract import RawWord

HEADLINE_RATIO = 1.3  # headline word height / body median word height
HEADLINE_SURE_RATIO = 2.0  # words this much taller are headline type whatever their strokes
HEADLINE_STROKE = 1.2  # headline stroke width / body median stroke width (where measured)
HEADLINE_CONTINUE = 0.75  # a next headline line's word height / the first headline line's
HEADLINE_SEARCH_LINES = 4  # the headline starts within the first lines of a clipping
RUNNING_HEAD_WORDS = 12  # a line above the headline this short is a masthead, not the article
_NOT_TEXT_RE = re.compile(r"^[\s\-_—–‒―ـ|¦/\\~=+*•·.,:;'\"`^()\[\]{}<>«»]*$")
_DIGITS_RE = re.compile(r"^[\W\d_]*$")  # \d matches Arabic-Indic and Persian digits too


@dataclass
class Line:
    words: list[RawWord]
    left: int = 0
    top: int = 0
    right: int = 0
    bottom: int = 0

    def __post_init__(self) -> None:
        self.left = min(w.left for w in self.words)
        self.top = min(w.top for w in self.words)
        self.right = max(w.left + w.width for w in self.words)
        self.bottom = max(w.top + w.height for w in self.words)

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass
class PageLayout:
    """One page in reading order: ``title`` and each paragraph as words in reading order."""

    title: list[RawWord] = field(default_factory=list)
    paragraphs: list[list[RawWord]] = field(default_factory=list)
    dropped: list[Line] = field(default_factory=list)
    #: (top, bottom) pixels from the headline's top to the first body-like line: the band the engine may
    #: read again at body scale (Tesseract misses lines of very large type); None without a headline.
    headline_band: tuple[int, int] | None = None
    word_height: float = 0.0  # median word height of the page's lines (pixels)

    @property
    def words(self) -> list[RawWord]:
        return self.title + [w for p in self.paragraphs for w in p]


def is_non_text(word: RawWord) -> bool:
    """A rule, frame or bar read as a word: only dashes/bars/tatweel, or a box over 15 times wider than
    high with at most two distinct characters."""
    if _NOT_TEXT_RE.match(word.text):
        return True
    return word.width > 15 * max(word.height, 1) and len(set(word.text)) <= 2


def _visual_rows(group: list[RawWord]) -> list[list[RawWord]]:
    """One Tesseract line cut where its words do not overlap vertically: Tesseract sometimes joins a
    headline and the first body line (or two lines of a skewed photo) into one line."""
    rows: list[tuple[int, int, list[RawWord]]] = []
    for word in sorted(group, key=lambda w: w.top + w.height / 2):
        top, bottom = word.top, word.top + word.height
        if rows:
            r_top, r_bottom, members = rows[-1]
            if min(bottom, r_bottom) - max(top, r_top) > 0.3 * min(word.height, r_bottom - r_top):
                rows[-1] = (min(top, r_top), max(bottom, r_bottom), [*members, word])
                continue
        rows.append((top, bottom, [word]))
    if len(rows) == 1:
        return [group]
    members_of = [set(map(id, members)) for _, _, members in rows]
    return [[w for w in group if id(w) in ids] for ids in members_of]  # keep Tesseract's order


def _lines(words: list[RawWord]) -> list[Line]:
    grouped: dict[tuple[int, int, int], list[RawWord]] = {}
    for word in words:
        grouped.setdefault(word.line_key, []).append(word)
    lines = []
    for group in (row for tess_line in grouped.values() for row in _visual_rows(tess_line)):
        height = statistics.median(w.height for w in group)
        # Split at a horizontal gap wider than ~1.2 word heights: two columns' lines read as one. A wide
        # justified space split by mistake is joined again by _rows, within its column.
        by_x = sorted(group, key=lambda w: -(w.left + w.width))
        cuts = [0]
        for i in range(1, len(by_x)):
            if by_x[i - 1].left - (by_x[i].left + by_x[i].width) > 1.2 * height:
                cuts.append(i)
        if len(cuts) == 1:
            lines.append(Line(group))
            continue
        cuts.append(len(by_x))
        for start, end in itertools.pairwise(cuts):
            members = set(map(id, by_x[start:end]))
            lines.append(Line([w for w in group if id(w) in members]))  # keep Tesseract's order
    return lines


def _gutters(lines: list[Line], width: int, body_height: float) -> list[tuple[int, int]]:
    """x ranges (start, end) covered by at most ~10% of the body lines: column gutters."""
    if len(lines) < 4:
        return []
    coverage = np.zeros(width + 1, dtype=np.int32)
    for line in lines:
        coverage[max(0, line.left) : line.right] += 1
    left, right = min(ln.left for ln in lines), max(ln.right for ln in lines)
    low = coverage <= max(1, int(0.1 * len(lines)))
    gutters, start = [], None
    for x in range(left, right + 1):
        if low[x] and start is None:
            start = x
        elif not low[x] and start is not None:
            if x - start >= 0.8 * body_height:
                gutters.append((start, x))
            start = None
    return gutters


def _word_height(line: Line) -> float:
    """Median word height: unlike the line box, not inflated by one tall word or a stray mark."""
    return float(statistics.median(w.height for w in line.words))


def _rows(column: list[Line]) -> list[Line]:
    """Pieces of one column on the same row (vertical overlap over half) joined right to left."""
    rows: list[list[Line]] = []
    for line in sorted(column, key=lambda ln: ln.top):
        last = rows[-1][-1] if rows else None
        if last and min(last.bottom, line.bottom) - max(last.top, line.top) > 0.5 * min(last.height, line.height):
            rows[-1].append(line)
        else:
            rows.append([line])
    return [Line([w for piece in sorted(row, key=lambda ln: -ln.right) for w in piece.words]) for row in rows]


def _paragraphs(column: list[Line], body_height: float) -> list[list[RawWord]]:
    if not column:
        return []
    column = _rows(column)
    col_left, col_right = min(ln.left for ln in column), max(ln.right for ln in column)
    width = col_right - col_left
    gaps = [b.top - a.bottom for a, b in itertools.pairwise(column)]
    usual_gap = statistics.median(gaps) if gaps else 0
    paragraphs: list[list[RawWord]] = [list(column[0].words)]
    for previous, line, gap in zip(column, column[1:], gaps, strict=False):
        indented = line.right < col_right - 1.5 * body_height and line.right - line.left < width - body_height
        short_before = previous.right - previous.left < 0.6 * width
        if gap > usual_gap + 0.6 * body_height or indented or short_before:
            paragraphs.append([])
        paragraphs[-1].extend(line.words)
    return paragraphs


def _headline_band(
    title: list[Line],
    dropped: list[Line],
    rest: list[Line],
    word_height: float,
    large: Callable[[Line], bool],
    height: int,
) -> tuple[int, int]:
    """Rows that may hold headline lines Tesseract missed: up to one and a half headline heights above
    and below the lines it read, bounded by a sure line above (a running head read with confidence) and
    the first line that is clearly body text below."""
    size = statistics.median(w.height for ln in title for w in ln.words)
    top, bottom = title[0].top, max(ln.bottom for ln in title)
    above = [ln.bottom for ln in dropped if ln.bottom <= top and statistics.mean(w.conf for w in ln.words) >= 70]
    band_top = max([int(top - 1.6 * size), 0, *above])
    body = (
        ln.top
        for ln in sorted(rest, key=lambda ln: ln.top)
        # Below the middle of the headline's last line: the boxes of a tilted photo's lines overlap.
        if ln.top >= title[-1].top + title[-1].height / 2
        and len(ln.words) >= 3
        and 0.6 * word_height <= _word_height(ln)
        and not large(ln)
    )
    band_bottom = min(next(body, height), int(bottom + 1.6 * size), height)
    return band_top, band_bottom


def page_layout(words: list[RawWord], width: int, height: int) -> PageLayout:
    """Reading order of one page's words (see the module docstring); ``width``/``height`` of the image."""
    layout = PageLayout()
    kept = [w for w in words if not is_non_text(w)]
    lines = _lines(kept)
    if not lines:
        return layout
    for line in list(lines):
        if _DIGITS_RE.match(line.text):
            layout.dropped.append(line)
            lines.remove(line)
    if not lines:
        return layout
    body_height = float(np.median([ln.height for ln in lines for _ in ln.words]))
    word_height = float(np.median([_word_height(ln) for ln in lines for _ in ln.words]))
    lines.sort(key=lambda ln: ln.top)

    # Running head: a short line alone at the top, over a headline or a wide gap; folio alone at the bottom.
    if len(lines) >= 3:
        first, second = lines[0], lines[1]
        isolated = second.top - first.bottom > 1.2 * body_height or second.height > HEADLINE_RATIO * first.height
        if len(first.words) <= 10 and first.height <= 1.15 * body_height and isolated:
            layout.dropped.append(lines.pop(0))
        last, before = lines[-1], lines[-2]
        if len(last.words) <= 4 and last.top - before.bottom > 1.5 * body_height:
            layout.dropped.append(lines.pop())

    # Headline: the first run (top to bottom) of lines set clearly larger than the body, within the first
    # HEADLINE_SEARCH_LINES; short lines above it are a masthead or running head the test above missed.
    strokes = [w.stroke for ln in lines for w in ln.words if w.stroke > 0]
    body_stroke = float(np.median(strokes)) if strokes else 0.0

    def large(line: Line) -> bool:
        # Word heights, not the line box: in a photo a long body line's box is tall from the page's tilt.
        # And thicker strokes where they were measured: a body line in a font of tall ascenders (Amiri)
        # has word boxes as tall as a small headline's, not its strokes.
        ratio = _word_height(line) / word_height
        if ratio < HEADLINE_RATIO:
            return False
        if ratio >= HEADLINE_SURE_RATIO:  # blur and binarisation of a photo thicken the body's strokes
            return True
        line_strokes = [w.stroke for w in line.words if w.stroke > 0]
        return not body_stroke or not line_strokes or statistics.median(line_strokes) >= HEADLINE_STROKE * body_stroke

    start = next((i for i, ln in enumerate(lines[:HEADLINE_SEARCH_LINES]) if large(ln)), 0)
    if start and all(len(ln.words) <= RUNNING_HEAD_WORDS for ln in lines[:start]):
        layout.dropped.extend(lines[:start])
        lines = lines[start:]
    title_lines: list[Line] = []
    for line in lines:
        # The headline's next line is set like its first: a body line of tall letters (Amiri's ascenders
        # and descenders) can pass the body ratio but stays well below the headline's own size.
        if not large(line) or (title_lines and _word_height(line) < HEADLINE_CONTINUE * _word_height(title_lines[0])):
            break
        title_lines.append(line)
    # Pieces of one headline row (cut at a wide gap) read right to left, rows top to bottom.
    layout.title = [w for row in _rows(title_lines) for w in row.words] if title_lines else []
    rest = [ln for ln in lines if ln not in title_lines]
    layout.word_height = word_height
    if title_lines:
        layout.headline_band = _headline_band(title_lines, layout.dropped, rest, word_height, large, height)
    if not rest:
        return layout

    gutters = _gutters(rest, width, body_height)
    if not gutters:
        layout.paragraphs = _paragraphs(sorted(rest, key=lambda ln: ln.top), body_height)
        return layout
    spans = [ln for ln in rest if any(ln.left < g0 and ln.right > g1 for g0, g1 in gutters)]
    # Bands: a spanning line starts a new band; columns are read right to left within each band.
    cuts = sorted({ln.top for ln in spans})
    edges = [min(ln.left for ln in rest)] + [(g0 + g1) // 2 for g0, g1 in gutters] + [width + 1]
    for band_index in range(len(cuts) + 1):
        top = cuts[band_index - 1] if band_index else -1
        bottom = cuts[band_index] if band_index < len(cuts) else height + 1
        band_spans = [ln for ln in spans if ln.top == top]
        if band_spans:
            layout.paragraphs.extend(_paragraphs(band_spans, body_height))
        in_band = [ln for ln in rest if ln not in spans and top <= ln.top < bottom]
        for column_index in range(len(edges) - 1, 0, -1):
            lo, hi = edges[column_index - 1], edges[column_index]
            column = sorted((ln for ln in in_band if lo <= (ln.left + ln.right) / 2 < hi), key=lambda ln: ln.top)
            layout.paragraphs.extend(_paragraphs(column, body_height))
    layout.paragraphs = [p for p in layout.paragraphs if p]
    return layout
