"""Ingest runs of admin uploads, carried out by task workers (the request returns at once).

Flow: the confirmed upload is moved to ``UPLOAD_DIR/runs/<sha256>`` (kept until its run succeeds,
out of reach of the stale-preview pruning), a run is created *queued* and ``ingest_run_task`` is
enqueued. A worker then counts the file's records (the total the progress bar needs), stores
the articles through the ingest service (stage 1, searchable at once) and queues their enrichment
(stage 2) as further tasks, so several workers share a big upload. A failed or interrupted run is
resumed with one click: a new queued run over the same kept file, skipping the records read.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from django.conf import settings
from django.tasks import task

from articles.ingest.readers.formats import records_count
from articles.ingest.service import ingest_stream
from articles.ingest.tasks import fresh_connection, queued
from articles.models import IngestRun

log = logging.getLogger(__name__)
Status = IngestRun.Status


def kept_dir() -> Path:
    return Path(settings.UPLOAD_DIR) / "runs"


def upload_run_queue(
    *, path: Path, name: str, sha256: str, user, source: str = "", published_on: dt.date | None = None
) -> IngestRun:
    """Keep the checked upload at ``path`` for a run, create the run (queued) and enqueue it. ``source`` and
    ``published_on`` stand in for clipping files that do not say them (the upload form's fields)."""
    directory = kept_dir()
    directory.mkdir(parents=True, exist_ok=True)
    kept = directory / sha256
    os.replace(path, kept)
    run = IngestRun.objects.create(
        file_name=name,
        sha256=sha256,
        created_by=user,
        status=Status.QUEUED,
        upload_path=str(kept),
        defer_enrichment=True,
        default_source=source,
        default_date=published_on,
    )
    _enqueue(run)
    return run


def upload_run_resume(run: IngestRun, *, user) -> IngestRun:
    """A new queued run continuing ``run`` (failed or interrupted) from its kept file."""
    resumed = IngestRun.objects.create(
        file_name=run.file_name,
        sha256=run.sha256,
        created_by=user,
        status=Status.QUEUED,
        upload_path=run.upload_path,
        defer_enrichment=True,
        resumed_from=run,
        records_total=run.records_total,
        default_source=run.default_source,
        default_date=run.default_date,
    )
    _enqueue(resumed)
    return resumed


def _enqueue(run: IngestRun) -> None:
    # The run row is committed already (autocommit): a worker that starts at once finds it.
    ingest_run_enqueue(run.pk)


def upload_run_execute(*, run_id: int) -> str:
    """Carry out a queued run (the task's body). Idempotent: a run no longer queued is left alone."""
    run = IngestRun.objects.filter(pk=run_id, status=Status.QUEUED).first()
    if run is None:
        return "not queued"
    path = run.upload_path
    if not path or not os.path.isfile(path):
        run.status = Status.FAILED
        run.failure_reason = "the uploaded file is gone; upload it again"
        run.save(update_fields=["status", "failure_reason"])
        return run.status
    if run.records_total is None:
        run.records_total = records_count(path, run.file_name)  # never OCRs: a clipping file counts as one
        run.save(update_fields=["records_total"])
    with open(path, "rb") as handle:
        run = ingest_stream(
            handle,
            name=run.file_name,
            sha256=run.sha256,
            run=run,
            defer_enrichment=True,
            source=run.default_source,
            published_on=run.default_date,
        )
    if run.status == Status.SUCCEEDED:
        _release(run)
    return run.status


def _release(run: IngestRun) -> None:
    """The run succeeded: its kept file is no longer needed (unless another run still needs it)."""
    path = run.upload_path
    still_needed = (
        IngestRun.objects.filter(upload_path=path, status__in=[Status.QUEUED, Status.RUNNING])
        .exclude(pk=run.pk)
        .exists()
    )
    if not still_needed:
        Path(path).unlink(missing_ok=True)
    IngestRun.objects.filter(upload_path=path, status=Status.SUCCEEDED).update(upload_path="")
    # Earlier failed runs of this file are done with too: their resume button goes away.
    IngestRun.objects.filter(upload_path=path).exclude(status__in=[Status.QUEUED, Status.RUNNING]).update(
        upload_path=""
    )


@task
def ingest_run_task(run_id: int) -> str:
    """Carry out a queued ingest run (an admin upload) from its kept file; stage 2 is queued as
    further tasks. Returns the run's final status."""
    fresh_connection()
    return upload_run_execute(run_id=run_id)


def ingest_run_enqueue(run_id: int) -> None:
    queued(ingest_run_task).enqueue(run_id)
