"""Parser of the clipping-dump format and of JSON Lines exports. Pure module, no Django.

Dump format (see ../shared/data/README.md): a title line, an optional date line
(``تاريخ النشر: ...``), body paragraphs one a line, a source line ``المصدر: NAME``, and between
articles a separator ``إقرأ أيضاً:``. Both readers stream: memory stays flat on large files.
Bad records are reported with their line number and skipped; the records around them come through.

Text is kept **as published** (:func:`articles.text.clean`: NFC, spoofing bidi controls removed): inner
spaces, line breaks of a JSON title, tatweel and every character stay. Only the structure lines (date,
source, separator) are matched after invisible marks are removed, and a source name is stored without
them (it is a label, not text). A date that cannot be read costs the record its date, never the record:
it is stored undated with a warning. Double-encoded UTF-8 (mojibake) is repaired when the repair is
certain (with a warning), otherwise the record is rejected naming the problem (:mod:`articles.mojibake`).
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from articles.dates import DateParseError, parse_date
from articles.mojibake import MojibakeError, mojibake_repair
from articles.text import clean, collapse_spaces, normalize, strip_invisible

# Matched on normalised text, so hamza, tanween and ى/ي variants all match.
_SEPARATOR_RE = re.compile(r"^\W*اقرا\s+ايضا\W*$")
_DATE_LINE_RE = re.compile(r"^\s*تاريخ\s+النشر\s*[:：]\s*(?P<value>.+)$")
# A source line is the word المصدر, a colon right after it, and a short name. "المصدر شدد على ..."
# (a body sentence) has no colon; a long line with a colon is a sentence, not a source line.
_SOURCE_LINE_RE = re.compile(r"^\s*المصدر\s*[:：]\s*(?P<value>\S.{0,99})$")
_SOURCE_MAX_WORDS = 8
SNIFF_BYTES = 64 * 1024


@dataclass
class Clipping:
    title: str
    paragraphs: list[str]
    source: str
    published_on: dt.date | None = None
    line: int = 0
    url: str = ""
    category: str = ""
    # Problems that did not cost the record (an unreadable date, a repaired encoding, ...): the ingest
    # run lists each with this record's line number so an editor can check it.
    warnings: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass
class RecordError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


ParseItem = Clipping | RecordError


class NotUtf8Error(ValueError):
    """The input is not UTF-8 text (a Windows-1256 export, or a binary file)."""


def _utf16(head: bytes) -> str | None:
    """'UTF-16LE'/'UTF-16BE' when the bytes are UTF-16 text (a BOM, or a NUL beside most ASCII bytes)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16LE" if head.startswith(b"\xff\xfe") else "UTF-16BE"
    sample = head[:4096]
    even, odd = sample[0::2], sample[1::2]
    # Arabic in UTF-16 is 0x06xx: one byte of each pair is 0x06; Latin text has a NUL byte instead.
    for name, high in (("UTF-16LE", odd), ("UTF-16BE", even)):
        if len(high) > 8 and sum(b in (0, 6) for b in high) > 0.8 * len(high):
            return name
    return None


def check_utf8(head: bytes) -> None:
    """Refuse binary and non-UTF-8 input before anything is stored, with a message a person can act on."""
    if utf16 := _utf16(head):
        # With a BOM, iconv's plain UTF-16 reads the byte order from it and drops it.
        source = "UTF-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else utf16
        raise NotUtf8Error(
            f"the file is {utf16} text, not UTF-8: convert it first, e.g. iconv -f {source} -t UTF-8 FILE > FILE.txt"
        )
    if b"\x00" in head:
        raise NotUtf8Error("this is a binary file, not a UTF-8 text dump")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a multi-byte character cut by the sniff window
            return
        try:
            head.decode("cp1256")
            hint = " (it looks like Windows-1256: re-save it as UTF-8)"
        except UnicodeDecodeError:
            hint = ""
        raise NotUtf8Error(f"the file is not UTF-8{hint}") from exc


# Why a line is refused. Every line is checked as it is read (not only the head of the file), so a
# Windows-1256 or binary section anywhere costs exactly the records it touches.
BAD_LINE_MESSAGE = "not valid UTF-8 text (a Windows-1256 section or binary data)"


def _line_is_bad(raw: bytes) -> bool:
    if b"\x00" in raw:
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def head_check(head: bytes) -> None:
    """Refuse up front a stream that is wholly not UTF-8 text: most lines of its head are bad.

    A bad *section* (some lines) is not refused here: the parser rejects exactly the records it touches,
    whatever its offset in the file. Raises NotUtf8Error worded by :func:`check_utf8`.
    """
    lines = head.split(b"\n")
    if len(lines) == 1:  # one (possibly cut) line: check_utf8 tolerates a character cut by the window
        check_utf8(head)
        return
    lines = [line for line in lines[:-1] if line.strip()]  # the last piece may be cut by the window
    bad = [line for line in lines if _line_is_bad(line)]
    if bad and len(bad) * 2 >= len(lines):
        check_utf8(b"\n".join(bad))
        raise NotUtf8Error("the file is not UTF-8")


# A longer line is refused unread (its record rejected), so one huge record never costs more memory than
# this: 4 MiB holds any article within ARTICLE_MAX_CHARS (100,000 characters; 6 bytes each as JSON escapes).
MAX_LINE_BYTES = 4 * 1024 * 1024


class BadLine(str):
    """A line that is not valid UTF-8 text, holds NUL bytes, or is too long. Its value is a best-effort
    reading (Windows-1256 for non-UTF-8 bytes) used only to find record boundaries, so a bad section ends
    at its own source line or separator; it is never stored. ``reason`` says what is wrong."""

    reason = BAD_LINE_MESSAGE


def _bad_line(raw: bytes) -> BadLine:
    raw = raw.replace(b"\x00", b"")
    try:
        probe = raw.decode("utf-8")
    except UnicodeDecodeError:
        probe = raw.decode("cp1256", errors="replace")
    return BadLine(probe.rstrip("\r\n"))


def _long_line() -> BadLine:
    line = BadLine("")
    line.reason = f"line longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB (MAX_LINE_BYTES); not read"
    return line


def _raw_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) read with bounded memory; None for a line over MAX_LINE_BYTES (skipped unread)."""
    number = 0
    while raw := stream.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield number, None
            continue
        yield number, raw


def _decoded_lines(stream: BinaryIO) -> Iterator[tuple[int, str]]:
    """(line number, text) pairs; text is a BadLine for a line that is not valid UTF-8, holds NUL bytes,
    or is longer than MAX_LINE_BYTES."""
    for number, raw in _raw_lines(stream):
        if raw is None:
            yield number, _long_line()
            continue
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if b"\x00" in raw:  # valid UTF-8, but binary data: no text holds NUL, and PostgreSQL cannot store it
            yield number, _bad_line(raw)
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, _bad_line(raw)
            continue
        yield number, clean(text.rstrip("\r\n"))


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


def _date_read(raw: str, line: int, warnings: list[str]) -> dt.date | None:
    """The date of a date line or field; unreadable: None and a warning naming the line (never a rejection)."""
    try:
        return parse_date(raw)
    except DateParseError as exc:
        warnings.append(f"date on line {line} could not be read ({exc}); stored without a date")
        return None


def _repaired(fields: dict[str, str], line: int) -> tuple[dict[str, str], list[str]] | RecordError:
    """The fields with certain mojibake repairs applied and a warning each, or the error for the record."""
    out, notes = {}, []
    for name, value in fields.items():
        try:
            out[name], note = mojibake_repair(value)
        except MojibakeError as exc:
            return RecordError(line, f"{exc} in the {name}; record rejected")
        if note:
            notes.append(f"{name}: {note}")
    return out, notes


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
    # As published: NFC, line breaks and inner spaces kept; only the ends of the whole field are trimmed.
    fixed = _repaired(
        {"title": clean(title).strip(), "body": clean(text).replace("\r\n", "\n").strip(), "source": source},
        number,
    )
    if isinstance(fixed, RecordError):
        return fixed
    fields, notes = fixed
    return Clipping(
        title=fields["title"],
        paragraphs=fields["body"].split("\n"),
        source=collapse_spaces(strip_invisible(clean(fields["source"]))),
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


def parse_stream(stream: BinaryIO, name: str) -> Iterator[ParseItem]:
    """Parse a binary stream by its file name: JSON Lines (optionally gzipped) or the dump format."""
    if name.endswith(".gz"):
        stream = io.BufferedReader(gzip.GzipFile(fileobj=stream))  # type: ignore[assignment]
    # A file that is wholly not UTF-8 is refused up front; later bad sections cost their records only.
    head_check(stream.peek(SNIFF_BYTES)[:SNIFF_BYTES] if hasattr(stream, "peek") else b"")
    return parse_jsonl(stream) if is_jsonl(name.removesuffix(".gz")) else parse_dump(stream)


def parse_path(path: str | Path) -> Iterator[ParseItem]:
    with open(path, "rb") as handle:
        yield from parse_stream(handle, str(path))


def clippings(items: Iterable[ParseItem]) -> list[Clipping]:
    return [item for item in items if isinstance(item, Clipping)]
