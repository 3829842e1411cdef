"""python manage.py stories_rebuild — regroup every article into stories (near-duplicates)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from articles.management.progress import progress_bar
from articles.models import Article, Story, StoryBand
from articles.stories.service import story_assign


class Command(BaseCommand):
    help = (
        "Forget every story and regroup the whole archive, in arrival order, batch by batch (after an upgrade "
        "that changes the signatures, or on an archive ingested before stories existed). Interrupted, it leaves "
        "the articles not reached yet ungrouped (each shown on its own); run it again to finish."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: str, batch_size: int, **options) -> None:
        if batch_size < 1:
            self.stderr.write("--batch-size must be at least 1")
            raise SystemExit(2)
        with transaction.atomic():
            Article.objects.exclude(story=None, story_lead=True, story_signature=None).update(
                story=None, story_lead=True, story_signature=None
            )
            StoryBand.objects.all().delete()
            Story.objects.all().delete()
        total = Article.objects.count()
        last_pk, grouped = 0, 0
        with progress_bar("stories_rebuild", total=total) as advance:
            while True:
                rows = Article.objects.filter(pk__gt=last_pk).order_by("pk").only("pk", "title", "body")
                batch = list(rows[:batch_size])
                if not batch:
                    break
                story_assign(articles=batch)
                last_pk = batch[-1].pk
                grouped += len(batch)
                advance(len(batch))
        stories = Story.objects.count()
        self.stdout.write(self.style.SUCCESS(f"grouped {grouped} articles into {stories} stories"))
