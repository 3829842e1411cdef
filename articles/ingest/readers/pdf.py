"""The PDF reader: one PDF file (any number of pages) is one clipping, one :class:`Document`.

Pure module, no Django. PDFs are opened with pypdfium2 (PDFium, Chromium's PDF engine): one library
renders pages (for OCR and for the page images shown to readers) and gives the text layer with a box,
baseline and font size per character, which is what restoring the reading order of Arabic needs
(pdftotext and pdfminer give text without reliable per-glyph geometry and drop or reorder words).

Per page: the text layer is read (:mod:`articles.ingest.readers.pdf_layout` and
:mod:`articles.ingest.readers.pdf_text` put it in reading order) and judged
(:mod:`articles.ingest.readers.pdf_quality`); a page without a usable layer (a scan, a broken ToUnicode
map) is rendered at 300 dpi and read by the OCR engine, all such pages of a run in one call. The body
keeps page order; the title is the largest line near the top of page 1 (the engine's headline when page
1 is OCRed). Running heads and page numbers repeated across pages are dropped.
"""

from __future__ import annotations

import ctypes
import dataclasses
import io
import math
import re
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from articles.ingest.readers.document import ORIGIN_OCR, ORIGIN_TEXT_LAYER, Document, OcrWord, Progress, ReaderError
from articles.ingest.readers.pdf_layout import Line, page_lines, paragraphs, split_title
from articles.ingest.readers.pdf_quality import layer_usable
from articles.ingest.readers.pdf_text import Char

MAX_PAGES = 200  # a clipping; a longer PDF is a book or a whole newspaper issue, refused
DISPLAY_DPI = 150
DISPLAY_MAX_WIDTH = 1600  # px of the page image shown to readers
OCR_DPI = 300
MAX_RENDER_PIXELS = 40_000_000  # per rendered page (a 300 dpi A3 page is 17.5 Mpx): bounds memory
SCAN_MAX_LETTERS = 200  # a page image with fewer layer letters than this is OCRed as a scan
_HEAD_ZONE = 0.08  # top and bottom share of a page where running heads and page numbers live
_FOLIO_RE = re.compile(r"^[\W\d٠-٩_]*$")  # a line of only digits and punctuation: a page number


def is_pdf(head: bytes) -> bool:
    """Whether a file starting with ``head`` is a PDF: ``%PDF-`` within its first 1024 bytes (the
    specification allows leading junk there, and readers accept it)."""
    return b"%PDF-" in head[:1024]


@dataclass
class _Page:
    index: int
    width: int  # display image size, px
    height: int
    image: bytes  # PNG
    lines: list[Line] = field(default_factory=list)
    height_pt: float = 0.0
    words: list[OcrWord] = field(default_factory=list)
    ocr: bool = False


def read_pdf(data: bytes, *, vocabulary=None, progress: Progress | None = None) -> Document:
    """Read a PDF clipping into one :class:`Document`.

    ``vocabulary``: optional object answering ``word in vocabulary`` (stored spelling or
    :func:`articles.text.normalize` form), used to judge text layers and passed to the OCR engine.
    ``progress(done, total)`` is called after each page (total = page count). Origin is
    ``ORIGIN_TEXT_LAYER`` when every page's text came from the layer, else ``ORIGIN_OCR``. Page images
    are PNG at 150 dpi (at most 1600 px wide); ``words`` boxes are in those images' pixels (conf 100 for
    text-layer words). Raises :class:`ReaderError` for a corrupt, encrypted, empty or oversized PDF, or
    one with no readable text.
    """
    pdf = _open(data)
    try:
        total = len(pdf)
        if total == 0:
            raise ReaderError("the PDF has no pages")
        if total > MAX_PAGES:
            raise ReaderError(f"the PDF has {total} pages; a clipping may have at most {MAX_PAGES}")
        pages: list[_Page] = []
        ocr_needed: list[int] = []
        warnings: list[str] = []
        for index in range(total):
            page = pdf[index]
            try:
                record, usable = _read_page(page, index, vocabulary)
            finally:
                page.close()
            pages.append(record)
            if not usable:
                ocr_needed.append(index)
                if record.lines:
                    warnings.append(f"page {index + 1}: the text layer is not usable text; read by OCR")
            elif progress:
                progress(index + 1 - len(ocr_needed), total)
        _drop_running_lines([p for p in pages if p.index not in ocr_needed])
        ocr_docs = _ocr(pdf, pages, ocr_needed, vocabulary, progress, total) if ocr_needed else {}
    finally:
        pdf.close()
    return _assemble(pages, ocr_docs, warnings)


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        # PDFium's last-error code outlives the call that set it: trust "password" only for a file that
        # has an /Encrypt dictionary. A file PDFium rejects without an error has no page tree.
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY) and b"/Encrypt" in data:
            raise ReaderError(f"the PDF is encrypted (password-protected): {exc}; save it without a password") from exc
        if code == pdfium_c.FPDF_ERR_SUCCESS:
            raise ReaderError("the PDF could not be opened: it has no pages (no page tree)") from exc
        raise ReaderError(f"the PDF could not be opened: {exc}") from exc


def _scale(width_pt: float, height_pt: float, dpi: float, max_width: float | None = None) -> float:
    """Render scale (px per point) for ``dpi``, capped by ``max_width`` px and the pixel budget."""
    scale = dpi / 72
    if max_width:
        scale = min(scale, max_width / max(width_pt, 1.0))
    return min(scale, math.sqrt(MAX_RENDER_PIXELS / max(width_pt * height_pt, 1.0)))


def _read_page(page: pdfium.PdfPage, index: int, vocabulary) -> tuple[_Page, bool]:
    width_pt, height_pt = page.get_size()
    scale = _scale(width_pt, height_pt, DISPLAY_DPI, DISPLAY_MAX_WIDTH)
    image = page.render(scale=scale).to_pil()
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    record = _Page(index, image.width, image.height, buffer.getvalue(), height_pt=height_pt)
    textpage = page.get_textpage()
    try:
        record.lines = page_lines(_chars(textpage))
        text = "\n".join(line.text for line in record.lines)
        usable = layer_usable(text, _map_errors(textpage), vocabulary=vocabulary)
        # A scan with a stamp or a caption in its layer: the page's text is in the image.
        if usable and sum(c.isalpha() for c in text) < SCAN_MAX_LETTERS and _image_share(page) > 0.5:
            usable = False
        if usable:
            record.words = _layer_words(page, record, image.width, image.height)
    finally:
        textpage.close()
    return record, usable


def _image_share(page: pdfium.PdfPage) -> float:
    """Share of the page area covered by its largest image object (about 1 for a scanned page)."""
    width, height = page.get_size()
    best = 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        left, bottom, right, top = obj.get_pos()
        best = max(best, (right - left) * (top - bottom) / max(width * height, 1.0))
    return best


def _chars(textpage: pdfium.PdfTextPage) -> list[Char]:
    """The characters of a text page with boxes, baselines and sizes in points."""
    raw = textpage.raw
    chars = []
    matrix = pdfium_c.FS_MATRIX()
    x, y = ctypes.c_double(), ctypes.c_double()
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    for i in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(raw, i)
        if not code:
            continue
        text = chr(code)
        generated = bool(pdfium_c.FPDFText_IsGenerated(raw, i))
        if text.isspace() or generated:
            chars.append(Char(" ", 0, 0, 0, 0, 0, 0, generated=True))
            continue
        pdfium_c.FPDFText_GetCharBox(raw, i, *(ctypes.byref(v) for v in (left, right, bottom, top)))
        pdfium_c.FPDFText_GetCharOrigin(raw, i, ctypes.byref(x), ctypes.byref(y))
        size = pdfium_c.FPDFText_GetFontSize(raw, i)
        if pdfium_c.FPDFText_GetMatrix(raw, i, ctypes.byref(matrix)):
            size *= math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c))
        chars.append(Char(text, left.value, bottom.value, right.value, top.value, y.value, size))
    return chars


def _map_errors(textpage: pdfium.PdfTextPage) -> int:
    """How many characters pdfium could not map to Unicode (a font without a usable ToUnicode map)."""
    raw = textpage.raw
    return sum(bool(pdfium_c.FPDFText_HasUnicodeMapError(raw, i)) for i in range(textpage.count_chars()))


def _to_device(page: pdfium.PdfPage, width: int, height: int, x: float, y: float) -> tuple[int, int]:
    """A point of page space as pixels of the page rendered at ``width`` x ``height`` (crop box and
    /Rotate applied by pdfium)."""
    dx, dy = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, width, height, 0, x, y, ctypes.byref(dx), ctypes.byref(dy))
    return dx.value, dy.value


def _layer_words(page: pdfium.PdfPage, record: _Page, width: int, height: int) -> list[OcrWord]:
    """Word boxes of the text layer in display pixels, reading order, confidence 100."""
    out = []
    for line in record.lines:
        pairs = list(zip(line.words, line.word_texts, strict=True))
        if line.text[:1] and not line.text[:1].isascii():
            pairs.reverse()
        for word, text in pairs:
            x0, y0 = _to_device(page, width, height, word.left, word.top)
            x1, y1 = _to_device(page, width, height, word.right, word.bottom)
            left, top = min(x0, x1), min(y0, y1)
            out.append(OcrWord(record.index, left, top, abs(x1 - x0), abs(y1 - y0), 100.0, text))
    return out


def _drop_running_lines(pages: list[_Page]) -> None:
    """Drop running heads and page numbers: lines in the top or bottom 8% of a page that are only
    digits and punctuation, or (with two or more pages) repeat on another page once digits are ignored."""

    def key(line: Line) -> str:
        return re.sub(r"[\d٠-٩]+", "#", line.text).strip()

    def in_zone(page: _Page, line: Line) -> bool:
        return line.top > page.height_pt * (1 - _HEAD_ZONE) or line.top < page.height_pt * _HEAD_ZONE

    seen: dict[str, int] = {}
    for page in pages:
        for k in {key(line) for line in page.lines if in_zone(page, line)}:
            seen[k] = seen.get(k, 0) + 1
    for page in pages:
        page.lines = [
            line
            for line in page.lines
            if not (in_zone(page, line) and (_FOLIO_RE.match(line.text) or seen.get(key(line), 0) > 1))
        ]


def _ocr(pdf, pages: list[_Page], needed: list[int], vocabulary, progress: Progress | None, total: int) -> dict:
    """OCR the pages in ``needed``: each run of consecutive pages in one engine call (one document per
    run, so a mixed PDF keeps page order). Returns {first page index of the run: Document}; word boxes
    are scaled to the display images and page indices made absolute."""
    try:
        from articles.ingest.ocr.engine import ocr_images
        from articles.ingest.ocr.tesseract import tesseract_available
    except ImportError:
        ocr_images, tesseract_available = None, None
    if ocr_images is None or not tesseract_available():
        for index in needed:
            pages[index].ocr = True  # no text from it, and no layer text either
        return {}
    runs: list[list[int]] = []
    for index in needed:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    done = total - len(needed)
    out = {}
    for run in runs:
        images, scales, dpis = [], [], []
        for index in run:
            page = pdf[index]
            try:
                scale = _scale(*page.get_size(), OCR_DPI)
                images.append(page.render(scale=scale, grayscale=True).to_pil())
                scales.append(pages[index].width / images[-1].width)
                dpis.append(scale * 72)
            finally:
                page.close()
        counter = _Forward(progress, done, total)
        try:
            doc = ocr_images(images, vocabulary=vocabulary, progress=counter, dpi=min(dpis))
        except ReaderError:
            doc = None
        done += len(run)
        if progress and counter.reported < len(run):
            progress(done, total)
        for index in run:
            pages[index].ocr = True
        if doc is None:
            continue
        for word in doc.words:
            s, target = scales[word.page], run[word.page]
            pages[target].words.append(
                OcrWord(
                    target,
                    round(word.left * s),
                    round(word.top * s),
                    round(word.width * s),
                    round(word.height * s),
                    word.conf,
                    word.text,
                )
            )
        out[run[0]] = doc
    return out


@dataclass
class _Forward:
    """The OCR engine's progress(done, total) over its images, as progress over the PDF's pages."""

    progress: Progress | None
    base: int
    total: int
    reported: int = 0

    def __call__(self, done: int, _total: int) -> None:
        self.reported = max(self.reported, done)
        if self.progress:
            self.progress(self.base + done, self.total)


def _assemble(pages: list[_Page], ocr_docs: dict[int, Document], warnings: list[str]) -> Document:
    """One document from the pages: body in page order, consecutive text-layer pages joined so that a
    paragraph running over a page break stays one paragraph."""
    body: list[str] = []
    title = ""
    pending: list[Line] = []  # lines of consecutive text-layer pages, block ids made unique per page
    ocr_parts = []
    for page in pages:
        if not page.ocr:
            if page.index == 0:
                title, page.lines = split_title(page.lines, page.height_pt)
            offset = 1 + max((line.block for line in pending), default=0)
            pending.extend(dataclasses.replace(line, block=line.block + offset) for line in page.lines)
            continue
        body.extend(paragraphs(pending))
        pending = []
        doc = ocr_docs.get(page.index)
        if doc is None:
            continue
        ocr_parts.append(doc)
        if page.index == 0:
            title = doc.title
        elif doc.title and doc.paragraphs[:1] != [doc.title]:
            body.append(doc.title)  # a later scanned page's headline is body text of this clipping
        body.extend(doc.paragraphs)
    body.extend(paragraphs(pending))
    missing = [p.index + 1 for p in pages if p.ocr and not any(w.page == p.index for w in p.words)]
    if missing:
        warnings.append(f"no text read from page(s) {', '.join(map(str, missing))}")
    if not title and not body:
        if not ocr_docs and any(p.ocr for p in pages):
            raise ReaderError("the PDF has no usable text layer and OCR is not available (install tesseract-ocr)")
        raise ReaderError("no readable text in the PDF")
    words = [w for p in pages for w in p.words]
    ocr_words = [w for w in words if w.conf < 100 or any(p.ocr and p.index == w.page for p in pages)]
    confidence = sum(w.conf for w in ocr_words) / len(ocr_words) if ocr_parts and ocr_words else None
    return Document(
        title=title,
        paragraphs=[p for p in body if p],
        origin=ORIGIN_OCR if ocr_parts else ORIGIN_TEXT_LAYER,
        confidence=confidence,
        words=words,
        page_sizes=[(p.width, p.height) for p in pages],
        page_images=[p.image for p in pages],
        ocr_text="\n".join(d.ocr_text for d in ocr_parts if d.ocr_text),
        pages=len(pages),
        warnings=warnings + [w for d in ocr_parts for w in d.warnings],
    )
