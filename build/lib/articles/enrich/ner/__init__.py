"""Offline Arabic named-entity recognition (default: a CRF trained by the project itself).

Usage::

    from articles.enrich.ner import get_backend
    spans = get_backend("crf").extract(text)   # list[EntitySpan]
"""

from articles.enrich.ner.base import KINDS, EntitySpan, NerBackend, get_backend

__all__ = ["KINDS", "EntitySpan", "NerBackend", "get_backend"]
