"""Serving an article's clipping file: the original as a download and its pages as images.

Files are served so that nothing from them runs on the archive's origin: always ``nosniff`` and a CSP
``sandbox`` with no sources; a saved web page only as a download (``application/octet-stream``), never
as HTML; page images are the archive's own PNG renderings or an original that decoded as an image.
"""

from __future__ import annotations

from django.http import FileResponse, Http404

from articles.ingest.models import ArticlePages, OriginalFile, originals_storage
from articles.models import Article
from articles.search.scans import SHOWN_AS_IS

_SANDBOX = "sandbox; default-src 'none'"


def _sandboxed(response: FileResponse) -> FileResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = _SANDBOX
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def original_response(*, article: Article) -> FileResponse:
    """The original file as a download (``Content-Disposition: attachment``) under its own name; a web page
    as ``application/octet-stream`` so no browser renders it. Http404 when the article has none."""
    original: OriginalFile | None = article.original
    if original is None:
        raise Http404("this article has no original file")
    media_type = "application/octet-stream" if original.kind == OriginalFile.Kind.HTML else original.media_type
    handle = originals_storage().open(original.file.name, "rb")
    response = FileResponse(
        handle, as_attachment=True, filename=original.name or original.sha256, content_type=media_type
    )
    return _sandboxed(response)


def page_image_response(*, article: Article, number: int) -> FileResponse:
    """Page ``number`` (0-based) as an image: the PNG rendering when there is one, else the original image."""
    pages = ArticlePages.objects.filter(article=article).first()
    if pages is None or not 0 <= number < max(len(pages.page_sizes), 1):
        raise Http404("no such page")
    storage = originals_storage()
    if pages.page_images:
        if number >= len(pages.page_images):
            raise Http404("no such page")
        response = FileResponse(storage.open(pages.page_images[number], "rb"), content_type="image/png")
    elif article.original is not None and article.original.media_type in SHOWN_AS_IS and number == 0:
        response = FileResponse(
            storage.open(article.original.file.name, "rb"), content_type=article.original.media_type
        )
    else:
        raise Http404("no such page")
    response["Cache-Control"] = "private, max-age=86400"
    return _sandboxed(response)
