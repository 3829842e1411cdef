"""An editor in a real browser: log in, upload the seed dump, confirm, find the articles on the site."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.urls import NoReverseMatch, reverse

from articles.models import IngestRun
from tests.test_admin import real_pipeline_reason

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-test-passphrase-42"
TITLES = ("بوتين يعلن إطلاق تحالف دولي", "بداية تحالف متني في الانتخابات")


def _public_listing_url(base: str) -> str:
    """The search page when it exists (the search issue), else the home page's newest list."""
    try:
        return f"{base}{reverse('search')}?q={quote('تحالف')}"
    except NoReverseMatch:
        return f"{base}/"


def test_editor_uploads_the_seed_dump_and_finds_it_on_the_site(page, live_server, seed_path, settings, tmp_path):
    if reason := real_pipeline_reason():
        pytest.skip(reason)
    from playwright.sync_api import expect

    settings.UPLOAD_DIR = tmp_path / "uploads"
    User.objects.create_superuser("chief", "chief@example.org", PASSWORD)

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.click("#upload-module a[href$='/ingestrun/upload/']")

    page.set_input_files("input[name=dump]", str(seed_path))
    page.click("#upload-form input[type=submit]")
    expect(page.locator("#preview-found tbody tr")).to_have_count(2)
    for title in TITLES:
        expect(page.locator("#preview-found")).to_contain_text(title)
    page.click("input[name=confirm]")

    # The run's page, in whatever language the admin speaks.
    expect(page.locator(".messagelist .success")).to_be_visible()
    run = IngestRun.objects.get()
    assert (run.created_count, run.file_name, run.created_by.username) == (2, "seed_dump.txt", "chief")
    expect(page).to_have_url(f"{live_server.url}{reverse('admin:articles_ingestrun_change', args=[run.pk])}")

    page.goto(_public_listing_url(live_server.url))
    for title in TITLES:
        expect(page.locator("main")).to_contain_text(title)
