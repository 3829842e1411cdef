"""python manage.py archive_backup DIR — the database and the stored clipping files, together, into DIR."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.backup import BackupError, archive_backup


class Command(BaseCommand):
    help = (
        "Back the archive up into DIR (new or empty): the database (SQLite's online backup API, or pg_dump), "
        "every stored original and page image, and manifest.json with counts and SHA-256s. The archive may keep "
        "serving meanwhile. Restore with archive_restore DIR (docs/RELIABILITY.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="the backup folder to create")
        parser.add_argument("--database", default="default", help="database alias (default: default)")

    def handle(self, *args, **options) -> None:
        try:
            report = archive_backup(folder=options["folder"], using=options["database"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        counts = ", ".join(f"{n} {what}" for what, n in report.counts.items())
        self.stdout.write(
            f"backed up the {report.engine} database ({counts}) and {report.files} stored files, "
            f"{report.bytes / 1e6:.1f} MB, into {report.folder}"
        )
