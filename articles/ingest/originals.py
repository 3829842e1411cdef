"""Keeping clipping files beside their articles: the original stored once by SHA-256, the pages as read
(word boxes, page images, the OCR output), and how the text came (``Article.text_origin``).

Called by the ingest's batch store inside the batch's transaction, for the articles it created from files.
Files go through Django's storage API (``STORAGES["originals"]``), named ``originals/<aa>/<sha256>`` and
``pages/<aa>/<sha256>-<n>.png``, never by a name taken from the file. Storage writes are not
transactional: a blob this batch wrote is deleted again by :func:`blobs_discard` when the batch rolls back,
so a failed batch leaves neither rows nor files (a blob that existed before is shared and stays).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.files.base import ContentFile

from articles.ingest.models import ArticlePages, OriginalFile, originals_storage
from articles.ingest.readers.base import Clipping
from articles.ingest.readers.document import ORIGIN_TYPED
from articles.models import Article


@dataclass
class Written:
    """Storage names this batch created (to delete if it rolls back)."""

    names: list[str] = field(default_factory=list)


def _put(name: str, data: bytes, written: Written) -> str:
    storage = originals_storage()
    if storage.exists(name):  # content-addressed: the same bytes are there already
        return name
    saved = storage.save(name, ContentFile(data))
    written.names.append(saved)
    return saved


def original_keep(*, name: str, data: bytes, sha256: str, kind: str, media_type: str, written: Written) -> OriginalFile:
    """The stored original of these bytes, kept once: a file ingested again (or by two runs) is not copied."""
    existing = OriginalFile.objects.filter(sha256=sha256).first()
    if existing is not None:
        return existing
    path = _put(f"originals/{sha256[:2]}/{sha256}", data, written)
    return OriginalFile.objects.create(
        sha256=sha256, file=path, name=name[:500], kind=kind, media_type=media_type, size=len(data)
    )


def originals_attach(stored: Iterable[tuple[int, Clipping]], *, written: Written) -> int:
    """For each (article id, clipping) read from a file: keep its original and its pages, and record how
    its text came. Returns how many articles got an original."""
    count = 0
    for article_id, clipping in stored:
        original, document = clipping.original, clipping.document
        if original is None or document is None:
            continue
        kept = original_keep(
            name=original.name,
            data=original.data,
            sha256=original.sha256,
            kind=original.kind,
            media_type=original.media_type,
            written=written,
        )
        Article.objects.filter(pk=article_id).update(
            original=kept, text_origin=document.origin, ocr_confidence=document.confidence
        )
        if document.words or document.page_images or document.origin != ORIGIN_TYPED:
            images = []
            for number, png in enumerate(document.page_images):
                digest = hashlib.sha256(png).hexdigest()
                images.append(_put(f"pages/{digest[:2]}/{digest}-{number}.png", png, written))
            ArticlePages.objects.create(
                article_id=article_id,
                words=[[w.page, w.left, w.top, w.width, w.height, round(w.conf, 1), w.text] for w in document.words],
                page_sizes=[list(size) for size in document.page_sizes],
                page_images=images,
                ocr_text=document.ocr_text,
            )
        count += 1
    return count


def blobs_discard(written: Written) -> None:
    """Delete what a rolled-back batch wrote to storage."""
    storage = originals_storage()
    for name in written.names:
        storage.delete(name)
    written.names.clear()
