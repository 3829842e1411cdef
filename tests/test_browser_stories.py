"""Real-browser tests of stories: the story list under a search result and the story page."""

from __future__ import annotations

import pytest

from articles.models import Story
from tests.story_data import story_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_result_lists_the_story_copies(live_server, page):
    story_world()
    page.goto(f"{live_server.url}/search/?q=درعا")
    results = page.locator("li.result")
    assert results.count() == 1
    copies = results.first.locator(".story-copies ul.copies li")
    assert copies.count() == 2
    assert "skynews" in copies.nth(0).inner_text() and "france24" in copies.nth(1).inner_text()
    summary = results.first.locator(".story-summary").inner_text()
    assert "منفذين" in summary  # "also in 2 outlets", in Arabic
    page.locator(".grouping a").click()  # show every copy
    page.wait_for_url("**group=none**")
    assert page.locator("li.result").count() == 3


def test_story_page_shows_how_it_spread(live_server, page):
    story_world()
    story = Story.objects.get(size=3)
    page.goto(f"{live_server.url}/search/?q=درعا")
    page.locator(".story-summary a").click()
    page.wait_for_url(f"**{story.get_absolute_url()}")
    copies = page.locator("ol.story-spread > li")
    assert copies.count() == 3
    assert "bbc" in copies.nth(0).inner_text()
    assert copies.nth(1).locator("h3 ins").count() >= 1  # «عاجل |» added to the title
    changed = copies.nth(2).locator("details")
    changed.locator("summary").click()
    assert "وعشرين" in changed.locator(".body-diff ins").first.inner_text()
    assert copies.nth(1).locator(".same").count() == 1  # the reprint's text is unchanged
