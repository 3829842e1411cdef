"""Choosing the reader of a file. Pure module, no Django."""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from articles.ingest.readers.base import ParseItem
from articles.ingest.readers.dump import parse_dump
from articles.ingest.readers.jsonl import is_jsonl, parse_jsonl
from articles.ingest.readers.lines import SNIFF_BYTES, head_check


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
