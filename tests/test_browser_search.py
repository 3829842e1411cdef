"""Real-browser tests: Playwright driving Debian's Chromium against the live test server.

They skip with a reason where Chromium or Playwright is missing (see the ``browser`` fixture).
"""

from __future__ import annotations

import struct
import zlib

import pytest

from tests.search_data import world_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    return world_make()


def _png_pixels(png: bytes) -> tuple[int, int, list[bytearray]]:
    """Decode an 8-bit RGB/RGBA PNG (as Chromium writes them) into rows of bytes: zlib + unfiltering."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        chunk = png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour in (2, 6)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytearray] = []
    prev = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        row = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            a = row[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if kind == 1:
                row[x] = (row[x] + a) & 255
            elif kind == 2:
                row[x] = (row[x] + b) & 255
            elif kind == 3:
                row[x] = (row[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[x] = (row[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(row)
        prev = row
    return width, bpp, rows


def test_search_facet_entity_histogram_and_screenshot(live_server, page, world):
    page.goto(f"{live_server.url}/search/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ar"

    # Search in Arabic, from the keyboard.
    page.fill("#q", "بوتين")
    page.press("#q", "Enter")
    page.wait_for_selector(".result")
    assert page.locator(".result").count() == 3
    assert page.locator(".result mark").first.inner_text() in {"بوتين", "وبوتين", "لبوتين"}

    # Click a facet: the source narrows the results, the link becomes "selected".
    page.click('a[data-facet="source"][data-slug="lebanon24"]')
    page.wait_for_url("**source=lebanon24**")
    assert page.locator(".result").count() == 1
    assert page.locator('a[data-facet="source"][data-slug="lebanon24"][aria-current="true"]').count() == 1

    # Open an entity page from the result's article page, which links its mentions.
    page.click(".result h2 a >> nth=0")
    page.click('.body a.entity[href="/entities/putin/"]')
    page.wait_for_url("**/entities/putin/")
    assert page.locator("h1").inner_text() == "بوتين"
    assert page.locator(".result").count() == 3

    # Follow the histogram: a bar narrows the search to its month.
    page.click(".histogram a >> nth=-1")
    page.wait_for_url("**date_from=2024-03-01**")
    assert page.locator(".result").count() == 1
    assert page.locator(".result h2").inner_text() == "قمة اقتصادية"

    # A phone-sized screenshot: a rendered right-to-left page, not a blank one.
    page.set_viewport_size({"width": 480, "height": 360})
    page.goto(f"{live_server.url}/search/?q=بوتين")
    brand = page.locator(".brand").bounding_box()
    assert brand["x"] > 480 / 2, "the site name sits at the right in RTL"
    width, bpp, rows = _png_pixels(page.screenshot())
    colours = {bytes(row[x : x + 3]) for row in rows[::7] for x in range(0, width * bpp, bpp * 5)}
    assert len(colours) > 20, "screenshot is (nearly) a single colour"

    def ink(x0: int, x1: int) -> int:
        return sum(1 for row in rows for x in range(x0, x1) if sum(row[x * bpp : x * bpp + 3]) < 600)

    assert ink(width * 3 // 4, width) > ink(0, width // 4), "text should start at the right edge"


def test_keyboard_reaches_the_skip_link_and_search_box(live_server, page, world):
    page.goto(f"{live_server.url}/search/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
