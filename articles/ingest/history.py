"""Reverting a revision of the editors' history (:mod:`articles.history`) and bringing derived data back in step:
entity article counts, the aliases' look-up word tails, a split's entity left without mentions, and for a
reverted title or body its entities, topic and search index. An article's story fields are kept as they were
before the revert.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from reversion.models import Revision, Version

from articles.history import ARTICLE_DERIVED
from articles.models import Article, Entity, EntityAlias, EntityAliasTail, EntityJoin, Mention


@dataclass
class RevertState:
    """What a revert must not lose: the articles' story fields and text just before it (article id -> values)."""

    stories: dict[int, dict] = field(default_factory=dict)
    texts: dict[int, tuple[str, str] | None] = field(default_factory=dict)


def _versions(revision: Revision, model) -> list[Version]:
    return [v for v in revision.version_set.all() if v._model is model]


def history_revert_prepare(*, revision: Revision) -> RevertState:
    """Read what :func:`history_revert_finish` needs, before the revert."""
    ids = [int(v.object_id) for v in _versions(revision, Article)]
    state = RevertState(texts=dict.fromkeys(ids))  # None: not there before (a deleted article recovered)
    derived = [f"{name}_id" if name == "story" else name for name in ARTICLE_DERIVED]  # story is a foreign key
    for row in Article.objects.filter(pk__in=ids).values("pk", "title", "body", *derived):
        pk = row.pop("pk")
        state.texts[pk] = (row.pop("title"), row.pop("body"))
        state.stories[pk] = row
    return state


def history_revert_finish(*, revision: Revision, state: RevertState) -> None:
    """After ``revision`` was reverted: story fields back, counts recounted, split entities left empty removed,
    reverted texts re-enriched and re-indexed."""
    from articles.enrich.entity_service import entities_recount
    from articles.ingest.editing import article_refresh

    entity_ids = {int(v.object_id) for v in _versions(revision, Entity)}
    for model in (EntityAlias, Mention, EntityJoin):
        entity_ids |= {v.field_dict["entity_id"] for v in _versions(revision, model)}
    with transaction.atomic():
        for pk, values in state.stories.items():
            Article.objects.filter(pk=pk).update(**values)
        # A split undone: its join is whole again, and the entity the split made has no mention left.
        for version in _versions(revision, EntityJoin):
            join = EntityJoin.objects.filter(pk=version.object_id, split_at__isnull=True).first()
            if join is not None:
                orphans = Entity.objects.filter(kind=join.kind, key=join.key, mentions__isnull=True)
                orphans.exclude(pk__in=entity_ids | {join.entity_id}).delete()
        entities_recount(Entity.objects.filter(pk__in=entity_ids).values_list("pk", flat=True))
        # Word tails of the look-up are derived from the aliases and not versioned: aliases a merge deleted come
        # back without them, so a surname would no longer find the entity the revert restored.
        EntityAliasTail.sync(EntityAlias.objects.filter(entity_id__in=entity_ids).only("pk", "key", "origin"))
    for article in Article.objects.filter(pk__in=state.texts).select_related("source"):
        if (article.title, article.body) != state.texts[article.pk]:  # reverted text, or recovered: not indexed
            article_refresh(article, text_changed=True)


def revision_revert(*, revision: Revision) -> None:
    """Revert ``revision`` whole (rows back, deleted rows re-created, rows an entity gained since deleted) and
    bring derived data in step. Raises reversion's ``RevertError`` when a version can no longer be loaded."""
    state = history_revert_prepare(revision=revision)
    revision.revert(delete=True)
    history_revert_finish(revision=revision, state=state)
