"""Chromium (Playwright) tests of the search page's chips, page numbers and the phone-sized filters button."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.search_data import article_make, world_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    return world_make()


def test_chips_remove_filters(live_server, page, world):
    page.goto(f"{live_server.url}/search/?q=بوتين&kind=PERS&source=lebanon24&date_from=2024-03-01&date_to=2024-03-31")
    assert page.locator(".chip").count() == 3
    assert page.locator(".result").count() == 1
    # The entity-kind filter is visible and removable.
    page.click('[data-chip="kind"] .chip-remove')
    page.wait_for_url(lambda url: "kind=" not in url)
    assert page.locator('[data-chip="kind"]').count() == 0
    page.click('[data-chip="date"] .chip-remove')
    page.wait_for_url(lambda url: "date_from" not in url)
    assert page.locator(".chip").count() == 1
    page.click('[data-chip="source"] .chip-remove')
    page.wait_for_url(lambda url: "source=" not in url)
    assert page.locator(".chip").count() == 0
    assert page.locator(".result").count() == 3


def test_page_numbers(live_server, page, world):
    for i in range(45):
        article_make(f"خبر رقم {i}", published_on=dt.date(2023, 1, 1) + dt.timedelta(days=i))
    page.goto(f"{live_server.url}/search/")
    assert "49" in page.locator(".result-count").inner_text()
    page.click('.pager a[data-page="3"]')
    page.wait_for_url("**page=3**")
    assert page.locator('.pager [aria-current="page"]').inner_text() == "3"
    assert page.locator(".result").count() == 9


def test_phone_filters_button_opens_facets_above_results(live_server, browser, world):
    context = browser.new_context(locale="ar", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/search/?q=بوتين")
        summary = page.locator("details.filters > summary")
        assert summary.is_visible()
        facet = page.locator('a[data-facet="source"]').first
        assert not facet.is_visible()  # closed on a phone
        first_result = page.locator(".result").first.bounding_box()
        assert summary.bounding_box()["y"] < first_result["y"]
        summary.click()
        assert facet.is_visible()
        assert facet.bounding_box()["y"] < page.locator(".result").first.bounding_box()["y"]
        assert summary.bounding_box()["y"] < 844 * 1.5, "the button is near the top, not after the results"
    finally:
        context.close()


def test_desktop_shows_facets_without_button(live_server, page, world):
    page.goto(f"{live_server.url}/search/?q=بوتين")
    assert not page.locator("details.filters > summary").is_visible()
    assert page.locator('a[data-facet="source"]').first.is_visible()


def test_reader_signs_in_and_saves_a_search(live_server, page, world):
    from django.contrib.auth.models import User

    User.objects.create_user("reader", email="reader@example.org", password="a long reader password")
    page.goto(f"{live_server.url}/search/?q=بوتين&source=marib")
    page.click('a[href^="/accounts/login/?next="] >> nth=0')
    page.fill("#id_username", "reader")
    page.fill("#id_password", "a long reader password")
    page.click(".login-form button[type=submit]")
    page.wait_for_url("**/search/?q=**")  # back to the search after signing in
    page.click("details.save-search > summary")
    page.fill("#saved-name", "بوتين في مأرب")
    page.click("details.save-search button[type=submit]")
    page.wait_for_url("**/saved/*/")
    assert page.locator("h1").inner_text() == "بوتين في مأرب"
    assert page.locator('[data-chip="source"]').count() == 1
    feed = page.locator(".feed-url").get_attribute("href")
    assert "/saved/feed/" in feed
    page.click('a[href="/saved/"]')
    assert page.locator(".saved h2 a").inner_text() == "بوتين في مأرب"
