"""Record validation: the checks every clipping passes before it is stored, on every write path.

The ingest service (command and admin upload) runs each parsed record through :func:`records_validate`;
the admin's article form runs the same field functions (:func:`text_clean`, :func:`url_check`,
:func:`field_limit_check`). A record that fails is rejected on its own with its line number and the reason;
the records around it are stored. The limits are those of the model's columns, checked here so SQLite
(which does not enforce ``max_length``) and PostgreSQL (which raises mid-run) behave the same.

Per field (docs/RELIABILITY.md has the table):

- title: over ``TITLE_MAX_CHARS`` (1,000, the column) → rejected (an over-long "title" is a mis-parsed body).
- source: over ``SOURCE_MAX_CHARS`` (200, the column; also its normalised key) → rejected.
- url: not ``http``/``https``, malformed, or over ``URL_MAX_CHARS`` (1,000) → rejected; a ``javascript:``
  link must never reach a page (docs/RELIABILITY.md, issue 13 item 1).
- body: over ``settings.ARTICLE_MAX_CHARS`` characters → rejected (bounds the cost of one record).
- every text field: NUL characters removed and lone surrogates replaced by U+FFFD, each with a warning
  (PostgreSQL cannot store either); bidi override/embedding/isolate controls (U+202A–U+202E,
  U+2066–U+2069) removed silently — they can reverse a page's text (a spoofing trick), and carry no content.
  Otherwise only :func:`articles.text.clean` applies (the storage form, the same on every path).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from articles.ingest.readers.base import Clipping, ParseItem, RecordError
from articles.text import clean, clean_line, search_key

# The model's column sizes (articles.models): Article.title, Source.name/key, Article.url.
TITLE_MAX_CHARS = 1000
SOURCE_MAX_CHARS = 200
URL_MAX_CHARS = 1000
URL_SCHEMES = ("http", "https")

# Bidi embedding/override (U+202A–202E) and isolate (U+2066–2069) controls: they reorder the text around
# them, so a title can display as something else than it says (Unicode TR 36, "bidirectional text spoofing").
_BIDI_CONTROLS_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_url_validator = URLValidator(schemes=list(URL_SCHEMES))


class RecordInvalid(ValueError):
    """A record (or an admin form field) that cannot be stored; the message names the field and the rule."""


def text_clean(text: str, *, field: str, line: bool = False) -> tuple[str, list[str]]:
    """(text fit for storage, warnings). Removes NUL, replaces lone surrogates with U+FFFD, applies the
    archive's storage clean-up (:func:`articles.text.clean`, the same for ingest and the admin) and strips
    bidi controls. ``line=True`` (a title or source name) also trims edge whitespace and format
    characters (:func:`articles.text.clean_line`); a body paragraph stays as published.

    The warnings name the field, e.g. "title: 2 NUL characters removed".
    """
    warnings: list[str] = []
    if "\x00" in text:
        warnings.append(f"{field}: {text.count(chr(0))} NUL characters removed")
        text = text.replace("\x00", "")
    if _SURROGATE_RE.search(text):
        count = len(_SURROGATE_RE.findall(text))
        warnings.append(f"{field}: {count} invalid characters (lone surrogates) replaced by U+FFFD")
        text = _SURROGATE_RE.sub("\ufffd", text)
    return _BIDI_CONTROLS_RE.sub("", (clean_line if line else clean)(text)), warnings


def field_limit_check(value: str, *, field: str, limit: int) -> None:
    """Raise RecordInvalid when ``value`` is longer than ``limit`` characters."""
    if len(value) > limit:
        raise RecordInvalid(f"{field} is {len(value):,} characters long, above the limit of {limit:,}")


def url_check(url: str) -> str:
    """The URL stripped, or RecordInvalid unless it is an absolute http(s) URL of at most URL_MAX_CHARS."""
    url = url.strip()
    if not url:
        return ""
    field_limit_check(url, field="url", limit=URL_MAX_CHARS)
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in URL_SCHEMES:
        raise RecordInvalid(f"url must start with http:// or https:// (got {url[:40]!r})")
    try:
        _url_validator(url)
    except ValidationError:
        raise RecordInvalid(f"url is not a valid web address ({url[:40]!r})") from None
    return url


def source_name_check(name: str) -> None:
    """Raise RecordInvalid when a source name (or its normalised key) does not fit its columns."""
    field_limit_check(name, field="source", limit=SOURCE_MAX_CHARS)
    # NFKC can lengthen the key (one ligature such as U+FDFA becomes 18 letters).
    field_limit_check(search_key(name), field="source (normalised)", limit=SOURCE_MAX_CHARS)


def clipping_validate(clipping: Clipping) -> Clipping | RecordError:
    """The clipping cleaned for storage (warnings added), or a RecordError naming its line and the reason."""
    try:
        warnings = list(clipping.warnings)
        title, found = text_clean(clipping.title, field="title", line=True)
        warnings += found
        source, found = text_clean(clipping.source, field="source", line=True)
        warnings += found
        paragraphs: list[str] = []
        for paragraph in clipping.paragraphs:  # kept as the parser gives them (blank lines too: as published)
            paragraph, found = text_clean(paragraph, field="text")
            warnings += found
            paragraphs.append(paragraph)
        if not title.strip():
            raise RecordInvalid("title is empty")
        if not source.strip():
            raise RecordInvalid("source is empty")
        if not any(p.strip() for p in paragraphs):
            raise RecordInvalid("text is empty")
        field_limit_check(title, field="title", limit=TITLE_MAX_CHARS)
        source_name_check(source)
        body_chars = sum(len(p) + 1 for p in paragraphs) - 1
        if body_chars > settings.ARTICLE_MAX_CHARS:
            raise RecordInvalid(
                f"text is {body_chars:,} characters long, above the limit of {settings.ARTICLE_MAX_CHARS:,} "
                "(ARTICLE_MAX_CHARS)"
            )
        url = url_check(text_clean(clipping.url, field="url")[0])
    except RecordInvalid as exc:
        return RecordError(clipping.line, str(exc))
    return replace(
        clipping,
        title=title,
        source=source,
        paragraphs=paragraphs,
        url=url,
        warnings=list(dict.fromkeys(warnings)),
    )


def records_validate(items: Iterable[ParseItem]) -> Iterator[ParseItem]:
    """Each parsed item validated on its own: a Clipping fit for storage, or a RecordError (line, reason)."""
    for item in items:
        yield clipping_validate(item) if isinstance(item, Clipping) else item
