"""python manage.py search_reindex — rebuild the full-text index of every article."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from articles.models import Article
from articles.progress import progress_bar
from articles.search import articles_index_bulk


class Command(BaseCommand):
    help = (
        "Re-index every article's title and body (after an upgrade that changes how words are indexed, "
        "e.g. a new search lexicon). Safe to interrupt and run again: indexing an article replaces its entry."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: str, batch_size: int, **options) -> None:
        rows = Article.objects.order_by("pk").values_list("pk", "title", "body")
        total = rows.count()
        done = 0
        with progress_bar("search_reindex", total=total) as advance:
            for start in range(0, total, batch_size):
                chunk = list(rows[start : start + batch_size])
                done += articles_index_bulk(chunk, batch=batch_size)
                advance(len(chunk))
        self.stdout.write(self.style.SUCCESS(f"re-indexed {done} articles"))
