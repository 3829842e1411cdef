"""What a reader of one clipping file (a scan, a photo, a PDF, a saved web page, a Word file) returns.

Pure module, no Django. A file reader turns the file's bytes into one :class:`Document` (one clipping,
one article; a PDF or TIFF of several pages is one document) or raises :class:`ReaderError` with a
message naming what is wrong with the file. The ingest service turns a document into a
:class:`articles.ingest.readers.base.Clipping` (source and date from the file, else from ``--source`` and
``--date``), so file readers never see the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field


class ReaderError(ValueError):
    """The file cannot be read as a clipping. ``str(exc)`` is a one-line message for the user that says
    what is wrong and, where it helps, what to do (e.g. which package to install)."""


# How an article's text came to the archive (stored on the article, shown to readers).
ORIGIN_TYPED = "typed"  # text typed or exported as text: dumps, JSON Lines, web pages, Word files
ORIGIN_TEXT_LAYER = "text_layer"  # a PDF's own text layer
ORIGIN_OCR = "ocr"  # Tesseract on a scan, a photo or a PDF page without a usable text layer


@dataclass(frozen=True)
class OcrWord:
    """One word Tesseract read. The box is in pixels of page ``page`` (0-based) as shown to readers:
    the page image of :attr:`Document.page_sizes` (the original image for PNG/JPEG/WebP, the rendered
    page for PDF and TIFF), origin top left. ``conf`` is Tesseract's word confidence, 0-100."""

    page: int
    left: int
    top: int
    width: int
    height: int
    conf: float
    text: str


@dataclass
class Document:
    """One clipping read from a file.

    ``paragraphs`` hold the body as read (no normalisation beyond what makes the text correct: OCR
    output as Tesseract gave it after post-correction; presentation-form glyphs of a PDF mapped to
    letters in logical order). ``words`` and ``page_sizes`` are filled for files shown as pages (scans,
    PDFs: a text layer's words with ``conf`` 100) and empty for typed formats;
    ``ocr_text`` is the OCR output before post-correction (kept so an editor's correction never loses it).
    ``page_images`` are PNG renderings of pages a browser cannot show from the original (PDF, TIFF), one per
    page, at the size of ``page_sizes``; empty for PNG/JPEG/WebP (the original is shown) and typed formats.
    """

    title: str
    paragraphs: list[str]
    origin: str = ORIGIN_TYPED
    source: str = ""
    published_on: dt.date | None = None
    url: str = ""
    confidence: float | None = None  # mean OCR word confidence, 0-100
    words: list[OcrWord] = field(default_factory=list)
    page_sizes: list[tuple[int, int]] = field(default_factory=list)  # (width, height) px per page
    page_images: list[bytes] = field(default_factory=list)
    ocr_text: str = ""
    pages: int = 1
    warnings: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)


# progress(done, total): called after each page of a multi-page file.
Progress = Callable[[int, int], None]
