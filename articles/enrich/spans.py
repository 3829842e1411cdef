"""Clean the spans any NER backend returns, before they are resolved to entities. Pure module.

A tagger glues the words beside a name into it («ترامب أكدا», «بأن دونالد ترامب», «محمد بن سلمان
يلتقي»), runs two names together over a verb («ترامب يلتقي بوتن») and tags closed-class words
(دولار, 13, يناير, الله) as names. :func:`span_clean` fixes each span on corpus evidence:

- a word of a non-name class (verbs, prepositions, conjunctions, reporting words: their ANERcorp
  share as entity tokens is below 2 %, see :mod:`articles.enrich.evidence`) is cut from either edge;
  inside a span it splits the span in two;
- at the edge of a person or place, a word with a preposition and the article (للصحافيين,
  بالعاصمة) is cut: a name never ends in a prepositional phrase (organisations can: «... للتربية
  والثقافة والعلوم»);
- numbers, currencies, units, months, weekdays and «الله» are never an entity (closed classes,
  listed below because they are closed, not learned);
- «لبي بي سي»: a one-letter clitic is cut from the first word when what is left repeats another
  word of the span (an acronym spelled out). Other clitics are left to the resolver, which cuts
  them only on evidence and never the first letter of a name.

Each kept span gets a ``confidence`` (0..1): the backend's own score when it has one, lowered
when the span had to be repaired or is one word of a common-noun class. Entities seen once with a
low confidence are hidden from listings (kept, and shown to editors).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from articles.enrich.evidence import is_edge_word, is_given_name, name_likeness, word_evidence
from articles.enrich.ner.base import EntitySpan
from articles.text import normalize

# A one-word span whose word (or word class) is an entity in under 30 % of its ANERcorp occurrences is
# probably a common noun (فستان 27 %, عقوبة 0 %; بوتين, روسيا 80 %+).
COMMON_NOUN = 0.3
_WORD_RE = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)*", re.UNICODE)
_DIGITS_RE = re.compile(r"\d")
# Closed classes (normalised). Currencies and units; the Gregorian and Levantine months and the
# weekdays (the tagger sees them capitalised in no script, and ANT prints dates in every article).
_CLOSED = frozenset(
    normalize(w)
    for w in (
        "دولار دولارا دولارات الدولار يورو اليورو جنيه الجنيه ريال الريال درهم الدرهم دينار الدينار ليرة الليرة "
        "روبل الروبل ين الين يوان اليوان فرنك الفرنك استرليني الإسترليني بيتكوين البيتكوين "
        "كيلومتر كيلومترا كلم كم متر مترا ميل كيلوغرام كغ غرام طن أطنان برميل براميل ميغاواط بالمئة بالمائة "
        "المئة المائة مليون ملايين مليار مليارات ألف آلاف مئة مائة "
        "يناير فبراير مارس أبريل إبريل مايو يونيو يونيه يوليو يوليه أغسطس سبتمبر أكتوبر نوفمبر ديسمبر "
        "كانون شباط آذار نيسان أيار حزيران تموز آب أيلول تشرين الأول الثاني "
        "السبت الأحد الاثنين الإثنين الثلاثاء الأربعاء الخميس الجمعة "
        "واحد اثنان ثلاثة أربعة خمسة ستة سبعة ثمانية تسعة عشرة عشر عشرين ثلاثين أربعين خمسين"
    ).split()
)
# «الله» alone is never an entity; inside a name it is part of it (حزب الله, عبد الله, نصر الله).
_GOD = frozenset(normalize(w) for w in "الله والله بالله لله ولله فالله".split())
# Words kept inside a name whatever their class: بن عبد أبو ... (سلمان in محمد بن سلمان).
_KEEP_INSIDE = frozenset(normalize(w) for w in "بن ابن بنت أبو أبي أم عبد آل ال دي دا فان فون لا لو".split())
_FAMILY = frozenset(normalize(w) for w in "بن ابن بنت أبو ابو أبي أم عبد آل".split())
# Articles and particles of European names that are Arabic particles too (لا ليغا, دي ماريا, فان دايك).
_FOREIGN_ARTICLES = frozenset(normalize(w) for w in "لا لو دي دو دا فان فون دير إل".split())
# A preposition with the article (not و/ف + article: «البوسنة والهرسك» is one place).
_PREP_ARTICLE = ("لل", "بال", "كال")
_CLITICS = "وفبلك"


@dataclass(frozen=True)
class ScoredSpan(EntitySpan):
    """A cleaned span with its confidence (0..1)."""

    confidence: float = 1.0


def _words(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, normalised word, word as printed) of the span's words, offsets into ``text``."""
    return [(m.start(), m.end(), normalize(m.group()), m.group()) for m in _WORD_RE.finditer(text)]


def _is_number(word: str) -> bool:
    return bool(_DIGITS_RE.search(word))


def _closed(word: str) -> bool:
    """A number, currency, unit, month, weekday, «الله» (also with one clitic: بالدولار, ودولار)."""
    if _is_number(word) or word in _CLOSED:
        return True
    return len(word) > 3 and word[0] in _CLITICS and (word[1:] in _CLOSED or "ا" + word[2:] in _CLOSED)


def _given(raw: str, word: str) -> bool:
    """A given name in a particle class (بان of بان كي مون). The conjunction is printed with its
    hamza (بأن), the name without: a hamza the normalisation removed says it is not the name."""
    return is_given_name(word) and not any(ch in "أإآ" for ch in raw)


def _edge(raw: str, word: str, kind: str, *, right: bool) -> bool:
    """Is ``word`` something no name starts (or, ``right``, ends) with? Closed-class words are cut
    only at the end (كأس العالم 2018); a span that starts with one is dropped (see span_clean)."""
    if right and _closed(word):
        return True
    if _given(raw, word) or (not right and _closed(word)):  # a closed-class head drops the span instead
        return False
    if is_edge_word(word):
        return True
    if word_evidence(word) is None and len(word) >= 4:
        # A rare form: a conjunction or the future prefix on a verb (سيرغب, وتعهد) is no name; at the
        # end of a person, ل on a name is a phrase («ترامب لبرينان»: to Brennan).
        if word[0] in "وفس" and is_edge_word(word[1:]):
            return True
        # ل only: ب starts too many foreign names whose rest is a name too (بايدن: ب + ايدن).
        if right and kind == "PERS" and word[0] == "ل" and (name_likeness(word[1:]) or 0) >= 0.8:
            return True
    # At the end only: at the start it is the name's own clitic (للولايات المتحدة, for the resolver).
    return right and kind in ("PERS", "LOC") and word.startswith(_PREP_ARTICLE) and len(word) >= 6


Word = tuple[int, int, str, str]


# The Latin letters' names as Arabic news spells acronyms (بي بي سي, سي إن إن, إم بي سي, إف بي آي).
_LETTERS = frozenset(
    normalize(w) for w in "إيه بي سي دي إي إف جي إتش آي جاي كي إل إم إن أو بي كيو آر إس تي يو في واي زد إكس".split()
)


def _and_name(word: str) -> bool:
    """و + a name (وبوتين, وماكرون) inside a person span: «and», two people. Not a name of its own
    that starts with و (وليد, وسام are given names; وائل's rest is no name)."""
    if len(word) < 4 or word[0] != "و" or is_given_name(word):
        return False
    rest = word_evidence(word[1:])
    return rest is not None and rest.cluster_share >= 0.5 and (rest.own_share or 1.0) >= 0.5


def _acronym(words: list[Word]) -> bool:
    """Letter names spelled out (بي بي سي, سي إن إن): إن there is a letter, not a particle."""
    return (
        len(words) >= 2
        and all(w[2] in _LETTERS for w in words[1:])
        and (words[0][2] in _LETTERS or (words[0][2][0] in _CLITICS and words[0][2][1:] in _LETTERS))
    )


def _nisba(word: str) -> bool:
    """An adjective of origin (الأمريكي, التركية): what follows a currency, not a name."""
    return word.startswith("ال") and word.endswith(("ي", "يه"))


def _closed_headed(part: list[Word]) -> bool:
    """A currency, number, month... heading only adjectives or numbers («الدولار الأمريكي», «يناير
    2018»); «ريال مدريد» is a club."""
    return _closed(part[0][2]) and all(_closed(w[2]) or _nisba(w[2]) for w in part[1:])


def _parts(words: list[Word], kind: str) -> list[list[Word]]:
    """Split at interior verbs/particles (not بن/عبد/...), then trim each part's edges."""
    if _acronym(words):
        return [words]
    parts: list[list[Word]] = [[]]
    for i, (start, end, word, raw) in enumerate(words):
        inner = 0 < i < len(words) - 1
        if inner and word not in _KEEP_INSIDE and is_edge_word(word) and not _given(raw, word):
            parts.append([])
            continue
        if i > 0 and kind == "PERS" and _and_name(word):
            parts.append([(start + 1, end, word[1:], raw[1:])])  # «ترامب وبوتين»: two people
            continue
        parts[-1].append((start, end, word, raw))
    out = []
    for part in parts:
        while (
            len(part) > 1 and part[0][2] not in _FOREIGN_ARTICLES and _edge(part[0][3], part[0][2], kind, right=False)
        ):
            part = part[1:]
        # The word after أبو/ابن/عبد/آل is a family name whatever its class («روي أبو شديد»: شديد,
        # "severe", is an adjective's class; «عبد الكريم»), so it is never cut as an edge.
        while (
            len(part) > 1
            and not (kind == "PERS" and part[-2][2] in _FAMILY)
            and _edge(part[-1][3], part[-1][2], kind, right=True)
        ):
            part = part[:-1]
        if part and not (len(part) == 1 and _sole_junk(part[0][3], part[0][2], kind)):
            out.append(part)
    return out


def _sole_junk(raw: str, word: str, kind: str) -> bool:
    """A span left with one word that is a particle or verb *known as such*: its own ANERcorp share
    is low (أكد, يري), not only its class's. فيسبوك and تويتر sit in classes of common nouns in
    2007 news but are names: kept (with a low confidence, see _confidence)."""
    if _closed(word):
        return False  # span_clean drops closed-class heads itself
    evidence = word_evidence(word)
    if evidence is not None and evidence.own_share is not None:
        return _edge(raw, word, kind, right=True) or _edge(raw, word, kind, right=False)
    return False


def _acronym_clitic(part: list[Word]) -> int:
    """Characters to cut from the first word of a spelled-out acronym («لبي بي سي», «لسي إن إن»,
    «لإم بي سي»): a clitic on a letter's name (بان of بان كي مون is not one: مون is no letter)."""
    first = part[0][2]
    return 1 if _acronym(part) and first not in _LETTERS else 0


def _confidence(part: list[Word], base: float, repaired: bool) -> float:
    score = base * (0.6 if repaired else 1.0)
    if len(part) == 1:
        word = part[0][2]
        evidence = word_evidence(word)
        # The word's own ANERcorp entity share when it has one (ميليشيات 1.0), else its class's.
        likeness = (
            None
            if evidence is None
            else (evidence.own_share if evidence.own_share is not None else evidence.cluster_share)
        )
        if len(word) <= 2 or (likeness is not None and likeness < COMMON_NOUN):  # فستان, عقوبة
            score *= 0.4
    return round(score, 3)


def span_clean(span: EntitySpan) -> list[ScoredSpan]:
    """The span without edge words, split at interior verbs/particles; [] for a closed-class word.

    Offsets stay character offsets into the original text (``text == original[start:end]``).
    """
    words = _words(span.text)
    if not words:
        return []
    base = float(getattr(span, "confidence", 1.0) or 1.0)
    out: list[ScoredSpan] = []
    for part in _parts(words, span.kind):
        if _closed_headed(part) or (len(part) == 1 and part[0][2] in _GOD):
            continue
        start, end = part[0][0], part[-1][1]
        start += _acronym_clitic(part)
        text = span.text[start:end]
        repaired = len(part) != len(words) or start != words[0][0]
        out.append(
            ScoredSpan(
                start=span.start + start,
                end=span.start + end,
                kind=span.kind,
                text=text,
                confidence=_confidence(part, base, repaired),
            )
        )
    if out and len(out) == 1 and not _repaired(span, out[0], words):
        # Unchanged: keep the backend's exact text (punctuation inside it included).
        only = out[0]
        return [ScoredSpan(start=span.start, end=span.end, kind=span.kind, text=span.text, confidence=only.confidence)]
    return out


def _repaired(span: EntitySpan, cleaned: ScoredSpan, words: list[Word]) -> bool:
    return cleaned.start - span.start != words[0][0] or cleaned.end - span.start != words[-1][1]


def spans_clean(spans: list[EntitySpan]) -> list[ScoredSpan]:
    """:func:`span_clean` over a list, order kept."""
    return [clean for span in spans for clean in span_clean(span)]
