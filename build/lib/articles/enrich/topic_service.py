"""Topic services: classify stored articles with the topic model, respecting editors' choices.

Rules (see docs/topics.md):

* an article whose ``topic_locked`` is set (an editor chose its topic) is never touched;
* ``topic_confidence`` is the classifier's confidence in its best guess and is stored even when
  the topic is left empty, so "never classified" is ``topic_confidence IS NULL``;
* below the model's threshold, or when the predicted slug has no ``Topic`` row, the topic is
  left empty: the classifier never creates topics, editors do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from articles.enrich.topics.classifier import TopicClassifier
from articles.models import Article, Topic

if TYPE_CHECKING:
    from django.db.models import QuerySet

_FIELDS = ["topic", "topic_confidence"]


def classifier_load() -> TopicClassifier:
    """The configured model (``settings.TOPIC_MODEL_PATH``, else the shipped one), cached per process."""
    return TopicClassifier.load(getattr(settings, "TOPIC_MODEL_PATH", None))


def _topics_by_slug(slugs: Iterable[str | None]) -> dict[str, Topic]:
    wanted = {s for s in slugs if s}
    return {t.slug: t for t in Topic.objects.filter(slug__in=wanted)} if wanted else {}


def _assign(article: Article, slug: str | None, confidence: float | None, topics: dict[str, Topic]) -> None:
    article.topic = topics.get(slug) if slug else None
    article.topic_confidence = confidence


def article_topic_apply(article: Article, slug: str | None, confidence: float | None, *, save: bool = True) -> bool:
    """Store a prediction made elsewhere (the ingest pipeline computes it in a worker).

    Returns False, changing nothing, when the topic is locked by an editor.
    """
    if article.topic_locked:
        return False
    _assign(article, slug, confidence, _topics_by_slug([slug]))
    if save:
        article.save(update_fields=_FIELDS)
    return True


def article_classify(
    article: Article, *, classifier: TopicClassifier | None = None, save: bool = True
) -> tuple[str | None, float] | None:
    """Classify one article. Returns (slug or None, confidence), or None when the topic is locked."""
    if article.topic_locked:
        return None
    model = classifier or classifier_load()
    slug, confidence = model.predict(article.title, article.body)
    article_topic_apply(article, slug, confidence, save=save)
    return slug, confidence


def articles_classify(
    queryset: QuerySet[Article],
    *,
    batch_size: int = 200,
    progress: Callable[[int], None] | None = None,
    classifier: TopicClassifier | None = None,
) -> int:
    """Classify the unlocked articles of ``queryset`` in batches ordered by id; returns how many
    were written. ``progress(n)`` is called after each batch with the number of articles read.

    Each batch is written in its own transaction after re-reading the lock flags under
    ``select_for_update``: an editor who locks a topic while a long run is going keeps it.
    """
    model = classifier or classifier_load()
    topics = _topics_by_slug(model.labels)
    articles = queryset.filter(topic_locked=False).order_by("pk").only("pk", "title", "body", "topic_locked")
    written = 0
    last = 0
    while batch := list(articles.filter(pk__gt=last)[:batch_size]):
        last = batch[-1].pk
        predictions = model.predict_many((a.title, a.body) for a in batch)
        with transaction.atomic():
            still_unlocked = set(
                Article.objects.select_for_update()
                .filter(pk__in=[a.pk for a in batch], topic_locked=False)
                .values_list("pk", flat=True)
            )
            changed = []
            for article, (slug, confidence) in zip(batch, predictions, strict=True):
                if article.pk in still_unlocked:
                    _assign(article, slug, confidence, topics)
                    changed.append(article)
            Article.objects.bulk_update(changed, _FIELDS)
        written += len(changed)
        if progress is not None:
            progress(len(batch))
    return written


def archive_records() -> list[dict[str, str]]:
    """Editor-confirmed articles as training records (``train_topics --from-archive``)."""
    rows = Article.objects.filter(topic_confirmed=True, topic__isnull=False).values_list("title", "body", "topic__slug")
    return [{"title": title, "text": body, "label": slug} for title, body, slug in rows]
