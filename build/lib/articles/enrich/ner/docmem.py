"""Second-pass "document memory" features: what the first pass said about the same word nearby.

A name is usually written in full once and then repeated; the first CRF pass gets the easy
mentions, and the second pass sees, for every token, how other mentions of the same word (and of
the same multi-word name) were tagged within ``window`` sentences either side. Inside
``extract`` a window usually covers the whole article.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from articles.enrich.ner.conll import bio_spans
from articles.enrich.ner.features import split_clitic
from articles.text import normalize

WINDOW = 10
_MIN_LEN = 3  # short words (في, من) are function words: their memory is noise
_KINDS = ("PERS", "LOC", "ORG", "MISC")
_KIND_INDEX = {k: i for i, k in enumerate(_KINDS)}


def _stems(tokens: Sequence[str]) -> list[str]:
    return [split_clitic(normalize(t))[1] for t in tokens]


def memory_features(
    tokens: Sequence[Sequence[str]],
    tags: Sequence[Sequence[str]],
    window: int = WINDOW,
    stems: Sequence[Sequence[str]] | None = None,
) -> list[list[list[str]]]:
    """Extra features per token from first-pass ``tags`` of the surrounding sentences.

    ``stems`` (clitic-stripped normal forms) may be passed in when the caller already has them.
    Window counts slide: each sentence is added and removed once, so cost is linear in the text.
    """
    if stems is None:
        stems = [_stems(s) for s in tokens]
    # Per sentence: (stem, kind index) pairs and predicted multi-word names.
    word_kinds: list[list[tuple[str, int]]] = []
    phrases: list[Counter[tuple[tuple[str, ...], str]]] = []
    for st, tg in zip(stems, tags, strict=True):
        word_kinds.append([(s, _KIND_INDEX[t[2:]] if t != "O" else 4) for s, t in zip(st, tg, strict=True)])
        phrases.append(Counter((tuple(st[a:b]), k) for a, b, k in bio_spans(tg) if b - a > 1))
    out: list[list[list[str]]] = []
    n = len(stems)
    wk: dict[str, list[int]] = {}  # stem -> counts per kind (PERS LOC ORG MISC O) in the window
    ph: Counter[tuple[tuple[str, ...], str]] = Counter()
    ph_any: Counter[tuple[str, ...]] = Counter()
    lo = hi = 0
    for i in range(n):
        while hi < min(n, i + window + 1):
            for s, k in word_kinds[hi]:
                row = wk.get(s)
                if row is None:
                    row = wk[s] = [0, 0, 0, 0, 0]
                row[k] += 1
            ph.update(phrases[hi])
            ph_any.update({p: c for (p, _), c in phrases[hi].items()})
            hi += 1
        while lo < max(0, i - window):
            for s, k in word_kinds[lo]:
                wk[s][k] -= 1
            ph.subtract(phrases[lo])
            ph_any.subtract({p: c for (p, _), c in phrases[lo].items()})
            lo += 1
        st, tg = stems[i], tags[i]
        feats: list[list[str]] = []
        for pos, (s, t) in enumerate(zip(st, tg, strict=True)):
            prev = tg[pos - 1] if pos else "<s>"
            nxt = tg[pos + 1] if pos + 1 < len(tg) else "</s>"
            f = ["m1=" + t, "m1-=" + prev, "m1+=" + nxt]
            if len(s) >= _MIN_LEN:
                row = list(wk[s])
                row[_KIND_INDEX[t[2:]] if t != "O" else 4] -= 1  # this very mention does not count
                total = sum(row)
                if total:
                    ent = total - row[4]
                    f.append(f"me={min(ent, 3)}")
                    if ent:
                        top = max(range(4), key=row.__getitem__)  # first of equals, in _KINDS order
                        f.append("mk=" + _KINDS[top])
                        f.append(f"mr={round(ent / total, 1)}")
            feats.append(f)
        # Longest multi-word name remembered from elsewhere (this very mention does not count).
        own_spans = set(bio_spans(tg))
        pos = 0
        while pos < len(st):
            best, kind = 0, ""
            for L in range(min(6, len(st) - pos), 1, -1):
                p = tuple(st[pos : pos + L])
                if ph_any.get(p, 0) <= 0:
                    continue
                counts = {k: ph.get((p, k), 0) - ((pos, pos + L, k) in own_spans) for k in _KINDS}
                c = max(counts.values())
                if c > 0:
                    best, kind = L, max(counts, key=counts.__getitem__)
                    break
            if best:
                feats[pos].append("mp=B-" + kind)
                for q in range(pos + 1, pos + best):
                    feats[q].append("mp=I-" + kind)
                pos += best
            else:
                pos += 1
        out.append(feats)
    return out
