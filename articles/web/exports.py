"""CSV and JSON exports of a search: the results in the search's order, streamed, at most
``settings.EXPORT_MAX_ROWS`` rows, with the columns the ``fields`` parameter names."""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Callable, Iterator
from itertools import chain

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext as _

from articles.models import Article
from articles.search import selectors

log = logging.getLogger(__name__)

# Starts the last line of an export that failed mid-stream (headers already sent with a 200).
EXPORT_FAILURE_MARK = "#ERROR"

# The columns an export can have, in their default order; BASE_FIELDS without ``fields=``.
FIELDS = ("id", "title", "url", "published_on", "source", "topic", "permalink", "body", "entities")
BASE_FIELDS = FIELDS[:7]


class FieldsError(ValueError):
    """An unknown name in ``fields=``: the message names it and the allowed ones."""


def fields_parse(data: QueryDict) -> tuple[str, ...]:
    """The export's columns from ``fields=a,b`` (or repeated ``fields``), in the order given.

    Raises FieldsError for an unknown name. Without the parameter: BASE_FIELDS (no body, no entities).
    """
    raw = [part.strip() for value in data.getlist("fields") for part in value.split(",")]
    names = [name for name in raw if name]
    if not names:
        return BASE_FIELDS
    unknown = [name for name in names if name not in FIELDS]
    if unknown:
        raise FieldsError(
            _("Unknown export field: %(names)s. Allowed fields: %(allowed)s.")
            % {"names": ", ".join(unknown), "allowed": ", ".join(FIELDS)}
        )
    return tuple(dict.fromkeys(names))  # duplicates once, first place kept


def _row(article: Article, fields: tuple[str, ...], permalink: Callable[[Article], str]) -> dict:
    values = {
        "id": lambda: article.pk,
        "title": lambda: article.title,
        "url": lambda: article.url,
        "published_on": lambda: article.published_on.isoformat() if article.published_on else "",
        "source": lambda: article.source.name,
        "topic": lambda: article.topic.slug if article.topic else "",
        "permalink": lambda: permalink(article),
        "body": lambda: article.body,
        "entities": lambda: article.export_entities,
    }
    return {name: values[name]() for name in fields}


def export_rows(data: QueryDict, *, fields: tuple[str, ...], permalink: Callable[[Article], str]) -> Iterator[dict]:
    """The search's results as dicts of ``fields``; entities as [{"name", "kind", "slug"}].

    The search and the first chunk of articles run *now*, before the view builds its response, so a failing
    database is an error status (503 via articles.web.outage), never a 200 with a header only."""
    _, ids = selectors.article_ids_for_export(data=data, limit=settings.EXPORT_MAX_ROWS)
    articles = selectors.articles_by_ids(ids, entities="entities" in fields)
    rows = (_row(article, fields, permalink) for article in articles)
    first = next(rows, None)
    return iter(()) if first is None else chain((first,), rows)


# Rows are sent in pieces of about this many characters: one write per row was one system call (and one
# gunicorn write) per row.
STREAM_PIECE = 64 * 1024


def _guarded(chunks: Iterator[str], *, failure: Callable[[int], str], kind: str) -> Iterator[str]:
    """Pass ``chunks`` (one per row) through in pieces of about STREAM_PIECE characters; a failure
    mid-stream is logged and ends the body with what was read and ``failure(rows_sent)``, which makes
    the file visibly broken (CSV: an #ERROR line; JSON: unparseable), never silently short."""
    sent = 0
    piece: list[str] = []
    size = 0
    try:
        for chunk in chunks:
            piece.append(chunk)
            size += len(chunk)
            sent += 1
            if size >= STREAM_PIECE:
                yield "".join(piece)
                piece, size = [], 0
        if piece:
            yield "".join(piece)
    except Exception:
        log.exception("%s export failed after %d chunks; the client got an incomplete file", kind, sent)
        yield "".join(piece) + failure(max(sent - 1, 0))


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_safe(value) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: quote them as text."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_cell(value) -> str:
    if isinstance(value, list):  # entities: "name (KIND); ..." in one cell
        value = "; ".join(f"{e['name']} ({e['kind']})" for e in value)
    return _csv_safe(value)


def csv_chunks(rows: Iterator[dict], fields: tuple[str, ...]) -> Iterator[str]:
    writer = csv.writer(_Echo())

    def chunks() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(fields)  # BOM: spreadsheets then read UTF-8 Arabic right
        for row in rows:
            yield writer.writerow([_csv_cell(row[name]) for name in fields])

    def failure(sent: int) -> str:
        return writer.writerow([EXPORT_FAILURE_MARK, f"export failed after {sent} rows: this file is incomplete"])

    return _guarded(chunks(), failure=failure, kind="CSV")


def json_chunks(rows: Iterator[dict]) -> Iterator[str]:
    def chunks() -> Iterator[str]:
        yield "["
        for i, row in enumerate(rows):
            yield ("," if i else "") + "\n" + json.dumps(row, ensure_ascii=False)
        yield "\n]\n"

    def failure(sent: int) -> str:
        # No closing bracket and a bare word: no JSON parser accepts the file as complete.
        return f"\n{EXPORT_FAILURE_MARK} export failed after {sent} rows: this file is incomplete\n"

    return _guarded(chunks(), failure=failure, kind="JSON")
