"""The history of editors' changes (django-reversion): which models keep versions, and the undo point of a change
that a service makes (an entity merge or split) recorded as one revision.

A version is the state of one row as a revision saw it; reverting a revision puts every row it holds back to
that state, re-creates the deleted ones with their ids, and deletes the rows that an entity's aliases and joins
gained since (``Revision.revert(delete=True)``). Admin edits are versioned after each save (reversion's
``VersionAdmin``); a row's state before its first edit is kept first (``history_baseline``); a merge or split keeps
the state before it (``history_snapshot``), so reverting to that revision undoes it whole.
Derived data (counts, index, entities of a reverted text, story fields) is brought back in step by
:mod:`articles.ingest.history`.
"""

from __future__ import annotations

from collections.abc import Iterable

import reversion
from django.db import models
from reversion.models import Version

# Story membership is derived (articles.stories) and the story a version named may be gone by the time it is
# reverted: an article's versions leave these out, and a revert keeps the article's current values.
ARTICLE_DERIVED = ("story", "story_lead", "story_signature")


def history_register() -> None:
    """Register the edited models with reversion once (the app's ready(); the admin imports it too)."""
    from articles.models import Article, Entity, EntityAlias, EntityJoin, Mention, Source, Topic

    options: list[tuple[type[models.Model], dict]] = [
        (Article, {"exclude": ARTICLE_DERIVED}),
        (Source, {}),
        (Topic, {}),
        # An entity's versions hold its aliases and automatic joins: a revert brings back removed ones and drops
        # the ones added since (a merge's new aliases).
        (Entity, {"follow": ("aliases", "joins")}),
        (EntityAlias, {}),
        (EntityJoin, {}),
        (Mention, {}),
    ]
    for model, kwargs in options:
        if not reversion.is_registered(model):
            reversion.register(model, **kwargs)


def history_snapshot(*, objects: Iterable[models.Model], comment: str, user=None) -> None:
    """Keep the current state of ``objects`` (with what their registration follows) as one revision: the undo
    point of the change about to be made. Outside a revision block it is its own revision, written when this
    returns (inside the caller's transaction); inside one (an admin form) it joins that revision. Call it before
    changing anything."""
    with reversion.create_revision():
        for obj in objects:
            reversion.add_to_revision(obj)
        reversion.set_comment(comment[:1000])
        if user is not None and getattr(user, "is_authenticated", False):
            reversion.set_user(user)


def history_baseline(*, obj: models.Model, user=None) -> bool:
    """Keep ``obj``'s state before its first versioned edit (rows stored by an ingest have no version yet), so
    that first edit can be reverted too. Returns whether a baseline was written."""
    if Version.objects.get_for_object(obj).exists():
        return False
    history_snapshot(objects=[obj], comment="State before its first edit in the admin", user=user)
    return True
