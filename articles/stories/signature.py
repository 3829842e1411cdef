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
from hashlib import sha1

import numpy as np
from datasketch import LeanMinHash, MinHash

from articles.search.keys import key_words
from articles.text import normalize

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


def title_words(title: str) -> list[str]:
    """The words of ``title`` that count for grouping: ``search_key(title_undecorated(title)).split()``."""
    return key_words(title_undecorated(title))


def shingles_of_words(words: list[str], *, size: int = SHINGLE_SIZE) -> set[bytes]:
    """The set of ``size``-word shingles of ``words`` (UTF-8). Fewer than ``size`` words give one
    shingle of all of them, none give the empty set."""
    if len(words) <= size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(shingle).encode() for shingle in zip(*(words[i:] for i in range(size)), strict=False)}


def shingles(title: str, body: str, *, size: int = SHINGLE_SIZE) -> set[bytes]:
    """The set of ``size``-word shingles of the undecorated title and the body's search key.
    A text shorter than ``size`` words gives one shingle of all its words."""
    return shingles_of_words(title_words(title) + key_words(body), size=size)


# The permutations of MinHash(num_perm=NUM_PERM, seed=SEED), drawn once: drawing them is most of the
# cost of a fresh MinHash, and they are the same for every article by construction.
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32")  # the scheme signature_of_words computes
_A, _B = (np.asarray(values, dtype=np.uint32) for values in _TEMPLATE.permutations)
_EMPTY = np.full(NUM_PERM, 0xFFFFFFFF, dtype="<u4")


def _fmix32(values: np.ndarray) -> np.ndarray:
    """The MurmurHash3 32-bit finalizer (uint32 arithmetic wraps), as datasketch's affine32 scheme
    applies it to each input hash before its permutations."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def signature_of_words(title_words: list[str], body_words: list[str]) -> np.ndarray:
    """The MinHash values (NUM_PERM, little-endian uint32) of the shingles of ``title_words +
    body_words``, where ``title_words`` is :func:`title_words` of the title and ``body_words`` the
    body's ``key_words`` (the ingest has them already).

    The same values as ``MinHash(num_perm=NUM_PERM, seed=SEED).update_batch(shingles)`` (datasketch's
    affine32 scheme: sha1 of each shingle, first 4 bytes little-endian, fmix32, then ``a * h + b``
    in uint32 per permutation, minimum over the shingles), computed for all shingles in one numpy
    step; tests/test_stories.py checks the equality on real news.
    """
    shingles = shingles_of_words(title_words + body_words)
    if not shingles:
        return _EMPTY.copy()
    # sha1 because datasketch hashes with it (not for security): the signatures must stay comparable.
    hashes = np.frombuffer(b"".join([sha1(shingle).digest()[:4] for shingle in shingles]), dtype="<u4")  # noqa: S324
    mixed = _fmix32(hashes.astype(np.uint32)).reshape(-1, 1)
    return (mixed * _A + _B).min(axis=0).astype("<u4")


def signature_compute(title: str, body: str) -> LeanMinHash:
    """The MinHash signature (NUM_PERM values) of an article's shingles."""
    values = signature_of_words(title_words(title), key_words(body))
    return LeanMinHash(seed=SEED, hashvalues=values, scheme=_TEMPLATE.scheme)


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
