"""Keys of whole articles computed once per distinct token: the fast path of bulk ingest.

Pure module, no Django. :func:`articles.text.search_key` and :func:`articles.search.arabic.key_words`
normalise a whole text with a chain of regular expressions and translations (about 0.2 ms per news
article each); news vocabulary repeats, so splitting the text on whitespace first and normalising each
distinct token once (an LRU cache) gives the same words several times faster. Normalisation works
within a token (characters, hamza seats, joined compound names) and never across whitespace, so the
results equal the whole-text functions; ``tests/test_store.py`` checks that on real news text.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from articles.search.arabic import split_key
from articles.text import key_normalize, key_words_of_spelled

# Distinct tokens kept (a token is a whitespace-separated piece, punctuation attached): about 500
# bytes each, so the cache stays near 100 MB however large the file (docs/bench-ingest.md: memory).
TOKEN_CACHE_SIZE = 200_000


@lru_cache(maxsize=TOKEN_CACHE_SIZE)
def _token_keys(token: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(key words, spelled index words) of one token: one cache serves both."""
    spelled = key_normalize(token, teh_marbuta=False)  # one normalisation for both forms
    keys, words = tuple(key_words_of_spelled(spelled)), tuple(split_key(spelled))
    # Mostly the same words (no ة, no underscore): one tuple then, half the cache's memory.
    return (keys, keys) if keys == words else (keys, words)


def key_words(text: str) -> list[str]:
    """``search_key(text).split()``: the words of the fingerprint and of every key."""
    return [word for keys, _ in map(_token_keys, text.split()) for word in keys]


def index_words(text: str) -> list[str]:
    """``articles.search.arabic.key_words(text)``: the spelled words the search index stores."""
    return [word for _, spelled in map(_token_keys, text.split()) for word in spelled]


def text_keys(text: str) -> tuple[list[str], list[str]]:
    """``(key_words(text), index_words(text))`` with one split and one cache lookup per token."""
    keys: list[str] = []
    spelled: list[str] = []
    for token_keys, token_spelled in map(_token_keys, text.split()):
        keys += token_keys
        spelled += token_spelled
    return keys, spelled


def fingerprint_of_words(title_words: list[str], body_words: list[str]) -> str:
    """sha256 hex of the normalised title and body: equal for spelling variants and layouts.

    The same value as ``sha256(f"{search_key(title)}\\n{search_key(body)}")``.
    """
    return hashlib.sha256(f"{' '.join(title_words)}\n{' '.join(body_words)}".encode()).hexdigest()
