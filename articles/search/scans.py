"""The pages of an article's clipping file for the reader and the editor: each page image's address and
size, the boxes of the words a query matches, and the OCR words Tesseract was unsure of.

Highlighting on the scan (what Chronicling America does for English newspapers): the OCR word boxes of
:class:`articles.ingest.models.ArticlePages` whose word the reader's query matches, by the same rules as
the text's highlighting (:func:`articles.search.highlight.words_hit`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from articles.ingest.models import ArticlePages
from articles.models import Article
from articles.search.highlight import words_hit
from articles.search.query import query_parse

# Below this Tesseract confidence (0-100) a word is marked for editors to check.
LOW_WORD_CONFIDENCE = 60
MAX_QUERY_CHARS = 200
# Browsers show these originals as images; TIFF pages are shown from their PNG renderings.
SHOWN_AS_IS = ("image/png", "image/jpeg", "image/webp")


@dataclass
class Box:
    left: int
    top: int
    width: int
    height: int
    text: str
    conf: float


@dataclass
class ScanPage:
    number: int
    url: str
    width: int
    height: int
    hits: list[Box] = field(default_factory=list)
    low: list[Box] = field(default_factory=list)


def _page_boxes(pages: ArticlePages) -> dict[int, list[Box]]:
    boxes: dict[int, list[Box]] = {}
    for page, left, top, width, height, conf, text in pages.words:
        boxes.setdefault(int(page), []).append(
            Box(int(left), int(top), int(width), int(height), str(text), float(conf))
        )
    return boxes


def article_scan_pages(*, article: Article, query: str = "") -> list[ScanPage]:
    """The pages to show beside the text (empty for typed articles and files with no page view: web pages,
    Word files), each with the boxes of the words ``query`` matches and of low-confidence OCR words."""
    if article.original_id is None and article.text_origin == Article.TextOrigin.TYPED:
        return []  # typed text: no query spent on pages it cannot have
    pages = ArticlePages.objects.filter(article=article).first()
    if pages is None or not pages.page_sizes:
        return []
    shown_as_is = article.original is not None and article.original.media_type in SHOWN_AS_IS
    if not pages.page_images and not shown_as_is:
        return []
    boxes = _page_boxes(pages)
    parsed = query_parse(query[:MAX_QUERY_CHARS]) if query.strip() else None
    out = []
    for number, (width, height) in enumerate(pages.page_sizes):
        words = boxes.get(number, [])
        hit_flags = words_hit([w.text for w in words], parsed)
        out.append(
            ScanPage(
                number=number,
                url=reverse("article_page_image", args=[article.pk, number]),
                width=int(width),
                height=int(height),
                hits=[w for w, hit in zip(words, hit_flags, strict=True) if hit],
                low=[w for w in words if w.conf < LOW_WORD_CONFIDENCE],
            )
        )
    return out
