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
from itertools import chain

from articles.text import key_words_of

# Distinct tokens kept (a token is a whitespace-separated piece, punctuation attached): a few
# hundred bytes each, so the cache stays under ~100 MB however large the file.
TOKEN_CACHE_SIZE = 300_000


@lru_cache(maxsize=TOKEN_CACHE_SIZE)
def _token_words(token: str) -> tuple[str, ...]:
    return tuple(key_words_of(token))


def key_words(text: str) -> list[str]:
    """``search_key(text).split()``: the words of the fingerprint and of every key.
    (The search index's spelled words are cached the same way: ``articles.search.base.index_words``.)"""
    return list(chain.from_iterable(map(_token_words, text.split())))


def fingerprint_of_words(title_words: list[str], body_words: list[str]) -> str:
    """sha256 hex of the normalised title and body: equal for spelling variants and layouts.

    The same value as ``sha256(f"{search_key(title)}\\n{search_key(body)}")``.
    """
    return hashlib.sha256(f"{' '.join(title_words)}\n{' '.join(body_words)}".encode()).hexdigest()
