"""Topic classification of articles (pure: no Django). See docs/topics.md."""

from articles.enrich.topics.classifier import DEFAULT_MODEL_DIR, TopicClassifier

__all__ = ["DEFAULT_MODEL_DIR", "TopicClassifier"]
