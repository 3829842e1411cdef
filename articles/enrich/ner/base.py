"""The NER interface every backend implements, and the backend factory."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

KINDS = ("PERS", "LOC", "ORG", "MISC")


@dataclass(frozen=True)
class EntitySpan:
    """An entity mention: ``text == original[start:end]`` (character offsets into the input)."""

    start: int
    end: int
    kind: str  # one of KINDS
    text: str


class NerBackend(ABC):
    @abstractmethod
    def extract(self, text: str) -> list[EntitySpan]:
        """Entities of raw text, with character offsets into ``text`` as passed in."""

    @abstractmethod
    def tag_tokens(self, tokens: list[list[str]]) -> list[list[str]]:
        """BIO tags for pre-tokenised sentences (used for evaluation on CoNLL data)."""


_BACKENDS = {
    "crf": ("articles.enrich.ner.crf", "CrfBackend"),
    "camel": ("articles.enrich.ner.camel", "CamelBackend"),
    "neural": ("articles.enrich.ner.neural", "NeuralBackend"),
}


def get_backend(name: str = "crf", **kwargs) -> NerBackend:
    """Backend by name, imported lazily (the camel one pulls in transformers/torch).

    Keyword arguments go to the backend (e.g. ``model_dir=`` for crf, ``model_path=`` for camel).
    The crf backend is cached per process (model loading is the slow part), keyed by its kwargs.
    """
    if name not in _BACKENDS:
        raise ValueError(f"unknown NER backend {name!r}; choose from {sorted(_BACKENDS)}")
    key = (name, tuple(sorted((k, str(v)) for k, v in kwargs.items())))
    if key not in _CACHE:
        import importlib

        module, cls = _BACKENDS[name]
        _CACHE[key] = getattr(importlib.import_module(module), cls)(**kwargs)
    return _CACHE[key]


_CACHE: dict[tuple, NerBackend] = {}
