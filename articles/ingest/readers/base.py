"""The record shape every reader returns: a :class:`Clipping` per article, a :class:`RecordError` per
rejected record (its line or file named). Pure module, no Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from articles.ingest.readers.document import Document


@dataclass(frozen=True)
class Original:
    """A clipping file as it arrived, kept byte for byte beside its article. ``kind`` is the reader's
    format (``image``, ``pdf``, ``html``, ``docx``); ``media_type`` the sniffed MIME type."""

    name: str
    data: bytes
    sha256: str
    kind: str
    media_type: str


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
    # A clipping read from a file of its own (a scan, a PDF, a web page, a Word file): the file's name
    # (a zip member's path inside the zip), the original bytes, and what the file reader found (OCR word
    # boxes, page images, how the text came). Empty for records of a dump or a JSON Lines file.
    file: str = ""
    original: Original | None = None
    document: Document | None = None

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def where(self) -> str:
        """How messages name this record: its file, or its line."""
        return self.file or f"line {self.line}"


@dataclass
class RecordError:
    line: int
    message: str
    file: str = ""  # a file of its own (a clipping file, a zip member): named instead of a line

    def __str__(self) -> str:
        return f"{self.file}: {self.message}" if self.file else f"line {self.line}: {self.message}"


ParseItem = Clipping | RecordError


class NotUtf8Error(ValueError):
    """The input is not UTF-8 text (a Windows-1256 export, or a binary file)."""


def clippings(items: Iterable[ParseItem]) -> list[Clipping]:
    return [item for item in items if isinstance(item, Clipping)]
