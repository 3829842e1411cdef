"""The image reader and the OCR engine (articles/ingest/readers/image.py, articles/ingest/ocr/).

Test images are rendered at test time from real Arabic text with Pillow (libraqm shapes Arabic; the
renderer places every word itself so it knows where each word was drawn). No database is needed.
The OCR tests skip where Tesseract or its Arabic model is missing.
"""

from __future__ import annotations

import io
import random
from functools import lru_cache

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont, features

from articles.ingest.ocr.cer import cer
from articles.ingest.ocr.correct import Vocabulary, correct_words
from articles.ingest.ocr.tesseract import tesseract_available
from articles.ingest.readers.document import ORIGIN_OCR, ReaderError
from articles.ingest.readers.image import is_image, read_image

FONTS = "/usr/share/fonts"
NASKH = f"{FONTS}/truetype/noto/NotoNaskhArabic-Regular.ttf"
NASKH_BOLD = f"{FONTS}/truetype/noto/NotoNaskhArabic-Bold.ttf"
SANS = f"{FONTS}/truetype/noto/NotoSansArabic-Regular.ttf"
SANS_BOLD = f"{FONTS}/truetype/noto/NotoSansArabic-Bold.ttf"
AMIRI = f"{FONTS}/opentype/fonts-hosny-amiri/Amiri-Regular.ttf"
FALLBACK = f"{FONTS}/truetype/dejavu/DejaVuSans.ttf"  # Latin letters and ASCII quotes the Arabic fonts lack

BoxXYXY = tuple[int, int, int, int]

needs_ocr = pytest.mark.skipif(
    not tesseract_available(),
    reason="Tesseract with its Arabic model is missing: apt-get install tesseract-ocr tesseract-ocr-ara",
)
needs_raqm = pytest.mark.skipif(not features.check("raqm"), reason="Pillow without libraqm cannot shape Arabic")


# --- rendering ----------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.RAQM)


@lru_cache(maxsize=4096)
def _has_glyph(path: str, size: int, char: str) -> bool:
    """Whether the font draws ``char`` itself (not its .notdef box): Pillow has no cmap query."""
    font = _font(path, size)
    return bytes(font.getmask(char)) != bytes(font.getmask("\uffff")) or char.isspace()


def _is_ltr(token: str) -> bool:
    return any("a" <= c.lower() <= "z" for c in token)


def _pieces(token: str, path: str, size: int) -> list[tuple[str, str]]:
    """(text, font path) runs of a token: leading/trailing characters the font lacks go to the fallback."""
    if all(_has_glyph(path, size, c) for c in token):
        return [(token, path)]
    if _is_ltr(token):
        return [(token, FALLBACK)]
    start, end = 0, len(token)
    while start < end and not _has_glyph(path, size, token[start]):
        start += 1
    while end > start and not _has_glyph(path, size, token[end - 1]):
        end -= 1
    runs = [(token[:start], FALLBACK), (token[start:end], path), (token[end:], FALLBACK)]
    return [(text, font) for text, font in runs if text]


def _token_width(token: str, path: str, size: int) -> float:
    return sum(_font(font, size).getlength(text, direction="rtl") for text, font in _pieces(token, path, size))


def _draw_token(draw: ImageDraw.ImageDraw, right: float, top: int, token: str, path: str, size: int) -> BoxXYXY:
    """Draw a token with its right edge at ``right``; its runs go right to left (RTL), or left to right for
    a Latin token. Returns the box of the ink."""
    pieces = _pieces(token, path, size)
    width = _token_width(token, path, size)
    x = right if not _is_ltr(token) else right - width
    boxes = []
    for text, font_path in pieces if not _is_ltr(token) else [(t, f) for t, f in pieces]:
        font = _font(font_path, size)
        length = font.getlength(text, direction="rtl")
        left = x - length if not _is_ltr(token) else x
        draw.text((left, top), text, font=font, fill=0, direction="ltr" if _is_ltr(token) else "rtl")
        boxes.append(draw.textbbox((left, top), text, font=font, direction="ltr" if _is_ltr(token) else "rtl"))
        x = left if not _is_ltr(token) else x + length
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _visual_runs(tokens: list[str]) -> list[str]:
    """Tokens of one RTL line in visual order, right to left: consecutive Latin tokens keep their order
    left to right, as the bidi algorithm lays them out."""
    out: list[str] = []
    index = 0
    while index < len(tokens):
        if _is_ltr(tokens[index]):
            end = index
            while end + 1 < len(tokens) and _is_ltr(tokens[end + 1]):
                end += 1
            out.extend(reversed(tokens[index : end + 1]))
            index = end + 1
        else:
            out.append(tokens[index])
            index += 1
    return out


def _wrap(tokens: list[str], path: str, size: int, width: float) -> list[list[str]]:
    space = _font(path, size).getlength(" ")
    lines: list[list[str]] = []
    current: list[str] = []
    used = 0.0
    for token in tokens:
        length = _token_width(token, path, size)
        if current and used + space + length > width:
            lines.append(current)
            current, used = [], 0.0
        used += (space if current else 0) + length
        current.append(token)
    if current:
        lines.append(current)
    return lines


def _draw_line(draw, tokens, right, top, width, path, size, *, justify) -> list[tuple[str, BoxXYXY]]:
    visual = _visual_runs(tokens)
    lengths = [_token_width(t, path, size) for t in visual]
    space = _font(path, size).getlength(" ")
    if justify and len(visual) > 1:
        space = max(space, (width - sum(lengths)) / (len(visual) - 1))
    placed = []
    x = right
    for token, length in zip(visual, lengths, strict=True):
        placed.append((token, _draw_token(draw, x, top, token, path, size)))
        x -= length + space
    order = {id(t): i for i, t in enumerate(tokens)}
    return sorted(placed, key=lambda item: order.get(id(item[0]), 0))


def render_clipping(
    title: str,
    paragraphs: list[str],
    *,
    columns: int = 1,
    body_font: str = NASKH,
    title_font: str = NASKH_BOLD,
    body_px: int = 40,
    title_px: int = 76,
    column_px: int = 1100,
    running_head: str = "",
    page_number: str = "",
    rules: bool = True,
) -> tuple[Image.Image, list[tuple[str, BoxXYXY]]]:
    """A newspaper clipping at about 300 dpi: headline across all columns, body flowed into ``columns``
    justified columns (the first on the right), optional running head, page number and rules.
    Returns the grayscale image and (word, ink box) for every body and title word drawn."""
    margin, gutter = 90, 70
    width = 2 * margin + columns * column_px + (columns - 1) * gutter
    title_lines = _wrap(title.split(), title_font, title_px, width - 2 * margin)
    body = [_wrap(p.split(), body_font, body_px, column_px) for p in paragraphs]
    pitch, title_pitch = int(body_px * 1.75), int(title_px * 1.5)
    rows = [(line, i == len(p) - 1) for p in body for i, line in enumerate(p)]
    # Paragraph breaks as an empty row: flowed with the lines so columns balance.
    flowed: list[tuple[list[str], bool] | None] = []
    for p in body:
        flowed.extend([(line, i == len(p) - 1) for i, line in enumerate(p)] + [None])
    per_column = -(-len(flowed) // columns)
    del rows
    head_h = int(body_px * 2.2) if running_head else 0
    top_body = margin + head_h + len(title_lines) * title_pitch + 40
    height = top_body + per_column * pitch + margin + (int(body_px * 2) if page_number else 0)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    drawn: list[tuple[str, BoxXYXY]] = []
    if running_head:
        _draw_line(
            draw, running_head.split(), width - margin, margin - 30, 0, body_font, int(body_px * 0.7), justify=False
        )
        if rules:
            draw.line([(margin, margin + head_h - 35), (width - margin, margin + head_h - 35)], fill=0, width=2)
    y = margin + head_h
    for line in title_lines:
        drawn += _draw_line(draw, line, width - margin, y, 0, title_font, title_px, justify=False)
        y += title_pitch
    if rules:
        draw.line([(margin, top_body - 25), (width - margin, top_body - 25)], fill=0, width=3)
    for column in range(columns):
        right = width - margin - column * (column_px + gutter)
        y = top_body
        for row in flowed[column * per_column : (column + 1) * per_column]:
            if row is not None:
                line, last = row
                drawn += _draw_line(draw, line, right, y, column_px, body_font, body_px, justify=not last)
            y += pitch
        if rules and column:
            x = right + gutter // 2
            draw.line([(x, top_body), (x, top_body + per_column * pitch)], fill=0, width=2)
    if page_number:
        draw.text((width // 2, height - margin), page_number, font=_font(body_font, body_px), fill=0, anchor="ms")
    return image, drawn


def photograph(image: Image.Image, *, angle: float = 3.0, blur: float = 1.2, quality: int = 55, seed: int = 0) -> bytes:
    """A phone photo of a printed page: rotated, uneven lighting, sensor noise, blur, JPEG-compressed."""
    rng = np.random.default_rng(seed)
    rotated = image.convert("L").rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)
    page = np.asarray(rotated, dtype=np.float32)
    h, w = page.shape
    yy, xx = np.mgrid[0:h, 0:w]
    light = 0.72 + 0.28 * (xx / w) * (0.6 + 0.4 * yy / h)  # darker towards one corner
    page = page * light + rng.normal(0, 6, page.shape)
    photo = Image.fromarray(np.clip(page, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(blur))
    buffer = io.BytesIO()
    photo.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


# --- texts --------------------------------------------------------------------------------------------

TITLE = "الحكومة تعلن خطة جديدة لدعم الزراعة في المناطق الريفية"
RIGHT_COLUMN = [
    "أعلنت وزارة الزراعة اليوم عن برنامج واسع لدعم صغار المزارعين في المحافظات الجنوبية، يشمل توفير البذور "
    "والأسمدة بأسعار مخفضة وتقديم قروض ميسرة لمدة خمس سنوات.",
    "وقال الوزير في مؤتمر صحفي إن البرنامج يهدف إلى زيادة الإنتاج المحلي من القمح والشعير وتقليل الاعتماد على "
    "الاستيراد، مشيرا إلى أن الحكومة خصصت مبالغ كبيرة لتنفيذه خلال العام المقبل.",
]
LEFT_COLUMN = [
    "من جهة أخرى رحب اتحاد الفلاحين بالقرار واعتبره خطوة مهمة لتحسين أوضاع الأسر التي تعيش في القرى البعيدة "
    "عن المدن، وطالب بإشراك المزارعين في متابعة تنفيذ المشروعات الجديدة.",
    "ويتوقع خبراء الاقتصاد أن تسهم هذه الخطة في خلق فرص عمل للشباب وتنشيط الأسواق الريفية خلال السنوات القادمة.",
]


def _read(image: Image.Image) -> object:
    return read_image(png_bytes(image))


# --- tests --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n", True),
        (b"\xff\xd8\xff\xe0", True),
        (b"II*\x00", True),
        (b"MM\x00*", True),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", True),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", False),
        (b"%PDF-1.7", False),
    ],
)
def test_is_image_by_magic_bytes(head, expected):
    assert is_image(head) is expected


def test_corrupt_image_refused():
    with pytest.raises(ReaderError, match="the image could not be decoded"):
        read_image(b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 20)


def test_decompression_bomb_refused_cheaply():
    # A 10000x10000 (100-megapixel) all-white PNG: ~50 kB on disk, refused before it is decoded.
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000), 1).save(buffer, "PNG")
    with pytest.raises(ReaderError, match=r"100\.0 megapixels.*limit is 90 megapixels"):
        read_image(buffer.getvalue())


@needs_ocr
def test_blank_image_has_no_text():
    with pytest.raises(ReaderError, match="no text found in the image"):
        _read(Image.new("L", (1200, 900), 255))


@needs_ocr
def test_photo_without_text_has_no_text():
    rng = np.random.default_rng(1)
    smooth = Image.fromarray(rng.integers(0, 255, (60, 80), dtype=np.uint8)).resize((1200, 900), Image.BICUBIC)
    with pytest.raises(ReaderError, match="no text found in the image"):
        _read(smooth.filter(ImageFilter.GaussianBlur(6)))


@needs_ocr
@needs_raqm
def test_one_column_clipping_read_with_headline_and_boxes():
    paragraphs = RIGHT_COLUMN + LEFT_COLUMN
    image, drawn = render_clipping(
        TITLE, paragraphs, columns=1, running_head="الخميس 12 مارس 2020 الصفحة الأولى", page_number="12"
    )
    document = _read(image)
    assert document.origin == ORIGIN_OCR
    assert cer(TITLE, document.title) <= 0.10, document.title
    assert cer("\n".join(paragraphs), document.body) <= 0.06, document.body
    # Running head and page number are not body text.
    assert "مارس" not in document.body and "12" not in document.body.split()
    assert document.page_sizes == [image.size] and document.page_images == []
    assert 60 <= document.confidence <= 100
    assert document.ocr_text
    # The box of a known word lands on the ink of that word as drawn.
    target = next(box for word, box in drawn if word == "البذور")
    hits = [w for w in document.words if w.text.strip("،.") == "البذور"]
    assert hits, [w.text for w in document.words]
    word = hits[0]
    assert _iou(target, (word.left, word.top, word.left + word.width, word.top + word.height)) > 0.5


@needs_ocr
@needs_raqm
def test_two_columns_read_right_to_left():
    image, _ = render_clipping(TITLE, RIGHT_COLUMN + LEFT_COLUMN, columns=2, column_px=900, page_number="٣")
    document = _read(image)
    body = document.body
    assert cer("\n".join(RIGHT_COLUMN + LEFT_COLUMN), body) <= 0.06, body
    # The right column's first words come before the left column's.
    assert body.find("أعلنت وزارة") < body.find("من جهة أخرى"), body
    assert cer(TITLE, document.title) <= 0.10, document.title
    assert len(document.paragraphs) >= 3


@needs_ocr
@needs_raqm
def test_phone_photo_rotated_blurred_jpeg_still_read():
    paragraphs = RIGHT_COLUMN + LEFT_COLUMN
    image, _ = render_clipping(TITLE, paragraphs, columns=1)
    document = read_image(photograph(image, angle=3.0, blur=1.2, quality=55))
    assert cer("\n".join(paragraphs), document.body) <= 0.10, document.body


@needs_ocr
@needs_raqm
def test_multi_page_tiff_is_one_document_with_png_pages():
    first, _ = render_clipping(TITLE, RIGHT_COLUMN, columns=1)
    second, _ = render_clipping("", LEFT_COLUMN, columns=1)
    buffer = io.BytesIO()
    first.save(buffer, "TIFF", save_all=True, append_images=[second], compression="tiff_deflate")
    seen: list[tuple[int, int]] = []
    document = read_image(buffer.getvalue(), progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 2), (2, 2)]
    assert document.pages == 2 and document.page_sizes == [first.size, second.size]
    assert [Image.open(io.BytesIO(png)).size for png in document.page_images] == document.page_sizes
    assert {w.page for w in document.words} == {0, 1}
    assert cer("\n".join(RIGHT_COLUMN + LEFT_COLUMN), document.body) <= 0.08


def test_post_correction_fixes_dotted_letter_and_keeps_confident_words():
    vocabulary = Vocabulary.from_texts(["أعلنت وزارة الزراعة عن برنامج لدعم المزارعين"] * 3 + ["وزارة الصحة"])
    # OCR read وزارة as ورارة (ز→ر, a lost dot) with low confidence; the other words are confident.
    words = [("أعلنت", 92.0), ("ورارة", 41.0), ("الزراعة", 95.0), ("عن", 96.0), ("برنامح", 93.0)]
    corrected = correct_words(words, vocabulary)
    assert corrected[1] == "وزارة"
    # برنامح is not in the vocabulary either, but Tesseract was sure of it: it stays as read.
    assert corrected[4] == "برنامح"
    assert corrected[0] == "أعلنت" and corrected[2] == "الزراعة"
    # A cache round trip gives the same vocabulary.
    again = Vocabulary.from_bytes(vocabulary.to_bytes())
    assert correct_words(words, again) == corrected


def _iou(a: BoxXYXY, b: BoxXYXY) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def dev_texts(count: int, *, seed: int = 0) -> list[dict]:
    """Unused by the tests: a hook for bench/ocr_dev.py to share this file's rendering."""
    random.seed(seed)
    return []


@needs_ocr
@needs_raqm
@pytest.mark.parametrize(("body_px", "paper"), [(34, 0.97), (30, 0.96)])
def test_dithered_bilevel_group4_tiff_read_like_a_grey_scan(body_px, paper):
    # A fax-like 1-bit scan of a two-column cutting on off-white paper: Pillow's conversion to 1 bit
    # dithers (Floyd-Steinberg), so the paper becomes scattered dots and each letter's edge a fringe of
    # them. Read as it is, Tesseract lost most of these pages (CER 0.68, or no words at all).
    page, _ = render_clipping(TITLE, RIGHT_COLUMN + LEFT_COLUMN, columns=2, body_px=body_px, column_px=800)
    buffer = io.BytesIO()
    Image.eval(page.convert("L"), lambda v: int(v * paper)).convert("1").save(
        buffer, "TIFF", compression="group4", dpi=(300, 300)
    )
    document = read_image(buffer.getvalue())
    assert cer("\n".join(RIGHT_COLUMN + LEFT_COLUMN), document.body) <= 0.08, document.body
