"""Run by tests/test_replicas.py in a subprocess whose DATABASE_URL is a primary and DATABASE_REPLICA_URLS its
hot standby: makes requests through Django's test client and prints what it observed as JSON (the test asserts).

While the standby's replay is paused, an article written to the primary is visible on pages only if they read
the primary: so "missing on the search page" proves the page read the replica, for real.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")

import django

django.setup()

import psycopg  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from articles.ingest.service import article_store  # noqa: E402
from articles.ingest.store import source_get_or_create  # noqa: E402
from articles.models import Article  # noqa: E402
from tests.pg_pair import replay_wait  # noqa: E402

PRIMARY_URL = os.environ["DATABASE_URL"]
REPLICA_URL = os.environ["DATABASE_REPLICA_URLS"]


def store(title: str, body: str) -> Article:
    outcome = article_store(title=title, body=body, source=source_get_or_create("وكالة الاختبار"))
    return outcome.article


def queries(alias: str, fn):
    with CaptureQueriesContext(connections[alias]) as captured:
        response = fn()
    return response, len(captured)


def main() -> None:
    out: dict = {}
    client = Client()
    seen = store("زلزال في المحيط", "ضرب زلزال قوي جزيرة نائية في المحيط الهادئ صباح اليوم")
    get_user_model().objects.create_superuser("probe", "probe@example.org", "probe-password-123")
    replay_wait(primary_url=PRIMARY_URL, standby_url=REPLICA_URL)
    with psycopg.connect(REPLICA_URL, autocommit=True) as standby:
        out["replica_in_recovery"] = standby.execute("SELECT pg_is_in_recovery()").fetchone()[0]
        standby.execute("SELECT pg_wal_replay_pause()")
        try:
            unseen = store("بركان في الجزيرة", "ثار بركان خامد منذ قرن في الجزيرة البعيدة")
            out["written_on_primary"] = Article.objects.using("default").filter(pk=unseen.pk).exists()
            out["on_replica_before_replay"] = Article.objects.using("replica_1").filter(pk=unseen.pk).exists()

            # Anonymous pages read the replica: the replayed article is found, the paused one is not.
            response, primary_queries = queries("default", lambda: client.get("/search/", {"q": "زلزال"}))
            out["search_seen"] = f"/articles/{seen.pk}/" in response.content.decode()
            out["search_primary_queries"] = primary_queries
            response, replica_queries = queries("replica_1", lambda: client.get("/search/", {"q": "بركان"}))
            out["search_unseen"] = f"/articles/{unseen.pk}/" in response.content.decode()
            out["search_replica_queries"] = replica_queries
            out["article_unseen_status"] = client.get(f"/articles/{unseen.pk}/").status_code
            out["api_unseen_count"] = client.get("/api/articles/", {"q": "بركان"}).json().get("count")

            # A reader pinned after a write (the cookie) and the admin read the primary.
            pinned = Client()
            pinned.cookies["db_primary"] = "1"
            out["article_pinned_status"] = pinned.get(f"/articles/{unseen.pk}/").status_code
            staff = Client()
            staff.force_login(get_user_model().objects.get(username="probe"))
            change = staff.get(f"/admin/articles/article/{unseen.pk}/change/")
            out["admin_unseen_status"] = change.status_code
            # A write through a request pins the writer: the response sets the cookie.
            response = staff.post("/i18n/setlang/", {"language": "en", "next": "/"})
            out["post_sets_pin_cookie"] = "db_primary" in response.cookies
        finally:
            standby.execute("SELECT pg_wal_replay_resume()")
    replay_wait(primary_url=PRIMARY_URL, standby_url=REPLICA_URL)
    response = client.get("/search/", {"q": "بركان"})
    out["search_unseen_after_replay"] = f"/articles/{unseen.pk}/" in response.content.decode()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
