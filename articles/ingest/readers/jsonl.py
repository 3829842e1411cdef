"""Reader of JSON Lines exports: one object a line with ``title``, ``text`` (or ``body``/``content``),
``source`` and optional ``date``, ``url``, ``category``. Hostile JSON costs only its own line.
Pure module, no Django.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import BinaryIO

from articles.ingest.readers.base import Clipping, ParseItem, RecordError
from articles.ingest.readers.lines import BadLine, _date_read, _decoded_lines, _repaired
from articles.text import collapse_spaces, strip_invisible

_JSON_TEXT_FIELDS = ("text", "body", "content")


def _json_record(obj: object, number: int) -> ParseItem:
    if not isinstance(obj, dict):
        return RecordError(number, "not a JSON object")
    title = obj.get("title")
    text = next((obj[k] for k in _JSON_TEXT_FIELDS if isinstance(obj.get(k), str) and obj[k].strip()), None)
    source = obj.get("source")
    for name, value in (("title", title), ("text", text), ("source", source)):
        if not isinstance(value, str) or not value.strip():
            return RecordError(number, f"missing or empty field {name!r}")
    published_on = None
    warnings: list[str] = []
    if raw_date := obj.get("date"):
        if isinstance(raw_date, str):
            published_on = _date_read(raw_date, number, warnings)
        else:
            warnings.append(f"date on line {number} is not a string ({raw_date!r}); stored without a date")
    url = obj.get("url") or ""
    category = obj.get("category") or ""
    if not isinstance(url, str) or not isinstance(category, str):
        return RecordError(number, "fields 'url' and 'category' must be strings")
    # As published: line breaks and inner spaces kept; only the ends of the whole field are trimmed. Cleaning
    # for storage (NFC, spoofing controls) is validation's, once, on every path.
    fixed = _repaired(
        {"title": title.strip(), "body": text.replace("\r\n", "\n").strip(), "source": source},
        number,
    )
    if isinstance(fixed, RecordError):
        return fixed
    fields, notes = fixed
    return Clipping(
        title=fields["title"],
        paragraphs=fields["body"].split("\n"),
        source=collapse_spaces(strip_invisible(fields["source"])),
        published_on=published_on,
        line=number,
        url=url.strip(),
        category=category.strip(),
        warnings=warnings + notes,
    )


def parse_jsonl(stream: BinaryIO) -> Iterator[ParseItem]:
    """Yield a Clipping or a RecordError for each line of a JSON Lines stream."""
    for number, line in _decoded_lines(stream):
        if isinstance(line, BadLine):
            yield RecordError(number, line.reason)
            continue
        if not line.strip():
            continue
        yield _json_line(line, number)


def _json_line(line: str, number: int) -> ParseItem:
    """One JSON Lines record; hostile JSON (deep nesting, 5,000-digit numbers) costs only its own line."""
    try:
        return _json_record(json.loads(line), number)
    except json.JSONDecodeError as exc:
        return RecordError(number, f"invalid JSON ({exc.msg})")
    except RecursionError:
        return RecordError(number, "invalid JSON (nested too deeply)")
    except ValueError as exc:  # e.g. an integer beyond sys.get_int_max_str_digits()
        return RecordError(number, f"invalid JSON ({exc})")


def is_jsonl(name: str) -> bool:
    return name.endswith((".jsonl", ".jsonl.gz", ".ndjson", ".json"))
