"""Near-duplicate signatures of articles: word shingles of the normalised text, MinHash, LSH bands.

Pure module (no Django). Shapes: a signature is ``NUM_PERM`` unsigned 32-bit MinHash values
(datasketch); it splits into ``BANDS`` bands of ``ROWS`` values, and each band hashes to one
signed 64-bit integer (a database ``bigint``). Two articles whose shingle sets have Jaccard
similarity ``s`` share at least one band with probability ``1 - (1 - s**ROWS)**BANDS``.

The parameters were chosen on pairs judged by hand from the ANT and SaudiNewsNet corpora
(procedure and figures: docs/stories.md, bench/stories_pairs.py).
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
from datasketch import LeanMinHash, MinHash

from articles.text import normalize, search_key

# Chosen by measurement (docs/stories.md).
SHINGLE_SIZE = 3
NUM_PERM = 96
BANDS = 32
ROWS = NUM_PERM // BANDS
# Estimated Jaccard of the shingle sets at or above which two articles are one story.
THRESHOLD = 0.5
# A fixed seed: signatures stored in the database must stay comparable across processes and releases.
SEED = 1

# Title decorations that say nothing about the story: a flash or media marker before the title
# («عاجل | », «فيديو: », «بالصور - »), the same markers in brackets anywhere («(فيديو)», «[صور]»), and an
# outlet's signature after it (« - وكالة الأنباء …», « | سكاي نيوز عربية»). Matched on normalize()d text,
# so one spelling covers the hamza and teh-marbuta variants. Members found in the ANT and SaudiNewsNet titles.
_MARKERS = (
    "عاجل|خبر عاجل|فيديو|بالفيديو|شاهد|شاهد بالفيديو|صور|بالصور|فيديو وصور|بالفيديو والصور|مباشر|خاص|حصري|"
    "تحديث|محدث|انفوغراف|انفوجراف|انفوجرافيك|ريبورتاج|تقرير|عاجل جدا|هام|مهم"
)
_LEADING_RE = re.compile(rf"^\s*(?:{_MARKERS})\s*[|:\-–—/]+\s*")
_BRACKETED_RE = re.compile(rf"[(\[«]\s*(?:{_MARKERS})\s*[)\]»]")
_OUTLET_WORDS = r"وكاله|وكالات|نيوز|news|برس|اونلاين|online|نت|net|com|tv|عربيه|arabic|الاخباري|اليوم|24"
_TRAILING_RE = re.compile(rf"\s+[|\-–—]\s*[^|\-–—]{{0,40}}(?:{_OUTLET_WORDS})[^|\-–—]{{0,40}}$")


def title_undecorated(title: str) -> str:
    """``title`` normalised, without flash markers and outlet signatures (for comparison only:
    the stored title stays as published)."""
    text = normalize(title)
    text = _BRACKETED_RE.sub(" ", text)
    for _ in range(2):  # «عاجل | فيديو: …»
        text = _LEADING_RE.sub("", text, count=1)
    return _TRAILING_RE.sub("", text).strip()


def shingles(title: str, body: str, *, size: int = SHINGLE_SIZE) -> set[bytes]:
    """The set of ``size``-word shingles of the undecorated title and the body's search key.
    A text shorter than ``size`` words gives one shingle of all its words."""
    tokens = f"{search_key(title_undecorated(title))} {search_key(body)}".split()
    if len(tokens) <= size:
        return {" ".join(tokens).encode()} if tokens else set()
    return {" ".join(tokens[i : i + size]).encode() for i in range(len(tokens) - size + 1)}


def signature_compute(title: str, body: str) -> LeanMinHash:
    """The MinHash signature (NUM_PERM values) of an article's shingles."""
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED)
    minhash.update_batch(list(shingles(title, body)))
    return LeanMinHash(minhash)


def signature_bytes(signature: LeanMinHash | np.ndarray) -> bytes:
    """The signature's hash values as little-endian uint32 bytes (NUM_PERM * 4 bytes) for storage."""
    return np.asarray(getattr(signature, "hashvalues", signature), dtype="<u4").tobytes()


def signature_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<u4")


def similarity_estimate(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures: the share of equal MinHash values."""
    return float(np.count_nonzero(np.asarray(a) == np.asarray(b))) / len(a)


def band_hashes(signature: LeanMinHash | np.ndarray) -> list[int]:
    """One signed 64-bit hash per band (band index included, so equal values in different bands differ)."""
    values = np.asarray(getattr(signature, "hashvalues", signature), dtype="<u4")
    out = []
    for band in range(BANDS):
        chunk = values[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8, person=band.to_bytes(2, "little") * 8).digest()
        out.append(int.from_bytes(digest, "little", signed=True))
    return out
