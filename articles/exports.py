"""CSV and JSON exports of a search: the results in the search's order, streamed, at most
``settings.EXPORT_MAX_ROWS`` rows, with the columns the ``fields`` parameter names."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext as _

from articles import selectors
from articles.models import Article

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
    """The search's results as dicts of ``fields``; entities as [{"name", "kind", "slug"}]."""
    _, ids = selectors.article_ids_for_export(data=data, limit=settings.EXPORT_MAX_ROWS)
    for article in selectors.articles_by_ids(ids, entities="entities" in fields):
        yield _row(article, fields, permalink)


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
    yield "\ufeff" + writer.writerow(fields)  # BOM: spreadsheets then read UTF-8 Arabic right
    for row in rows:
        yield writer.writerow([_csv_cell(row[name]) for name in fields])


def json_chunks(rows: Iterator[dict]) -> Iterator[str]:
    yield "["
    for i, row in enumerate(rows):
        yield ("," if i else "") + "\n" + json.dumps(row, ensure_ascii=False)
    yield "\n]\n"
