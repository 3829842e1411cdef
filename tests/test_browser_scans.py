"""The clipping beside its text in a real browser: the page image loads from the archive under its CSP, the
searched words are boxed on it at the right place, and the original downloads rather than renders."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from articles.ingest.models import ArticlePages, OriginalFile, originals_storage
from articles.models import Article
from tests.search_data import article_make, source_make
from tests.test_browser_csp import LISTEN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scanned():
    """An article whose clipping is a 1000x600 PNG with one word box at (700, 100, 200, 60) for «بيروت»."""
    image = Image.new("RGB", (1000, 600), "white")
    ImageDraw.Draw(image).rectangle((700, 100, 900, 160), fill="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    data = out.getvalue()
    name = originals_storage().save("originals/te/test-scan", io.BytesIO(data))
    original = OriginalFile.objects.create(
        sha256="f" * 64, file=name, name="scan.png", kind="image", media_type="image/png", size=len(data)
    )
    article = article_make("معرض الكتاب في بيروت", "افتتح معرض الكتاب في بيروت.", source=source_make("النهار", "nahar"))
    Article.objects.filter(pk=article.pk).update(original=original, text_origin="ocr", ocr_confidence=91.0)
    ArticlePages.objects.create(
        article=article,
        words=[[0, 700, 100, 200, 60, 95.0, "بيروت"], [0, 100, 100, 200, 60, 40.0, "معرض"]],
        page_sizes=[[1000, 600]],
        ocr_text="معرض الكتاب في بيروت",
    )
    return article


def test_the_scan_shows_with_the_searched_word_boxed_and_no_csp_violation(page, live_server, scanned):
    page.add_init_script(LISTEN)
    page.goto(f"{live_server.url}{scanned.get_absolute_url()}?q=بيروت")
    image = page.locator("figure.scan-page svg image")
    page.wait_for_function("() => document.querySelector('figure.scan-page svg image').getBBox().width > 0")
    box = page.locator("rect.scan-hit")
    assert box.count() == 1
    svg = page.locator("figure.scan-page svg").bounding_box()
    rect = box.bounding_box()
    # The box sits where the word is on the page: 70% across, 1/6 down, a fifth of the width.
    assert abs((rect["x"] - svg["x"]) / svg["width"] - 0.7) < 0.02
    assert abs((rect["y"] - svg["y"]) / svg["height"] - 100 / 600) < 0.02
    assert abs(rect["width"] / svg["width"] - 0.2) < 0.02
    assert image.count() == 1
    assert page.evaluate("window.__csp || []") == []
    assert page.locator(".text-ocr").count() == 1


def test_the_original_is_a_download(page, live_server, scanned):
    page.goto(f"{live_server.url}{scanned.get_absolute_url()}")
    with page.expect_download() as download:
        page.locator(".original-file a").click()
    assert download.value.suggested_filename == "scan.png"
