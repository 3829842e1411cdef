"""Arabic light stemming for search: clitic prefixes, the article and suffixes, each on evidence.

Pure module. Input words are *spelled* key words (:func:`articles.text.spelled_words`: hamza seats,
ى/ي, diacritics, tatweel, digits, Persian letters folded, but ة kept apart from ه); every form the
functions return is folded like the search key (ة → ه), so it can be compared with key words.

Indexing stores every *candidate* of a word (the word, and the word with clitics, the article or a
suffix removed); a query word matches a stored word when any of its own candidates is among them.
So بوتين meets وبوتين, لبوتين and ببوتين, and انتخابات meets الانتخابات and والانتخابات.

Prefixes: a single letter ب ف ك ل is only a clitic when at least five letters remain, و when three
remain, so بوتين never yields وتين and فرنسا never yields رنسا. Shorter words behind ب/ل (بمصر, لغزة)
are stripped only when the remainder is a common word, far commoner than the whole (:mod:`lexicon`).

Suffixes are stripped only when the corpus lexicon attests the result as the word's stem (issue 11 §3,
over-stemming): a pronoun (ه ها هم هن هما كم نا) only when the bare form and another pronoun form of
it are both attested (رئيسه → رئيس: رئيسها is common; حماسه ↛ حماس: nobody writes حماسها), and
never from a word spelled with ة (بحماسة is not بحماس + ه; القاهرة is not القاهر + ه); the plural ات
to the singular with ة when that is attested (العملات → عملة, not عمل), else to the bare form (انتخابات
→ انتخاب); ون/ين to the singular; the indefinite accusative alef (اتفاقا, أمطارا) when the bare form is
far commoner than the alef form (so روسيا and سوريا keep their alef). The feminine nisba ية meets
its masculine ي (الشمالية/الشمالي, النووية/النووي), but a nisba never loses its ي: الرقمية is not
الرقم, الدولية is not الدول, المصري is not مصر, العملية is not عملة.

A word typed with ه for its ة (issue 23): a word ending in ه whose ة spelling is attested also has the
candidates of that spelling, so a text's السعوديه is found by السعودي as السعودية is; and a query word
ending in ه whose ة spelling is attested matches exactly what that spelling matches, so the query
السعوديه finds what السعودية finds (and عمله, like العملة, not عمل: a final ه's pronoun reading is not
added to the ة word, that was issue 11's over-stemming). The function words that keep their ى
(:data:`articles.text.FUNCTION_WORDS_MAKSURA`) are indexed as spelled; a query for one of them also
matches its ي spelling (outlets write على as علي), a query for the name علي never matches على.
"""

from __future__ import annotations

import re
from functools import lru_cache

from articles.search.lexicon import folded_counts, word_counts
from articles.text import FUNCTION_WORDS_MAKSURA, FUNCTION_WORDS_YEH_OWN, key_normalize


def _prefix_table() -> tuple[tuple[str, int], ...]:
    """Every clitic prefix with the letters that must remain after it, longest first.

    Grammar: an optional conjunction (و ف), then an optional preposition (ب ك ل) and/or the article
    (ال; ل + ال is written لل). One strip per word: ب after ل (لب...) is never two clitics.
    """
    table: dict[str, int] = {}
    for conj in ("", "و", "ف"):
        for core, keep in (("ال", 3), ("بال", 3), ("كال", 3), ("لل", 3), ("ب", 5), ("ك", 5), ("ل", 5), ("", 0)):
            prefix = conj + core
            if prefix:
                # و alone leaves three letters (وقال); any other lone one-letter clitic needs five.
                table[prefix] = keep or (3 if prefix == "و" else 5)
    return tuple(sorted(table.items(), key=lambda item: -len(item[0])))


_PREFIXES = _prefix_table()
_PRONOUNS = ("هما", "ها", "هم", "هن", "كم", "نا", "ه")
_PLURALS = ("ون", "ين")
_SUFFIX_MIN_STEM = 3
# Longest indexed word; longer "words" are junk (URLs, base64) and PostgreSQL caps lexemes at 2 KB.
MAX_WORD = 60
_ARABIC_RE = re.compile("[\u0600-\u06ff]")
_SPLIT_RE = re.compile(r"[^\W_]+")


def split_key(key: str) -> list[str]:
    """Words of a search key. The underscore is a separator here, as it is for FTS5."""
    return [w[:MAX_WORD] for w in _SPLIT_RE.findall(key)]


def key_words(text: str) -> list[str]:
    """The spelled words of a text (ة kept) as the index and the query parser see them."""
    return split_key(key_normalize(text, teh_marbuta=False))


def fold(word: str) -> str:
    """A spelled word as the index's exact column writes it (ة → ه; a function word keeps its ى)."""
    return word.replace("ة", "ه")


# The ي spelling of each function word that has no other meaning (حتي, متي, ...) -> its ى spelling.
_YEH_TO_MAKSURA = {
    word.replace("ى", "ي"): word
    for word in FUNCTION_WORDS_MAKSURA | {"و" + w for w in FUNCTION_WORDS_MAKSURA}
    if word.replace("ى", "ي").removeprefix("و") not in FUNCTION_WORDS_YEH_OWN
}


def spellings(word: str) -> tuple[str, ...]:
    """What a query word matches: the word and, for a function word written with ى, its ي spelling
    (على finds على and علي as outlets write it); the ي spelling of a function word finds the ى one too
    unless it is a word of its own (حتي finds حتى; the name علي never finds على)."""
    if "ى" in word:
        return (word, word.replace("ى", "ي"))
    if (maksura := _YEH_TO_MAKSURA.get(word)) is not None:
        return (word, maksura)
    return (word,)


def exact_forms(word: str) -> tuple[str, ...]:
    """The exact-column words a query word matches: :func:`fold` of each of its :func:`spellings`."""
    return tuple(fold(w) for w in spellings(word))


# The prepositions ب and ل (and a conjunction before one), which the length rule would keep on short
# words. Lone ف and ك are left out: on short words they are mostly part of the word (فيصل, كيري, فتحت).
_SHORT_WORD_CLITICS = ("ب", "ل", "وب", "ول", "فب", "فل")
# Evidence: a form is attested when seen at least this often in the lexicon; a strip of a short word's
# clitic or of the accusative alef also needs the remainder this many times commoner than the whole.
_EVIDENCE_MIN = 20
_EVIDENCE_RATIO = 2


def _seen(word: str) -> int:
    """Corpus count of a word in either ة/ه spelling (a folded form)."""
    return folded_counts().get(fold(word), 0)


def _prefix_strips(word: str) -> set[str]:
    found = {
        word[len(prefix) :] for prefix, keep in _PREFIXES if word.startswith(prefix) and len(word) - len(prefix) >= keep
    }
    whole = _seen(word)
    for prefix in _SHORT_WORD_CLITICS:
        rest = word[len(prefix) :]
        if word.startswith(prefix) and len(rest) >= 3:
            seen = _seen(rest)
            if seen >= _EVIDENCE_MIN and seen >= _EVIDENCE_RATIO * whole:
                found.add(rest)
    return found


def _attested(word: str) -> bool:
    return word_counts().get(word, 0) >= _EVIDENCE_MIN


def _suffix_strips(word: str) -> set[str]:
    found: set[str] = set()
    for suffix in _PRONOUNS:
        stem = word[: -len(suffix)]
        if not word.endswith(suffix) or len(stem) < _SUFFIX_MIN_STEM:
            continue
        # Evidence that ``stem + suffix`` is the stem with a pronoun, not a word of its own that happens
        # to end like one: the stem and another pronoun form of it are both attested.
        others = any(_attested(stem + other) for other in _PRONOUNS if other != suffix)
        if stem.endswith("ت") and others and _attested(stem[:-1] + "ة"):
            found.add(stem[:-1] + "ة")  # حكومتها → حكومة: the ت of a suffixed feminine noun is its ة
        elif others and _attested(stem):
            found.add(stem)
    if word.endswith("ات") and len(word) - 2 >= _SUFFIX_MIN_STEM:
        stem = word[:-2]
        if _attested(stem + "ة"):
            found.add(stem + "ة")
        elif _attested(stem):
            found.add(stem)
    if word.endswith("ية") and len(word) >= 5 and _attested(word[:-1]):
        found.add(word[:-1])  # الشمالية → الشمالي, النووية → النووي: one adjective, two genders
    for suffix in _PLURALS:
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) >= 4 and _attested(stem):
            found.add(stem)
    if word.endswith("ا") and len(word) >= 4:
        stem = word[:-1]
        seen = word_counts().get(stem, 0)
        if seen >= _EVIDENCE_MIN and seen >= _EVIDENCE_RATIO * word_counts().get(word, 0):
            found.add(stem)
    return found


@lru_cache(maxsize=200_000)
def candidates(word: str) -> frozenset[str]:
    """All forms of a spelled word that the stemmed index stores (the word itself included), folded."""
    return candidates_compute(word)


def candidates_compute(word: str) -> frozenset[str]:
    """:func:`candidates` without its cache, for callers that cache what they derive from it (the
    index writers: one cache of their own per word instead of two)."""
    if not _ARABIC_RE.match(word):
        return frozenset((word,))
    forms = _spelled_candidates(word)
    # A final ه that may be the ة typed without its dots: the rules keyed on ة (the nisba ية, ات → ة)
    # reach the text typed that way. Not the other way: a ة is never a pronoun.
    if (teh := _teh_spelling(word)) is not None:
        forms |= _spelled_candidates(teh)
    return frozenset(fold(form) for form in forms)


_DEFINITE = ("ال", "بال", "كال", "لل", "وال", "وبال", "وكال", "ولل", "فال", "فبال", "فكال", "فلل")


def _teh_spelling(word: str) -> str | None:
    """The ة spelling of a word that ends in ه: when the lexicon attests it (السعوديه → السعودية), or the word
    is definite (ال, لل ... : an article never takes a possessive pronoun, so its final ه is a ة typed without
    dots: الجيبوتيه). Never when the ه spelling is attested itself: then it is a word of its own, a pronoun
    form (عليه 6,055 in the lexicon against علية 38, منه, عمله) or a root ه (جنيه, الفقيه, الاله)."""
    if len(word) < 3 or word[-1] != "ه" or not _ARABIC_RE.match(word) or _attested(word):
        return None
    teh = word[:-1] + "ة"
    bare = ((teh[len(prefix) :], keep) for prefix, keep in _PREFIXES if teh.startswith(prefix))
    if _attested(teh) or any(len(form) >= keep and _attested(form) for form, keep in bare):
        return teh
    if any(teh.startswith(article) and len(teh) - len(article) >= 4 for article in _DEFINITE):
        return teh
    return None


def _spelled_candidates(word: str) -> set[str]:
    forms = {word} | _prefix_strips(word)
    for form in list(forms):
        forms |= _suffix_strips(form)
    return forms


def query_forms(word: str) -> list[str]:
    """The stemmed-index forms a query word matches (any of them): the candidates of its spellings,
    a final ه read as the ة of an attested word (so both spellings of it match the same forms)."""
    return sorted(frozenset().union(*(candidates(_teh_spelling(w) or w) for w in spellings(word))))
