"""Keeps stories right when an article changes outside the ingest: its story's lead, size and outlet
count after a delete, and its story membership after an edit of its title or body."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from articles.models import Article
from articles.search.keys import key_words
from articles.stories import signature as sig
from articles.stories.service import stories_refresh, story_recompute


@receiver(post_delete, sender=Article, dispatch_uid="story_after_article_delete")
def story_after_article_delete(sender, instance: Article, **kwargs) -> None:
    if instance.story_id is not None:
        story_id = instance.story_id
        # After the whole delete (a queryset delete sends one signal per row): one refresh per story.
        transaction.on_commit(lambda: stories_refresh(story_ids={story_id}))


@receiver(post_save, sender=Article, dispatch_uid="story_after_article_edit")
def story_after_article_edit(
    sender, instance: Article, created: bool, update_fields=None, raw: bool = False, **kwargs
) -> None:
    """Any save of a grouped article whose title or body no longer gives its stored signature (the
    admin's change form, a revert from history, a script's ``save()``) regroups it, in the save's
    transaction. A signal rather than a call in each editing service, so that no save path skips it.
    New articles are grouped by their writer (the ingest's store, ``editing.article_add``);
    never-grouped ones (no signature yet) are left to ``stories_rebuild``; ``loaddata`` (raw) too."""
    if created or raw or instance.story_signature is None:
        return
    if update_fields is not None and not {"title", "body"} & set(update_fields):
        return
    values = sig.signature_of_words(sig.title_words(instance.title), key_words(instance.body))
    if sig.signature_bytes(values) != bytes(instance.story_signature):
        story_recompute(article=instance)
