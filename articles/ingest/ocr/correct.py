"""Post-correction of low-confidence OCR words from the archive's own vocabulary. Pure module.

Tesseract's typical Arabic errors are letter-shape confusions: a lost or added dot (ب/ت/ث/ن/ي, ج/ح/خ,
ر/ز, ...), ة for ه, a hamza seat. :class:`Vocabulary` holds the archive's word frequencies (surface forms,
punctuation stripped) and word-pair frequencies (keys of :func:`articles.text.normalize`, so a pair
matches across spelling variants). :func:`correct_words` replaces a word only when all hold:

* Tesseract's confidence for it is below ``threshold`` (tuned on rendered dev clippings, bench/ocr_dev.py);
* the word is not in the vocabulary;
* a vocabulary word is within a weighted edit distance of 1.3, where a substitution inside one
  letter-shape class (:data:`SHAPE_CLASSES`) costs 0.3 and any other edit 1 (candidates found by
  symmetric deletion on the words' *skeletons*: each letter replaced by its class);
* the best candidate, scored by frequency, bigram context with its neighbours and edit cost, is
  clearly ahead of the runner-up.

Lookups are dict/array probes (no scan of the vocabulary): a 400-word page takes a few milliseconds.
The delete index is built lazily on the first correction (~1 s for 200k word types) and held as numpy
arrays (12 bytes per entry), not as Python strings.
"""

from __future__ import annotations

import gzip
import itertools
import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from rapidfuzz.distance import Levenshtein

from articles.text import normalize

# Letters Tesseract confuses because they share a shape and differ by dots or a hamza.
SHAPE_CLASSES = ("بتثنيىئ", "جحخ", "دذ", "رز", "سش", "صض", "طظ", "عغ", "فق", "ةه", "اأإآ", "وؤ")
_SKELETON = str.maketrans({c: cls[0] for cls in SHAPE_CLASSES for c in cls})
CHEAP_SUBSTITUTION = 0.3
MAX_COST = 1.3
CONF_THRESHOLD = 60.0  # tuned with bench/ocr_dev.py
MIN_COUNT = 2  # a candidate seen once in the archive may itself be a typo
MARGIN = 1.0  # log-score lead over the runner-up
_AFFIX_RE = re.compile(r"^(\W*)(.*?)(\W*)$", re.DOTALL)
_ARABIC_RE = re.compile("[\u0621-\u064a]")
_FORMAT = "ocr-vocabulary/1"


def skeleton(word: str) -> str:
    """The word with each letter replaced by its shape class (dots and hamza seats ignored)."""
    return word.translate(_SKELETON)


def split_affixes(token: str) -> tuple[str, str, str]:
    """(leading punctuation, word, trailing punctuation): ``«الزراعة،»`` -> ``«``, ``الزراعة``, ``،»``."""
    match = _AFFIX_RE.match(token)
    assert match is not None  # the pattern matches every string
    return match[1], match[2], match[3]


def _pair_hash(a: str, b: str) -> int:
    """A stable 64-bit hash of a key pair (two CRC-32s): pairs are stored as hashes, not strings."""
    data = f"{a}\t{b}".encode()
    return (zlib.crc32(data) << 32) | zlib.crc32(data[::-1])


def _hash(text: str) -> int:
    data = text.encode()
    return (zlib.crc32(data) << 32) | zlib.adler32(data)


def weighted_distance(a: str, b: str) -> float:
    """Edit distance where a substitution within a shape class costs :data:`CHEAP_SUBSTITUTION`."""
    hard = Levenshtein.distance(skeleton(a), skeleton(b))
    return hard + CHEAP_SUBSTITUTION * max(0, Levenshtein.distance(a, b) - hard)


class Vocabulary:
    """Word and word-pair frequencies of the archive's texts.

    ``counts``: surface word -> frequency. Pairs: sorted uint64 hashes of adjacent normalised key pairs
    with uint32 frequencies (pairs seen once are dropped to keep memory down)."""

    def __init__(self, counts: dict[str, int], pair_hashes: np.ndarray, pair_counts: np.ndarray) -> None:
        self.counts = counts
        self._pair_hashes = pair_hashes
        self._pair_counts = pair_counts
        self._skeletons: dict[str, list[str]] | None = None
        self._delete_hashes: np.ndarray | None = None
        self._delete_words: list[str] = []
        self._delete_targets: np.ndarray | None = None

    @classmethod
    def from_texts(cls, texts: Iterable[str], *, min_pair_count: int = 2) -> Vocabulary:
        """Count the words of ``texts`` (whitespace tokens, punctuation stripped)."""
        counts: Counter[str] = Counter()
        pairs: Counter[int] = Counter()
        keys_of: dict[str, str] = {}  # normalize() is the slow part: once per word type
        for text in texts:
            words = [w for w in (split_affixes(t)[1] for t in text.split()) if w]
            counts.update(words)
            keys = [keys_of.get(w) or keys_of.setdefault(w, normalize(w)) for w in words]
            pairs.update(_pair_hash(a, b) for a, b in itertools.pairwise(keys))
        kept = sorted((h, c) for h, c in pairs.items() if c >= min_pair_count)
        hashes = np.array([h for h, _ in kept], dtype=np.uint64)
        pair_counts = np.array([c for _, c in kept], dtype=np.uint32)
        return cls(dict(counts), hashes, pair_counts)

    def to_bytes(self) -> bytes:
        """gzip(JSON header line, then the raw pair arrays): no pickle, safe to cache and load."""
        header = json.dumps({"format": _FORMAT, "pairs": len(self._pair_hashes), "counts": self.counts})
        body = header.encode() + b"\n" + self._pair_hashes.astype("<u8").tobytes()
        return gzip.compress(body + self._pair_counts.astype("<u4").tobytes(), compresslevel=6)

    @classmethod
    def from_bytes(cls, data: bytes) -> Vocabulary:
        """Inverse of :meth:`to_bytes`; ``ValueError`` on anything else."""
        raw = gzip.decompress(data)
        newline = raw.index(b"\n")
        header = json.loads(raw[:newline])
        if header.get("format") != _FORMAT:
            raise ValueError(f"not an OCR vocabulary (format {header.get('format')!r})")
        n = int(header["pairs"])
        start = newline + 1
        hashes = np.frombuffer(raw, dtype="<u8", count=n, offset=start).astype(np.uint64)
        pair_counts = np.frombuffer(raw, dtype="<u4", count=n, offset=start + 8 * n).astype(np.uint32)
        return cls({str(k): int(v) for k, v in header["counts"].items()}, hashes, pair_counts)

    def __contains__(self, word: str) -> bool:
        return word in self.counts

    def __len__(self) -> int:
        return len(self.counts)

    def pair_count(self, a: str, b: str) -> int:
        """Frequency of the adjacent pair (a, b), compared on :func:`normalize` keys."""
        if not len(self._pair_hashes):
            return 0
        h = np.uint64(_pair_hash(normalize(a), normalize(b)))
        i = int(np.searchsorted(self._pair_hashes, h))
        return int(self._pair_counts[i]) if i < len(self._pair_hashes) and self._pair_hashes[i] == h else 0

    def _index(self) -> None:
        """Skeleton -> words, and the hashes of every one-letter deletion of each skeleton."""
        skeletons: dict[str, list[str]] = {}
        hashes: list[int] = []
        targets: list[str] = []
        for word, count in self.counts.items():
            if count < MIN_COUNT or not _ARABIC_RE.search(word):
                continue
            skel = skeleton(word)
            skeletons.setdefault(skel, []).append(word)
            if len(skeletons[skel]) == 1:
                for i in range(len(skel)):
                    hashes.append(_hash(skel[:i] + skel[i + 1 :]))
                    targets.append(skel)
        order = np.argsort(np.array(hashes, dtype=np.uint64), kind="stable")
        self._delete_hashes = np.array(hashes, dtype=np.uint64)[order]
        self._delete_words = targets
        self._delete_targets = order.astype(np.int32)
        self._skeletons = skeletons

    def _skeletons_deleting_to(self, text: str) -> list[str]:
        assert self._delete_hashes is not None and self._delete_targets is not None
        h = np.uint64(_hash(text))
        lo = int(np.searchsorted(self._delete_hashes, h, side="left"))
        hi = int(np.searchsorted(self._delete_hashes, h, side="right"))
        return [self._delete_words[int(self._delete_targets[i])] for i in range(lo, hi)]

    def candidates(self, word: str) -> list[tuple[str, float]]:
        """Vocabulary words within :data:`MAX_COST` of ``word``, with their weighted distance."""
        if self._skeletons is None:
            self._index()
        assert self._skeletons is not None
        skel = skeleton(word)
        deletes = {skel[:i] + skel[i + 1 :] for i in range(len(skel))}
        skels = {skel, *self._skeletons_deleting_to(skel)}  # OCR dropped a letter
        for d in deletes:
            skels.add(d)  # OCR added a letter
            skels.update(self._skeletons_deleting_to(d))  # OCR replaced a letter by another shape
        found = []
        for s in skels:
            for candidate in self._skeletons.get(s, ()):
                cost = weighted_distance(word, candidate)
                if 0 < cost <= MAX_COST:
                    found.append((candidate, cost))
        return found


def _score(vocabulary: Vocabulary, candidate: str, cost: float, previous: str, following: str) -> float:
    context = 0.0
    if previous:
        context += math.log1p(vocabulary.pair_count(previous, candidate))
    if following:
        context += math.log1p(vocabulary.pair_count(candidate, following))
    return math.log(vocabulary.counts[candidate]) + 1.5 * context - 4.0 * cost


def correct_words(
    words: Sequence[tuple[str, float]], vocabulary: Vocabulary, *, threshold: float | None = None
) -> list[str]:
    """Corrected text of each (OCR word, confidence 0-100) in reading order; words left alone are
    returned as given. Punctuation around a word is kept. ``threshold`` defaults to :data:`CONF_THRESHOLD`."""
    threshold = CONF_THRESHOLD if threshold is None else threshold
    cores = [split_affixes(text) for text, _ in words]
    out = [text for text, _ in words]
    for i, ((_text, conf), (lead, core, trail)) in enumerate(zip(words, cores, strict=True)):
        if conf >= threshold or len(core) < 2 or core in vocabulary or not _ARABIC_RE.search(core):
            continue
        previous = split_affixes(out[i - 1])[1] if i else ""
        following = cores[i + 1][1] if i + 1 < len(cores) else ""
        scored = sorted(
            ((_score(vocabulary, c, cost, previous, following), c) for c, cost in vocabulary.candidates(core)),
            reverse=True,
        )
        if scored and (len(scored) == 1 or scored[0][0] - scored[1][0] >= MARGIN):
            out[i] = f"{lead}{scored[0][1]}{trail}"
    return out
