"""The reader of saved web pages: the article's own text, headline, source, date and address. Pure module.

- **Text**: trafilatura's main-content extraction (Barbaresi, ACL 2021: the best precision/recall of the
  open extractors in its evaluation), comments and tables left out, so menus, tickers, related links
  («اقرأ أيضاً»), share buttons, comments and footers stay out; a leftover «اقرأ أيضاً» block or share line at
  either end is cut. Paragraphs stay paragraphs; the text is stored as the page had it.
- **Headline**: ``og:title``, JSON-LD ``headline``, the first ``<h1>``, then ``<title>`` — without a
  " | site" / " - site" / " :: site" part naming the site (:mod:`.html_meta`).
- **Source**: ``og:site_name``, JSON-LD ``publisher.name`` (also inside ``@graph``), ``application-name``.
- **Date**: JSON-LD ``datePublished``, ``article:published_time`` and like meta tags, ``<time datetime>``,
  htmldate on the markup, then a visible Arabic date line through the archive's own date parser.
- **Address**: ``<link rel=canonical>``, ``og:url``, JSON-LD ``url`` (http/https only): stored, never fetched.

Nothing the page references is ever fetched: trafilatura and htmldate get the markup as a string, never a URL.
"""

from __future__ import annotations

import re

import lxml.etree
import trafilatura

from articles.ingest.readers.document import Document, ReaderError
from articles.ingest.readers.html_meta import PageMeta, html_decode, page_meta, visible_date

MAX_HTML_BYTES = 20 * 1024 * 1024
# Fewer words than this is a front page, a list of links or a paywall stub, not an article.
MIN_WORDS = 8
# Lines a site adds around an article that trafilatura may keep: "read also" teasers, share and tag lines.
_TRAILER_RE = re.compile(
    r"^\W*(?:اقرأ|إقرأ|اقرا)\s+(?:أيضا|أيضاً|ايضا|ايضاً|المزيد)|^\W*(?:مواضيع|أخبار|اخبار)\s+ذات\s+صلة|^\W*(?:شارك|مشاركة)\b"
    r"|^\W*(?:الوسوم|كلمات\s+مفتاحية|tags)\s*[:：]|^\W*الأكثر\s+(?:قراءة|مشاهدة)",
    re.IGNORECASE,
)


def _paragraphs(text: str) -> list[str]:
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    # A "read also" block or a share/tags line at the end (or the start) is the site's, not the article's.
    while paragraphs and _TRAILER_RE.search(paragraphs[-1]):
        paragraphs.pop()
    while paragraphs and _TRAILER_RE.search(paragraphs[0]):
        paragraphs.pop(0)
    return paragraphs


def _extract(markup: str, **options) -> list[tuple[str, str]]:
    """(element, text) of trafilatura's main content in its XML form: ``head`` (a heading), ``p``, ``item``,
    ``quote``, ``cell``... in order; empty when it finds none."""
    xml = trafilatura.extract(
        markup,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        deduplicate=False,
        output_format="xml",
        with_metadata=False,
        **options,
    )
    if not xml:
        return []
    try:
        root = lxml.etree.fromstring(xml.encode("utf-8"))
    except lxml.etree.XMLSyntaxError:
        return []
    main = root.find("main")
    nodes = main.iter() if main is not None else root.iter()
    out = []
    for node in nodes:
        if node.tag in ("head", "p", "item", "quote") and (text := " ".join("".join(node.itertext()).split())):
            out.append((node.tag, text))
    return out


def _body(markup: str, meta: PageMeta) -> list[str]:
    # Precision first; a short article it drops is asked for again with recall before giving up.
    blocks = _extract(markup, favor_precision=True) or _extract(markup, favor_recall=True)
    # The page's headline element is the title, not the body; a paragraph repeating it is the article's own.
    title = " ".join(meta.title.split())
    blocks = [(tag, text) for tag, text in blocks if not (tag == "head" and text == title)]
    paragraphs = _paragraphs("\n".join(text for _, text in blocks))
    return paragraphs if sum(len(p.split()) for p in paragraphs) >= MIN_WORDS else []


def read_html(data: bytes, *, name: str = "") -> Document:
    """One saved web page as one :class:`Document` (origin typed). Raises :class:`ReaderError` when the page
    is over :data:`MAX_HTML_BYTES`, is not text, or has no article text."""
    if len(data) > MAX_HTML_BYTES:
        raise ReaderError(f"the web page is larger than {MAX_HTML_BYTES // 2**20} MB")
    markup = html_decode(data)
    meta = page_meta(markup)
    paragraphs = _body(markup, meta)
    if not paragraphs:
        raise ReaderError("no article text found in the web page (is it a front page or a list of links?)")
    warnings: list[str] = []
    published_on = meta.published_on or visible_date(markup)
    if not meta.title:
        warnings.append("the web page has no headline (og:title, h1 or title)")
    return Document(
        title=meta.title,
        paragraphs=paragraphs,
        source=meta.site_name,
        published_on=published_on,
        url=meta.url,
        warnings=warnings,
    )
