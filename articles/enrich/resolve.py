"""Entity resolution: the canonical key and name of a mention, and grouping within one article.

Pure module (no Django). A mention's *key* is its normalised words with the clitics (و ف ب ل ك)
and the article (ال) cut from the first word, and leading titles and descriptors (الرئيس الروسي,
الوزير السابق, رجل الأعمال, ...) removed: "وبالرئيس الروسي فلاديمير بوتين" and "فلاديمير بوتين"
share one key. Its *name* is the same words in their original spelling, the article kept.

A one-letter clitic is ambiguous: بوتين is not ب + وتين, فرنسا is not ف + رنسا, وليد is not
و + ليد. Cutting one needs evidence (the bare form attested elsewhere in the article or among
known keys); without evidence only readings no name can have are cut (لـ with tatweel, و/ف/ب/ل/ك + ال,
a doubled letter ببوتين, و + ب/ك).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

from camel_tools.utils.dediac import dediac_ar

from articles.enrich.evidence import name_likeness
from articles.text import edge_trim, has_junior_marker, normalize, strip_invisible

# A word class whose ANERcorp tokens are mostly entities (see articles.enrich.evidence).
_NAME_CLASS = 0.4  # بيروت 0.47, ليفربول 0.46; verbs and particles are under 0.05

MIN_STEM = 3
_ARTICLE = "ال"
_CONJ = ("", "و", "ف")
_PREP = ("", "ب", "ل", "ك")
_TATWEEL = "\u0640"
# لـ"سبيربنك": a tatweel after ل marks it as a separate word. Not after ب: "بـوتين" is a stretched name.
_TATWEEL_CLITIC_RE = re.compile(r"^\W*[وف]?ل\u0640+")
_WORD_RE = re.compile(r"\w+")

# Titles before a person's name (normalised: alef, ة→ه, ى→ي), longest first. "الرئيس الروسي",
# "الوزير السابق": descriptors after a title are dropped too (see _is_descriptor).
_TITLES = tuple(
    sorted(
        (
            tuple(normalize(t).split())
            for t in (
                "الرئيس|الرئيسة|الوزير|الوزيرة|السيد|السيدة|الآنسة|الشيخ|الشيخة|الدكتور|الدكتورة|د|الملك|الملكة|"
                "الأمير|الأميرة|السلطان|ولي العهد|رجل الأعمال|سيدة الأعمال|النائب|النائبة|العماد|اللواء|العميد|"
                "العقيد|الجنرال|المشير|الفريق|الإمام|البابا|البطريرك|المطران|الأب|الحاج|السفير|السفيرة|القاضي|"
                "المحامي|الأستاذ|الأستاذة|المهندس|الزعيم|المرشد|المستشار|المستشارة|الأمين العام|نائب الرئيس"
            ).split("|")
        ),
        key=len,
        reverse=True,
    )
)
# Titles in construct state take a genitive: "رئيس الحكومة", "وزير الخارجية", "رئيس مجلس النواب".
_CONSTRUCT_TITLES = frozenset(
    normalize(t) for t in ("رئيس", "رئيسة", "وزير", "وزيرة", "نائب", "سفير", "مدير", "مديرة", "قائد", "زعيم", "أمين")
)
_DESCRIPTORS = frozenset(
    normalize(w)
    for w in ("السابق", "السابقة", "الأسبق", "الحالي", "المنتخب", "الراحل", "الراحلة", "الفخري", "المكلف", "الجديد")
)
# A son-of/father-of word before a matched part: سلمان in "محمد بن سلمان" is another person.
_KIN = frozenset({"بن", "ابن", "بنت", "ابو", "ام", "عبد", "ال"})


@dataclass(frozen=True)
class Form:
    """A mention cleaned: ``key`` for matching, ``name`` for display."""

    kind: str
    key: str
    name: str


@dataclass(frozen=True)
class Resolved:
    """A mention resolved within its article: its own form (an alias) and its entity's key/name."""

    form: Form
    kind: str
    key: str
    name: str


Attested = Callable[[str], bool]


def _never(_word: str) -> bool:
    return False


def article_strip(word: str) -> str:
    """The word without a leading article, when a real stem remains (المر stays المر)."""
    return word[2:] if word.startswith(_ARTICLE) and len(word) - 2 >= MIN_STEM else word


def _readings(word: str) -> list[tuple[int, str]]:
    """(characters cut, stem) readings of a normalised word with a clitic cut, least cut first.

    لل reads as ل + ال (للصين) as well as ل + ل… (للبنان); the elided alef is restored in the stem.
    """
    out: list[tuple[int, str]] = []
    for conj in _CONJ:
        for prep in _PREP:
            prefix = conj + prep
            if not prefix or not word.startswith(prefix):
                continue
            stem = word[len(prefix) :]
            if prep == "ل" and stem.startswith("ل") and len(stem) - 1 >= MIN_STEM:
                out.append((len(prefix), "ا" + stem))
            if len(stem) >= MIN_STEM:
                out.append((len(prefix), stem))
    out.sort(key=lambda r: r[0])
    return out


def _clitic_cut(word: str, attested: Attested, known: Attested) -> tuple[int, str]:
    """The reading to keep for the first word of a mention: (characters cut, stem). A word the
    archive already knows uncut (a key's first word) stays whole: بوتين even if وتين were a key."""
    if known(word):
        return 0, word
    readings = _readings(word)
    for cut, stem in readings:
        if (attested(stem) or attested(article_strip(stem))) and not _name_whole(word, stem):
            return cut, stem
    for cut, stem in readings:
        if stem.startswith(_ARTICLE) and len(stem) - 2 >= MIN_STEM:  # وال بال فال كال لل
            return cut, stem
    if len(word) - 1 >= MIN_STEM:
        if word[0] == word[1] and word[0] in "بفك":  # ببوتين
            return 1, word[1:]
        if word[0] == "و" and word[1] in "بك":  # وبوتين, وكندا (not وليد, وليام)
            return 1, word[1:]
    return 0, word


def _name_whole(word: str, stem: str) -> bool:
    """Corpus evidence that ``word`` is a name of its own and ``stem`` is not one: بيري (Perry) is
    in a name class, يري (a verb) is not; so بيري keeps its first letter whatever is attested."""
    whole, cut = name_likeness(word), name_likeness(stem)
    return whole is not None and whole >= _NAME_CLASS and (cut is None or cut < _NAME_CLASS)


@lru_cache(maxsize=65536)  # names recur across articles: normalise each spelling once per process
def _words(text: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(normalised, display) words of a span, a tatweel-marked clitic removed; None when empty."""
    text = strip_invisible(unicodedata.normalize("NFKC", text))
    text = _TATWEEL_CLITIC_RE.sub("", text, count=1)
    display = _WORD_RE.findall(dediac_ar(text).replace(_TATWEEL, ""))
    norm = tuple(normalize(w) for w in display)
    if any(len(n) != len(d) for n, d in zip(norm, display, strict=True)):
        # normalize() is length-preserving on NFKC, dediacritised words; fall back to the key form
        display = norm
    return (norm, tuple(display)) if norm else None


def _is_descriptor(word: str) -> bool:
    """الروسي, الخارجيه, السابق: an adjective after a title, not a name."""
    return word in _DESCRIPTORS or (
        word.startswith(_ARTICLE) and len(word) >= 5 and (word.endswith("ي") or word.endswith("يه"))
    )


def _title_strip(norm: list[str], display: list[str]) -> tuple[list[str], list[str]] | None:
    """Drop one leading title with its genitive and descriptors; None when no name is left."""
    n = 0
    for title in _TITLES:
        if tuple(norm[: len(title)]) == title:
            n = len(title)
            break
    else:
        if norm[0] in _CONSTRUCT_TITLES:
            n = 1 + next((i for i in (1, 2) if len(norm) > i and norm[i].startswith(_ARTICLE)), 0)
    if n == 0:
        return norm, display
    norm, display = norm[n:], display[n:]
    while len(norm) > 1 and _is_descriptor(norm[0]):
        norm, display = norm[1:], display[1:]
    if not norm or norm[0] in _DESCRIPTORS:
        return None
    return norm, display


def _parse(
    text: str, kind: str, attested: Attested, known: Attested = _never
) -> tuple[str, list[str], list[str]] | None:
    """(raw first word, normalised words, display words) with clitics and titles removed."""
    words = _words(text)
    if words is None:
        return None
    norm, display = list(words[0]), list(words[1])
    while True:
        raw_first = norm[0]
        cut, stem = _clitic_cut(raw_first, attested, known)
        first_display = display[0][cut:] if len(stem) == len(raw_first) - cut else "ا" + display[0][cut:]
        norm, display = [stem, *norm[1:]], [first_display, *display[1:]]
        if kind != "PERS":
            return raw_first, norm, display
        stripped = _title_strip(norm, display)
        if stripped is None:
            return None  # a bare title ("الرئيس الروسي") is not a name
        if len(stripped[0]) == len(norm):
            return raw_first, norm, display
        norm, display = stripped


def _key(norm: Sequence[str]) -> str:
    return " ".join([article_strip(norm[0]), *norm[1:]])


def mention_form(text: str, kind: str, attested: Attested = _never, known: Attested = _never) -> Form | None:
    """The cleaned form of one mention, or None when nothing name-like is left. ``attested``: words
    seen elsewhere (evidence for cutting a clitic); ``known``: words the archive has as keys."""
    parsed = _parse(text, kind, attested, known)
    if parsed is None:
        return None
    _, norm, display = parsed
    return Form(kind=kind, key=_key(norm), name=edge_trim(" ".join(display)))


@lru_cache(maxsize=65536)
def mention_keys(text: str, kind: str) -> frozenset[str]:
    """Every key the mention could have under some clitic reading: what to look up beforehand."""
    parsed = _parse(text, kind, _never)
    if parsed is None:
        return frozenset()
    raw_first, norm, _ = parsed
    rest = norm[1:]
    return frozenset({_key([raw_first, *rest])} | {_key([stem, *rest]) for _, stem in _readings(raw_first)})


def name_key(name: str, kind: str = "") -> str:
    """The key of a name typed by an editor (Arabic or Latin): no clitic guessing, titles removed."""
    form = mention_form(name, kind or "MISC")
    return form.key if form else ""


def _loose(key: str) -> tuple[str, ...]:
    return tuple(article_strip(w) for w in key.split())


def _part_of(short: tuple[str, ...], full: tuple[str, ...]) -> bool:
    """``short`` is a contiguous run of ``full``'s words, not right after بن/أبو/عبد."""
    n = len(short)
    for i in range(len(full) - n + 1):
        if full[i : i + n] == short and (i == 0 or full[i - 1] not in _KIN):
            return True
    return False


def _person_merges(keys: Collection[str]) -> dict[str, str]:
    """Partial person names → the one full name containing them (بوتين → فلاديمير بوتين)."""
    loose = {k: _loose(k) for k in keys}
    out: dict[str, str] = {}
    for key, words in loose.items():
        # A relative's name (ترامب جي ار) is never the full form of a bare surname: ترامب beside it is
        # the father, whom the archive knows (entity_service resolves it there).
        longer = [
            k for k, w in loose.items() if len(w) > len(words) and _part_of(words, w) and not has_junior_marker(k)
        ]
        maximal = [k for k in longer if not any(_part_of(loose[k], loose[m]) for m in longer if m != k)]
        if len(maximal) == 1:  # two full names share it (المر: الياس المر, ميرنا المر): ambiguous
            out[key] = maximal[0]
    return out


def attested_words(texts: Sequence[str], known_keys: Collection[str] = ()) -> set[str]:
    """Words that count as evidence for a clitic reading: the article's mention words, known keys."""
    words = {w for text in texts for w in _WORD_RE.findall(normalize(text))}
    words |= {article_strip(w) for w in words}
    words |= {key.split()[0] for key in known_keys if key}
    return words


def article_resolve(mentions: Sequence[tuple[str, str]], *, known_keys: Collection[str] = ()) -> list[Resolved | None]:
    """Resolve an article's (text, kind) mentions together: evidence for clitic readings comes from
    the other mentions and ``known_keys`` (keys already in the archive); partial person names join
    the full name. None for a mention with nothing name-like left."""
    evidence = attested_words([text for text, _ in mentions], known_keys)
    known = {key.split()[0] for key in known_keys if key}
    forms = [mention_form(text, kind, evidence.__contains__, known.__contains__) for text, kind in mentions]
    persons = {f.key for f in forms if f and f.kind == "PERS"}
    merges = _person_merges(persons)
    names: dict[tuple[str, str], Counter[str]] = {}
    for form in forms:
        if form:
            names.setdefault((form.kind, form.key), Counter())[form.name] += 1
    out: list[Resolved | None] = []
    for form in forms:
        if form is None:
            out.append(None)
            continue
        key = merges.get(form.key, form.key) if form.kind == "PERS" else form.key
        counts = names[(form.kind, key)]
        name = max(counts, key=lambda n: (counts[n], len(n)))
        out.append(Resolved(form=form, kind=form.kind, key=key, name=name))
    return out
