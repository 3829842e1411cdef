"""Choosing the reader of a file by its content (magic bytes), not its name. Pure module, no Django.

=====================  =====================================================  ==========================
content                sniffed by                                              reader
=====================  =====================================================  ==========================
PDF                    ``%PDF-`` in the first 1 KB                             :mod:`.pdf` (one article)
PNG, JPEG, TIFF, WebP  their signatures                                        :mod:`.image` (one article)
zip                    ``PK\\x03\\x04``: a Word file if it holds word/document.xml, else a zip of clippings
Word (.docx)           a zip with ``word/document.xml``                        :mod:`.docx` (one article)
legacy Word (.doc)     the OLE2 signature                                      refused: save as .docx
gzip                   ``\\x1f\\x8b``                                          the text formats, unpacked
saved web page         ``<!doctype html``, ``<html``, ``<head`` … at the start  :mod:`.html` (one article)
text                   anything else: JSON Lines when the name says so or the  :mod:`.jsonl`, :mod:`.dump`
                       first character is ``{``, else the dump format
=====================  =====================================================  ==========================

A file clipping that cannot be read costs only itself: it becomes a :class:`RecordError` naming the file.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from articles.ingest.readers.archive import zip_members_read
from articles.ingest.readers.base import Clipping, NotUtf8Error, Original, ParseItem, RecordError
from articles.ingest.readers.document import Document, Progress, ReaderError
from articles.ingest.readers.dump import parse_dump
from articles.ingest.readers.jsonl import is_jsonl, parse_jsonl
from articles.ingest.readers.lines import SNIFF_BYTES, _repaired, head_check

# Formats whose file is one clipping, and the media type each is kept (and offered for download) as.
FILE_KINDS = ("image", "pdf", "html", "docx")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "tiff": "image/tiff",
    "webp": "image/webp",
    "html": "text/html",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# A zip's local file header; an empty zip is only its end record; a spanned one starts with a split marker.
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A saved web page starts (after a BOM, blanks and comments) with one of these tags, in any case: the
# WHATWG MIME-sniffing standard's "HTML" signatures (section 7.1), which browsers use for the same question.
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?(?:\s|<!--.*?-->)*<(?:!doctype\s+html|html|head|body|meta|title|script|style|div|p|h1|article)[\s>/]",
    re.IGNORECASE | re.DOTALL,
)
TITLE_FALLBACK_WORDS = 12


@dataclass(frozen=True)
class ReadOptions:
    """What the caller knows beyond the file: the source and date to use where the file does not say
    (``--source``/``--date``, the upload form), the OCR vocabulary (a callable, so it is built only when a
    scan turns up), a page-progress callback, and the size limits (bytes; members)."""

    source: str = ""
    published_on: dt.date | None = None
    vocabulary: Callable[[], object] | None = None
    page_progress: Progress | None = None
    max_bytes: int = 50 * 1024 * 1024
    zip_max_members: int = 2000
    zip_max_bytes: int = 1024 * 1024 * 1024


def format_sniff(head: bytes, name: str = "") -> str:
    """The format of a file from its first bytes (:data:`SNIFF_BYTES` suffice): ``pdf``, ``image``, ``zip``,
    ``doc``, ``gzip``, ``html``, ``jsonl`` or ``dump``. ``name`` only tells JSON Lines from a dump."""
    from articles.ingest.readers.image import is_image
    from articles.ingest.readers.pdf import is_pdf

    if is_pdf(head):
        return "pdf"
    if is_image(head):
        return "image"
    if head.startswith(_ZIP_SIGNATURES):
        return "zip"
    if head.startswith(_OLE2):
        return "doc"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if _HTML_START.match(head):
        return "html"
    if is_jsonl(name) or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "jsonl"
    return "dump"


def parse_stream(stream: BinaryIO, name: str, options: ReadOptions | None = None) -> Iterator[ParseItem]:
    """The records of a file of any format the archive reads (see the module docstring).

    Raises :class:`NotUtf8Error` at once, before anything is read further, when a text file is wholly not
    UTF-8; everything else wrong with a file or a record comes out as a :class:`RecordError`.
    """
    options = options or ReadOptions()
    if not hasattr(stream, "peek"):
        stream = io.BufferedReader(stream)  # type: ignore[arg-type]
    kind = format_sniff(stream.peek(SNIFF_BYTES)[:SNIFF_BYTES], name)  # type: ignore[attr-defined]
    if kind == "gzip":
        stream = io.BufferedReader(gzip.GzipFile(fileobj=stream))  # type: ignore[assignment]
        try:
            inner = format_sniff(stream.peek(SNIFF_BYTES)[:SNIFF_BYTES], name.removesuffix(".gz"))
        except _GZIP_ERRORS as error:
            return iter([RecordError(0, f"not a readable gzip file ({error}): nothing read", file=name)])
        if inner not in ("jsonl", "dump"):
            return iter([RecordError(0, "a gzip file is read only when it holds a dump or JSON Lines", file=name)])
        head_check(stream.peek(SNIFF_BYTES)[:SNIFF_BYTES])  # type: ignore[attr-defined]
        return _gzip_guarded(parse_jsonl(stream) if inner == "jsonl" else parse_dump(stream), name)
    if kind in ("jsonl", "dump"):
        # A file that is wholly not UTF-8 is refused up front; later bad sections cost their records only.
        head_check(stream.peek(SNIFF_BYTES)[:SNIFF_BYTES])  # type: ignore[attr-defined]
        return parse_jsonl(stream) if kind == "jsonl" else parse_dump(stream)
    return _file_items(stream, name, kind, options)


# A truncated or corrupt gzip member surfaces when its bytes are read: at the sniff or part-way through.
_GZIP_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)


def _gzip_guarded(items: Iterator[ParseItem], name: str) -> Iterator[ParseItem]:
    """``items`` until the compressed stream breaks; then one error naming the file (the records before
    it are kept)."""
    read = 0
    try:
        for item in items:
            read += 1
            yield item
    except _GZIP_ERRORS as error:
        yield RecordError(0, f"the gzip file is cut short or corrupt after {read} records ({error})", file=name)


def _file_items(stream: BinaryIO, name: str, kind: str, options: ReadOptions) -> Iterator[ParseItem]:
    data = stream.read(options.max_bytes + 1)
    if len(data) > options.max_bytes:
        yield RecordError(0, f"the file is larger than the limit of {options.max_bytes // 2**20} MB", file=name)
        return
    if kind == "zip":
        from articles.ingest.readers.docx import is_docx

        if not is_docx(data[:SNIFF_BYTES], data):
            yield from _zip_items(data, name, options)
            return
        kind = "docx"
    yield file_clipping_read(data, name=name, kind=kind, options=options)


def _zip_items(data: bytes, name: str, options: ReadOptions) -> Iterator[ParseItem]:
    """Each member of a zip of clippings, read as a file of its own (nested archives are not opened)."""
    for member, content in zip_members_read(
        data, max_members=options.zip_max_members, max_member_bytes=options.max_bytes, max_total=options.zip_max_bytes
    ):
        where = f"{name}:{member}"
        if isinstance(content, str):  # the member was refused (its name, its size, a zip bomb)
            yield RecordError(0, content, file=where)
            continue
        kind = format_sniff(content[:SNIFF_BYTES], member)
        if kind in ("zip", "gzip"):
            from articles.ingest.readers.docx import is_docx

            if not is_docx(content[:SNIFF_BYTES], content):
                yield RecordError(0, "an archive inside the zip is not opened: unpack it first", file=where)
                continue
            kind = "docx"
        if kind in ("jsonl", "dump"):
            try:
                items = parse_stream(io.BytesIO(content), member, options)
                for item in items:
                    _name_member(item, where)
                    yield item
            except NotUtf8Error as exc:
                yield RecordError(0, str(exc), file=where)
            continue
        yield file_clipping_read(content, name=where, kind=kind, options=options)


def _name_member(item: ParseItem, where: str) -> None:
    if isinstance(item, RecordError):
        item.file = f"{where}, line {item.line}"
    else:
        item.file = item.file or f"{where}, line {item.line}"


def file_clipping_read(data: bytes, *, name: str, kind: str, options: ReadOptions) -> ParseItem:
    """One clipping file (``kind``: image, pdf, html, docx or doc) read into a :class:`Clipping` with its
    original attached, or a :class:`RecordError` naming the file and what is wrong."""
    try:
        document, media_type = _document_read(data, name=name, kind=kind, options=options)
    except ReaderError as exc:
        return RecordError(0, str(exc), file=name)
    except Exception as exc:  # a library failing on a hostile file costs that file only
        return RecordError(0, f"the file could not be read ({type(exc).__name__}: {str(exc)[:200]})", file=name)
    original = Original(
        name=Path(name.rpartition(":")[2] or name).name,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        kind=kind,
        media_type=media_type,
    )
    return clipping_from_document(document, name=name, original=original, options=options)


def _document_read(data: bytes, *, name: str, kind: str, options: ReadOptions) -> tuple[Document, str]:
    vocabulary = options.vocabulary() if options.vocabulary else None
    if kind == "image":
        from articles.ingest.readers.image import image_format, read_image

        document = read_image(data, vocabulary=vocabulary, progress=options.page_progress)
        return document, MEDIA_TYPES[image_format(data[:16]) or "png"]
    if kind == "pdf":
        from articles.ingest.readers.pdf import read_pdf

        return read_pdf(data, vocabulary=vocabulary, progress=options.page_progress), MEDIA_TYPES["pdf"]
    if kind == "html":
        from articles.ingest.readers.html import read_html

        return read_html(data, name=name), MEDIA_TYPES["html"]
    if kind == "docx":
        from articles.ingest.readers.docx import read_docx

        return read_docx(data), MEDIA_TYPES["docx"]
    if kind == "doc":
        raise ReaderError("this is a legacy Word file (.doc): open it in Word or LibreOffice and save it as .docx")
    raise ReaderError(f"not a format the archive reads ({kind})")


def clipping_from_document(document: Document, *, name: str, original: Original, options: ReadOptions) -> ParseItem:
    """A document as the record the ingest stores: the file's own source and date first, then the caller's.
    A file that names no source, with none given, is refused (the archive files every article under one)."""
    source = document.source.strip() or options.source.strip()
    if not source:
        return RecordError(
            0,
            "the file does not say its source: give one (manage.py ingest --source NAME, or the upload form)",
            file=name,
        )
    paragraphs = [p for p in document.paragraphs if p.strip()]
    if not paragraphs:
        return RecordError(0, "no text found in the file", file=name)
    warnings = list(document.warnings)
    title = document.title.strip()
    if not title:  # no headline found: the first words stand in, and an editor is told
        title = " ".join(paragraphs[0].split()[:TITLE_FALLBACK_WORDS])
        warnings.append("no headline found: the first words of the text stand in as its title")
    # The same mojibake checks as typed text: a web page saved with the wrong charset is double-encoded.
    fixed = _repaired({"title": title, "body": "\n".join(paragraphs)}, 0)
    if isinstance(fixed, RecordError):
        return RecordError(0, fixed.message, file=name)
    fields, notes = fixed
    title, paragraphs = fields["title"], fields["body"].split("\n")
    warnings += notes
    published_on = document.published_on or options.published_on
    if published_on is None:
        warnings.append("no publication date: stored undated (give --date YYYY-MM-DD)")
    return Clipping(
        title=title,
        paragraphs=paragraphs,
        source=source,
        published_on=published_on,
        url=document.url,
        warnings=warnings,
        file=name,
        original=original,
        document=document,
    )


def records_count(path: str | Path, name: str) -> int:
    """How many records the file at ``path`` holds, cheaply: a text file is parsed (no OCR is involved), a
    zip's members are counted from its directory, a clipping file is one record."""
    with open(path, "rb") as handle:
        kind = format_sniff(handle.read(SNIFF_BYTES), name)
    if kind in ("jsonl", "dump", "gzip"):
        with open(path, "rb") as handle:
            return sum(1 for _ in parse_stream(handle, name))
    if kind == "zip":
        import zipfile

        try:
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if not n.endswith("/")]
        except (zipfile.BadZipFile, OSError):
            return 1
        return 1 if "word/document.xml" in names else max(len(names), 1)
    return 1


def parse_path(path: str | Path, options: ReadOptions | None = None) -> Iterator[ParseItem]:
    with open(path, "rb") as handle:
        yield from parse_stream(handle, str(path), options)
