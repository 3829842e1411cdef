"""Topic services: classify stored articles with the topic model, respecting editors' choices.

Rules (see docs/topics.md):

* an article whose ``topic_locked`` is set (an editor chose its topic) is never touched;
* ``topic_confidence`` is the classifier's confidence in its best guess and is stored even when
  the topic is left empty, so "never classified" is ``topic_confidence IS NULL``;
* below the model's threshold, or when the predicted slug has no ``Topic`` row, the topic is
  left empty: the classifier never creates topics, editors do;
* a category given by the source (``Article.source_category``, JSON Lines ``category``) that names
  a topic (ANT's categories, a topic's slug or its Arabic/English name) decides the topic and is
  marked ``topic_origin=source``: the classifier never overwrites it, an editor's choice still wins.
  ``article_topic_apply`` is the one place this is decided (ingest and re-classification call it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from articles.enrich.topics.categories import category_slug
from articles.enrich.topics.classifier import TopicClassifier
from articles.models import Article, Topic
from articles.text import search_key

if TYPE_CHECKING:
    from django.db.models import QuerySet

_FIELDS = ["topic", "topic_confidence", "topic_origin"]


def classifier_load() -> TopicClassifier:
    """The configured model (``settings.TOPIC_MODEL_PATH``, else the shipped one), cached per process."""
    return TopicClassifier.load(getattr(settings, "TOPIC_MODEL_PATH", None))


def _topics_by_key() -> dict[str, Topic]:
    """Every topic by slug and by its normalised Arabic and lower-cased English name (a few rows)."""
    every = list(Topic.objects.all())
    topics: dict[str, Topic] = {}
    for topic in every:
        topics[search_key(topic.name_ar)] = topic
        topics[topic.name_en.strip().lower()] = topic
    topics.update({t.slug: t for t in every})  # slugs last: they win over a name equal to one
    return topics


def topic_for_category(category: str, *, topics: dict[str, Topic] | None = None) -> Topic | None:
    """The topic a source's category names, or None (unknown category: the classifier decides)."""
    if not category.strip():
        return None
    topics = _topics_by_key() if topics is None else topics
    return topics.get(category_slug(category)) or topics.get(search_key(category))


def _assign(article: Article, slug: str | None, confidence: float | None, topics: dict[str, Topic]) -> None:
    """The one topic decision: the source's category if it names a topic, else the prediction."""
    article.topic_confidence = confidence
    given = topic_for_category(article.source_category, topics=topics) if article.source_category else None
    if given is not None:
        article.topic, article.topic_origin = given, Article.TopicOrigin.SOURCE
        return
    predicted = topics.get(slug) if slug else None
    article.topic = predicted if predicted is not None and predicted.slug == slug else None  # slugs only, no names
    article.topic_origin = Article.TopicOrigin.MODEL if article.topic else Article.TopicOrigin.NONE


def article_topic_apply(article: Article, slug: str | None, confidence: float | None, *, save: bool = True) -> bool:
    """Decide the topic of one article from a prediction made elsewhere (the ingest pipeline
    computes it in a worker) and the article's ``source_category``.

    Returns False, changing nothing, when the topic is locked by an editor.
    """
    if article.topic_locked:
        return False
    _assign(article, slug, confidence, _topics_by_key())
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
    topics = _topics_by_key()
    articles = (
        queryset.filter(topic_locked=False)
        .order_by("pk")
        .only("pk", "title", "body", "topic_locked", "source_category")
    )
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
