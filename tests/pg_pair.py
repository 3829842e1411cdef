"""A throwaway PostgreSQL primary and its hot standby (pg_basebackup -R), on free ports in a temporary directory.

Used by tests/test_replicas.py: the shared server is never touched (its pg_hba.conf has no replication entry
and other suites use it). Runs the server binaries as the ``postgres`` user when started as root (initdb refuses
root). Needs initdb, pg_ctl and pg_basebackup from /usr/lib/postgresql/*/bin or the PATH.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

TOOLS = ("initdb", "pg_ctl", "pg_basebackup", "psql")


def pg_bin_dir() -> Path | None:
    """The directory holding initdb, pg_ctl and pg_basebackup (newest Debian version first), or None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    if shutil.which("initdb"):
        candidates.insert(0, str(Path(shutil.which("initdb")).parent))
    for directory in candidates:
        if all(os.access(Path(directory) / tool, os.X_OK) for tool in TOOLS):
            return Path(directory)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Pair:
    primary_port: int
    standby_port: int

    def url(self, port: int, db: str = "archive") -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{db}"


@contextmanager
def pg_pair(*, database: str = "archive", timeout: float = 60) -> Iterator[Pair]:
    """Start a primary with ``database`` and a streaming hot standby of it; stop and delete both on exit."""
    bindir = pg_bin_dir()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) not found")
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="pg-pair-"))
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
    primary, standby = root / "primary", root / "standby"
    pair = Pair(_free_port(), _free_port())
    started: list[Path] = []

    def run(*args: str) -> None:
        subprocess.run([*as_postgres, *args], check=True, capture_output=True, timeout=timeout)

    def start(datadir: Path, port: int) -> None:
        # Sockets in the temp dir (not /var/run), small memory, no fsync: a test cluster.
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB"
        run(
            str(bindir / "pg_ctl"),
            "-D",
            str(datadir),
            "-l",
            str(root / f"{datadir.name}.log"),
            "-o",
            options,
            "-w",
            "-t",
            str(int(timeout)),
            "start",
        )
        started.append(datadir)

    try:
        # initdb's default pg_hba.conf trusts local replication connections with -A trust.
        run(str(bindir / "initdb"), "-A", "trust", "-U", "postgres", "-D", str(primary), "--no-sync")
        with open(primary / "postgresql.conf", "a") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nhot_standby_feedback = on\n")
        start(primary, pair.primary_port)
        run(
            str(bindir / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(pair.primary_port),
            "-U",
            "postgres",
            "-qc",
            f'CREATE DATABASE "{database}"',
        )
        # -R writes standby.signal and primary_conninfo: the copy starts as a streaming hot standby.
        run(
            str(bindir / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(pair.primary_port),
            "-U",
            "postgres",
            "-D",
            str(standby),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        )
        start(standby, pair.standby_port)
        yield pair
    finally:
        for datadir in reversed(started):
            subprocess.run(
                [*as_postgres, str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"],
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        shutil.rmtree(root, ignore_errors=True)


def replay_wait(*, primary_url: str, standby_url: str, timeout: float = 30) -> None:
    """Block until the standby has replayed everything the primary wrote so far."""
    import psycopg

    with psycopg.connect(primary_url, autocommit=True) as conn:
        target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    with psycopg.connect(standby_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            if conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]).fetchone()[0]:
                return
            time.sleep(0.05)
    raise TimeoutError(f"standby did not replay to {target} within {timeout} s")
