"""Backup and restore of an existing archive, end to end: `archive_backup`, `archive_restore --check`, and
`archive_restore` into an empty database and an empty originals folder, each timed beside a plain copy of the same
bytes (the database file and the originals folder with `cp -r`; PostgreSQL: the backup's own files), then the
restored archive compared with the original by tests/backup_probe.py (articles, entities, stories, files, searches).

    DEBUG=1 DATABASE_URL=sqlite:////tmp/demo/archive.sqlite3 ORIGINALS_DIR=/tmp/demo/originals \\
        .venv/bin/python bench/bench_backup.py --work /tmp/bench-backup

PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME; the restore goes into NAME_restored (created).
Writes a table to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed: {result.stderr[-2000:]}")
    return time.perf_counter() - start


def probe(env: dict[str, str]) -> dict:
    result = subprocess.run([sys.executable, "tests/backup_probe.py"], cwd=ROOT, env=env, capture_output=True,
                            text=True, check=True)
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, required=True, help="an empty folder for the backup and the restore")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if any(args.work.iterdir()):
        sys.exit(f"{args.work}: not empty")
    env = dict(os.environ)
    url = env.get("DATABASE_URL", "")
    manage = [sys.executable, "manage.py"]
    backup = args.work / "backup"
    t_startup = timed([*manage, "check"], env)  # what every command pays before it starts (Django, app imports)
    t_backup = timed([*manage, "archive_backup", str(backup)], env)
    t_check = timed([*manage, "archive_restore", "--check", str(backup)], env)
    restored = {**env, "ORIGINALS_DIR": str(args.work / "originals-restored")}
    if url.startswith("sqlite"):
        database = Path(url.removeprefix("sqlite:///"))
        start = time.perf_counter()
        shutil.copy(database, args.work / "plain-copy.sqlite3")
        if Path(env.get("ORIGINALS_DIR", "")).is_dir():
            shutil.copytree(env["ORIGINALS_DIR"], args.work / "plain-copy-originals")
        t_plain = time.perf_counter() - start
        restored["DATABASE_URL"] = f"sqlite:///{args.work / 'restored.sqlite3'}"
    else:
        base, _, name = url.rpartition("/")
        target = f"{name}_restored"
        for sql in (f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)', f'CREATE DATABASE "{target}"'):
            subprocess.run(["psql", base + "/postgres", "-qc", sql], check=True)
        start = time.perf_counter()
        shutil.copytree(backup, args.work / "plain-copy")
        t_plain = time.perf_counter() - start
        restored["DATABASE_URL"] = f"{base}/{target}"
    t_restore = timed([*manage, "archive_restore", str(backup)], restored)
    same = probe(env) == probe(restored)
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    size = sum(p.stat().st_size for p in backup.rglob("*") if p.is_file())
    print(f"archive: {manifest['engine']}, " + ", ".join(f"{n} {k}" for k, n in manifest["counts"].items())
          + f", {len(manifest['files'])} stored files; backup {size / 1e6:.1f} MB")
    print("| step | seconds | × start-up |")
    print("| --- | ---: | ---: |")
    for step, seconds in (("plain copy of the same bytes", t_plain), ("`manage.py check` (start-up alone)", t_startup),
                          ("archive_backup", t_backup),
                          ("archive_restore --check", t_check), ("archive_restore (empty database)", t_restore)):
        print(f"| {step} | {seconds:.2f} | {seconds / t_startup:.2f} |")
    print(f"restored archive equal to the original (articles, entities, stories, files, 5 searches): {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
