"""Lines and paragraphs of a PDF page's text layer, in reading order. Pure module, no Django.

Words (:func:`articles.ingest.readers.pdf_text.split_words`) are cut into blocks and lines by a
recursive XY-cut: a vertical gutter is cut before a horizontal gap, so two columns are read column by
column (right column first on an Arabic page) and a headline across both columns comes first. Lines
are joined into paragraphs at vertical gaps; the title is the largest type near the top of page 1.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass, field

from articles.ingest.readers.pdf_text import Char, Word, balance_brackets, direction, is_rtl, line_text, split_words


@dataclass
class Line:
    """One line of a page in reading order: its logical text, its words (visual order) and geometry."""

    text: str
    words: list[Word]
    block: int  # index of the XY-cut leaf block (a column piece) the line belongs to
    left: float = 0.0
    right: float = 0.0
    top: float = 0.0
    baseline: float = 0.0
    size: float = 0.0
    word_texts: list[str] = field(default_factory=list)  # logical text of each word of ``words``

    def __post_init__(self) -> None:
        self.left = min(w.left for w in self.words)
        self.right = max(w.right for w in self.words)
        self.top = max(w.top for w in self.words)
        self.baseline = statistics.median(w.baseline for w in self.words)
        self.size = statistics.median(w.size for w in self.words)


def page_lines(chars: list[Char]) -> list[Line]:
    """The lines of a page in reading order (columns right to left on an Arabic page)."""
    words = split_words(chars)
    if not words:
        return []
    rtl_page = is_rtl(chars)
    lines: list[Line] = []
    columns = [0]
    for column, group in _xy_cut(words, rtl_page, 0, columns):
        for line_words in _baseline_groups(group):
            rtl = is_rtl([c for w in line_words for c in w.chars]) or (
                rtl_page and direction("".join(c.text for w in line_words for c in w.chars)) == "N"
            )
            text, visual, texts = line_text(line_words, rtl)
            lines.append(Line(text=text, words=visual, block=column, word_texts=texts))
    return lines


def _gaps(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Uncovered intervals between the union of ``spans`` (start, end), in ascending order."""
    gaps = []
    spans = sorted(spans)
    reach = spans[0][1]
    for start, end in spans[1:]:
        if start > reach:
            gaps.append((reach, start))
        reach = max(reach, end)
    return gaps


def _xy_cut(words: list[Word], rtl: bool, column: int, columns: list[int]) -> list[tuple[int, list[Word]]]:
    """Recursive XY-cut: (column id, words) leaves in reading order. A vertical gutter (no word across it,
    at least one font size wide; three when the region has under three lines, where the spaces of a
    justified line could line up) is cut first, so a column is read to its end before the next; else the
    region is cut at its widest horizontal gap; a region with neither is one line or a few touching."""
    if len(words) < 2:
        return [(column, words)]
    size = statistics.median(w.size for w in words) or 1.0
    n_lines = len(_baseline_groups(words))
    gutters = [g for g in _gaps([(w.left, w.right) for w in words]) if g[1] - g[0] >= size * (1 if n_lines >= 3 else 3)]
    for cut in sorted(gutters, key=lambda g: g[0] - g[1]):
        x = (cut[0] + cut[1]) / 2
        sides = [[w for w in words if w.right <= x], [w for w in words if w.right > x]]
        # Columns have lines: a gap with one line on a side is the space of a justified line that
        # happens to line up with the short ends of the lines around it.
        if n_lines >= 3 and min(len(_baseline_groups(side)) for side in sides) < 2:
            continue
        out = []
        for side in sides[::-1] if rtl else sides:
            columns[0] += 1
            out.extend(_xy_cut(side, rtl, columns[0], columns))
        return out
    gaps = _gaps([(w.band_bottom, w.band_top) for w in words])
    if gaps:
        cut = max(gaps, key=lambda g: g[1] - g[0])
        y = (cut[0] + cut[1]) / 2
        above = [w for w in words if w.band_bottom >= y]
        below = [w for w in words if w.band_bottom < y]
        return _xy_cut(above, rtl, column, columns) + _xy_cut(below, rtl, column, columns)
    return [(column, words)]


def _baseline_groups(words: list[Word]) -> list[list[Word]]:
    """Words grouped into lines by baseline (within half a font size), top line first."""
    groups: list[list[Word]] = []
    for word in sorted(words, key=lambda w: -w.baseline):
        if groups and groups[-1][-1].baseline - word.baseline <= 0.5 * max(word.size, groups[-1][-1].size):
            groups[-1].append(word)
        else:
            groups.append([word])
    return groups


def paragraphs(lines: list[Line]) -> list[str]:
    """Lines joined into paragraphs: a paragraph ends at a vertical gap wider than 1.3 line pitches, at
    a change of font size, or at a column end whose last line stops short. Lines of a paragraph are
    joined with a space; a Latin word hyphenated at a line end is joined again. Kashida (tatweel) that
    justification put at a line end is kept: the text is stored as laid out, and search keys drop it."""
    if not lines:
        return []
    pitch = _pitch(lines)
    extent: dict[int, tuple[float, float]] = {}
    for line in lines:
        lo, hi = extent.get(line.block, (line.left, line.right))
        extent[line.block] = (min(lo, line.left), max(hi, line.right))
    out: list[list[str]] = [[lines[0].text]]
    for prev, line in itertools.pairwise(lines):
        if _breaks(prev, line, pitch, extent):
            out.append([line.text])
        else:
            out[-1].append(line.text)
    return [balance_brackets(_join(parts)) for parts in out]


def _pitch(lines: list[Line]) -> float:
    steps = [
        a.baseline - b.baseline
        for a, b in itertools.pairwise(lines)
        if a.block == b.block and abs(a.size - b.size) <= 0.1 * a.size and a.baseline > b.baseline
    ]
    return statistics.median(steps) if steps else 1.5 * statistics.median(line.size for line in lines)


def _breaks(prev: Line, line: Line, pitch: float, extent: dict[int, tuple[float, float]]) -> bool:
    if abs(prev.size - line.size) > 0.12 * max(prev.size, line.size):
        return True
    if prev.block != line.block or line.baseline >= prev.baseline:
        lo, hi = extent[prev.block]
        width = max(hi - lo, 1.0)
        rtl = direction(prev.text) == "R"
        short = (prev.left - lo if rtl else hi - prev.right) > 0.1 * width
        return short
    return prev.baseline - line.baseline > 1.3 * max(pitch, 0.8 * line.size)


def _join(parts: list[str]) -> str:
    text = parts[0]
    for part in parts[1:]:
        if len(text) > 1 and text.endswith("-") and text[-2].isascii() and text[-2].isalpha() and part[:1].islower():
            text = text[:-1] + part
        else:
            text = f"{text} {part}"
    return text


_RUNNING_HEAD_WORDS = 12


def split_title(lines: list[Line], page_height: float) -> tuple[str, list[Line]]:
    """(title, remaining lines) of page 1: the largest-type line in the top half of the page, with the
    adjacent lines of the same size (a headline over two lines), when it is set at least 15% larger than
    the body; else the first line when it stands alone as a short paragraph; else no title."""
    if not lines:
        return "", lines
    weights = [(line.size, len(line.text)) for line in lines]
    body_size = _weighted_median(weights)
    head = [i for i, line in enumerate(lines[:12]) if line.top >= page_height * 0.5]
    if head:
        best = max(head, key=lambda i: lines[i].size)
        size = lines[best].size
        if size >= 1.15 * body_size:
            lo = hi = best
            while lo > 0 and abs(lines[lo - 1].size - size) <= 0.06 * size:
                lo -= 1
            while hi + 1 < len(lines) and abs(lines[hi + 1].size - size) <= 0.06 * size:
                hi += 1
            title = balance_brackets(_join([line.text for line in lines[lo : hi + 1]]))
            # Short lines set above the headline are the page's masthead or running head ("صحيفة … — العدد
            # 123"), not the article: a clipping's text starts under its headline.
            above = [line for line in lines[:lo] if len(line.text.split()) > _RUNNING_HEAD_WORDS]
            return title, above + lines[hi + 1 :]
    first = paragraphs(lines[:2])
    if len(first) == 2 and len(first[0].split()) <= 15:
        return first[0], lines[1:]
    return "", lines


def _weighted_median(pairs: list[tuple[float, int]]) -> float:
    pairs = sorted(pairs)
    half, run = sum(w for _, w in pairs) / 2, 0
    for value, weight in pairs:
        run += weight
        if run >= half:
            return value
    return pairs[-1][0]
