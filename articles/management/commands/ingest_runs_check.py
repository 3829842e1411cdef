"""python manage.py ingest_runs_check — mark ingest runs whose process died as interrupted."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from articles.ingest.runs import runs_reconcile


class Command(BaseCommand):
    help = (
        "Find ingest runs still marked running whose process is gone (killed, machine lost), mark them "
        "interrupted and recount their articles. A rerun of the same file (or 'Resume' in the admin) resumes them."
    )

    def handle(self, *args, **options) -> None:
        found = runs_reconcile()
        for run in found:
            self.stdout.write(
                f"run {run.pk} ({run.file_name}): interrupted after {run.records_read} records, "
                f"{run.created_count} articles stored"
            )
        self.stdout.write(self.style.SUCCESS(f"{len(found)} interrupted run(s) found"))
