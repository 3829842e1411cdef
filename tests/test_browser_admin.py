"""An editor in a real browser: log in, upload the seed dump, confirm; a real task worker (db_worker,
another process) carries the run out while the run's page shows its progress without reloading; then
the articles are on the site."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.urls import NoReverseMatch, reverse

from articles.models import IngestRun
from tests.test_admin import real_pipeline_reason
from tests.test_pipeline_workers import ROOT, child_env

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
    settings.UPLOAD_DIR = tmp_path / "uploads"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    User.objects.create_superuser("chief", "chief@example.org", PASSWORD)
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "db_worker", "--no-reload", "--no-startup-delay"],
        env=child_env(TASKS_BACKEND="db", UPLOAD_DIR=str(settings.UPLOAD_DIR)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: killed whole, never left holding the test database
    )
    try:
        _upload_and_watch(page, live_server, seed_path)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def _upload_and_watch(page, live_server, seed_path) -> None:
    from playwright.sync_api import expect

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

    # The confirm returns at once, on the run's page; the worker does the ingest meanwhile.
    expect(page.locator(".messagelist .success")).to_be_visible()
    run = IngestRun.objects.get()
    assert (run.file_name, run.created_by.username) == ("seed_dump.txt", "chief")
    expect(page).to_have_url(f"{live_server.url}{reverse('admin:articles_ingestrun_change', args=[run.pk])}")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    panel = page.locator("#run-progress")
    expect(panel).to_have_attribute("data-finished", "1", timeout=120_000)
    expect(panel.locator("[data-field=created]")).to_have_text("2")
    expect(panel.locator("[data-field=enriched]")).to_have_text("2")
    expect(panel.locator("[data-field=records_read]")).to_have_text("2")
    expect(panel.locator("[data-field=records_total]")).to_have_text("2")
    expect(panel.locator("[data-field=pending]")).to_have_text("0")
    assert page.evaluate("window.__sameDocument") is True
    assert panel.get_attribute("data-status") == "succeeded"
    expect(panel.locator(".run-resume")).to_be_hidden()
    run.refresh_from_db()
    assert run.status == IngestRun.Status.SUCCEEDED and run.created_count == 2

    page.goto(_public_listing_url(live_server.url))
    for title in TITLES:
        expect(page.locator("main")).to_contain_text(title)
