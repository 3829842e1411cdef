"""Reads that scale out (newsarchive/db_router.py): the routing rules, and a real primary + hot standby pair."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction

from newsarchive import db_router
from newsarchive.db_router import PRIMARY, PrimaryReplicaRouter, ReadState
from tests.pg_pair import pg_bin_dir, pg_pair

ROOT = Path(__file__).resolve().parent.parent


class _Model:
    class _meta:
        app_label = "articles"


class _Session:
    class _meta:
        app_label = "sessions"


@pytest.fixture
def replica_request():
    """The router's state inside a replica-eligible request."""
    token = db_router._state.set(ReadState(replica="replica_1"))
    yield
    db_router._state.reset(token)


def test_outside_a_request_everything_uses_the_primary():
    router = PrimaryReplicaRouter()
    assert router.db_for_read(_Model) == PRIMARY
    assert router.db_for_write(_Model) == PRIMARY


def test_a_read_only_request_reads_the_replica_until_it_writes(replica_request):
    router = PrimaryReplicaRouter()
    assert router.db_for_read(_Model) == "replica_1"
    assert router.db_for_read(_Session) == PRIMARY  # logins are read where they were written
    assert router.db_for_write(_Model) == PRIMARY
    assert router.db_for_read(_Model) == PRIMARY  # read your own write for the rest of the request


@pytest.mark.django_db
def test_reads_inside_a_primary_transaction_use_the_primary(replica_request):
    router = PrimaryReplicaRouter()
    with transaction.atomic():
        assert router.db_for_read(_Model) == PRIMARY


def test_migrations_run_on_the_primary_only():
    router = PrimaryReplicaRouter()
    assert router.allow_migrate(PRIMARY, "articles")
    assert not router.allow_migrate("replica_1", "articles")


@pytest.mark.django_db
def test_without_replicas_pages_set_no_pin_cookie(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "db_primary" not in response.cookies


@pytest.fixture(scope="module")
def standby_pair():
    if pg_bin_dir() is None:
        if os.environ.get("REPLICA_TEST_REQUIRED") == "1":
            pytest.fail("REPLICA_TEST_REQUIRED=1 but the PostgreSQL server binaries are missing")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) not installed")
    with pg_pair() as pair:
        yield pair


def test_pages_read_the_standby_and_writes_go_to_the_primary(standby_pair):
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": standby_pair.url(standby_pair.primary_port),
        "DATABASE_REPLICA_URLS": standby_pair.url(standby_pair.standby_port),
        "INGEST_WORKERS": "0",
        "ALLOWED_HOSTS": "testserver",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    probe = subprocess.run(
        [sys.executable, "tests/replica_probe.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    print(seen)
    assert seen["replica_in_recovery"] is True
    assert seen["written_on_primary"] is True and seen["on_replica_before_replay"] is False
    # The page found the replayed article without one query on the primary ...
    assert seen["search_seen"] is True and seen["search_primary_queries"] == 0
    # ... and could not see the article whose replay is paused: it read the standby.
    assert seen["search_unseen"] is False and seen["search_replica_queries"] > 0
    assert seen["article_unseen_status"] == 404
    assert seen["api_unseen_count"] == 0
    # Pinned readers and staff read the primary; a POST pins its sender.
    assert seen["article_pinned_status"] == 200
    assert seen["admin_unseen_status"] == 200
    assert seen["post_sets_pin_cookie"] is True
    assert seen["search_unseen_after_replay"] is True
