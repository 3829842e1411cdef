"""The archive's own vocabulary for OCR post-correction (:class:`articles.ingest.ocr.correct.Vocabulary`):
word and word-pair frequencies of the stored articles' typed text.

Built on first need (the first scan of a run), from at most :data:`VOCABULARY_ARTICLES` typed articles
(newest first: OCR text is left out so its errors never vote for themselves), and kept for the process;
rebuilt when the archive has grown by a tenth since. On the demo archive (1,000 articles) it builds in
well under a second; on a large one the cap bounds it.
"""

from __future__ import annotations

import threading

from articles.ingest.ocr.correct import Vocabulary
from articles.models import Article

VOCABULARY_ARTICLES = 20_000
_cache: dict[str, tuple[int, Vocabulary]] = {}
_lock = threading.Lock()


def ocr_vocabulary_get() -> Vocabulary | None:
    """The vocabulary of the archive now, or None for an archive with no typed articles yet."""
    typed = Article.objects.exclude(text_origin=Article.TextOrigin.OCR)
    total = typed.count()
    if total == 0:
        return None
    with _lock:
        cached = _cache.get("vocabulary")
        if cached is not None and total <= cached[0] * 1.1:
            return cached[1]
        rows = typed.order_by("-id").values_list("title", "body")[:VOCABULARY_ARTICLES]
        vocabulary = Vocabulary.from_texts(f"{title}\n{body}" for title, body in rows.iterator(chunk_size=2000))
        _cache["vocabulary"] = (total, vocabulary)
        return vocabulary


def ocr_vocabulary_forget() -> None:
    """Drop the cached vocabulary (tests; after a large import)."""
    with _lock:
        _cache.clear()
