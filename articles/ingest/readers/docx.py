"""The reader of Word files (.docx): the Title paragraph (or the first Heading 1, or else the first paragraph) as
the headline, the other paragraphs as the body, tables' cells as paragraphs of their own. Pure module.

python-docx (a kept library; mammoth is for HTML conversion) reads the package; it never fetches a remote
part (an external image, a linked template, an altChunk), and neither does this reader. A .docx is a zip:
its declared unpacked size is checked before anything is parsed (:data:`MAX_UNPACKED_BYTES`,
:data:`MAX_RATIO`), so a zip bomb costs nothing but its message.
"""

from __future__ import annotations

import io
import zipfile

import docx
from docx.opc.exceptions import PackageNotFoundError

from articles.ingest.readers.document import Document, ReaderError

MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
_TITLE_STYLES = ("title",)
_HEADING_STYLES = ("heading 1", "heading1")


def is_docx(head: bytes, data: bytes) -> bool:
    """Whether ``data`` (starting with ``head``) is a Word package: a zip holding ``word/document.xml``."""
    if not head.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _check_package(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReaderError(f"the Word file could not be read ({exc})") from None
    unpacked = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_RATIO:
        raise ReaderError(
            f"the Word file unpacks to {unpacked // 2**20} MB ({unpacked / packed:.0f} times its size): refused as "
            "a zip bomb"
        )


def _style(paragraph) -> str:
    try:
        return (paragraph.style.name or "").lower() if paragraph.style is not None else ""
    except (KeyError, ValueError):
        return ""


def read_docx(data: bytes) -> Document:
    """One Word file as one :class:`Document` (origin typed). Raises :class:`ReaderError` for a file that is not
    a readable .docx (corrupt, a zip bomb) or holds no text."""
    _check_package(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ReaderError(f"the Word file could not be read ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # lxml on hostile XML
        raise ReaderError(f"the Word file could not be read ({type(exc).__name__})") from None
    paragraphs = [(p.text.strip(), _style(p)) for p in document.paragraphs]
    paragraphs = [(text, style) for text, style in paragraphs if text]
    for table in document.tables:
        for row in table.rows:
            cells = list(dict.fromkeys(cell.text.strip() for cell in row.cells if cell.text.strip()))
            paragraphs += [(cell, "table") for cell in cells]
    if not paragraphs:
        raise ReaderError("no text found in the Word file")
    index = next((i for i, (_, s) in enumerate(paragraphs) if s in _TITLE_STYLES), None)
    if index is None:
        index = next((i for i, (_, s) in enumerate(paragraphs) if s in _HEADING_STYLES), None)
    warnings = []
    if index is None:
        index = 0
        warnings.append("the Word file has no Title or Heading 1 paragraph: its first paragraph is the headline")
    title = paragraphs[index][0]
    body = [text for i, (text, _) in enumerate(paragraphs) if i != index]
    if not body:  # a one-paragraph note: the text is the article, and its opening stands in as the title
        body = [title]
    return Document(title=title, paragraphs=body, warnings=warnings)
