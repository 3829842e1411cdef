"""Background tasks on Django's own tasks framework (``django.tasks``): the backend is a setting
(``TASKS_BACKEND``: the embedded database queue or Redis/RQ), never imported here.

Both tasks are idempotent, so a task run twice (a worker killed after its work, a job requeued)
does nothing wrong: enrichment skips articles already enriched, and an ingest run resumes.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import close_old_connections, connection
from django.tasks import task

from articles.enrich.consolidate import entities_consolidate_after_ingest
from articles.enrich.stage import ENRICH_BATCH, articles_enrich
from articles.models import Article

log = logging.getLogger(__name__)


def fresh_connection() -> None:
    # A long-lived worker may hold a connection the database dropped (a restart); never close the
    # caller's connection when the task runs inside its transaction (ImmediateBackend).
    if not connection.in_atomic_block:
        close_old_connections()


@task
def articles_enrich_task(article_ids: list[int]) -> dict[str, int]:
    """Stage 2 for these stored articles (entities and topic, one transaction each).
    Returns the counts: {"done": n, "failed": n, "skipped": n}."""
    fresh_connection()
    outcome = articles_enrich(ids=article_ids)
    if outcome.done and not Article.objects.filter(enrichment=Article.Enrichment.PENDING).exists():
        entities_consolidate_after_ingest()  # the backlog is enriched: join new spellings once
    return {"done": outcome.done, "failed": outcome.failed, "skipped": outcome.skipped}


def queued(task_):
    return task_.using(queue_name=settings.TASKS_QUEUE)


def enrichment_enqueue(ids: list[int]) -> None:
    """Queue stage 2 for stored articles, ``ENRICH_BATCH`` per task."""
    for start in range(0, len(ids), ENRICH_BATCH):
        queued(articles_enrich_task).enqueue(ids[start : start + ENRICH_BATCH])
