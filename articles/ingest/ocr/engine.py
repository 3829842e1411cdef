"""OCR of the page images of one clipping into one :class:`Document`. Pure module, no Django.

Per page: :func:`~articles.ingest.ocr.preprocess.preprocess` (grayscale, rescale, deskew, binarisation
where lighting is uneven, rules removed), :func:`~articles.ingest.ocr.tesseract.recognise` (Tesseract,
``ara`` or ``ara+eng``), :func:`~articles.ingest.ocr.layout.page_layout` (reading order, headline,
running heads and page numbers dropped). Then the whole article's words go through
:func:`~articles.ingest.ocr.correct.correct_words` when a vocabulary is given.
"""

from __future__ import annotations

from dataclasses import replace

from PIL import Image

from articles.ingest.ocr.correct import Vocabulary, correct_words
from articles.ingest.ocr.headline import headline_reread
from articles.ingest.ocr.layout import PageLayout, page_layout
from articles.ingest.ocr.preprocess import Transform, preprocess, stroke_widths
from articles.ingest.ocr.tesseract import RawWord, recognise, require_tesseract
from articles.ingest.readers.document import ORIGIN_OCR, Document, OcrWord, Progress, ReaderError

# Fewer readable words (two letters or more, confidence 50 or more) than this, or a lower mean confidence,
# is not a clipping: a blank page, a photo (Tesseract reads textures as scattered one-letter "words").
MIN_WORDS = 3
MIN_MEAN_CONF = 40.0


def _ocr_word(word: RawWord, page: int, transform: Transform) -> OcrWord:
    """The word as Tesseract read it (before correction), its box in the original image's pixels."""
    left, top, width, height = transform.box_to_original(word.left, word.top, word.width, word.height)
    return OcrWord(page=page, left=left, top=top, width=width, height=height, conf=word.conf, text=word.text)


def read_page(image: Image.Image, *, dpi: float | None = None) -> tuple[PageLayout, Transform]:
    """The layout of one page image, its boxes in processed pixels, with the transform back."""
    processed = preprocess(image, dpi=dpi)
    words = recognise(processed.image)
    strokes = stroke_widths(processed.image, [(w.left, w.top, w.width, w.height) for w in words])
    words = [replace(w, stroke=stroke) for w, stroke in zip(words, strokes, strict=True)]
    width, height = processed.transform.size
    layout = headline_reread(processed.image, page_layout(words, width, height))
    return layout, processed.transform


def _join(words: list[str]) -> str:
    return " ".join(words)


def ocr_images(
    images: list[Image.Image],
    *,
    vocabulary: Vocabulary | None = None,
    progress: Progress | None = None,
    dpi: float | None = None,
) -> Document:
    """One :class:`Document` for the pages ``images`` (a multi-page TIFF or a scanned PDF is one article).

    ``words`` are in the pixels of the images as given (page index = position in the list, boxes mapped
    back through the preprocessing transform); ``page_sizes`` are the images' (width, height);
    ``confidence`` is the mean Tesseract confidence of the words kept; ``ocr_text`` is the text before
    post-correction (title, blank line, paragraphs); ``title`` is the headline of the first page (empty
    when the first page has none; a later page's headline is kept as a paragraph). ``progress(done,
    total)`` is called after each page. ``dpi`` (of the images, when known) sets the rescaling.

    Raises :class:`ReaderError` when Tesseract is missing, and "no text found in the image" when fewer
    than :data:`MIN_WORDS` words were read or their mean confidence is below :data:`MIN_MEAN_CONF`.
    """
    require_tesseract()
    if not images:
        raise ReaderError("no text found in the image: the file has no pages")
    layouts: list[tuple[PageLayout, Transform]] = []
    for index, image in enumerate(images):
        layouts.append(read_page(image, dpi=dpi))
        if progress is not None:
            progress(index + 1, len(images))
    return build_document(layouts, [image.size for image in images], vocabulary=vocabulary)


def build_document(
    layouts: list[tuple[PageLayout, Transform]], page_sizes: list[tuple[int, int]], *, vocabulary: Vocabulary | None
) -> Document:
    """The Document of pages already read (:func:`read_page`); see :func:`ocr_images`."""
    # Reading order of the whole article: (page, raw word) per position, with title/paragraph structure.
    title = [(0, w) for w in layouts[0][0].title] if layouts else []
    paragraphs: list[list[tuple[int, RawWord]]] = []
    for page, (layout, _) in enumerate(layouts):
        if page and layout.title:
            paragraphs.append([(page, w) for w in layout.title])
        paragraphs.extend([(page, w) for w in p] for p in layout.paragraphs)
    ordered = title + [item for p in paragraphs for item in p]
    readable = sum(1 for _, w in ordered if w.conf >= 50 and sum(c.isalnum() for c in w.text) >= 2)
    if readable < MIN_WORDS:
        raise ReaderError(f"no text found in the image ({readable} readable words)")
    confidence = sum(w.conf for _, w in ordered) / len(ordered)
    if confidence < MIN_MEAN_CONF:
        raise ReaderError(f"no text found in the image (mean OCR confidence {confidence:.0f} of 100)")

    raw = [w.text for _, w in ordered]
    fixed = correct_words([(w.text, w.conf) for _, w in ordered], vocabulary) if vocabulary else raw
    cursor = 0

    def take(count: int, texts: list[str]) -> str:
        return _join(texts[cursor : cursor + count])

    title_text, title_raw = take(len(title), fixed), take(len(title), raw)
    cursor = len(title)
    body, body_raw = [], []
    for p in paragraphs:
        body.append(take(len(p), fixed))
        body_raw.append(take(len(p), raw))
        cursor += len(p)

    words = [_ocr_word(w, page, layouts[page][1]) for page, w in ordered]
    return Document(
        title=title_text,
        paragraphs=body,
        origin=ORIGIN_OCR,
        confidence=round(confidence, 2),
        words=words,
        page_sizes=page_sizes,
        ocr_text="\n\n".join(filter(None, [title_raw, "\n".join(body_raw)])),
        pages=len(page_sizes),
    )
