"""The headline read again, line by line, at text size. Pure module, no Django.

Tesseract's page segmentation (psm 3, and psm 7 for a single line) drops whole lines of large bold
headline type: on the DEV clipping set a two-line headline often came back as its first line only, the
second read as a few stray letters or not at all, while Tesseract's raw-line mode (psm 13) reads the
same line cleanly once it is cut out and scaled to text size. :func:`headline_reread` therefore takes
the band :attr:`PageLayout.headline_band` (the headline's top to the first body-like line, full width),
scales it so the headline's words are :data:`TARGET_WORD_HEIGHT` pixels high, cuts it into lines at
the rows without ink (horizontal projection, OpenCV), reads each line in raw-line mode, and keeps that
reading when it is about as sure and holds at least as many letters. Stray words that the first
reading put inside the band are then dropped from the body. Figures: ``docs/ocr.md`` (DEV set).
"""

from __future__ import annotations

import statistics
from dataclasses import replace

import cv2
import numpy as np

from articles.ingest.ocr.layout import PageLayout, is_non_text
from articles.ingest.ocr.tesseract import PSM_RAW_LINE, RawWord, recognise

TARGET_WORD_HEIGHT = 28.0  # pixels: Tesseract's models are trained on text of about this size
MIN_LINE_FRACTION = 0.35  # an ink run lower than this part of the tallest is dots, joined to a neighbour
HEADLINE_LINE_FRACTION = 0.6  # runs this tall (of the tallest) are headline lines; between: other type
TALL_RUN = 1.9  # a run of ink rows this many line heights tall holds two lines that touch
BLOCK_OFFSET = 10_000  # keeps the second reading's Tesseract line keys apart from the page's


def sure_letters(words: list[RawWord]) -> float:
    """Letters weighted by their word's confidence (0-1): a reading that holds more text, read surely."""
    return sum(sum(c.isalpha() for c in w.text) * w.conf / 100 for w in words)


def _split_tall(profile: np.ndarray, top: int, bottom: int, line: float) -> list[list[int]]:
    """A run of rows taller than :data:`TALL_RUN` lines cut at its faintest row (lines whose
    descenders touch the next line's ascenders), recursively."""
    if bottom - top <= TALL_RUN * line:
        return [[top, bottom]]
    lo, hi = top + int(0.6 * line), bottom - int(0.6 * line)
    cut = lo + int(np.argmin(profile[lo:hi]))
    return _split_tall(profile, top, cut, line) + _split_tall(profile, cut, bottom, line)


def line_runs(mask: np.ndarray, *, line: float = TARGET_WORD_HEIGHT) -> list[tuple[int, int]]:
    """(top, bottom) rows of the headline lines of a binary ink ``mask`` (2-D, ink > 0) whose words are
    about ``line`` pixels high: runs of rows with ink (a row with ink in under 1% of the width counts as
    empty: specks, a frame's edge), runs over :data:`TALL_RUN` lines cut at their faintest row; runs at
    least :data:`HEADLINE_LINE_FRACTION` of the tallest are lines, low runs (dots and marks above or
    below a line) join the nearer line when they touch it, runs of smaller type are left out."""
    profile = (mask > 0).sum(axis=1)
    inked = profile > max(1, 0.01 * mask.shape[1])
    runs: list[list[int]] = []
    for y, has_ink in enumerate(inked):
        if has_ink and (not runs or runs[-1][1] != y):
            runs.append([y, y + 1])
        elif has_ink:
            runs[-1][1] = y + 1
    runs = [piece for a, b in runs for piece in _split_tall(profile, a, b, line)]
    if not runs:
        return []
    tallest = max(b - a for a, b in runs)
    lines = [run for run in runs if run[1] - run[0] >= HEADLINE_LINE_FRACTION * tallest]
    for run in runs:
        if not lines or run[1] - run[0] >= MIN_LINE_FRACTION * tallest:
            continue  # headline lines are kept; a run of body or running-head type is not the headline
        nearest = min(lines, key=lambda m: min(abs(run[0] - m[1]), abs(m[0] - run[1])))
        if min(abs(run[0] - nearest[1]), abs(nearest[0] - run[1])) <= MIN_LINE_FRACTION * tallest:
            nearest[0], nearest[1] = min(nearest[0], run[0]), max(nearest[1], run[1])  # its dots
    return [(a, b) for a, b in sorted(lines)]


_LRM = "\u200e"
_RLM = "\u200f"
UNSURE_NUMBER_CONF = 60  # a number read less surely than this inside a headline line is a speck's reading


def _is_headline_word(text: str, conf: float) -> bool:
    """A raw-line reading worth keeping: it holds a letter or a digit (not a lone mark, an RLM, a
    stroke read as punctuation), and a bare number only when read surely (on the DEV set the unsure
    ones were specks and the ends of letters)."""
    if not any(c.isalnum() for c in text):
        return False
    return not (text.strip(".,،-").isdigit() and conf < UNSURE_NUMBER_CONF)


def _unreversed(text: str) -> str:
    """Tesseract's raw-line mode sometimes writes a lone Arabic word left to right (marked with an LRM):
    reversed when its reverse is the plausible spelling (it would otherwise start with ة or ى, which no
    Arabic word does, or end in «لا» where its reverse starts with the article «ال»)."""
    if _LRM not in text:
        return text
    plain = text.replace(_LRM, "")
    backwards = plain[:1] in ("ة", "ى") or (plain.endswith("لا") and not plain.startswith("ال"))
    return plain[::-1] if backwards else plain


def _read_lines(small: np.ndarray, scale: float, top: int) -> list[RawWord]:
    """Words of each line of the scaled band ``small``, boxes mapped back to page pixels."""
    mask = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    words: list[RawWord] = []
    for index, (a, b) in enumerate(line_runs(mask)):
        cols = np.flatnonzero(mask[a:b].sum(axis=0))
        if cols.size == 0:
            continue
        x0 = max(0, int(cols[0]) - 4)
        crop = small[a:b, x0 : int(cols[-1]) + 4]
        # White around the line, a line height left and right: with less, raw-line mode drops end words.
        pad, side = max(4, (b - a) // 3), b - a
        line = cv2.copyMakeBorder(crop, pad, pad, side, side, cv2.BORDER_CONSTANT, value=255)
        for w in recognise(line, psm=PSM_RAW_LINE):
            text = _unreversed(w.text).replace(_LRM, "").replace(_RLM, "")
            if is_non_text(w) or not _is_headline_word(text, w.conf):
                continue
            words.append(
                replace(
                    w,
                    text=text,
                    left=int((w.left - side + x0) / scale),
                    top=int((w.top - pad + a) / scale) + top,
                    width=int(w.width / scale),
                    height=int(w.height / scale),
                    block=BLOCK_OFFSET + index,
                    par=1,
                    line=1,
                )
            )
    return words


def headline_reread(image: np.ndarray, layout: PageLayout) -> PageLayout:
    """``layout`` with its title read again from ``image`` (the processed page, 2-D uint8) line by line
    when that reading is better (see module doc); unchanged otherwise. Boxes stay in ``image``'s pixels."""
    if not layout.title or not layout.headline_band:
        return layout
    top, bottom = layout.headline_band
    title_height = statistics.median(w.height for w in layout.title)
    top, bottom = max(0, top), min(image.shape[0], bottom)
    if bottom - top < title_height:
        return layout
    scale = float(np.clip(TARGET_WORD_HEIGHT / title_height, 0.1, 1.0))
    # Across the text's own width (headline and body, a little margin): not the frame or table edge of
    # a photographed cutting, whose ink would join every row of the band.
    text = layout.title + [w for p in layout.paragraphs for w in p]
    margin = int(layout.word_height)
    left = max(0, min(w.left for w in text) - margin)
    right = min(image.shape[1], max(w.left + w.width for w in text) + margin)
    band = image[top:bottom, left:right]
    small = cv2.resize(band, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else band
    again = [replace(w, left=w.left + left) for w in _read_lines(small, scale, top)]
    if not again:
        return layout
    if sure_letters(again) <= sure_letters(layout.title):
        return layout
    in_band = {id(w) for p in layout.paragraphs for w in p if top <= w.top + w.height / 2 < bottom}
    paragraphs = [[w for w in p if id(w) not in in_band] for p in layout.paragraphs]
    return replace(layout, title=again, paragraphs=[p for p in paragraphs if p])
