"""Enrichment of one article: named entities and topic.

Split in two so bulk ingest can use both cores: :func:`enrichment_compute` is pure CPU work
(no database) and runs in worker processes; :func:`enrichment_store` writes the result inside
the article's own transaction, so an article is never stored half-enriched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings

from articles.enrich.entity_service import article_mentions_replace, spans_compute
from articles.enrich.list_service import article_list_mentions_add
from articles.enrich.ner.base import EntitySpan

if TYPE_CHECKING:
    from articles.models import Article

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Enrichment:
    title_spans: list[EntitySpan] = field(default_factory=list)
    body_spans: list[EntitySpan] = field(default_factory=list)
    topic_slug: str | None = None
    topic_confidence: float | None = None


def _topic_predict(title: str, body: str) -> tuple[str | None, float | None]:
    from articles.enrich.topics.classifier import TopicClassifier

    classifier = TopicClassifier.load(getattr(settings, "TOPIC_MODEL_PATH", None))
    slug, confidence = classifier.predict(title, body)
    return slug, confidence


def enrichment_compute(title: str, body: str) -> Enrichment:
    """Entities and topic of an article's text. Pure CPU work: safe in a worker process."""
    title_spans, body_spans = spans_compute(title, body)
    slug, confidence = _topic_predict(title, body)
    return Enrichment(title_spans=title_spans, body_spans=body_spans, topic_slug=slug, topic_confidence=confidence)


def enrichment_compute_pair(pair: tuple[str, str]) -> Enrichment:
    """Pool-friendly wrapper (one picklable argument)."""
    return enrichment_compute(*pair)


def enrichment_store(article: Article, enrichment: Enrichment) -> None:
    """Store mentions (resolved to entities) and the topic. Call inside the article's transaction."""
    from articles.enrich.topic_service import article_topic_apply

    article_mentions_replace(article, title_spans=enrichment.title_spans, body_spans=enrichment.body_spans)
    article_list_mentions_add(article)  # editors' lists: every listed name, whether the tagger found it or not
    article_topic_apply(article, enrichment.topic_slug, enrichment.topic_confidence)
