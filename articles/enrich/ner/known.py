"""House rules laid over a tagger's BIO tags in ``extract``: known names, then two cue-word patterns.

Known names: parties, districts, seats of government. Patterns: a quoted name right after an
organisation cue word is ORG (``_quoted_after_cue``); an honorific inside a span of another kind
starts a person (``_honorific_split``). ``apply_house_rules`` runs all three, in that order.

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
from functools import cache, lru_cache
from pathlib import Path

from articles.enrich.ner.base import KINDS
from articles.text import normalize

KNOWN_NAMES_FILE = Path(__file__).resolve().parent / "names" / "known_names.tsv"
# A conjunction and/or preposition glued to the first word: وبالمتن, للكتائب (ل + الكتائب, alef dropped).
_CLITICS = ("و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل")
# Organisation cue words (normalised, without ال): a quoted name right after one is an organisation,
# «بنك "سبيربنك"», «حزب "الطاشناق"». Quoted names elsewhere are slogans and titles as often as names.
_ORG_CUES = frozenset(
    normalize(w)
    for w in (
        "حزب حركة تيار كتلة وزارة مجلس اتحاد منظمة شركة بنك مصرف جامعة هيئة صندوق وكالة صحيفة قناة "
        "مجموعة جمعية نادي فريق تجمع ائتلاف جبهة"
    ).split()
)
_QUOTES = frozenset('"«»“”')
# An honorific opens a person's name; inside another kind's span it marks where that span should end
# («رئاسة الإتحاد للسيدة ميرنا المر»: ORG up to الإتحاد, PERS after السيدة).
_HONORIFICS = frozenset(normalize(w) for w in ("السيد", "السيدة", "سيد", "سيدة", "سيدي"))


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


@lru_cache(maxsize=200_000)
def _norm(tok: str) -> str:
    return normalize(tok)


@lru_cache(maxsize=200_000)
def _firsts_of(norm: str) -> tuple[str, ...]:
    return tuple(_first_forms(norm))


def known_matches(tokens: Sequence[str], names: dict[tuple[str, ...], str], max_len: int) -> list[tuple[int, int, str]]:
    """``(start, end, kind)`` token ranges of listed names, longest first, left to right, not overlapping."""
    norms = [_norm(t) for t in tokens]
    out = []
    i, n = 0, len(norms)
    while i < n:
        hit = None
        for L in range(min(max_len, n - i), 0, -1):
            rest = tuple(norms[i + 1 : i + L])
            for first in _firsts_of(norms[i]):
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


def apply_house_rules(tokens: Sequence[str], tags: Sequence[str]) -> list[str]:
    """The shipped known names, then the cue-word and honorific patterns, over one sentence's BIO tags."""
    return _honorific_split(tokens, _quoted_after_cue(tokens, apply_known_names(tokens, tags)))


@lru_cache(maxsize=200_000)
def _bare(tok: str) -> str:
    norm = normalize(tok)
    for p in ("وال", "بال", "لل", "ال", "و", "ل", "ب"):
        if norm.startswith(p) and len(norm) - len(p) >= 3:
            return norm[len(p) :]
    return norm


def _quoted_after_cue(tokens: Sequence[str], tags: list[str]) -> list[str]:
    out = list(tags)
    for a in range(len(tokens) - 3):
        if tokens[a + 1] not in _QUOTES or _bare(tokens[a]) not in _ORG_CUES:
            continue
        for e in range(a + 3, min(a + 7, len(tokens))):  # one to four words between the quotes
            if tokens[e] in _QUOTES:
                if not any(t.endswith("-ORG") for t in out[a + 2 : e]) and out[e] == "O":
                    out[a + 2] = "B-ORG"
                    for j in range(a + 3, e):
                        out[j] = "I-ORG"
                break
    return out


def _honorific_split(tokens: Sequence[str], tags: list[str]) -> list[str]:
    out = list(tags)
    for j in range(1, len(tokens) - 1):
        if out[j].startswith("I-") and out[j][2:] != "PERS" and out[j + 1].startswith("I-"):
            if _bare(tokens[j]) in _HONORIFICS or _norm(tokens[j]) in _HONORIFICS:
                out[j], out[j + 1] = "O", "B-PERS"
                k = j + 2
                while k < len(out) and out[k].startswith("I-"):
                    out[k] = "I-PERS"
                    k += 1
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
