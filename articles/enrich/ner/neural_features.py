"""Token -> array inputs of the neural tagger, shared by training and run time (numpy only, no torch).

A sentence batch becomes the arrays the ONNX encoder takes (shapes ``B`` sentences x ``T`` tokens):

- ``words``   int64 (B, T): row in the shipped word-vector table (``0`` padding, ``1`` unknown);
- ``chars``   int64 (B, T, MAX_CHARS): characters of the normalised word (``0`` padding, ``1`` unknown);
- ``shapes``  int64 (B, T): punctuation / digits / Latin / Latin capitalised / short or long Arabic / other;
- ``clusters`` int64 (B, T): the finest distributional cluster of ``clusters.py`` (+2; ``1`` unknown);
- ``rev``     int64 (B, T): per-sentence reversal index for the backward LSTM (padding stays in place),
  so a sentence gets the same tags alone or padded inside a batch.

Words are looked up by ``clusters.word_key`` (the archive's normaliser, digits folded): the unlabelled news
the vectors were learnt from went through the same function (``training/ner_corpus.py``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from articles.enrich.ner.clusters import word_key

MAX_CHARS = 16  # characters kept per word (first 8 and last 8: prefixes and suffixes carry the signal)
SHAPES = ("pad", "P", "D", "L", "Lu", "a", "A", "X")
_LATIN_RE = re.compile(r"[A-Za-z]")
_ARABIC_RE = re.compile(r"[\u0600-\u06ff]")
_PUNCT_RE = re.compile(r"^[^\w]+$")


def shape_id(tok: str) -> int:
    """Index into ``SHAPES`` of a raw token (Latin case is read before normalisation lower-cases it)."""
    if _PUNCT_RE.match(tok):
        return 1
    if tok[:1].isdigit():
        return 2
    if _LATIN_RE.search(tok):
        return 4 if tok[:1].isupper() else 3
    if _ARABIC_RE.search(tok):
        return 6 if len(tok) > 3 else 5
    return 7


class TokenEncoder:
    """Maps tokens to ids with the shipped vocabularies; per-word results are cached (news repeats words)."""

    def __init__(self, vocab: Sequence[str], chars: str, clusters: dict[str, int], cache_size: int = 200_000) -> None:
        self.word_index = {w: i + 2 for i, w in enumerate(vocab)}
        self.char_index = {c: i + 2 for i, c in enumerate(chars)}
        self.clusters = clusters
        self._cache: dict[str, tuple[int, list[int], int, int]] = {}
        self._cache_size = cache_size

    def token(self, tok: str) -> tuple[int, list[int], int, int]:
        """``(word id, char ids, shape id, cluster id)`` of one raw token."""
        hit = self._cache.get(tok)
        if hit is not None:
            return hit
        key = word_key(tok)
        chars = key if len(key) <= MAX_CHARS else key[: MAX_CHARS // 2] + key[-MAX_CHARS // 2 :]
        out = (
            self.word_index.get(key, 1),
            [self.char_index.get(c, 1) for c in chars],
            shape_id(tok),
            self.clusters.get(key, -1) + 2,
        )
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[tok] = out
        return out

    def batch(self, sents: Sequence[Sequence[str]]) -> dict[str, np.ndarray]:
        """Padded arrays of a batch of non-empty tokenised sentences (see the module docstring)."""
        b, t = len(sents), max(len(s) for s in sents)
        words = np.zeros((b, t), dtype=np.int64)
        chars = np.zeros((b, t, MAX_CHARS), dtype=np.int64)
        shapes = np.zeros((b, t), dtype=np.int64)
        clusters = np.zeros((b, t), dtype=np.int64)
        rev = np.tile(np.arange(t, dtype=np.int64), (b, 1))
        for i, sent in enumerate(sents):
            n = len(sent)
            rev[i, :n] = np.arange(n - 1, -1, -1)
            for j, tok in enumerate(sent):
                w, cs, sh, cl = self.token(tok)
                words[i, j], shapes[i, j], clusters[i, j] = w, sh, cl
                chars[i, j, : len(cs)] = cs
        return {"words": words, "chars": chars, "shapes": shapes, "clusters": clusters, "rev": rev}
