"""Keeps a story's lead, size and outlet count right when one of its articles is deleted."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from articles.models import Article
from articles.stories.service import stories_refresh


@receiver(post_delete, sender=Article, dispatch_uid="story_after_article_delete")
def story_after_article_delete(sender, instance: Article, **kwargs) -> None:
    if instance.story_id is not None:
        story_id = instance.story_id
        # After the whole delete (a queryset delete sends one signal per row): one refresh per story.
        transaction.on_commit(lambda: stories_refresh(story_ids={story_id}))
