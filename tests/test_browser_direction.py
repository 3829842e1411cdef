"""Issue 11 §6 in a real browser: Arabic names read right to left wherever they appear, whatever their
first letter, and a mixed Latin/Arabic meta line («skynews · 12 أكتوبر 2018») keeps its parts apart."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.search_data import article_make, entity_make, source_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mixed():
    bbc = source_make("BBC عربي", "bbc")
    sky = source_make("skynews", "skynews")
    cnn = source_make("CNN بالعربية", "cnn")
    entity = entity_make("BBC عربي", kind="ORG", slug="bbc-org")
    article_make("خبر من بي بي سي", "نص عن BBC عربي.", source=bbc, entities=(entity,))
    article_make("خبر سكاي", "نص الخبر.", source=sky, published_on=dt.date(2018, 10, 12))
    article_make("خبر سي إن إن", "نص آخر.", source=cnn)


def _direction(page, selector: str) -> str:
    return page.eval_on_selector(selector, "e => getComputedStyle(e).direction")


@pytest.mark.parametrize("locale", ["ar", "en"])
def test_latin_led_arabic_names_render_right_to_left(live_server, browser, mixed, locale):
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/search/")
        assert _direction(page, 'a[data-facet="source"][data-slug="bbc"]') == "rtl"
        assert _direction(page, 'a[data-facet="source"][data-slug="cnn"]') == "rtl"
        assert _direction(page, 'a[data-facet="entity"][data-slug="bbc-org"]') == "rtl"
        page.goto(f"{live_server.url}/sources/bbc/")
        assert _direction(page, "h1") == "rtl"
    finally:
        context.close()


def test_mixed_meta_line_keeps_source_and_date_apart(live_server, page, mixed):
    page.goto(f"{live_server.url}/search/?q=سكاي")
    meta = page.locator("li.result p.meta").first
    source, date = meta.locator("bdi").nth(0), meta.locator("bdi").nth(1)
    assert source.inner_text() == "skynews" and date.inner_text().strip() == "12 أكتوبر 2018"
    # Each part is isolated, and in an RTL page the first part (the source) sits right of the whole date.
    isolation = page.eval_on_selector_all("li.result p.meta bdi", "es => es.map(e => getComputedStyle(e).unicodeBidi)")
    assert set(isolation) == {"isolate"}
    source_box, date_box = source.bounding_box(), date.bounding_box()
    assert source_box["x"] >= date_box["x"] + date_box["width"] - 1
