"""Backup and restore of the whole archive: its database and its stored clipping files, together in one folder.

A backup folder holds ``manifest.json`` (what was backed up, row counts, each file's SHA-256), the database
(``database.sqlite3`` made with SQLite's online backup API, or ``database.pgdump`` made by ``pg_dump
--format=custom``) and ``files/``, a copy of every file in ``STORAGES["originals"]`` (originals and page images,
read through Django's storage API, so an object-storage deployment is backed up the same way). Both databases
are copied consistently while the archive keeps serving: SQLite's backup API and pg_dump read one snapshot.

A restore goes into an empty database of the same kind (a fresh file or ``createdb``; one that only has the
tables of ``migrate`` counts as empty), checks every file against the manifest first, then checks the restored
row counts. Errors are ``BackupError`` with the file they concern; the commands turn them into exit status 1.
See docs/RELIABILITY.md, "Backup and restore".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.core.files import File
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

MANIFEST = "manifest.json"
FILES = "files"
FORMAT = 1
_DB_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# What a restore must give back, row for row (model label -> manifest key).
_COUNTED = {
    "articles.Article": "articles",
    "articles.Source": "sources",
    "articles.Entity": "entities",
    "articles.Mention": "mentions",
    "articles.Story": "stories",
    "articles.OriginalFile": "original_files",
}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message names the folder or file."""


@dataclass(frozen=True)
class BackupReport:
    folder: Path
    engine: str
    counts: dict[str, int]
    files: int
    bytes: int


def _engine(using: str) -> str:
    vendor = connections[using].vendor
    if vendor not in _DB_FILES:
        raise BackupError(f"database {using!r} is {vendor}: only SQLite and PostgreSQL are backed up")
    return vendor


def _counts(using: str) -> dict[str, int]:
    from django.apps import apps

    return {key: apps.get_model(label).objects.using(using).count() for label, key in _COUNTED.items()}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _storage_names(storage, folder: str = "") -> list[str]:
    """Every file name in ``storage`` below ``folder`` (a storage that was never written to has none)."""
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}/{f}" if folder else f for f in files]
    for d in dirs:
        names += _storage_names(storage, f"{folder}/{d}" if folder else d)
    return sorted(names)


def _pg_env(using: str) -> dict[str, str]:
    """libpq's environment for this connection (no password on a command line)."""
    s = connections[using].settings_dict
    env = {**os.environ, "PGDATABASE": s["NAME"]}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if s.get(key):
            env[var] = str(s[key])
    return env


def _run(command: list[str], *, env: dict[str, str], what: str) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise BackupError(f"{what}: {command[0]} not found (install postgresql-client)") from error
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")


def archive_backup(*, folder: Path, using: str = "default") -> BackupReport:
    """Back the archive up into ``folder`` (created; it must not exist or be empty). Returns what was written.

    Raises BackupError when the folder is not empty, or pg_dump fails."""
    from articles.ingest.models import originals_storage

    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(f"{folder}: not an empty folder (a backup never overwrites another)")
    folder.mkdir(parents=True, exist_ok=True)
    engine = _engine(using)
    connection = connections[using]
    database_file = folder / _DB_FILES[engine]
    counts = _counts(using)
    if engine == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(database_file)
        try:
            connection.connection.backup(target)  # one consistent snapshot, pages copied while others write
        finally:
            target.close()
    else:
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={database_file}"],
            env=_pg_env(using),
            what="pg_dump",
        )
    storage = originals_storage()
    files: dict[str, dict] = {}
    for name in _storage_names(storage):
        destination = folder / FILES / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        with storage.open(name, "rb") as source, open(destination, "wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
        files[name] = {"sha256": _sha256(destination), "size": destination.stat().st_size}
    migrations = sorted(
        MigrationRecorder(connection).applied_migrations()  # the schema the dump has: migrate after restoring
    )
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "database": {"file": database_file.name, "sha256": _sha256(database_file)},
        "migrations": [f"{app}.{name}" for app, name in migrations],
        "counts": counts,
        "files": files,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return BackupReport(
        folder=folder,
        engine=engine,
        counts=counts,
        files=len(files),
        bytes=database_file.stat().st_size + sum(f["size"] for f in files.values()),
    )


def _manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise BackupError(f"{path}: not found (is {folder} a backup made by archive_backup?)") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BackupError(f"{path}: not a readable manifest ({error})") from error
    found = manifest.get("format") if isinstance(manifest, dict) else None
    if found != FORMAT:
        raise BackupError(f"{path}: unknown backup format {found!r} (this archive reads format {FORMAT})")
    return manifest


def backup_verify(*, folder: Path) -> dict:
    """Check the database file and every stored file of a backup against its manifest; returns the manifest.
    Raises BackupError naming the first missing or damaged file."""
    folder = Path(folder)
    manifest = _manifest(folder)
    database = folder / manifest["database"]["file"]
    if not database.is_file():
        raise BackupError(f"{database}: missing")
    if _sha256(database) != manifest["database"]["sha256"]:
        raise BackupError(f"{database}: damaged (its SHA-256 differs from the manifest's)")
    for name, meta in manifest["files"].items():
        path = folder / FILES / name
        if not path.is_file():
            raise BackupError(f"{path}: missing")
        if _sha256(path) != meta["sha256"]:
            raise BackupError(f"{path}: damaged (its SHA-256 differs from the manifest's)")
    return manifest


def _database_is_empty(using: str) -> bool:
    from articles.models import Article

    connection = connections[using]
    if Article._meta.db_table not in connection.introspection.table_names():
        return True
    return not Article.objects.using(using).exists()


def archive_restore(*, folder: Path, using: str = "default") -> BackupReport:
    """Restore a backup made by :func:`archive_backup` into this (empty) database and the originals storage.

    Raises BackupError when the backup is damaged or of another database kind, when the database already
    holds articles, when pg_restore fails, or when the restored counts differ from the manifest's."""
    from articles.ingest.models import originals_storage

    folder = Path(folder)
    manifest = backup_verify(folder=folder)
    engine = _engine(using)
    if manifest["engine"] != engine:
        raise BackupError(
            f"{folder}: a backup of a {manifest['engine']} database; this archive's database is {engine}"
        )
    if not _database_is_empty(using):
        raise BackupError(f"database {connections[using].settings_dict['NAME']}: holds articles; restore into an "
                          "empty database (a new file, or createdb)")
    database = folder / manifest["database"]["file"]
    connection = connections[using]
    if engine == "sqlite":
        connection.close()
        source = sqlite3.connect(database)
        target = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            source.backup(target)  # replaces the whole target database, page by page
        finally:
            source.close()
            target.close()
    else:
        connection.close()
        _run(
            ["pg_restore", "--no-owner", "--no-privileges", "--clean", "--if-exists", "--single-transaction",
             "--exit-on-error", f"--dbname={connection.settings_dict['NAME']}", str(database)],
            env=_pg_env(using),
            what="pg_restore",
        )
    storage = originals_storage()
    for name in manifest["files"]:
        if storage.exists(name):  # content-addressed names: the same bytes are there
            continue
        with open(folder / FILES / name, "rb") as handle:
            saved = storage.save(name, File(handle))
        if saved != name:
            raise BackupError(f"{name}: the storage saved it as {saved}")
    counts = _counts(using)
    if counts != manifest["counts"]:
        raise BackupError(f"{folder}: restored counts {counts} differ from the backup's {manifest['counts']}")
    return BackupReport(
        folder=folder, engine=engine, counts=counts, files=len(manifest["files"]),
        bytes=database.stat().st_size + sum(f["size"] for f in manifest["files"].values()),
    )
