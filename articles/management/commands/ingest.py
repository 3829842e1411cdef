"""python manage.py ingest PATH [PATH ...] — store clippings: dumps, JSON Lines, scans and photos (OCR), PDFs,
saved web pages, Word files, zips of them, and folders (read recursively, a run per file)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from articles.ingest.readers.base import NotUtf8Error
from articles.ingest.service import file_sha256, ingest_stream
from articles.management.progress import progress_bar
from articles.models import Article, IngestRun


class Command(BaseCommand):
    help = (
        "Ingest clippings: dumps (.txt), JSON Lines (.jsonl, .jsonl.gz), images (PNG, JPEG, TIFF, WebP: OCR), PDFs, "
        "saved web pages (.html), Word files (.docx), zips of them, or folders of them (read recursively); the "
        "format is told from the content. '-' reads standard input. --source and --date give the source and "
        "date of clipping files that do not say them. Stores and "
        "enriches before returning, or with --defer-enrichment stores (searchable at once) and queues the "
        "enrichment for task workers. A rerun of a file whose run was interrupted resumes it. Exits non-zero "
        "with a one-line reason when a run did not finish."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="files or folders of clippings, or - for standard input")
        parser.add_argument("--source", default="", help="source of clipping files that do not name one (scans, PDFs)")
        parser.add_argument(
            "--date", type=_date, default=None, help="publication date YYYY-MM-DD of clipping files that give none"
        )
        parser.add_argument("--workers", type=int, default=None, help="enrichment processes (default: settings)")
        parser.add_argument("--format", choices=["dump", "jsonl"], default=None, help="format of standard input")
        parser.add_argument(
            "--defer-enrichment",
            action="store_true",
            help="store only (stage 1) and queue entities/topics for the task workers (manage.py db_worker / rqworker)",
        )

    def handle(self, *args: str, paths: list[str], workers: int | None, format: str | None, **options) -> None:
        defer = options["defer_enrichment"]
        self.defaults = {"source": options["source"].strip(), "published_on": options["date"]}
        read_any, unfinished = False, []
        for path in _expanded(paths, self.stderr):
            try:
                run = self._ingest_one(path, workers=workers, fmt=format, defer=defer)
            except (OSError, NotUtf8Error) as exc:
                self.stderr.write(f"{path}: {getattr(exc, 'strerror', None) or exc}")
                continue
            except DatabaseError as exc:  # the database is unreachable: nothing could start
                raise CommandError(f"{path}: database error: {' '.join(str(exc).split())}"[:500]) from exc
            read_any = True
            self._report(run)
            if run.status != IngestRun.Status.SUCCEEDED:
                unfinished.append(f"{run.file_name}: run {run.pk} did not finish: {run.failure_reason}")
            elif run.rejected_count and not (run.created_count or run.duplicate_count):
                # Nothing of the file could be stored (a clipping file refused, a dump of bad records only).
                unfinished.append(f"{run.file_name}: nothing stored: {run.errors[0] if run.errors else 'rejected'}")
        if unfinished:
            raise CommandError("; ".join(unfinished))
        if not read_any:
            raise CommandError("nothing could be read")

    def _ingest_one(self, path: str, *, workers: int | None, fmt: str | None, defer: bool) -> IngestRun:
        if path == "-":
            name = "<stdin>.jsonl" if fmt == "jsonl" else "<stdin>"
            return ingest_stream(
                sys.stdin.buffer, name=name, workers=workers, defer_enrichment=defer, **self.defaults
            )
        with open(path, "rb") as handle, progress_bar(path, handle) as advance:
            return ingest_stream(
                handle,
                name=path,
                sha256=file_sha256(path),
                workers=workers,
                progress=advance,
                defer_enrichment=defer,
                **self.defaults,
            )

    def _report(self, run: IngestRun) -> None:
        previous = run.resumed_from
        if previous is not None:
            self.stdout.write(
                f"{run.file_name}: resumed run {previous.pk} ({previous.get_status_display()}): its "
                f"{previous.records_read} records read were skipped, its {previous.created_count} stored articles kept"
            )
        for error in run.errors:
            self.stderr.write(f"{run.file_name}: rejected {error}")
        for warning in run.warnings:
            self.stderr.write(f"{run.file_name}: warning {warning}")
        line = (
            f"{run.file_name}: created {run.created_count}, duplicates {run.duplicate_count}, "
            f"rejected {run.rejected_count}"
        )
        if run.status != IngestRun.Status.SUCCEEDED:
            self.stderr.write(f"{line}; FAILED: {run.failure_reason}")
            return
        if run.defer_enrichment:
            line += "; enrichment queued for the task workers"
        else:
            failed = Article.objects.filter(ingest_run=run, enrichment=Article.Enrichment.FAILED).count()
            if failed:
                line += f"; {failed} stored without entities/topic (enrichment failed, see the run)"
        self.stdout.write(self.style.SUCCESS(line))


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {raw!r}") from None


def _expanded(paths: list[str], stderr) -> list[str]:
    """The files to ingest: each path as given, a folder's files recursively (sorted; hidden files and
    folders skipped), a run per file."""
    files: list[str] = []
    for path in paths:
        if path != "-" and os.path.isdir(path):
            found = sorted(
                str(p)
                for p in Path(path).rglob("*")
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                stderr.write(f"{path}: the folder holds no files")
            files.extend(found)
        else:
            files.append(path)
    return files
