"""The reader of image clippings: PNG, JPEG, TIFF (every page of a multi-page TIFF) and WebP. Pure module.

:func:`read_image` decodes the bytes with Pillow, refuses images over :data:`MAX_PIXELS` before decoding
them (a small file can declare a huge canvas: a decompression bomb), applies the EXIF orientation (a
phone photo is stored sideways with a tag saying so) and OCRs the pages into one :class:`Document`
(:func:`articles.ingest.ocr.engine.ocr_images`).

Word boxes are in pixels of the image **after** the EXIF orientation is applied, which is how a browser
shows a PNG/JPEG/WebP, so for those ``page_images`` stays empty and the original file is shown. A browser
cannot show TIFF, so each TIFF page is also rendered to PNG in ``page_images``, at ``page_sizes``.
"""

from __future__ import annotations

import io
import re
import warnings

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from articles.ingest.ocr.correct import Vocabulary
from articles.ingest.ocr.engine import ocr_images
from articles.ingest.readers.document import Document, Progress, ReaderError

MAX_PIXELS = 90_000_000  # per page; Pillow's own bomb limit is about the same (89.5 MP)
MAX_PAGES = 100
# Magic bytes at offset 0 (WebP: "RIFF", a 4-byte size, then "WEBP" at offset 8).
IMAGE_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpeg": (b"\xff\xd8\xff",),
    "tiff": (b"II*\x00", b"MM\x00*"),
    "webp": (b"RIFF",),
}


def image_format(head: bytes) -> str | None:
    """``png``/``jpeg``/``tiff``/``webp`` from the first bytes of a file, else None."""
    for name, signatures in IMAGE_SIGNATURES.items():
        if head.startswith(signatures):
            if name == "webp" and head[8:12] != b"WEBP":
                continue
            return name
    return None


def is_image(head: bytes) -> bool:
    """Whether the first bytes (12 suffice) are those of a PNG, JPEG, TIFF or WebP file."""
    return image_format(head) is not None


def _too_large(pixels: int, size: str = "") -> ReaderError:
    return ReaderError(
        f"the image is too large: {pixels / 1e6:.1f} megapixels{size}; "
        f"the limit is {MAX_PIXELS // 1_000_000} megapixels per page"
    )


def _check_size(image: Image.Image) -> None:
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise _too_large(width * height, f" ({width} x {height})")


def decode_pages(data: bytes) -> tuple[list[Image.Image], str]:
    """The pages of an image file, EXIF-oriented and fully decoded, and the format name (Pillow's).

    Raises :class:`ReaderError` for an undecodable file, an image over :data:`MAX_PIXELS` (checked on
    the header, before any pixel is decoded) or more than :data:`MAX_PAGES` pages."""
    pages: list[Image.Image] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            fmt = image.format or ""
            for index, frame in enumerate(ImageSequence.Iterator(image)):
                if index >= MAX_PAGES:
                    raise ReaderError(f"the image has more than {MAX_PAGES} pages; split the file")
                _check_size(frame)
                frame.load()
                pages.append(ImageOps.exif_transpose(frame) or frame.copy())
        except ReaderError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            # Pillow refuses on the header, before decoding; its message gives the pixel count.
            counted = re.search(r"\((\d+) pixels\)", str(exc))
            raise _too_large(int(counted[1]) if counted else MAX_PIXELS + 1) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ReaderError(f"the image could not be decoded: {exc}") from exc
    if not pages:
        raise ReaderError("the image could not be decoded: no pages")
    # exif_transpose may return the frame itself; copy so the file's decoder state is not shared.
    return [page.copy() for page in pages], fmt


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB" if image.mode not in ("1", "L", "RGB") else image.mode).save(buffer, "PNG", optimize=False)
    return buffer.getvalue()


def read_image(data: bytes, *, vocabulary: Vocabulary | None = None, progress: Progress | None = None) -> Document:
    """OCR an image clipping (PNG, JPEG, TIFF, WebP) into one Document; see the module docstring."""
    pages, fmt = decode_pages(data)
    document = ocr_images(pages, vocabulary=vocabulary, progress=progress)
    if fmt == "TIFF":
        document.page_images = [_png(page) for page in pages]
    return document
