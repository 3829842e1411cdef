"""An editor's work on single mentions: a mention an editor makes or corrects is locked, so re-extraction
(:func:`articles.enrich.entity_service.article_mentions_replace`) keeps it."""

from __future__ import annotations

from articles.enrich.entity_service import NAME_MAX, entities_recount
from articles.models import Article, Entity, Mention


def mention_lock(*, mention: Mention) -> Mention:
    mention.locked = True
    mention.save(update_fields=["locked"])
    return mention


def mention_unlock(*, mention: Mention) -> Mention:
    mention.locked = False
    mention.save(update_fields=["locked"])
    return mention


def mention_create(*, article: Article, entity: Entity, start: int, end: int, in_title: bool = False) -> Mention:
    """An editor's mention (locked) at character offsets into the title or body."""
    text = article.title if in_title else article.body
    if not 0 <= start < end <= len(text):
        raise ValueError(f"offsets {start}:{end} outside the {'title' if in_title else 'body'}")
    mention = Mention.objects.create(
        article=article,
        entity=entity,
        surface=text[start:end][:NAME_MAX],
        in_title=in_title,
        start=start,
        end=end,
        locked=True,
    )
    entities_recount([entity.pk])
    return mention


def mention_entity_change(*, mention: Mention, entity: Entity) -> Mention:
    """Point a mention to another entity; the correction locks it."""
    old = mention.entity_id
    mention.entity = entity
    mention.locked = True
    mention.save(update_fields=["entity", "locked"])
    entities_recount([old, entity.pk])
    return mention
