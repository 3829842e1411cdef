"""python manage.py search_reindex [--refingerprint] — rebuild the full-text index of every article (and the
fingerprints and source keys, after an upgrade that changes the normalisation rules)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from articles.ingest.rekey import fingerprints_recompute, source_keys_recompute
from articles.management.progress import progress_bar
from articles.models import Article
from articles.search.backend import articles_index_bulk


class Command(BaseCommand):
    # The repair of what the search index check (articles.search.checks) reports: it must run when it fails.
    requires_system_checks: list[str] = []
    help = (
        "Re-index every article's title and body (after an upgrade that changes how words are indexed, "
        "e.g. a new search lexicon). Safe to interrupt and run again: indexing an article replaces its entry."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--refingerprint",
            action="store_true",
            help="Also recompute every article's fingerprint and every source's key (merging sources whose names "
            "now meet). Stored text is never changed: re-ingest the original files to restore text that an "
            "older version folded.",
        )

    def handle(self, *args: str, batch_size: int, refingerprint: bool = False, **options) -> None:
        if refingerprint:
            for note in source_keys_recompute():
                self.stdout.write(note)
            with progress_bar("refingerprint", total=Article.objects.count()) as advance:
                notes = fingerprints_recompute(batch_size=batch_size, advance=advance)
            for note in notes:
                self.stdout.write(self.style.WARNING(note))
        rows = Article.objects.order_by("pk").values_list("pk", "title", "body")
        total = rows.count()
        done = 0
        with progress_bar("search_reindex", total=total) as advance:
            for start in range(0, total, batch_size):
                chunk = list(rows[start : start + batch_size])
                done += articles_index_bulk(chunk, batch=batch_size)
                advance(len(chunk))
        self.stdout.write(self.style.SUCCESS(f"re-indexed {done} articles"))
