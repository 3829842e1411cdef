"""Real-browser test of the entity index and an entity page (Playwright driving Debian's Chromium)."""

from __future__ import annotations

import datetime as dt

import pytest

from articles.enrich.consolidate import entities_consolidate
from articles.enrich.entity_service import article_mentions_replace
from articles.enrich.ner.base import EntitySpan
from tests.search_data import article_make, source_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _store(title: str, body: str, names: list[tuple[str, str]], day: int) -> None:
    article = article_make(title, body, source=source_make(), published_on=dt.date(2024, 1, day))
    spans = [EntitySpan(body.index(n), body.index(n) + len(n), kind, n) for n, kind in names]
    article_mentions_replace(article, title_spans=[], body_spans=spans)


@pytest.fixture
def entity_world():
    for day in range(1, 4):
        _store(f"قمة {day}", "مقدمة. التقى فلاديمير بوتين رجب طيب أردوغان في أنقرة <i>اليوم</i>. خاتمة.",
               [("فلاديمير بوتين", "PERS"), ("رجب طيب أردوغان", "PERS"), ("أنقرة", "LOC")], day)  # fmt: skip
    _store("تصريح", "وقال فلاديمير بوتن إن المحادثات جيدة.", [("فلاديمير بوتن", "PERS")], 9)
    _store("فستان", "ارتدت العروس فستان أبيض.", [("فستان", "PERS")], 10)
    entities_consolidate()


def test_entity_index_and_page_read_well(live_server, page, entity_world):
    # A reader types a Latin name and gets the person first.
    page.goto(f"{live_server.url}/entities/")
    page.fill("#entity-q", "Putin")
    page.press("#entity-q", "Enter")
    page.wait_for_url("**q=Putin**")
    first = page.locator(".entity-list li a").first
    assert first.inner_text() == "فلاديمير بوتين"
    assert "BTN" not in page.content()
    # The index without a query: by importance, junk seen once hidden.
    page.goto(f"{live_server.url}/entities/")
    names = page.locator(".entity-list li a").all_inner_texts()
    assert names[0] == "فلاديمير بوتين" and "فستان" not in names

    page.goto(f"{live_server.url}/entities/?q=Putin")
    first = page.locator(".entity-list li a").first
    first.click()
    page.wait_for_url("**/entities/**")
    assert page.locator("h1").inner_text() == "فلاديمير بوتين"
    # Keyword in context: one sentence per article, the name marked, markup shown as text.
    snippets = page.locator(".result .snippet")
    assert snippets.count() == 4
    assert snippets.first.locator("mark").inner_text() in {"فلاديمير بوتين", "فلاديمير بوتن"}
    texts = snippets.all_inner_texts()
    assert any("<i>اليوم</i>" in t for t in texts) and not any("مقدمة" in t for t in texts)
    assert page.locator(".result .snippet i").count() == 0
    # Its spellings, its timeline, the entities mentioned with it.
    assert "فلاديمير بوتن" in page.locator("#aliases-h + ul").inner_text()
    assert page.locator(".histogram a").count() >= 1
    related = page.locator('section[aria-labelledby="co-h"] li a[lang="ar"]').all_inner_texts()
    assert related[:2] == ["رجب طيب أردوغان", "أنقرة"] or set(related[:2]) == {"رجب طيب أردوغان", "أنقرة"}
