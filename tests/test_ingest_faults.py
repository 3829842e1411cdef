"""Fault injection on the real command (issue 13): SIGKILL at random points of an ingest, then a
rerun; a PostgreSQL restart in the middle of an ingest (on a throwaway server this test starts).

Nothing may be lost, duplicated or half-enriched; a killed run is marked interrupted; an ingest that
did not finish exits non-zero with a one-line reason and is resumable.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

from articles.models import Article, IngestRun, Mention
from tests.test_pipeline_workers import ROOT, child_env

pytestmark = pytest.mark.django_db(transaction=True)

RECORD = "{title}\nقال الرئيس الروسي فلاديمير بوتين في موسكو إن روسيا ستتعاون مع فرنسا في الملف {n}.\nالمصدر: {src}\n"
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)


def dump_file(directory: Path, count: int) -> Path:
    path = directory / f"faults-{count}.txt"
    records = [RECORD.format(title=f"خبر رقم {n} عن الزيارة", n=n, src=f"وكالة {n % 3}") for n in range(count)]
    path.write_text("إقرأ أيضاً:\n".join(records), encoding="utf-8")
    return path


def ingest(path: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "ingest", str(path), "--workers", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def assert_whole(count: int) -> None:
    """Every record stored once, enriched in full (each article has its mentions), nothing pending."""
    assert Article.objects.count() == count
    assert Article.objects.values("title").distinct().count() == count
    assert not Article.objects.exclude(enrichment=Article.Enrichment.DONE).exists()
    stored = set(Article.objects.values_list("pk", flat=True))
    assert set(Mention.objects.values_list("article_id", flat=True)) == stored


def test_sigkill_at_random_points_then_rerun_loses_and_doubles_nothing(tmp_path):
    count = 30
    path = dump_file(tmp_path, count)
    # Small batches: the kills land between and inside stage-1 batches as well as in stage 2.
    env = child_env(INGEST_BATCH_SIZE="5")
    rng = random.Random(1213)
    killed = 0
    for _ in range(3):
        proc = ingest(path, env)
        _wait_until_running(proc)
        time.sleep(rng.uniform(0.0, 2.5))  # a random point of stage 1 or stage 2
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.communicate()
        # Whatever the moment, no article is half-enriched: mentions only on enriched articles.
        assert not Mention.objects.filter(article__enrichment=Article.Enrichment.PENDING).exists()
    assert killed, "every ingest finished before its kill: the machine is too fast for this file"
    rerun = ingest(path, env)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert_whole(count)
    runs = list(IngestRun.objects.order_by("pk"))
    assert runs[-1].status == IngestRun.Status.SUCCEEDED
    interrupted = [r for r in runs if r.status == IngestRun.Status.INTERRUPTED]
    assert len(interrupted) == killed  # each killed run, found by the next run
    assert {r.status for r in runs} <= {IngestRun.Status.SUCCEEDED, IngestRun.Status.INTERRUPTED}
    for run in interrupted:  # counts reconciled from the articles each stored
        assert run.created_count == Article.objects.filter(ingest_run=run).count()
    assert "resumed run" in out


def _wait_until_running(proc: subprocess.Popen, timeout: float = 120) -> None:
    """Until the command's run row exists (Django's start-up is over) or the command has ended."""
    deadline = time.monotonic() + timeout
    before = IngestRun.objects.count()
    while proc.poll() is None and IngestRun.objects.count() == before:
        assert time.monotonic() < deadline, "the ingest never started"
        time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(*command: str) -> list[str]:
    """Run a server binary as the postgres user when we are root (initdb refuses root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


@pytest.fixture
def throwaway_postgres():
    """A PostgreSQL server of our own (initdb + pg_ctl, free port, temp dir): this test restarts it.
    The shared server on 5432 is never touched."""
    if PG_BIN is None or not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root without runuser: initdb refuses root")
    directory = Path(tempfile.mkdtemp(prefix="archive-pg-"))
    data = directory / "data"
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    port = _free_port()
    pg_ctl = str(PG_BIN / "pg_ctl")
    subprocess.run(_as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"),
                   check=True, capture_output=True)
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(_as_postgres(pg_ctl, "-D", str(data), "-o", options, "-w", "-l", str(directory / "log"), "start"),
                   check=True, capture_output=True)
    url = f"postgres://postgres@127.0.0.1:{port}/postgres"

    def restart() -> None:
        # -l: the restarted server must not inherit our pipes, or this call would wait for it forever.
        subprocess.run(
            _as_postgres(pg_ctl, "-D", str(data), "-m", "fast", "-w", "-l", str(directory / "log"), "restart",
                         "-o", options),
            check=True, capture_output=True, timeout=120,
        )

    try:
        yield url, restart
    finally:
        subprocess.run(_as_postgres(pg_ctl, "-D", str(data), "-m", "immediate", "stop"), capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)


def test_postgres_restart_during_an_ingest_fails_loudly_and_resumes(tmp_path, throwaway_postgres):
    if connection.vendor != "postgresql":
        pytest.skip("runs once, in the PostgreSQL pass (it starts its own PostgreSQL server)")
    url, restart = throwaway_postgres
    env = {**child_env(INGEST_BATCH_SIZE="5"), "DATABASE_URL": url}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"], env=env, check=True)
    count = 40
    path = dump_file(tmp_path, count)
    proc = ingest(path, env)
    import psycopg

    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        with psycopg.connect(url.replace("postgres://", "postgresql://")) as db:
            if db.execute("SELECT count(*) FROM articles_article").fetchone()[0]:
                break  # mid-run: some batches are in, more to come
        time.sleep(0.1)
    assert proc.poll() is None, "the ingest finished before the restart: make the file bigger"
    restart()
    out, err = proc.communicate(timeout=300)
    assert proc.returncode != 0
    reason = err.strip().splitlines()[-1]
    assert "did not finish" in reason or "database error" in reason, err
    rerun = ingest(path, env)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert "resumed run" in out
    check = (
        "import json,django;django.setup();from articles.models import Article as A, Mention as M, IngestRun as R;"
        "print(json.dumps([A.objects.count(), A.objects.values('title').distinct().count(),"
        " A.objects.exclude(enrichment='done').count(), M.objects.values('article').distinct().count(),"
        " sorted(R.objects.values_list('status', flat=True))]))"
    )
    result = subprocess.run([sys.executable, "-c", check], env=env, cwd=ROOT, capture_output=True, text=True,
                            check=True)
    stored, distinct, not_done, with_mentions, statuses = json.loads(result.stdout.strip().splitlines()[-1])
    assert (stored, distinct, not_done, with_mentions) == (count, count, 0, count)
    assert statuses.count("succeeded") == 1 and len(statuses) == 2
    assert statuses[0] in ("failed", "interrupted")
