"""Fixtures shared by the suite: paths, seed data, shared corpora and the real browser."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "seed_dump.txt"
SHARED_DATA = Path(os.environ.get("ARCHIVE_SHARED_DATA", ROOT.parent / "shared" / "data"))
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """Rate limits have their own tests (test_ratelimits.py); elsewhere a test may ask for a page many times."""
    settings.RATELIMIT_ENABLE = False


@pytest.fixture(autouse=True)
def _search_cache_cleared():
    """Each test starts with an empty search cache: a rolled-back test database returns to the same
    archive generation, so a page cached by an earlier test would otherwise match a later one's key."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    def clear() -> None:
        # Only the in-memory cache: clear() on Redis would be FLUSHDB of a database other processes use.
        if isinstance(caches["search"], LocMemCache):
            caches["search"].clear()

    clear()
    yield
    clear()


@pytest.fixture
def seed_path() -> Path:
    return SEED


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or a skip: the suite must pass on a machine without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (set ARCHIVE_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture
def ingested_seed(db, seed_path):
    """The seed dump ingested through the real service (single process)."""
    from articles.ingest.service import ingest_stream

    with open(seed_path, "rb") as handle:
        run = ingest_stream(handle, name=str(seed_path), workers=0)
    assert run.created_count == 2, run.errors
    return run


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; skips with a reason where it is missing."""
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ar", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _originals_in_tmp(settings, tmp_path_factory):
    """Clipping files a test stores go to a folder of its own, never into var/originals."""
    storages = dict(settings.STORAGES)
    storages["originals"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path_factory.mktemp("originals"))},
    }
    settings.STORAGES = storages


@pytest.fixture
def editor(db):
    """A staff account in the editors group. The group and its permissions are data of migrations 0004 and
    0015; a transactional test before this one flushed them, so they are made again here when missing."""
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group, User

    if not Group.objects.filter(name="editors").exists():
        steps = (("0004_editors_group", "editors_create"), ("0015_editors_unlock_and_history", "editors_unlock_add"))
        for migration, create in steps:
            getattr(importlib.import_module(f"articles.migrations.{migration}"), create)(apps, None)
    user = User.objects.create_user("editor", password="a-long-test-passphrase", is_staff=True)
    user.groups.add(Group.objects.get(name="editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    """The test client logged in as :func:`editor` (``client.user``)."""
    client.force_login(editor)
    client.user = editor
    return client
