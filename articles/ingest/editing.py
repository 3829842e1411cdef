"""Editors' writes outside an ingest file: an article added or edited in the admin (stored, re-keyed,
re-enriched, re-grouped), re-extraction of entities, and source merges. The admin only calls these.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet

from articles.history import history_snapshot
from articles.ingest.service import Outcome, article_store
from articles.ingest.store import source_get_or_create
from articles.models import Article, Source, Topic
from articles.stories.service import story_assign


def article_add(
    *, title: str, body: str, source: Source | None, new_source_name: str, published_on, url: str, topic: Topic | None
) -> Outcome:
    """A clipping typed into the admin: the same service as the ingest (de-dup, extraction, topic)."""
    if source is None:
        source = source_get_or_create(new_source_name)
    outcome = article_store(
        title=title, body=body, source=source, published_on=published_on, url=url or "", topic=topic
    )
    if outcome.article is not None:
        story_assign(articles=[outcome.article])
    return outcome


def article_edit_save(article: Article, *, fingerprint: str, new_source_name: str, topic_chosen: bool) -> None:
    """Save an edited article: fingerprint follows the text; a topic chosen by the editor is locked.
    A changed title or body regroups the article's story in the same save (articles.stories.signals:
    every save path, a revert from history included)."""
    if new_source_name:
        article.source = source_get_or_create(new_source_name)
    if fingerprint:
        article.fingerprint = fingerprint
    if topic_chosen:
        article.topic_confirmed = article.topic is not None
        if article.topic is not None:
            article.topic_locked = True
            article.topic_origin = Article.TopicOrigin.EDITOR
            article.topic_confidence = None  # the classifier's confidence was about its own guess
    article.save()


def article_refresh(article: Article, *, text_changed: bool) -> None:
    """After an edit of the text: new entities, maybe a new topic (locks respected), and the
    search index (it holds only title and body, so other edits leave it alone)."""
    if not text_changed:
        return
    from articles.enrich.entity_service import article_entities_extract
    from articles.enrich.topic_service import article_classify
    from articles.search.backend import article_index

    article_entities_extract(article)
    article_classify(article)
    article_index(article)


def articles_reextract(queryset: QuerySet[Article], *, batch_size: int = 200) -> tuple[int, list[int]]:
    """Bulk re-extraction in batches (keyset on id, no long-lived cursor); locked mentions, merges
    and the block list are the entity service's business. The index holds only the text, which
    does not change here. Returns (articles read, ids that failed)."""
    from articles.enrich.entity_service import articles_entities_extract

    articles = queryset.select_related("source").order_by("pk")
    read, failed, last = 0, [], 0
    while batch := list(articles.filter(pk__gt=last)[:batch_size]):
        last = batch[-1].pk
        failed += articles_entities_extract(batch)
        read += len(batch)
    return read, failed


@transaction.atomic
def sources_merge(*, target: Source, others: Iterable[Source], user=None) -> int:
    """Move the others' articles to ``target`` and delete the others. Returns the articles moved.

    The state before (the sources, the articles that move) is kept as one revision of the editors' history:
    reverting it in the target's history brings the others back with their articles."""
    others = [s for s in others if s.pk != target.pk]
    other_ids = [s.pk for s in others]
    if not other_ids:
        return 0
    history_snapshot(
        objects=[target, *others, *Article.objects.filter(source_id__in=other_ids)],
        comment=f"Before merging {', '.join(s.name for s in others)} into {target.name} "
        "(revert to this to undo the merge)",
        user=user,
    )
    moved = Article.objects.filter(source_id__in=other_ids).update(source=target)
    Source.objects.filter(pk__in=other_ids).delete()
    return moved
