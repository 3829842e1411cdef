"""Ingest runs' lifecycle: liveness, interrupted runs, counts reconciled from the stored articles,
the run to resume, and the progress the admin shows.

A run row is written by one process (the ``ingest`` command or a task worker), which records its
host and pid and beats (``heartbeat_at``) with every stored batch. A run still "running" whose
process is gone (same host, pid not alive) or that has not beaten for ``RUN_STALE_SECONDS`` is
*interrupted*: :func:`runs_reconcile` marks it so, with its counts recounted from the articles it
stored (the row itself is exact only up to its last committed batch). It runs at the start of
every ingest, on the admin's run pages and in ``manage.py ingest_runs_check``.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from articles.models import Article, IngestRun

Status = IngestRun.Status
UNFINISHED = (Status.RUNNING, Status.QUEUED)


def _stale_after() -> timedelta:
    # A batch takes well under a second; a minute without one is a dead or wedged process.
    return timedelta(seconds=getattr(settings, "RUN_STALE_SECONDS", 300))


def this_worker() -> tuple[str, int]:
    return socket.gethostname()[:200], os.getpid()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_alive(run: IngestRun) -> bool:
    """Whether the process storing ``run`` may still be at work."""
    host, pid = this_worker()
    if run.worker_pid and run.worker_host == host:
        if run.worker_pid == pid:
            return True
        return _pid_alive(run.worker_pid)
    beat = run.heartbeat_at or run.started_at
    return beat is not None and timezone.now() - beat < _stale_after()


def run_counts_reconcile(run: IngestRun) -> None:
    """Recount what the run stored from its articles (exact, whatever the row said)."""
    run.created_count = Article.objects.filter(ingest_run=run).count()


def runs_reconcile() -> list[IngestRun]:
    """Mark running runs whose process is gone as interrupted; returns them."""
    found = []
    for run in IngestRun.objects.filter(status=Status.RUNNING).exclude(worker_pid=None):
        if run_alive(run):
            continue
        run_counts_reconcile(run)
        run.status = Status.INTERRUPTED
        run.failure_reason = run.failure_reason or "the ingest process stopped without finishing (killed?)"
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "failure_reason", "finished_at", "created_count"])
        found.append(run)
    return found


def run_to_resume(*, sha256: str) -> IngestRun | None:
    """The latest unfinished run of the same file (interrupted or failed), if any."""
    if not sha256:
        return None
    return (
        IngestRun.objects.filter(sha256=sha256, status__in=[Status.INTERRUPTED, Status.FAILED])
        .exclude(resumed_by__isnull=False)
        .order_by("-started_at", "-pk")
        .first()
    )


def run_chain_ids(run: IngestRun) -> list[int]:
    """This run and the runs it resumed (their pending articles are its work too)."""
    ids, current, seen = [], run, set()
    while current is not None and current.pk not in seen:
        ids.append(current.pk)
        seen.add(current.pk)
        current = current.resumed_from
    return ids


@dataclass(frozen=True)
class RunProgress:
    """What the run's admin page shows; ``enriched``/``pending``/``failed`` count articles now."""

    status: str
    status_label: str
    records_read: int
    records_total: int | None
    pages_done: int
    pages_total: int | None
    created: int
    duplicates: int
    rejected: int
    warnings: int
    enriched: int
    pending: int
    failed: int
    eta_seconds: int | None
    finished: bool
    failure_reason: str
    resumable: bool

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def run_progress(run: IngestRun) -> RunProgress:
    counts = Article.objects.filter(ingest_run=run).aggregate(
        enriched=Count("pk", filter=Q(enrichment=Article.Enrichment.DONE)),
        pending=Count("pk", filter=Q(enrichment=Article.Enrichment.PENDING)),
        failed=Count("pk", filter=Q(enrichment=Article.Enrichment.FAILED)),
    )
    return RunProgress(
        status=run.status,
        status_label=str(run.get_status_display()),
        records_read=run.records_read,
        records_total=run.records_total,
        pages_done=run.pages_done,
        pages_total=run.pages_total,
        created=run.created_count,
        duplicates=run.duplicate_count,
        rejected=run.rejected_count,
        warnings=run.warning_count,
        enriched=counts["enriched"],
        pending=counts["pending"],
        failed=counts["failed"],
        eta_seconds=_eta(run, counts["pending"]),
        finished=run.status not in UNFINISHED and counts["pending"] == 0,
        failure_reason=run.failure_reason,
        resumable=run_resumable(run),
    )


def run_resumable(run: IngestRun) -> bool:
    return (
        run.status in (Status.FAILED, Status.INTERRUPTED)
        and bool(run.upload_path)
        and os.path.isfile(run.upload_path)
        and not run.resumed_by.exists()
    )


def _eta(run: IngestRun, pending: int) -> int | None:
    """Seconds left: records still to read at this run's reading rate (enrichment runs behind it,
    in workers; its share is left out rather than guessed)."""
    if run.status != Status.RUNNING or not run.records_total or not run.records_read or not run.started_at:
        return None
    elapsed = (timezone.now() - run.started_at).total_seconds()
    left = max(run.records_total - run.records_read, 0)
    return int(left * elapsed / run.records_read)
