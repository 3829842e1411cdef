"""Parser of the clipping-dump format (title, date line, paragraphs, source line, separator). Pure module, no Django.

Dump format (see ../shared/data/README.md): a title line, an optional date line
(``تاريخ النشر: ...``), body paragraphs one a line, a source line ``المصدر: NAME``, and between
articles a separator ``إقرأ أيضاً:``. The reader streams: memory stays flat on large files.
Bad records are reported with their line number and skipped; the records around them come through.

Text is kept **as published** (cleaned for storage once, in :mod:`articles.ingest.validation`): inner
spaces, line breaks of a JSON title, tatweel and every character stay. Only the structure lines (date,
source, separator) are matched after invisible marks are removed, and a source name is stored without
them (it is a label, not text). A date that cannot be read costs the record its date, never the record:
it is stored undated with a warning. Double-encoded UTF-8 (mojibake) is repaired when the repair is
certain (with a warning), otherwise the record is rejected naming the problem (:mod:`articles.ingest.mojibake`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from articles.ingest.readers.base import Clipping, ParseItem, RecordError
from articles.ingest.readers.lines import BAD_LINE_MESSAGE, BadLine, _date_read, _decoded_lines, _repaired
from articles.text import collapse_spaces, normalize, strip_invisible

# Matched on normalised text, so hamza, tanween and ى/ي variants all match.
_SEPARATOR_RE = re.compile(r"^\W*اقرا\s+ايضا\W*$")


_DATE_LINE_RE = re.compile(r"^\s*تاريخ\s+النشر\s*[:：]\s*(?P<value>.+)$")


# A source line is the word المصدر, a colon right after it, and a short name. "المصدر شدد على ..."
# (a body sentence) has no colon; a long line with a colon is a sentence, not a source line.
_SOURCE_LINE_RE = re.compile(r"^\s*المصدر\s*[:：]\s*(?P<value>\S.{0,99})$")


_SOURCE_MAX_WORDS = 8


def _is_separator(line: str) -> bool:
    # Cheap length test first: normalising every body line would dominate the parse time.
    return len(line) < 40 and bool(_SEPARATOR_RE.match(normalize(line)))


def _source_name(line: str) -> str | None:
    m = _SOURCE_LINE_RE.match(strip_invisible(line))
    if not m:
        return None
    name = collapse_spaces(m["value"])
    if len(name.split()) > _SOURCE_MAX_WORDS:
        return None
    return name


class _Record:
    def __init__(self, line: int) -> None:
        self.line = line
        self.lines: list[str] = []
        self.numbers: list[int] = []
        self.bad_line: int | None = None
        self.bad_reason = BAD_LINE_MESSAGE
        # Ambiguity signs (issue 13 item 12): the source line this record directly follows, and date lines
        # found inside its body.
        self.after_source: int | None = None
        self.inner_date_lines: list[int] = []


def _finish(rec: _Record, source: str | None) -> ParseItem:
    if rec.bad_line is not None:
        return RecordError(rec.bad_line, f"{rec.bad_reason}; record skipped")
    if source is None:
        # A garbled record has no readable source line: say so instead of "no source line".
        garbled = _repaired({"text": "\n".join(rec.lines)}, rec.line)
        if isinstance(garbled, RecordError) or garbled[1]:
            return RecordError(rec.line, "garbled text (double-encoded UTF-8, mojibake): no readable source line")
        return RecordError(rec.line, "record has no source line (المصدر: ...)")
    title, rest = rec.lines[0], rec.lines[1:]
    published_on = None
    warnings: list[str] = []
    if rest and (m := _DATE_LINE_RE.match(strip_invisible(rest[0]))):
        published_on = _date_read(m["value"], rec.numbers[1], warnings)
        rest = rest[1:]
    if not rest:
        return RecordError(rec.line, "record has no body text")
    fixed = _repaired({"title": title, "body": "\n".join(rest), "source": source}, rec.line)
    if isinstance(fixed, RecordError):
        return fixed
    fields, notes = fixed
    return Clipping(
        title=fields["title"],
        paragraphs=fields["body"].split("\n"),
        source=fields["source"],
        published_on=published_on,
        line=rec.line,
        warnings=warnings + notes,
    )


def parse_dump(stream: BinaryIO) -> Iterator[ParseItem]:
    """Yield a Clipping or a RecordError for each record of a dump read from a binary stream."""
    rec: _Record | None = None
    after_source: int | None = None  # the line of the last source line, until a separator follows it
    for number, line in _decoded_lines(stream):
        bad = isinstance(line, BadLine)
        line_reason = line.reason if bad else ""
        line = line.strip()
        if not line and not bad:
            continue
        if line and _is_separator(line):
            if rec is not None:
                yield _finish_safely(rec, None)
                rec = None
            after_source = None
            continue
        source = _source_name(line)
        if source is not None and rec is not None and (rec.lines or rec.bad_line):
            yield _finish_safely(rec, source)
            rec = None
            after_source = number
            continue
        if rec is None:
            rec = _Record(number)
            if after_source is not None:
                rec.after_source = after_source
                after_source = None
        elif _DATE_LINE_RE.match(strip_invisible(line)) and len(rec.lines) > 1:
            rec.inner_date_lines.append(number)
        if bad:
            if rec.bad_line is None:
                rec.bad_line, rec.bad_reason = number, line_reason
        else:
            rec.lines.append(line)
            rec.numbers.append(number)
    if rec is not None:
        yield _finish_safely(rec, None)


def _finish_safely(rec: _Record, source: str | None) -> ParseItem:
    """_finish, plus the warnings of an ambiguous record; an unexpected failure costs only this record."""
    try:
        item = _finish(rec, source)
    except Exception as exc:  # a bug or a hostile input must not end the parse of the records after it
        return RecordError(rec.line, f"unreadable record ({type(exc).__name__})")
    if isinstance(item, Clipping):
        item.warnings.extend(_ambiguity_warnings(rec))
    elif rec.after_source is not None:
        item.message += f" (it follows the source line {rec.after_source} without a separator: check that line)"
    return item


def _ambiguity_warnings(rec: _Record) -> list[str]:
    """Signs that a record is two clippings, or half of one (stored as parsed; an editor should check)."""
    warnings = []
    if rec.after_source is not None:
        warnings.append(
            f"starts right after the source line {rec.after_source} without a separator (إقرأ أيضاً:): "
            "if it continues the article before, a body line was read as its source line"
        )
    for number in rec.inner_date_lines:
        warnings.append(
            f"a date line at line {number} inside the text: two clippings merged? "
            "(a missing source line and separator before it)"
        )
    return warnings
