"""Tesseract through pytesseract: words with boxes and confidences. Pure module.

:func:`recognise` runs ``image_to_data`` (Tesseract's TSV: one row per word with its block/paragraph/
line numbers, box in pixels of the image given and confidence 0-100) with the Arabic model, and again
with ``ara+eng`` when the first pass shows Latin-script words (an English name or acronym in an Arabic
article): the Arabic model alone turns them into Arabic-looking garbage. Page segmentation is Tesseract's
automatic mode (psm 3) so it finds the columns' text blocks; :mod:`articles.ingest.ocr.layout` then puts
the lines in reading order. LSTM engine only (oem 1: the only one the ``ara`` model of tessdata_fast has).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pytesseract

from articles.ingest.readers.document import ReaderError

MISSING = "OCR needs Tesseract with its Arabic model: apt-get install tesseract-ocr tesseract-ocr-ara"
# Seconds per Tesseract call; a 300 dpi A4 page of dense text takes 5-15 s on one core.
TIMEOUT_S = 120
CONFIG = "--oem 1 --psm {psm} -c preserve_interword_spaces=1"
PSM_PAGE = 3  # automatic page segmentation
PSM_RAW_LINE = 13  # one text line, no segmentation: large bold headline lines that psm 3 and 7 drop
_LATIN_RE = re.compile(r"[A-Za-z]{2,}")


@dataclass(frozen=True)
class RawWord:
    """One word of Tesseract's TSV, box in pixels of the image Tesseract read."""

    left: int
    top: int
    width: int
    height: int
    conf: float
    text: str
    block: int
    par: int
    line: int
    stroke: float = 0.0  # ink stroke width (pixels), set by the engine; 0 when not measured

    @property
    def line_key(self) -> tuple[int, int, int]:
        return (self.block, self.par, self.line)


@lru_cache(maxsize=1)
def tesseract_available() -> bool:
    """Whether the Tesseract binary runs and has the ``ara`` model."""
    if not shutil.which(pytesseract.pytesseract.tesseract_cmd):
        return False
    try:
        return "ara" in pytesseract.get_languages(config="")
    except (pytesseract.TesseractError, OSError, RuntimeError):
        return False


def require_tesseract() -> None:
    """Raise :class:`ReaderError` naming the packages to install when OCR cannot run."""
    if not tesseract_available():
        raise ReaderError(MISSING)


def _run(image: np.ndarray, lang: str, psm: int = PSM_PAGE) -> list[RawWord]:
    try:
        data = pytesseract.image_to_data(
            image, lang=lang, config=CONFIG.format(psm=psm), output_type=pytesseract.Output.DICT, timeout=TIMEOUT_S
        )
    except RuntimeError as exc:  # pytesseract's timeout
        raise ReaderError(f"OCR took longer than {TIMEOUT_S} s on one page; try a smaller image") from exc
    except pytesseract.TesseractError as exc:
        raise ReaderError(f"Tesseract failed: {exc.message or exc}") from exc
    words = []
    for i, text in enumerate(data["text"]):
        text = text.strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:  # conf -1: a block/line row, not a word
            continue
        words.append(
            RawWord(
                left=int(data["left"][i]),
                top=int(data["top"][i]),
                width=int(data["width"][i]),
                height=int(data["height"][i]),
                conf=conf,
                text=text,
                block=int(data["block_num"][i]),
                par=int(data["par_num"][i]),
                line=int(data["line_num"][i]),
            )
        )
    return words


def has_latin(words: list[RawWord]) -> bool:
    """Whether a pass found Latin-script words: the ``ara`` model writes the Latin letters it knows."""
    return any(_LATIN_RE.search(w.text) for w in words)


def recognise(image: np.ndarray, *, psm: int = PSM_PAGE) -> list[RawWord]:
    """Words of one page image (2-D uint8), ``ara`` then ``ara+eng`` where Latin words showed up;
    ``psm`` is Tesseract's page segmentation mode (:data:`PSM_PAGE` or :data:`PSM_RAW_LINE`)."""
    require_tesseract()
    words = _run(image, "ara", psm)
    if has_latin(words) and "eng" in pytesseract.get_languages(config=""):
        words = _run(image, "ara+eng", psm)
    return words
