"""Opening a zip of clippings member by member, safely. Pure module, no Django.

What is refused, each costing only its member (or, for the member count, the rest of the zip):

- a name that would leave the folder it is unpacked into (``../``, an absolute path, a drive letter, a
  backslash path) — the "zip slip" of CVE-2018-1002200's family — though nothing is ever written under a
  member's name: the check keeps the messages honest and the names sane;
- a member declared or found larger than ``max_member_bytes``, or a compression ratio above
  :data:`MAX_RATIO` (a zip bomb: 42.zip packs petabytes at ratios of millions), or the running total above
  ``max_total`` — every read is bounded, since a member's declared size may lie;
- encrypted members; more than ``max_members`` members (the rest is not read).

Folders, macOS resource forks (``__MACOSX/``, ``._name``) and hidden files are skipped silently.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import PurePosixPath

# Text compresses about 3-10x, images and PDFs barely; over 200x is a bomb, not a clipping.
MAX_RATIO = 200


def _unsafe_name(name: str) -> bool:
    if name.startswith(("/", "\\")) or "\\" in name or (len(name) > 1 and name[1] == ":"):
        return True
    return ".." in PurePosixPath(name).parts


def _skipped(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return name.endswith("/") or parts[0] == "__MACOSX" or any(p.startswith(".") for p in parts)


def zip_members_read(
    data: bytes, *, max_members: int, max_member_bytes: int, max_total: int
) -> Iterator[tuple[str, bytes | str]]:
    """(member name, its bytes) for each member of the zip in ``data``, or (member name, why it was
    refused) for a member that is not read. A zip that cannot be opened yields one ("", reason)."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        yield "", f"the zip file could not be opened ({exc})"
        return
    total = 0
    count = 0
    with archive:
        for info in archive.infolist():
            name = info.filename
            if _unsafe_name(name):
                yield name, "refused: the member's name leaves the archive's folder (../ or an absolute path)"
                continue
            if _skipped(name):
                continue
            count += 1
            if count > max_members:
                yield name, f"not read: the zip holds more than {max_members} clippings (CLIPPING_ZIP_MAX_MEMBERS)"
                return
            if info.flag_bits & 0x1:
                yield name, "refused: the member is encrypted"
                continue
            if info.file_size > max_member_bytes:
                yield name, f"refused: larger than the limit of {max_member_bytes // 2**20} MB when unpacked"
                continue
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                yield name, f"refused: compressed more than {MAX_RATIO} times (a zip bomb?)"
                continue
            try:
                with archive.open(info) as handle:
                    content = handle.read(max_member_bytes + 1)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
                yield name, f"could not be unpacked ({exc})"
                continue
            if len(content) > max_member_bytes:
                yield name, f"refused: larger than the limit of {max_member_bytes // 2**20} MB when unpacked"
                continue
            total += len(content)
            if total > max_total:
                yield name, f"not read: the zip unpacks to more than {max_total // 2**20} MB (CLIPPING_ZIP_MAX_BYTES)"
                return
            yield name, content
