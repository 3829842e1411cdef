"""Known names laid over a tagger's BIO tags in ``extract``: parties, districts, seats of government.

ANERcorp (the tagger's training data) is 2007 newswire with few Lebanese parties or towns, and its
guidelines file «البيت الأبيض» as MISC; the archive files it as the organisation it stands for. The
list (``names/known_names.tsv``, with its sources) is applied to ``extract`` only: ``tag_tokens`` and
``evaluate_ner`` stay the statistical tagger under ANERcorp's guidelines.

Rules, so a listed name never breaks a larger name the tagger found:
- a match inside a tagged span of the same kind, or one that starts after that span's first token
  («اتحاد بلديات المتن», «جامعة صيدا»), leaves the span as tagged;
- otherwise the match is tagged with the listed kind, and what the tagger had put on either side of it
  stays an entity of its own kind («بيت مري روي أبو شديد» → «بيت مري» LOC + «روي أبو شديد» PERS).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

from articles.enrich.ner.base import KINDS
from articles.text import normalize

KNOWN_NAMES_FILE = Path(__file__).resolve().parent / "names" / "known_names.tsv"
# A conjunction and/or preposition glued to the first word: وبالمتن, للكتائب (ل + الكتائب, alef dropped).
_CLITICS = ("و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل")


def load_known_names(path: Path = KNOWN_NAMES_FILE) -> dict[tuple[str, ...], str]:
    """``normalised token tuple -> kind`` from a ``name<TAB>kind[<TAB>note]`` file (``#`` comments).

    Raises ``ValueError`` naming the file and line for a line without a kind or with an unknown kind.
    """
    out: dict[tuple[str, ...], str] = {}
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2 or parts[1] not in KINDS or not parts[0].strip():
            raise ValueError(f"{path}:{no}: expected name<TAB>kind with kind in {KINDS}, got {line!r}")
        out[tuple(normalize(w) for w in parts[0].split())] = parts[1]
    return out


@cache
def _default() -> tuple[dict[tuple[str, ...], str], int, frozenset[str]]:
    names = load_known_names()
    return names, max(map(len, names)), frozenset(k[0] for k in names)


def known_clitic_len(tok: str) -> int | None:
    """Characters of ``tok`` before a listed name's first word (وبالمتن → 3, للكتائب → 2), 0 when ``tok``
    is such a word as written, None when it is neither (the caller's own rule then decides)."""
    firsts = _default()[2]
    norm = normalize(tok)
    if norm in firsts:
        return 0
    for p in sorted(_CLITICS, key=len, reverse=True):
        rest = norm[len(p) :]
        if not norm.startswith(p) or len(rest) < 2:
            continue
        if rest in firsts:
            return _raw_len(tok, len(p))
        if p.endswith("ل") and rest.startswith("ل") and "ا" + rest in firsts:
            return _raw_len(tok, len(p) + 1)  # لل + كتائب: the name's alef is not written
    return None


def _raw_len(tok: str, n_norm: int) -> int:
    """Characters of ``tok`` that normalise to its first ``n_norm`` letters (diacritics, tatweel skipped)."""
    seen = 0
    for i, ch in enumerate(tok):
        if seen == n_norm and normalize(ch):
            return i
        seen += len(normalize(ch))
    return len(tok)


def _first_forms(norm: str) -> list[str]:
    """The first token as written and with a glued clitic taken off (لل+x also as ال+x)."""
    forms = [norm]
    for p in _CLITICS:
        if norm.startswith(p) and len(norm) - len(p) >= 2:
            rest = norm[len(p) :]
            forms.append(rest)
            if p.endswith("ل") and rest.startswith("ل"):
                forms.append("ا" + rest)
    return forms


def known_matches(tokens: Sequence[str], names: dict[tuple[str, ...], str], max_len: int) -> list[tuple[int, int, str]]:
    """``(start, end, kind)`` token ranges of listed names, longest first, left to right, not overlapping."""
    norms = [normalize(t) for t in tokens]
    out = []
    i, n = 0, len(norms)
    while i < n:
        hit = None
        for L in range(min(max_len, n - i), 0, -1):
            rest = tuple(norms[i + 1 : i + L])
            for first in _first_forms(norms[i]):
                kind = names.get((first, *rest))
                if kind:
                    hit = (i, i + L, kind)
                    break
            if hit:
                break
        if hit:
            out.append(hit)
            i = hit[1]
        else:
            i += 1
    return out


def apply_known_names(
    tokens: Sequence[str], tags: Sequence[str], names: dict[tuple[str, ...], str] | None = None
) -> list[str]:
    """BIO tags of one sentence with the listed names laid over them (rules in the module docstring)."""
    if names is None:
        names, max_len, _ = _default()
    else:
        max_len = max(map(len, names), default=0)
    out = list(tags)
    for s, e, kind in known_matches(tokens, names, max_len):
        # The tagged span around the match's first token, if any.
        a = s
        while a > 0 and out[a].startswith("I-"):
            a -= 1
        inside = out[s] != "O" and out[a][2:] == out[s][2:]
        b = s + 1
        while b < len(out) and out[b].startswith("I-"):
            b += 1
        if inside and out[a][2:] == kind and b >= e:
            continue  # already tagged so, perhaps as part of a longer name of the same kind
        if inside and a < s:
            continue  # a modifier inside a larger name: اتحاد بلديات المتن
        out[s] = "B-" + kind
        for j in range(s + 1, e):
            out[j] = "I-" + kind
        if e < len(out) and out[e].startswith("I-"):
            out[e] = "B-" + out[e][2:]
    return out
