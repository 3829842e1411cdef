"""python manage.py archive_restore DIR — a backup made by archive_backup into an empty database."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.backup import BackupError, archive_restore, backup_verify


class Command(BaseCommand):
    help = (
        "Restore a backup folder made by archive_backup into this archive's database, which must hold no "
        "articles (a new SQLite file, or a database made by createdb), and into the originals storage. Every "
        "file is checked against the manifest first and the restored row counts after. --check only verifies "
        "the folder. Run `manage.py migrate` afterwards when the code is newer than the backup."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="the backup folder")
        parser.add_argument("--database", default="default", help="database alias (default: default)")
        parser.add_argument("--check", action="store_true", help="verify the backup's files only; restore nothing")

    def handle(self, *args, **options) -> None:
        try:
            if options["check"]:
                manifest = backup_verify(folder=options["folder"])
                self.stdout.write(
                    f"{options['folder']}: intact ({manifest['engine']}, {len(manifest['files'])} stored files, "
                    f"made {manifest['created_at']})"
                )
                return
            report = archive_restore(folder=options["folder"], using=options["database"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        counts = ", ".join(f"{n} {what}" for what, n in report.counts.items())
        self.stdout.write(
            f"restored {report.folder} into the {report.engine} database ({counts}, {report.files} stored files)"
        )
