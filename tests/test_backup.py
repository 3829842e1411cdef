"""Backup and restore (manage.py archive_backup / archive_restore) on the database the suite runs on, SQLite or
PostgreSQL: a restore into an empty database gives back the same articles, entities, stories, stored clipping
files and search results; a damaged backup, a non-empty database or a non-empty folder is refused, exit 1."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from tests.backup_probe import archive_state
from tests.story_data import story_world

ROOT = Path(__file__).resolve().parent.parent
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x1f\x15\xc4\x89" + b"\0" * 40


def _pg_database(name: str) -> None:
    """A new, empty PostgreSQL database (dropped first if an earlier run left it)."""
    import psycopg

    s = connection.settings_dict
    with psycopg.connect(host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"], dbname="postgres",
                         password=s["PASSWORD"] or None, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def _restored_env(tmp_path: Path) -> dict[str, str]:
    """The environment of an archive on an empty database and an empty originals folder."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DEBUG": "1", "ORIGINALS_DIR": str(tmp_path / "orig2")}
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    else:
        s = connection.settings_dict
        name = f"{s['NAME']}_restored"[:63]
        _pg_database(name)
        env["DATABASE_URL"] = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/{name}"
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def archive(transactional_db):
    """Stories (a wire story reprinted by three outlets, and another report), their entities, and one stored
    clipping file attached to an article."""
    from articles.ingest.originals import Written, original_keep
    from articles.models import Article

    story_world()
    digest = hashlib.sha256(PNG).hexdigest()
    kept = original_keep(name="scan.png", data=PNG, sha256=digest, kind="image", media_type="image/png",
                         written=Written())
    Article.objects.filter(pk=Article.objects.order_by("pk").first().pk).update(original=kept)
    return archive_state()


def test_a_backup_restores_into_an_empty_database_with_the_same_archive(archive, tmp_path):
    assert archive["stories"] and archive["entities"] and archive["files"]  # the world has all of them
    assert any(s["ids"] for s in archive["searches"].values())
    folder = tmp_path / "backup"
    call_command("archive_backup", str(folder))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["articles"] == len(archive["articles"])
    assert set(manifest["files"]) == set(archive["files"])

    env = _restored_env(tmp_path)
    result = manage("archive_restore", str(folder), env=env)
    assert result.returncode == 0, result.stderr
    probe = subprocess.run([sys.executable, "tests/backup_probe.py"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=300)
    assert probe.returncode == 0, probe.stderr
    restored = json.loads(probe.stdout)
    assert restored == json.loads(json.dumps(archive, ensure_ascii=False, default=str))

    # Restoring again over the restored archive is refused: it holds articles now.
    again = manage("archive_restore", str(folder), env=env)
    assert again.returncode == 1 and "holds articles" in again.stderr


def test_a_damaged_backup_is_refused_naming_the_file(archive, tmp_path):
    folder = tmp_path / "backup"
    call_command("archive_backup", str(folder))
    stored = next(p for p in (folder / "files").rglob("*") if p.is_file())
    stored.write_bytes(stored.read_bytes()[:-1] + b"x")
    env = _restored_env(tmp_path)
    check = manage("archive_restore", "--check", str(folder), env=env)
    assert check.returncode == 1 and str(stored) in check.stderr and "damaged" in check.stderr
    restore = manage("archive_restore", str(folder), env=env)
    assert restore.returncode == 1 and str(stored) in restore.stderr
    (folder / "manifest.json").write_text("{not json", encoding="utf-8")
    broken = manage("archive_restore", str(folder), env=env)
    assert broken.returncode == 1 and "manifest.json" in broken.stderr


def test_a_backup_never_writes_into_a_folder_with_files(archive, tmp_path):
    folder = tmp_path / "backup"
    folder.mkdir()
    (folder / "other.txt").write_text("keep me")
    env = {**_restored_env(tmp_path)}
    env["DATABASE_URL"] = os.environ.get("DATABASE_URL", env["DATABASE_URL"])
    result = manage("archive_backup", str(folder), env=env)
    assert result.returncode == 1 and "not an empty folder" in result.stderr
    assert (folder / "other.txt").read_text() == "keep me"
