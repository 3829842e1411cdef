"""python manage.py ingest PATH [PATH ...] — store clipping dumps or JSON Lines files."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.dump import NotUtf8Error
from articles.ingest import file_sha256, ingest_stream
from articles.models import IngestRun
from articles.progress import progress_bar


class Command(BaseCommand):
    help = "Ingest clipping dumps (.txt) or JSON Lines (.jsonl, .jsonl.gz); '-' reads standard input."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="dump files, JSON Lines files, or - for standard input")
        parser.add_argument("--workers", type=int, default=None, help="enrichment processes (default: settings)")
        parser.add_argument("--format", choices=["dump", "jsonl"], default=None, help="format of standard input")

    def handle(self, *args: str, paths: list[str], workers: int | None, format: str | None, **options) -> None:
        read_any = False
        for path in paths:
            try:
                run = self._ingest_one(path, workers=workers, fmt=format)
            except (OSError, NotUtf8Error) as exc:
                self.stderr.write(f"{path}: {getattr(exc, 'strerror', None) or exc}")
                continue
            read_any = True
            self._report(run)
        if not read_any:
            raise CommandError("nothing could be read")

    def _ingest_one(self, path: str, *, workers: int | None, fmt: str | None) -> IngestRun:
        if path == "-":
            name = "<stdin>.jsonl" if fmt == "jsonl" else "<stdin>"
            return ingest_stream(sys.stdin.buffer, name=name, workers=workers)
        with open(path, "rb") as handle, progress_bar(path, handle) as advance:
            return ingest_stream(handle, name=path, sha256=file_sha256(path), workers=workers, progress=advance)

    def _report(self, run: IngestRun) -> None:
        for error in run.errors:
            self.stderr.write(f"{run.file_name}: rejected {error}")
        line = (
            f"{run.file_name}: created {run.created_count}, duplicates {run.duplicate_count}, "
            f"rejected {run.rejected_count}"
        )
        if run.status == IngestRun.Status.FAILED:
            self.stderr.write(f"{line}; FAILED: {run.failure_reason}")
        else:
            self.stdout.write(self.style.SUCCESS(line))
