"""Large headline type: not cut by rule removal, read whole however many lines it wraps to, told from a
body in a font of tall ascenders (Amiri) by its strokes. Real Tesseract, Debian's fonts."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from articles.ingest.ocr.cer import cer
from articles.ingest.ocr.headline import line_runs
from articles.ingest.ocr.preprocess import remove_rules, stroke_widths
from tests.test_reader_image import (
    AMIRI,
    LEFT_COLUMN,
    NASKH,
    RIGHT_COLUMN,
    SANS,
    SANS_BOLD,
    _font,
    _read,
    needs_ocr,
    needs_raqm,
    render_clipping,
)


@needs_raqm
def test_rule_removed_and_a_long_headline_stroke_kept():
    image = Image.new("L", (1800, 500), 255)
    draw = ImageDraw.Draw(image)
    # «الاستثمار» at headline size in bold: its baseline is one long horizontal run, like a short rule.
    draw.text((1700, 60), "الاستثمار", font=_font(SANS_BOLD, 220), fill=0, anchor="ra", direction="rtl")
    draw.line([(50, 450), (1750, 450)], fill=0, width=3)
    gray = np.asarray(image)
    mask = (gray < 128).astype(np.uint8) * 255
    cleaned = remove_rules(gray, mask, 30.0)
    word = mask[:420] > 0
    kept = (cleaned[:420] < 128) & word
    assert kept.sum() >= 0.97 * word.sum()  # the headline's ink stays
    assert (cleaned[440:460] < 128).sum() == 0  # the rule is gone


def test_line_runs_split_touching_lines_and_join_dots():
    mask = np.zeros((130, 300), np.uint8)
    mask[10:38, 20:280] = 255  # line 1
    mask[42:70, 20:280] = 255  # line 2 touching it: a descender meets an ascender in a few columns
    mask[38:42, 100:108] = 255
    mask[75:79, 100:110] = 255  # a dot under line 2
    mask[100:128, 20:200] = 255  # line 3
    runs = line_runs(mask, line=28.0)
    assert len(runs) == 3
    assert runs[1][1] >= 79  # the dot went with its line


@needs_raqm
def test_stroke_width_tells_headline_type_from_body_type():
    image = Image.new("L", (1400, 400), 255)
    draw = ImageDraw.Draw(image)
    draw.text((1350, 20), "خطة جديدة", font=_font(SANS_BOLD, 110), fill=0, anchor="ra", direction="rtl")
    draw.text((1350, 250), "أعلنت وزارة الزراعة", font=_font(AMIRI, 44), fill=0, anchor="ra", direction="rtl")
    head, body = stroke_widths(np.asarray(image), [(0, 0, 1400, 200), (0, 220, 1400, 180)])
    assert head > 2 * body > 0


@needs_ocr
@needs_raqm
@pytest.mark.parametrize(
    ("title", "title_font", "body_font"),
    [
        ("الصين تدرس إصلاحات ضريبية لتشجيع الاستثمار في المناطق الصناعية", SANS_BOLD, SANS),
        ("وزير الخارجية يبحث مع نظيره الأردني تطورات الأوضاع في المنطقة", SANS_BOLD, AMIRI),
        ("المجلس البلدي يقر ميزانية العام المقبل بعد نقاش طويل", SANS_BOLD, NASKH),
    ],
)
def test_headline_of_several_large_bold_lines_read_whole(title, title_font, body_font):
    image, _ = render_clipping(
        title, RIGHT_COLUMN + LEFT_COLUMN, columns=1, title_font=title_font, body_font=body_font, title_px=120
    )
    document = _read(image)
    assert cer(title, document.title) <= 0.10, document.title
    # The body starts with the body, not with a headline line read as stray letters, and holds the rest.
    assert document.body.split()[:3] == RIGHT_COLUMN[0].split()[:3], document.body[:200]
    assert cer("\n".join(RIGHT_COLUMN + LEFT_COLUMN), document.body) <= 0.10, document.body
