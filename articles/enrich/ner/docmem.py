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


def _stems(tokens: Sequence[str]) -> list[str]:
    return [split_clitic(normalize(t))[1] for t in tokens]


def memory_features(
    tokens: Sequence[Sequence[str]], tags: Sequence[Sequence[str]], window: int = WINDOW
) -> list[list[list[str]]]:
    """Extra features per token from first-pass ``tags`` of the surrounding sentences."""
    stems = [_stems(s) for s in tokens]
    # Per sentence: stem -> kinds it was tagged with; predicted multi-word names.
    word_kinds: list[Counter[tuple[str, str]]] = []
    phrases: list[Counter[tuple[tuple[str, ...], str]]] = []
    for st, tg in zip(stems, tags, strict=True):
        wk: Counter[tuple[str, str]] = Counter((s, t[2:] if t != "O" else "O") for s, t in zip(st, tg, strict=True))
        word_kinds.append(wk)
        phrases.append(Counter((tuple(st[a:b]), k) for a, b, k in bio_spans(tg) if b - a > 1))
    out: list[list[list[str]]] = []
    n = len(tokens)
    for i in range(n):
        lo, hi = max(0, i - window), min(n, i + window + 1)
        wk = Counter()
        ph: dict[tuple[str, ...], Counter[str]] = {}
        for j in range(lo, hi):
            wk.update(word_kinds[j])
            for (p, k), c in phrases[j].items():
                ph.setdefault(p, Counter())[k] += c
        st, tg = stems[i], tags[i]
        feats: list[list[str]] = []
        for pos, (s, t) in enumerate(zip(st, tg, strict=True)):
            prev = tg[pos - 1] if pos else "<s>"
            nxt = tg[pos + 1] if pos + 1 < len(tg) else "</s>"
            f = ["m1=" + t, "m1-=" + prev, "m1+=" + nxt]
            if len(s) >= _MIN_LEN:
                own = t[2:] if t != "O" else "O"
                kinds: Counter[str] = Counter()
                for k in ("PERS", "LOC", "ORG", "MISC", "O"):
                    c = wk.get((s, k), 0) - (1 if k == own else 0)
                    if c > 0:
                        kinds[k] = c
                if kinds:
                    total = sum(kinds.values())
                    ent = total - kinds.get("O", 0)
                    f.append(f"me={min(ent, 3)}")
                    if ent:
                        top = max((k for k in kinds if k != "O"), key=kinds.__getitem__)
                        f.append("mk=" + top)
                        f.append(f"mr={round(ent / total, 1)}")
            feats.append(f)
        # Longest multi-word name remembered from elsewhere (this very mention does not count).
        own_spans = set(bio_spans(tg))
        pos = 0
        while pos < len(st):
            best, kind = 0, ""
            for L in range(min(6, len(st) - pos), 1, -1):
                c = ph.get(tuple(st[pos : pos + L]))
                if c:
                    c = Counter({k: v - ((pos, pos + L, k) in own_spans) for k, v in c.items()})
                    c = +c
                    if c:
                        best, kind = L, c.most_common(1)[0][0]
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
