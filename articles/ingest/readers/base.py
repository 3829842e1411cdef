"""The record shape every reader returns: a :class:`Clipping` per article, a :class:`RecordError` per
rejected record (its line or file named). Pure module, no Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field


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


def clippings(items: Iterable[ParseItem]) -> list[Clipping]:
    return [item for item in items if isinstance(item, Clipping)]
