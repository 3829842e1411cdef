"""python manage.py classify_topics [--all] [--batch-size N] — (re)classify stored articles' topics."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.enrich.topic_service import articles_classify, classifier_load
from articles.management.progress import progress_bar
from articles.models import Article


class Command(BaseCommand):
    help = (
        "Classify articles with the topic model, in batches. Default: articles never classified "
        "(no confidence stored). --all: every article. Topics locked by an editor are never changed; "
        "below the model's threshold the topic is left empty."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="reclassify every unlocked article")
        parser.add_argument("--batch-size", type=int, default=200, help="articles per batch (default 200)")

    def handle(self, *, all: bool, batch_size: int, **options) -> None:
        try:  # fail once, up front, when the model is missing
            classifier = classifier_load()
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot load the topic model: {exc}") from exc
        articles = Article.objects.filter(topic_locked=False)
        if not all:
            articles = articles.filter(topic_confidence__isnull=True)
        with progress_bar("topics", total=articles.count()) as advance:
            written = articles_classify(articles, batch_size=batch_size, progress=advance, classifier=classifier)
        self.stdout.write(self.style.SUCCESS(f"classified {written} articles (threshold {classifier.threshold:.2f})"))
