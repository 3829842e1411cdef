"""A real PostgreSQL outage: a throwaway server of the test's own (initdb + pg_ctl on a free port in a temp
dir), a live archive server pointed at it, the database stopped and started again under it.

Readers get the Arabic 503 page and the API a JSON 503 while it is down; the same server process answers
200 again once it is back (no restart). The shared server at 127.0.0.1:5432 is never touched. Skips with the
reason when the PostgreSQL binaries are missing.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent


def _pg_bin() -> Path | None:
    for pattern in (os.environ.get("PG_BIN", ""), "/usr/lib/postgresql/*/bin"):
        for candidate in sorted(glob.glob(pattern), reverse=True) if pattern else []:
            if (Path(candidate) / "pg_ctl").exists() and (Path(candidate) / "initdb").exists():
                return Path(candidate)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and shutil.which("initdb") else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temp dir; run as the ``postgres`` user when the tests run as root."""

    def __init__(self, bin_dir: Path, root: Path) -> None:
        self.bin, self.data, self.port = bin_dir, root / "data", _free_port()
        self.socket_dir, self.log = root, root / "postgres.log"
        self.user = None
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no postgres user to run a throwaway server")
            os.chown(root, self.user.pw_uid, self.user.pw_gid)

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.user is not None:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def throwaway_postgres():
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found; set PG_BIN")
    if shutil.which("runuser") is None and os.geteuid() == 0:
        pytest.skip("running as root without runuser to start a throwaway PostgreSQL")
    with tempfile.TemporaryDirectory(prefix="archive-outage-") as tmp:
        pg = ThrowawayPostgres(bin_dir, Path(tmp))
        pg.init()
        pg.start()
        try:
            yield pg
        finally:
            try:
                pg.stop()
            except subprocess.CalledProcessError:
                pass  # already stopped


@pytest.fixture
def live_archive(throwaway_postgres):
    """``manage.py runserver`` (one process, no reloader) on the throwaway database."""
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": throwaway_postgres.url,
        "DB_CONN_MAX_AGE": "60",  # persistent connections: the broken one must be replaced by itself
        "RATELIMIT_ENABLE": "0",
    }
    env.pop("DATABASE_REPLICA_URLS", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, timeout=300, cwd=ROOT)
    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                requests.get(base + "/", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


PAGES = ["/", "/search/?q=بوتين", "/entities/", "/sources/"]


def test_postgres_outage_gives_503s_and_recovers_without_a_restart(throwaway_postgres, live_archive):
    for path in PAGES:
        assert requests.get(live_archive + path, timeout=10).status_code == 200, path
    assert requests.get(live_archive + "/api/articles/?q=x", timeout=10).status_code == 200

    throwaway_postgres.stop()
    for path in PAGES:
        response = requests.get(live_archive + path, timeout=30)
        assert response.status_code == 503, (path, response.status_code)
        assert int(response.headers["Retry-After"]) > 0
        assert 'lang="ar"' in response.text and "حاول" in response.text
    api = requests.get(live_archive + "/api/articles/?q=x", timeout=30)
    assert api.status_code == 503 and api.json()["status"] == 503
    export = requests.get(live_archive + "/search/export.csv?q=x", timeout=30)
    assert export.status_code == 503  # before any byte of CSV: never a 200 with a header only

    throwaway_postgres.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if requests.get(live_archive + "/", timeout=10).status_code == 200:
            break
        time.sleep(0.5)
    for path in PAGES:
        assert requests.get(live_archive + path, timeout=10).status_code == 200, path
    assert requests.get(live_archive + "/api/articles/?q=x", timeout=10).status_code == 200
