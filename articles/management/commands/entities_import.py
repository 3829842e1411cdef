"""manage.py entities_import FILE.csv [--list NAME] [--background | --no-scan]: an editors' entity list.

CSV columns ``name,kind,aliases`` (aliases separated by ``|``; kind PERS, LOC, ORG or MISC). Bad rows
and refused aliases are printed as ``line N: why`` and skipped, the good rows are kept, and the command
exits non-zero when any row or alias failed. The archive is then scanned for the aliases (here, with
progress; ``--background`` queues it as a task instead).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.enrich.list_service import entity_list_import, entity_list_scan
from articles.models import EntityList


class Command(BaseCommand):
    help = "Import an editors' entity list (CSV name,kind,aliases) and give every article naming it a mention."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--list", dest="list_name", help="the list's name (default: the file's name)")
        parser.add_argument("--background", action="store_true", help="queue the archive scan as a task")
        parser.add_argument("--no-scan", action="store_true", help="import only; scan later")

    def handle(self, *, file: Path, list_name: str | None, background: bool, no_scan: bool, **options) -> None:
        try:
            text = file.read_bytes().decode("utf-8")
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file}: not UTF-8 text (byte {exc.start})") from exc
        entity_list, _ = EntityList.objects.get_or_create(name=(list_name or file.stem)[:200])
        try:
            report = entity_list_import(entity_list=entity_list, text=text)
        except ValueError as exc:
            raise CommandError(f"{file}: {exc}") from exc
        for error in report.errors:
            self.stderr.write(f"{file}: {error}")
        self.stdout.write(
            f"list {entity_list.name!r}: {report.created} entities created, {report.merged} merged into existing ones, "
            f"{report.aliases} aliases"
        )
        if background:
            from articles.enrich.tasks import entity_list_scan_task

            EntityList.objects.filter(pk=entity_list.pk).update(scan_status=EntityList.Scan.QUEUED)
            entity_list_scan_task.enqueue(entity_list.pk)
            self.stdout.write("archive scan queued")
        elif not no_scan:

            def progress(done: int, total: int) -> None:
                self.stdout.write(f"  scanned {done}/{total} articles")

            added = entity_list_scan(entity_list=entity_list, progress=progress)
            self.stdout.write(f"{added} list mentions added")
        if report.errors:
            raise CommandError(f"{len(report.errors)} rows or aliases failed (see above); the others were imported")
