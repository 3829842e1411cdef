"""What a saved web page says about itself: charset, headline, site name, publication date, address.
Pure module, no Django. Read from the markup only (lxml); nothing is fetched.

Sources of the rules: Open Graph (ogp.me: ``og:title``, ``og:site_name``, ``og:url``,
``article:published_time``), schema.org ``NewsArticle`` in JSON-LD (``headline``, ``datePublished``,
``publisher.name``, ``@graph``), HTML's ``<link rel=canonical>`` and ``<time datetime>``, and htmldate
(Barbaresi, JOSS 2020) for the rest.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import lxml.html
from htmldate import find_date

from articles.ingest.dates import DateParseError, parse_date

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.IGNORECASE)
# " | site", " - site", " — site", " :: site", " « site": a headline's site part, at either end.
_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " « ", " » ", " ｜ ")
_DATE_META = (
    "article:published_time",
    "og:published_time",
    "datePublished",
    "pubdate",
    "publish-date",
    "publish_date",
    "date",
    "dc.date",
    "dc.date.issued",
    "sailthru.date",
)
URL_MAX_CHARS = 1000
# A visible date line is looked for in this much text from the top of the page (the article's dateline).
_VISIBLE_DATE_CHARS = 6000


@dataclass
class PageMeta:
    title: str = ""
    site_name: str = ""
    published_on: dt.date | None = None
    url: str = ""


def html_decode(data: bytes) -> str:
    """The page's text: the BOM's or the ``<meta charset>``'s encoding, else UTF-8, else Windows-1256."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    declared = _CHARSET_RE.search(data[:4096])
    encodings = [declared.group(1).decode("ascii", "ignore").lower()] if declared else []
    for encoding in [*encodings, "utf-8", "cp1256"]:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", errors="replace")


def _meta(tree, *names: str) -> str:
    for name in names:
        for attr in ("property", "name", "itemprop"):
            found = tree.xpath(f"//meta[@{attr}=$n]/@content", n=name)
            if found and found[0].strip():
                return found[0].strip()
    return ""


def _json_ld(tree) -> list[dict]:
    """Every JSON-LD object of the page, ``@graph`` members and lists flattened."""
    out: list[dict] = []

    def walk(node, depth: int = 0) -> None:
        if depth > 6:
            return
        if isinstance(node, list):
            for item in node:
                walk(item, depth + 1)
        elif isinstance(node, dict):
            out.append(node)
            if "@graph" in node:
                walk(node["@graph"], depth + 1)

    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            walk(json.loads(script))
        except (ValueError, RecursionError):
            continue
    return out


def _article_ld(objects: list[dict]) -> dict:
    for obj in objects:
        kinds = obj.get("@type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if any(isinstance(k, str) and ("Article" in k or k == "BlogPosting") for k in kinds):
            return obj
    return {}


def _name(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name", "")
    return value.strip() if isinstance(value, str) else ""


def _date(raw: str) -> dt.date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        pass
    try:
        return parse_date(raw)
    except DateParseError:
        return None


def url_valid(url: str) -> str:
    """The URL when it is an absolute http(s) address of sane length, else ""."""
    url = (url or "").strip()
    if len(url) > URL_MAX_CHARS:
        return ""
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else ""


def headline_split(title: str, site: str) -> tuple[str, str]:
    """(headline, site part): ``title`` without a separator-delimited part naming the site, and that part. With
    no site name known, a short last part after " | " (or " - " when it is short and the headline long) is
    taken as the site's. A dash inside a headline that does not set off a site's name is kept."""
    title = " ".join(title.split())
    if not title:
        return "", ""
    for sep in _SEPARATORS:
        if sep not in title:
            continue
        parts = [p.strip() for p in title.split(sep)]
        if site:
            kept = [p for p in parts if (p and p != site and site not in p) or len(p) > 3 * len(site)]
            if len(kept) < len(parts):
                return sep.join(kept).strip(), site
        elif len(parts[-1].split()) <= 3 and len(parts[0].split()) > 2 * len(parts[-1].split()):
            return sep.join(parts[:-1]).strip(), parts[-1]
    return title, ""


def _site_of_title(title_tag: str, headline: str) -> str:
    """The site's name in a ``<title>`` that is the headline plus a separator and the site (either side)."""
    for sep in _SEPARATORS:
        if title_tag.startswith(headline + sep):
            return title_tag[len(headline + sep) :].strip()
        if title_tag.endswith(sep + headline):
            return title_tag[: -len(sep + headline)].strip()
    return ""


def page_meta(markup: str) -> PageMeta:
    """The page's own headline, site name, date and address (empty where it does not say)."""
    try:
        tree = lxml.html.document_fromstring(markup)  # text, so a <meta charset> cannot re-decode it
    except (lxml.etree.ParserError, ValueError):
        return PageMeta()
    objects = _json_ld(tree)
    article = _article_ld(objects)
    site = _meta(tree, "og:site_name", "application-name") or _name(article.get("publisher"))
    if not site:
        site = next((_name(o) for o in objects if o.get("@type") in ("Organization", "NewsMediaOrganization")), "")
    h1 = " ".join(" ".join(tree.xpath("//h1[1]//text()")).split())
    raw_title = _meta(tree, "og:title", "twitter:title") or _name(article.get("headline")) or h1
    title_tag = " ".join(" ".join(tree.xpath("//title//text()")).split())
    raw_title = raw_title or title_tag
    title, site_part = headline_split(raw_title, site)
    if not site_part and title_tag and title_tag != raw_title:
        site_part = _site_of_title(title_tag, title)
    if not site:  # the page names its site only in its <title> ("headline | site") or its logo link
        site = site_part or " ".join(" ".join(tree.xpath('(//header//a[@href="/"])[1]//text()')).split())
    if h1 and title != h1 and h1 in title:  # og:title sometimes adds a kicker; the h1 is what the page shows
        title = h1
    published = _date(_name(article.get("datePublished"))) or _date(_meta(tree, *_DATE_META))
    if published is None:
        times = tree.xpath("//time/@datetime")
        published = _date(times[0]) if times else None
    if published is None:
        try:  # the markup itself, never a URL (htmldate would download one)
            found = find_date(markup, extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
        except Exception:  # htmldate on hostile markup: no date, not a failed file
            found = None
        published = _date(found) if found else None
    canonical = tree.xpath('//link[@rel="canonical"]/@href')
    url = url_valid(canonical[0] if canonical else "") or url_valid(_meta(tree, "og:url"))
    url = url or url_valid(_name(article.get("url")) if isinstance(article.get("url"), str) else "")
    return PageMeta(title=title, site_name=" ".join(site.split()), published_on=published, url=url)


def visible_date(markup: str) -> dt.date | None:
    """A publication date written in the page's visible text (e.g. «نشر في 12 مارس 2018»), read by the archive's
    Arabic date parser, line by line from the top."""
    try:
        tree = lxml.html.document_fromstring(markup)  # text, so a <meta charset> cannot re-decode it
    except (lxml.etree.ParserError, ValueError):
        return None
    for bad in tree.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    seen = 0
    for piece in tree.itertext():  # text nodes in document order: a dateline is one short node
        line = " ".join(piece.split())
        seen += len(line)
        if seen > _VISIBLE_DATE_CHARS:
            break
        if not line or len(line) > 80 or not re.search(r"\d", line):
            continue
        try:
            return parse_date(line)
        except DateParseError:
            continue
    return None
