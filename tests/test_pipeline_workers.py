"""The pipeline with real processes: `ingest --defer-enrichment` in one process, task workers
(`rqworker` on Redis, `db_worker` on the database queue) in others, all on the test database.

The Redis test skips with a reason when no Redis answers at REDIS_URL (CI starts one: .ci/run).
Each test uses its own queue name, so parallel runs (SQLite and PostgreSQL) never share jobs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from articles.models import Article, IngestRun, Mention

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
ARTICLE = "{title}\nقال الرئيس الروسي فلاديمير بوتين في موسكو إن روسيا ستتعاون مع فرنسا {n}.\nالمصدر: وكالة {src}\n"


def child_database_url() -> str:
    """A URL for the test database, for the child processes."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": child_database_url(), "INGEST_WORKERS": "0", **extra}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def manage(*args: str, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def dump_file(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "workers.txt"
    records = [ARTICLE.format(title=f"زيارة رسمية رقم {n}", n=n, src="الأنباء") for n in range(count)]
    path.write_text("إقرأ أيضاً:\n".join(records), encoding="utf-8")
    return path


def redis_reason() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:
        return f"Redis not reachable at {REDIS_URL} ({type(exc).__name__}); .ci/run starts one"
    return None


def assert_all_enriched(count: int) -> None:
    assert Article.objects.count() == count
    assert not Article.objects.exclude(enrichment=Article.Enrichment.DONE).exists()
    # Each article got its mentions in its own transaction: none is half-enriched.
    with_mentions = set(Mention.objects.values_list("article_id", flat=True))
    assert with_mentions == set(Article.objects.values_list("pk", flat=True))


def run_workers(command: list[str], *, env: dict[str, str], workers: int, timeout: int = 240) -> None:
    procs = [
        subprocess.Popen([sys.executable, str(ROOT / "manage.py"), *command], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(workers)
    ]
    try:
        deadline = time.monotonic() + timeout
        while any(p.poll() is None for p in procs):
            if time.monotonic() > deadline:
                raise AssertionError("workers did not finish the queue in time")
            time.sleep(0.5)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            output = proc.communicate()[0]
            if proc.returncode not in (0, -9):
                print(output)


@pytest.mark.django_db(transaction=True)
def test_deferred_ingest_enriched_by_two_rq_workers(tmp_path):
    if reason := redis_reason():
        pytest.skip(reason)
    queue = f"archive-test-{uuid.uuid4().hex[:12]}"
    env = child_env(TASKS_BACKEND="rq", TASKS_QUEUE=queue, REDIS_URL=REDIS_URL)
    path = dump_file(tmp_path, 12)
    result = manage("ingest", str(path), "--defer-enrichment", env=env)
    assert result.returncode == 0, result.stderr
    assert "enrichment queued" in result.stdout
    # Searchable at once, before any worker ran.
    assert Article.objects.filter(enrichment=Article.Enrichment.PENDING).count() == 12
    run_workers(["rqworker", queue, "--burst"], env=env, workers=2)
    assert_all_enriched(12)
    assert IngestRun.objects.get().status == IngestRun.Status.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_deferred_ingest_enriched_by_database_queue_workers(tmp_path):
    queue = f"archive-test-{uuid.uuid4().hex[:12]}"
    env = child_env(TASKS_BACKEND="db", TASKS_QUEUE=queue)
    path = dump_file(tmp_path, 8)
    result = manage("ingest", str(path), "--defer-enrichment", env=env)
    assert result.returncode == 0, result.stderr
    command = ["db_worker", "--no-reload", "--queue-name", queue, "--batch", "--no-startup-delay"]
    run_workers(command, env=env, workers=2)
    assert_all_enriched(8)
