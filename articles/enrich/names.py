"""Name-aware keys: when two spellings are one name, and a Latin phonetic key. Pure module.

All functions take an entity *key* (``articles.enrich.resolve``: normalised, first word without
clitics or article) or, for the phonetic key, any Arabic or Latin text.

- :func:`ortho_key`: spelling variants that never change a name fold together: hamza seats
  (ئ ؤ ء; alef forms, ى/ي and ة/ه are folded by ``normalize`` already) and the space inside
  compounds (عبد الله / عبدالله, عبد الفتاح / عبدالفتاح, بيونغ يانغ / بيونغيانغ).
- :func:`vowel_key`: the ortho key without long vowels after a word's first letter: the
  transcription variants of foreign names (بوتين / بوتن, ترامب / ترمب, نتنياهو / نتانياهو).
  Long vowels do tell Arabic given names apart (حسن ≠ حسين, محمد ≠ محمود, سعد ≠ سعيد), so
  :func:`vowel_variants` refuses a pair whose differing words are given names on corpus evidence.
- :func:`phonetic_key`: a consonant-class skeleton shared by Arabic and Latin spellings
  (بوتين and Putin → ``BTN``), after the usual correspondences (ب~p/b, ج/ق/ك/غ~j/g/q/k/c/gh,
  خ~kh, ش~sh/ch, ث~th, د/ذ/ض/ظ~d/dh, و/ي/vowels dropped). :func:`voiced_key` keeps the vowels as
  three classes (ا~a, و~o/u, ي~i/e) to tell apart names one skeleton shares (الأسد/السعودية: SD).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz.distance import Indel
from rapidfuzz.fuzz import ratio

from articles.enrich.evidence import is_given_name, name_likeness
from articles.text import normalize

# Measured on the 3,000-article ANT sample: true variants (بوتين/بوتن 89, ترامب/ترمب 89, نتنياهو/نتانياهو 93,
# النروج/النرويج 89) score above it; vowel-skeleton accidents (قدس/قاديس 75, ايران/ارنا 67) below.
VOWEL_RATIO_MIN = 85.0
# A word of a common-noun class (ANERcorp entity share under 30 %) is not a name to respell.
COMMON_CLASS = 0.3
_HAMZA = str.maketrans({"ئ": "ي", "ؤ": "و", "ء": None})
_LONG_VOWELS = str.maketrans({"ا": None, "و": None, "ي": None})
# Words that are written joined to or apart from the next one in compound names.
_COMPOUND_HEADS = frozenset({"عبد", "ابو", "ابي", "ام", "بو", "نور", "سيف", "شمس", "عز", "صلاح"})


def _words(key: str) -> list[str]:
    return key.translate(_HAMZA).split()


@lru_cache(maxsize=65536)
def ortho_key(key: str) -> str:
    """Spaces and hamza seats folded: ``عبد الفتاح السيسي`` and ``عبدالفتاح السيسي`` share one."""
    return "".join(_words(key))


def _word_vowels(word: str) -> str:
    return word[:1] + word[1:].translate(_LONG_VOWELS) if len(word) > 2 else word


@lru_cache(maxsize=65536)
def vowel_key(key: str) -> str:
    """The ortho key without long vowels after each word's first letter (بتن for بوتين and بوتن)."""
    return "".join(_word_vowels(w) for w in _word_units(key))


def _word_units(key: str) -> list[str]:
    """Words with compound heads joined to the next word (عبد الله → عبدالله)."""
    out: list[str] = []
    for word in _words(key):
        if out and out[-1] in _COMPOUND_HEADS:
            out[-1] += word
        else:
            out.append(word)
    return out


def vowel_variants(a: str, b: str) -> bool:
    """Keys ``a`` and ``b`` differ only in long vowels, hamza seats and compound spaces, and no word
    that differs is a given name (حسن/حسين) or shorter than three consonants' worth of evidence."""
    if a == b or ortho_key(a) == ortho_key(b):
        return True
    if vowel_key(a) != vowel_key(b):
        return False
    ua, ub = _word_units(a), _word_units(b)
    if len(ua) != len(ub):
        return False
    for wa, wb in zip(ua, ub, strict=True):
        if wa == wb:
            continue
        if is_given_name(wa) or is_given_name(wb):
            return False
        if len(_word_vowels(wa)) < 3:  # two consonants are no evidence (عل / علي / عليا)
            return False
        # Vowels moved around are another word (قدس / قاديس, عقبه / عقوبه are not one name).
        if Indel.distance(wa, wb) > 2 or ratio(wa, wb) < VOWEL_RATIO_MIN:
            return False
        if any((likeness := name_likeness(w)) is not None and likeness < COMMON_CLASS for w in (wa, wb)):
            return False
    return True


# --- the Latin phonetic key --------------------------------------------------------------------

_AR_CLASS = {
    "ب": "B", "پ": "B", "ت": "T", "ط": "T", "ث": "T", "ج": "K", "چ": "X", "ح": "H", "خ": "H", "ه": "H",
    "د": "D", "ض": "D", "ذ": "D", "ز": "Z", "ظ": "D", "ر": "R", "س": "S", "ص": "S", "ش": "X", "غ": "K",
    "ق": "K", "ك": "K", "گ": "K", "ف": "F", "ڤ": "F", "ل": "L", "م": "M", "ن": "N",
}  # fmt: skip
# Latin digraphs first (longest first), then letters; vowels, w and y carry no consonant class.
_LATIN_DIGRAPHS = (("sch", "X"), ("sh", "X"), ("ch", "X"), ("kh", "H"), ("gh", "K"), ("th", "T"), ("dh", "D"),
                   ("ph", "F"), ("dj", "K"), ("ck", "K"), ("ts", "TS"), ("x", "KS"))  # fmt: skip
_LATIN_CLASS = {
    "b": "B", "p": "B", "t": "T", "d": "D", "j": "K", "g": "K", "k": "K", "q": "K", "c": "K", "f": "F", "v": "F",
    "h": "H", "l": "L", "m": "M", "n": "N", "r": "R", "s": "S", "z": "Z",
}  # fmt: skip
_LATIN_ARTICLE_RE = re.compile(r"^(?:al|el|ul)[-\s']+", re.IGNORECASE)
_LATIN_WORD_RE = re.compile(r"[a-z]+")
_AR_WORD_RE = re.compile(r"[\u0600-\u06ff]+")


def is_latin(text: str) -> bool:
    """The text has Latin letters and no Arabic ones."""
    return bool(re.search(r"[A-Za-z]", text)) and not _AR_WORD_RE.search(text)


def _squeeze(letters: str) -> str:
    """Adjacent repeats folded (ss→s): Arabic writes no shadda in news, Latin doubles letters."""
    return re.sub(r"(.)\1+", r"\1", letters)


def _finish(classes: str) -> str:
    return classes[:-1] if len(classes) > 1 and classes.endswith("H") else classes  # final ة / -ah


def _arabic_classes(word: str, vowels: dict[str, str] | None = None) -> str:
    """A word's letter classes; with ``vowels``, vowel letters get those classes instead of nothing."""
    if word.startswith("ال") and len(word) >= 5:  # the article is not spelled in Latin (Sisi)
        word = word[2:]
    vowels = vowels or {}
    return "".join(_AR_CLASS.get(ch) or vowels.get(ch, "") for ch in _squeeze(word))


def _latin_classes(word: str, vowels: dict[str, str] | None = None) -> str:
    """A Latin word's letter classes, digraphs first (kh, sh, th, ...); ``vowels`` as above."""
    word = _squeeze(word)
    vowels = vowels or {}
    out = []
    i = 0
    while i < len(word):
        for digraph, cls in _LATIN_DIGRAPHS:
            if word.startswith(digraph, i):
                out.append(cls)
                i += len(digraph)
                break
        else:
            out.append(_LATIN_CLASS.get(word[i]) or vowels.get(word[i], ""))
            i += 1
    return "".join(out)


def _name_words(text: str) -> tuple[bool, list[str]]:
    """(is Latin, the name's words): Latin folded to ASCII without al-/el-, Arabic normalised."""
    if is_latin(text):
        folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
        return True, [w for w in _LATIN_WORD_RE.findall(_LATIN_ARTICLE_RE.sub("", folded)) if w not in ("al", "el")]
    return False, _AR_WORD_RE.findall(normalize(text).translate(_HAMZA))


@lru_cache(maxsize=65536)
def phonetic_words(text: str) -> tuple[str, ...]:
    """Per-word consonant-class keys of an Arabic or Latin name ("" words dropped)."""
    latin, words = _name_words(text)
    classes = _latin_classes if latin else _arabic_classes
    keys = [_finish(classes(w)) for w in words]
    return tuple(k for k in keys if k)


def phonetic_key(text: str) -> str:
    """The whole name's consonant-class key: ``phonetic_key("فلاديمير بوتين") == "FLDMRBTN"``."""
    return "".join(phonetic_words(text))


# Vowel letters as three classes, for :func:`voiced_key` (ع is silent in Latin: Saudi, Assad).
_AR_VOWELS = {"ا": "A", "و": "U", "ي": "I", "ى": "I"}
_LATIN_VOWELS = {"a": "A", "o": "U", "u": "U", "i": "I", "e": "I", "y": "I", "w": "U"}


@lru_cache(maxsize=65536)
def voiced_key(text: str) -> str:
    """Consonant classes with vowels as A/U/I, spaces dropped: ranks Latin look-up hits whose
    consonant skeletons tie (Assad ASAD meets الأسد ASD, not السعودية SUDI)."""
    latin, words = _name_words(text)
    if latin:
        return _squeeze("".join(_latin_classes(w, _LATIN_VOWELS) for w in words))
    return _squeeze("".join(_arabic_classes(w, _AR_VOWELS) for w in words))
    out = []
    for word in _AR_WORD_RE.findall(normalize(text).translate(_HAMZA)):
        if word.startswith("ال") and len(word) >= 5:
            word = word[2:]
        out.append("".join(_AR_CLASS.get(ch) or _AR_VOWELS.get(ch, "") for ch in _squeeze(word)))
    return _squeeze("".join(out))
