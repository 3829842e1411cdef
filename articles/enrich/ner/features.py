"""Token features for the CRF.

Arabic-specific groups (each can be switched off for ablations via ``groups``):

- ``affix``:    prefixes/suffixes of the normalised form, shape, digit/Latin/punctuation flags;
- ``clitic``:   proclitics (و ف ب ل ك ال and their combinations) split off, so "وبوتين" shares
                evidence with "بوتين";
- ``cluster``:  distributional word classes learnt from unlabelled news (see ``clusters.py``);
- ``embed``:    classes of the word's FastText vector, trained on the same news (``embclusters.py``);
- ``lexicon``:  how a word behaves morphologically in unlabelled news: frequency, how often it
                takes the article ال and pronoun/plural suffixes. Names rarely do; this is the
                Arabic stand-in for capitalisation;
- ``gazetteer``: entity lists learnt from the training data (token kinds and multi-word phrases);
- ``trigger``:  title / category words before a name (الرئيس, وزير, شركة, مدينة ...);
- ``window``:   the same evidence for neighbouring tokens, and word bigrams.

Per-word features are cached: news text repeats its vocabulary, so a sentence costs mostly
list concatenation.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from articles.enrich.ner.clusters import fold_digits
from articles.text import normalize

ALL_GROUPS = frozenset({"affix", "clitic", "cluster", "lexicon", "gazetteer", "trigger", "window"})
# Not in the shipped model: measured on dev, it lowered micro-F1 (docs/ner.md, "Round 3").
OPTIONAL_GROUPS = frozenset({"embed"})
_SUFFIXES = ("ه", "ها", "هم", "هما", "ات", "ين", "ون", "يه", "كم", "نا")

# Longest first: the first match wins. Forms are normalised (hamza/alef folded).
_PROCLITICS = ("وبال", "وكال", "وال", "فال", "بال", "كال", "لل", "ال", "و", "ف", "ب", "ل", "ك")
_LATIN_RE = re.compile(r"[A-Za-z]")
_ARABIC_RE = re.compile(r"[\u0600-\u06ff]")
_PUNCT_RE = re.compile(r"^[^\w]+$")

# Words that introduce an entity of a kind (normalised, article-less stems). Learnt triggers
# would be stronger on ANERcorp but these carry to other news sources.
_TRIGGERS: dict[str, list[str]] = {
    "PERS": (
        "رئيس وزير سيد سيده ملك امير شيخ دكتور د مستشار نائب زعيم قائد مدير امين سفير مبعوث "
        "لاعب مدرب فنان فنانه كاتب شاعر مطرب مطربه ممثل ممثله مخرج رئيسه وزيره قاضي جنرال عقيد "
        "لواء عميد نجم بابا حاخام اماما اية سلطان مرشح ناطق متحدث مراسل قال اكد اعلن اضاف اوضح "
        "صرح ذكر ابن بن بنت ابو ام السيد"
    ).split(),
    "LOC": (
        "مدينه عاصمه دوله محافظه ولايه منطقه جزيره نهر بحر جبل اقليم قريه بلده مقاطعه جمهوريه "
        "مملكه امارة اماره شمال جنوب شرق غرب وسط حي مخيم ميناء مطار بلاد صحراء خليج قطاع ضفه"
    ).split(),
    "ORG": (
        "شركه وكاله منظمه حزب جامعه بنك مصرف مجلس وزاره حركه جمعيه اتحاد نادي فريق مؤسسه موسسه "
        "هيئه صحيفه جريده قناه تلفزيون اذاعه مجموعه منتخب جبهه تحالف لجنه مركز معهد محكمه برلمان "
        "جيش قوات مكتب سوق بورصه اكاديميه مجله دار ائتلاف تيار كتله رابطه نقابه"
    ).split(),
}
_TRIGGER_OF = {w: k for k, ws in _TRIGGERS.items() for w in ws}


def _bucket(ratio: float) -> int:
    return 0 if ratio < 0.02 else 1 if ratio < 0.1 else 2 if ratio < 0.3 else 3 if ratio < 0.7 else 4


def split_clitic(norm: str) -> tuple[str, str]:
    """``(proclitic, stem)`` of a normalised word; the stem keeps at least 2 letters."""
    for p in _PROCLITICS:
        if norm.startswith(p) and len(norm) - len(p) >= 2:
            return p, norm[len(p) :]
    return "", norm


def _shape(tok: str) -> str:
    if _PUNCT_RE.match(tok):
        return "P"
    if tok.isdigit() or (tok[:1].isdigit() and any(c.isdigit() for c in tok[-1:])):
        return "D"
    if _LATIN_RE.search(tok):
        return "Lu" if tok[:1].isupper() else "L"
    if _ARABIC_RE.search(tok):
        return "A" if len(tok) > 3 else "a"
    return "X"


@dataclass
class Gazetteer:
    """Entity evidence learnt from labelled sentences (normalised forms).

    ``tokens``: word -> kinds it was tagged with often enough; ``phrases``: entity token tuples
    (up to ``max_len`` tokens) -> most frequent kind.
    """

    tokens: dict[str, tuple[str, ...]] = field(default_factory=dict)
    phrases: dict[tuple[str, ...], str] = field(default_factory=dict)
    max_len: int = 6

    @classmethod
    def learn(cls, sents: Iterable[Sequence[tuple[str, str]]], min_ratio: float = 0.3) -> Gazetteer:
        from articles.enrich.ner.conll import bio_spans

        tok_kind: dict[str, Counter[str]] = defaultdict(Counter)
        phr_kind: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
        for sent in sents:
            norms = [split_clitic(normalize(t))[1] for t, _ in sent]
            for n, (_, tag) in zip(norms, sent, strict=True):
                tok_kind[n][tag[2:] if tag != "O" else "O"] += 1
            for s, e, kind in bio_spans([t for _, t in sent]):
                if e - s <= 6:
                    phr_kind[tuple(norms[s:e])][kind] += 1
        tokens: dict[str, tuple[str, ...]] = {}
        for n, c in tok_kind.items():
            total = sum(c.values())
            kinds = tuple(sorted(k for k, v in c.items() if k != "O" and v / total >= min_ratio))
            if kinds:
                tokens[n] = kinds
        # A phrase is listed when it was mostly tagged as an entity, not merely once among many Os.
        phrases = {p: c.most_common(1)[0][0] for p, c in phr_kind.items() if _mostly_entity(p, tok_kind)}
        return cls(tokens, phrases)

    def to_json(self) -> dict:
        return {
            "tokens": {k: list(v) for k, v in self.tokens.items()},
            "phrases": [[list(p), k] for p, k in self.phrases.items()],
            "max_len": self.max_len,
        }

    @classmethod
    def from_json(cls, d: dict) -> Gazetteer:
        return cls(
            {k: tuple(v) for k, v in d["tokens"].items()},
            {tuple(p): k for p, k in d["phrases"]},
            d.get("max_len", 6),
        )


def _mostly_entity(phrase: tuple[str, ...], tok_kind: dict[str, Counter[str]]) -> bool:
    if len(phrase) > 1:
        return True
    c = tok_kind[phrase[0]]
    return c["O"] < sum(c.values()) / 2



def _class_features(
    table: dict[str, tuple[str, ...]],
    tag: str,
    key: str,
    stem: str | None,
    own: list[str],
    ctx: list[str],
    near: list[str],
    *,
    to_ctx: tuple[int, ...] = (),
    to_near: tuple[int, ...] = (),
) -> None:
    """Word-class features of one word, appended in place: every level of its class ids (``tag`` + level) to
    ``own``, the levels ``to_ctx`` to what neighbours see and ``to_near`` to what the +-1 neighbours see, or
    ``tag=none`` for a word without a class; for a word with a proclitic, its ``stem``'s ids (``s`` + tag),
    level 1 also to the +-1 neighbours. ``table``: ``word_key -> ids``, coarse to fine."""
    ids = table.get(key)
    if ids is not None:
        own += [f"{tag}{i}={c}" for i, c in enumerate(ids)]
        ctx += [f"{tag}{i}={ids[i]}" for i in to_ctx]
        near += [f"{tag}{i}={ids[i]}" for i in to_near]
    else:
        own.append(f"{tag}=none")
    if stem is not None:
        stem_ids = table.get(fold_digits(stem))
        if stem_ids is not None:
            own += [f"s{tag}{i}={c}" for i, c in enumerate(stem_ids)]
            near.append(f"s{tag}1={stem_ids[1]}")

class Featurizer:
    """Turns a tokenised sentence into crfsuite feature strings."""

    def __init__(
        self,
        clusters: dict[str, tuple[str, ...]] | None = None,
        gazetteer: Gazetteer | None = None,
        groups: Iterable[str] = ALL_GROUPS,
        counts: dict[str, int] | None = None,
        cache_size: int = 200_000,
        known: set[str] | None = None,
        emb_clusters: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        """``known``: the attributes a trained model has weights for. Per-word features outside it
        are dropped once, when the word is cached, so crfsuite is not handed strings it ignores.
        ``emb_clusters``: ``word_key -> ids`` of the ``embed`` group (``embclusters.load_emb_clusters``)."""
        self.clusters = clusters or {}
        self.emb_clusters = emb_clusters or {}
        self.counts = counts or {}
        self.gazetteer = gazetteer or Gazetteer()
        self.groups = frozenset(groups)
        self._cache: dict[str, tuple[list[str], dict[int, list[str]], str, str]] = {}
        self._cache_size = cache_size
        self.known = known

    # -- per word (cached) -------------------------------------------------------------
    def _word(self, tok: str) -> tuple[list[str], dict[int, list[str]], str, str]:
        hit = self._cache.get(tok)
        if hit is not None:
            return hit
        g = self.groups
        norm = normalize(tok)
        key = fold_digits(norm)  # == clusters.word_key(tok), without normalising twice
        pfx, stem = split_clitic(norm)
        own = ["b", "w=" + norm]
        ctx: list[str] = ["w=" + norm]  # what neighbours see of this word
        near: list[str] = []  # only the +-1 neighbours see these
        if "affix" in g:
            own += ["p2=" + norm[:2], "p3=" + norm[:3], "s1=" + norm[-1:], "s2=" + norm[-2:], "s3=" + norm[-3:]]
            shape = _shape(tok)
            own += ["sh=" + shape, f"len={min(len(norm), 9)}"]
            near.append("sh=" + shape)
            if norm != tok:
                own.append("raw=" + tok)
        if "clitic" in g:
            own += ["pfx=" + pfx, "stem=" + stem, "st3=" + stem[:3], "ss2=" + stem[-2:]]
            near += ["pfx=" + pfx, "stem=" + stem]
        clitic_stem = stem if pfx else None
        if "cluster" in g:
            _class_features(self.clusters, "c", key, clitic_stem, own, ctx, near, to_ctx=(1, 2))
        if "embed" in g:
            _class_features(self.emb_clusters, "e", key, clitic_stem, own, ctx, near, to_ctx=(1,), to_near=(0,))
        if "lexicon" in g:
            lex = self._lexicon(stem)
            own += lex
            near += lex[1:]
        if "gazetteer" in g:
            kinds = self.gazetteer.tokens.get(stem, ())
            own += ["gt=" + k for k in kinds]
            near += ["gt=" + k for k in kinds]
        trig = ""
        if "trigger" in g:
            base = stem[2:] if stem.startswith("ال") and len(stem) > 3 else stem
            trig = _TRIGGER_OF.get(base, "")
            if trig:
                own.append("tr=" + trig)
                near.append("tr=" + trig)
        by_off: dict[int, list[str]] = {}
        if "window" in g:
            for off in (-2, -1, 1, 2):
                feats = ctx + near if abs(off) == 1 else ctx
                by_off[off] = [f"{off}:{f}" for f in feats]
        else:
            by_off = {-1: [f"-1:{f}" for f in near], 1: [f"1:{f}" for f in near]}
        if self.known is not None:
            known = self.known
            own = [f for f in own if f in known]
            by_off = {o: [f for f in fs if f in known] for o, fs in by_off.items()}
        out = (own, by_off, norm, stem)
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[tok] = out
        return out

    def _lexicon(self, stem: str) -> list[str]:
        """Frequency bucket, article rate and suffix rate of the bare word in unlabelled news."""
        c = self.counts
        base = stem[2:] if stem.startswith("ال") and len(stem) > 3 else stem
        n_bare = c.get(base, 0)
        n_al = c.get("ال" + base, 0)
        total = n_bare + n_al
        if total == 0:
            return ["lx=oov"]
        n_suf = sum(c.get(base + s, 0) for s in _SUFFIXES)
        return [
            f"lf={min(int(math.log2(total)), 16)}",
            f"la={_bucket(n_al / total)}",
            f"ls={_bucket(n_suf / (total + n_suf))}",
        ]

    # -- per sentence ------------------------------------------------------------------
    def sentence(self, tokens: Sequence[str]) -> list[list[str]]:
        words = [self._word(t) for t in tokens]
        n = len(words)
        out: list[list[str]] = []
        for i, (own, _, norm, _) in enumerate(words):
            feats = list(own)
            for off in (-2, -1, 1, 2):
                j = i + off
                if 0 <= j < n:
                    feats += words[j][1].get(off, ())
            if i == 0:
                feats.append("BOS")
            if i == n - 1:
                feats.append("EOS")
            if "window" in self.groups:
                feats.append("bg-=" + (words[i - 1][2] if i else "<s>") + "|" + norm)
                feats.append("bg+=" + norm + "|" + (words[i + 1][2] if i + 1 < n else "</s>"))
            out.append(feats)
        if "gazetteer" in self.groups and self.gazetteer.phrases:
            self._phrase_matches([w[3] for w in words], out)
        return out

    def stems(self, tokens: Sequence[str]) -> list[str]:
        """Clitic-stripped normal forms (cached), as ``docmem`` keys words."""
        return [self._word(t)[3] for t in tokens]

    def _phrase_matches(self, stems: list[str], out: list[list[str]]) -> None:
        """Longest gazetteer phrase starting at each token (every token matched by its stem)."""
        gz = self.gazetteer
        n = len(stems)
        i = 0
        while i < n:
            best = 0
            kind = ""
            for L in range(min(gz.max_len, n - i), 0, -1):
                k = gz.phrases.get(tuple(stems[i : i + L]))
                if k is not None:
                    best, kind = L, k
                    break
            if best:
                out[i].append("gp=B-" + kind)
                for j in range(i + 1, i + best):
                    out[j].append("gp=I-" + kind)
                if best > 1:
                    out[i].append("gpl=" + kind)
                i += best
            else:
                i += 1
