"""The PDF reader: text layers (Chromium-printed Arabic), scans through OCR, multi-page files, bad files.

No database. PDFs are made at test time: Chromium print-to-PDF of small Arabic pages, Pillow for
image-only (scanned) PDFs, and a few hand-written PDF files for the broken cases.
"""

from __future__ import annotations

import html
import io
import os
import shutil
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from articles.ingest.readers.document import ORIGIN_OCR, ORIGIN_TEXT_LAYER, ReaderError
from articles.ingest.readers.pdf import is_pdf, read_pdf
from articles.ingest.readers.pdf_layout import page_lines
from articles.ingest.readers.pdf_quality import layer_usable
from articles.ingest.readers.pdf_text import Char, map_presentation_forms, split_words, visual_to_logical

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

TITLE = "الحكومة تعلن خطة جديدة لدعم التعليم في المدارس"
PARAGRAPHS = [
    "أعلنت وزارة التربية والتعليم اليوم عن خطة شاملة لتطوير المدارس الحكومية في جميع المحافظات، "
    "وتشمل الخطة بناء مئة وعشرين مدرسة جديدة خلال السنوات الثلاث المقبلة.",
    "وقال الوزير في مؤتمر صحفي إن الخطة تهدف إلى تحسين جودة التعليم وتدريب المعلمين على المناهج "
    "الحديثة، مشيرا إلى أن الميزانية المخصصة لها تبلغ 250 مليون دولار.",
    "وأضاف أن الوزارة ستتعاون مع منظمة اليونسكو (UNESCO) في تنفيذ برامج التدريب، وأن المرحلة الأولى "
    "ستبدأ في شهر سبتمبر من العام الحالي.",
]


def cer(reference: str, hypothesis: str) -> float:
    try:
        from articles.ingest.ocr.cer import cer as ocr_cer
    except ImportError:  # the OCR engine's module is not there: the same measure inline
        from rapidfuzz.distance import Levenshtein

        ref, hyp = " ".join(reference.split()), " ".join(hypothesis.split())
        return Levenshtein.distance(ref, hyp) / max(len(ref), 1)
    return ocr_cer(reference, hypothesis)


def _html(title: str, paragraphs: list[str], *, font: str = "Noto Naskh Arabic", columns: int = 1, pages: int = 1):
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    if pages > 1:  # the same article spread over pages: a page break after each paragraph
        body = "".join(f'<p style="break-after: page">{html.escape(p)}</p>' for p in paragraphs)
    style = f"body{{font-family:'{font}';font-size:14pt}} h1{{font-size:24pt}} .c{{column-count:{columns}}}"
    return (
        f'<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><style>{style}</style></head>'
        f"<body><h1>{html.escape(title)}</h1>{f'<div class=c>{body}</div>' if columns > 1 else body}</body></html>"
    )


def chromium_pdf(tmp_path: Path, markup: str) -> bytes:
    """Chromium print-to-PDF of ``markup``, or a skip when Chromium is not installed."""
    if not shutil.which(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    source, out = tmp_path / "page.html", tmp_path / "page.pdf"
    source.write_text(markup, encoding="utf-8")
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", f"--print-to-pdf={out}",
         source.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return out.read_bytes()


def scanned_pdf(pdf: bytes, pages: int = 1) -> bytes:
    """An image-only PDF (no text layer) of the first ``pages`` pages of ``pdf`` rendered at 200 dpi."""
    doc = pdfium.PdfDocument(pdf)
    images = [doc[i].render(scale=200 / 72, grayscale=True).to_pil() for i in range(pages)]
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=200, save_all=True, append_images=images[1:])
    return out.getvalue()


def handmade_pdf(objects: list[str], trailer: str = "") -> bytes:
    """A PDF file of the given objects (1 0 obj is the catalog), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R {trailer}>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


@pytest.fixture(scope="module")
def article_pdf(tmp_path_factory) -> bytes:
    return chromium_pdf(tmp_path_factory.mktemp("pdf"), _html(TITLE, PARAGRAPHS))


def test_is_pdf():
    assert is_pdf(b"%PDF-1.7\n...")
    assert is_pdf(b"\x00" * 100 + b"%PDF-1.4")
    assert not is_pdf(b"PK\x03\x04 a Word file")
    assert not is_pdf(b"x" * 1024 + b"%PDF-1.4")


def test_chromium_text_layer_reads_in_logical_order(article_pdf):
    doc = read_pdf(article_pdf)
    assert doc.origin == ORIGIN_TEXT_LAYER
    assert doc.title == TITLE
    # The first word of the body comes first (Chromium stores many words reversed).
    assert doc.paragraphs[0].split()[0] == "أعلنت"
    assert len(doc.paragraphs) == len(PARAGRAPHS)
    assert cer("\n".join(PARAGRAPHS), doc.body) < 0.02
    assert "(UNESCO)" in doc.body and "250 مليون" in doc.body
    assert doc.confidence is None and doc.pages == 1


def test_text_layer_page_image_and_word_boxes(article_pdf):
    doc = read_pdf(article_pdf)
    assert len(doc.page_images) == 1 and doc.page_images[0].startswith(b"\x89PNG")
    width, height = doc.page_sizes[0]
    assert Image.open(io.BytesIO(doc.page_images[0])).size == (width, height)
    assert width <= 1600
    first = next(w for w in doc.words if w.text == "أعلنت")
    # The first body word is at the right end of its line, in the image.
    assert first.left > width / 2 and 0 < first.top < height / 2 and first.conf == 100


@pytest.mark.parametrize("font", ["Amiri", "Noto Sans Arabic"])
def test_two_columns_read_right_column_first(tmp_path, font):
    paragraphs = PARAGRAPHS * 3
    doc = read_pdf(chromium_pdf(tmp_path, _html(TITLE, paragraphs, font=font, columns=2)))
    assert doc.title == TITLE
    assert cer("\n".join(paragraphs), doc.body) < 0.02


def test_two_pages_one_document_progress_per_page(tmp_path):
    calls = []
    data = chromium_pdf(tmp_path, _html(TITLE, PARAGRAPHS[:2], pages=2))
    doc = read_pdf(data, progress=lambda done, total: calls.append((done, total)))
    assert doc.pages == 2 and len(doc.page_images) == 2 and len(doc.page_sizes) == 2
    assert calls == [(1, 2), (2, 2)]
    assert doc.title == TITLE
    assert cer("\n".join(PARAGRAPHS[:2]), doc.body) < 0.02
    assert {w.page for w in doc.words} == {0, 1}


def _require_ocr():
    try:
        from articles.ingest.ocr.tesseract import tesseract_available
    except ImportError:
        pytest.skip("the OCR engine (articles.ingest.ocr) is not there")
    if not tesseract_available():
        pytest.skip("tesseract with the ara model is not installed")


def test_scanned_pdf_goes_to_ocr(article_pdf):
    _require_ocr()
    calls = []
    doc = read_pdf(scanned_pdf(article_pdf), progress=lambda done, total: calls.append((done, total)))
    assert doc.origin == ORIGIN_OCR and doc.confidence is not None
    assert calls[-1] == (1, 1)
    # Title and body together: whether the engine takes the headline as the title is its own business.
    assert cer("\n".join([TITLE, *PARAGRAPHS]), "\n".join([doc.title, doc.body])) < 0.1
    width, height = doc.page_sizes[0]
    assert doc.words and all(0 <= w.left and w.left + w.width <= width + 2 for w in doc.words)
    assert all(w.top + w.height <= height + 2 for w in doc.words)


def test_mixed_pdf_keeps_page_order(tmp_path, article_pdf):
    _require_ocr()
    text_page = chromium_pdf(tmp_path, _html("عنوان الصفحة الأولى", ["هذه الصفحة الأولى من المقال وفيها نص."]))
    merged = pdfium.PdfDocument.new()
    merged.import_pages(pdfium.PdfDocument(text_page))
    merged.import_pages(pdfium.PdfDocument(scanned_pdf(article_pdf)))
    out = io.BytesIO()
    merged.save(out)
    doc = read_pdf(out.getvalue())
    assert doc.origin == ORIGIN_OCR and doc.pages == 2
    assert doc.title == "عنوان الصفحة الأولى"
    assert doc.paragraphs[0] == "هذه الصفحة الأولى من المقال وفيها نص."
    assert any(w.page == 1 and w.conf < 100 for w in doc.words)


def test_corrupt_pdf():
    with pytest.raises(ReaderError, match="could not be opened"):
        read_pdf(b"%PDF-1.4\nthis is not a PDF at all\n%%EOF")


def test_encrypted_pdf():
    # A Standard security handler whose /U does not match the empty password: a password-protected file.
    encrypt = "<< /Filter /Standard /V 1 /R 2 /Length 40 /P -4 /O <" + "11" * 32 + "> /U <" + "22" * 32 + "> >>"
    data = handmade_pdf(
        ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
         "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>", encrypt],
        trailer="/Encrypt 4 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] ",
    )  # fmt: skip
    with pytest.raises(ReaderError, match="encrypted"):
        read_pdf(data)


def test_pdf_without_pages():
    data = handmade_pdf(["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"])
    with pytest.raises(ReaderError, match=r"no pages|could not be opened"):  # PDFium refuses to open it
        read_pdf(data)


def test_blank_page_has_no_text():
    blank = io.BytesIO()
    Image.new("L", (400, 400), 255).save(blank, "PDF")
    with pytest.raises(ReaderError):
        read_pdf(blank.getvalue())


def test_presentation_forms_map_to_letters():
    # ﻻ (lam-alef) → ل + ا; final/medial shapes → base letters; ﷲ → الله.
    assert map_presentation_forms("\ufefb") == "لا"
    assert map_presentation_forms("\ufe8d\ufedf\ufee4\ufeae\ufe8e\ufe93") == "المراة"
    assert map_presentation_forms("\ufdf2") == "الله"
    assert map_presentation_forms("abc ١٢") == "abc ١٢"


def test_visual_order_restored_with_latin_and_digits():
    # Visual order (left to right as shown) of "قال 25 شخصا (BBC)".
    visual = list("(BBC) اصخش 25 لاق")  # the brackets of an Arabic line are shown mirrored
    assert "".join(visual_to_logical(visual, rtl=True)) == "قال 25 شخصا (BBC)"


def _chars(word_specs: list[tuple[str, float]], baseline: float = 700.0, size: float = 12.0) -> list[Char]:
    """Characters of one line written in visual order (old typesetters): glyph ``text`` at x, 6 pt wide."""
    chars = []
    for text, x in word_specs:
        if text == " ":
            chars.append(Char(" ", 0, 0, 0, 0, 0, 0, generated=True))
        else:
            chars.append(Char(text, x, baseline - 2, x + 6, baseline + 8, baseline, size))
    return chars


def test_presentation_forms_in_visual_order_become_logical_text():
    # "لا الحرب" set with presentation forms, stream in visual order (leftmost glyph first):
    # ﺏﺮﺤﻟﺍ (الحرب reversed, in final/medial/initial shapes) then ﻻ at the right.
    glyphs = ["\ufe90", "\ufeae", "\ufea4", "\ufedf", "\ufe8d", " ", "\ufefb"]
    specs = [(glyph, 100.0 + 6 * i) for i, glyph in enumerate(glyphs)]
    chars = _chars(specs)
    assert len(split_words(chars)) == 2
    assert [line.text for line in page_lines(chars)] == ["لا الحرب"]


def test_layer_judge_refuses_garbage():
    real = " ".join(PARAGRAPHS)
    assert layer_usable(real)
    assert not layer_usable(" ".join(w[::-1] for w in real.split()))  # visual order left as stored
    assert not layer_usable("\ue001\ue002\ue003 " * 40)  # private-use glyph codes
    assert not layer_usable("ÇáÍßæãÉ ÊÚáä ÎØÉ ÌÏíÏÉ áÏÚã ÇáÊÚáíã " * 5)  # Windows-1256 read as Latin-1
    assert layer_usable("The government announced a new plan for schools across the country today.")
