"""Background task of the editors' entity lists (Django's tasks framework, like articles.ingest.tasks)."""

from __future__ import annotations

from django.db import close_old_connections, connection
from django.tasks import task

from articles.enrich.list_service import entity_list_scan
from articles.models import EntityList


@task
def entity_list_scan_task(list_id: int) -> dict[str, int]:
    """Scan the archive for a list's aliases (progress on the list's ``scan_*`` fields); idempotent.
    Returns {"added": mentions added}; a list deleted meanwhile adds nothing."""
    if not connection.in_atomic_block:
        close_old_connections()
    entity_list = EntityList.objects.filter(pk=list_id).first()
    if entity_list is None:
        return {"added": 0}
    return {"added": entity_list_scan(entity_list=entity_list)}
