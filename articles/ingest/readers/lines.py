"""Bounded, line-by-line decoding shared by the text readers (dump format, JSON Lines): UTF-8 checks with
messages a person can act on, bad lines that cost only their record, and the field helpers (dates,
mojibake repair) both formats use. Pure module, no Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import BinaryIO

from articles.ingest.dates import DateParseError, parse_date
from articles.ingest.mojibake import MojibakeError, mojibake_repair
from articles.ingest.readers.base import NotUtf8Error, RecordError

SNIFF_BYTES = 64 * 1024


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
        raise NotUtf8Error(
            "this is a binary file of a kind the archive does not read (it reads dumps, JSON Lines, images, "
            "PDFs, saved web pages, Word .docx files and zips of them)"
        )
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
        # Not cleaned here: validation (articles.ingest.validation.text_clean) is the one place text is
        # cleaned for storage, on every path; the structure lines are matched on normalised text anyway.
        yield number, text.rstrip("\r\n")


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
