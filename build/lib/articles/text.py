"""Arabic normalisation and tokenisation, built on camel-tools' offline utilities.

Pure module: no Django. Indexing and querying both go through :func:`search_key`, so a
spelling variant typed by a reader meets the same key as the stored text.

Only ``camel_tools.utils`` and ``camel_tools.tokenizers.word`` are imported here: camel-tools'
data-backed modules (morphology, NER, ...) try to download data at import time.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from camel_tools.tokenizers.word import simple_word_tokenize
from camel_tools.utils.charmap import CharMapper
from camel_tools.utils.dediac import dediac_ar
from camel_tools.utils.normalize import (
    normalize_alef_ar,
    normalize_alef_maksura_ar,
    normalize_teh_marbuta_ar,
)

# Invisible marks that real dumps carry: bidi controls, zero-width joiners, BOM, soft hyphen.
_INVISIBLE_RE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff\u00ad]")
_TATWEEL = "\u0640"
# Arabic-Indic (U+0660..) and Eastern Arabic-Indic / Persian (U+06F0..) digits to ASCII, and Arabic
# punctuation that has a Latin twin (folding them makes tokenisation uniform).
_FOLD = {**str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789"),
         **str.maketrans({"،": ",", "؛": ";", "؟": "?", "٪": "%", "٫": ".", "٬": ","})}
# str.translate is slow on long Arabic strings; most texts need it only for a few characters.
_FOLD_RE = re.compile("[" + "".join(chr(c) for c in _FOLD) + "]")
_SPACES_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"\w+")

_TRANSLIT = CharMapper.builtin_mapper("ar2safebw")


def strip_invisible(text: str) -> str:
    """Remove bidi/zero-width marks and the BOM (they break matching and parsing)."""
    return _INVISIBLE_RE.sub("", text)


def clean(text: str) -> str:
    """Light clean-up for display and storage: NFC, no invisible marks, folded digits kept as typed."""
    return strip_invisible(unicodedata.normalize("NFKC", text)).replace(_TATWEEL, "")


def normalize(text: str) -> str:
    """The orthographic normal form: the variants a reader may type all map to one spelling.

    NFKC (folds presentation forms), invisible marks, diacritics and tatweel removed, alef/hamza
    forms (أ إ آ ٱ) to ا, ى to ي, ة to ه, Arabic-Indic digits to ASCII, Latin lower-cased.
    """
    text = strip_invisible(unicodedata.normalize("NFKC", text))
    text = dediac_ar(text).replace(_TATWEEL, "")
    text = normalize_alef_ar(text)
    text = normalize_alef_maksura_ar(text)
    text = normalize_teh_marbuta_ar(text)
    if _FOLD_RE.search(text):
        text = text.translate(_FOLD)
    return text.lower()


def tokenize(text: str) -> list[str]:
    """Word tokens (punctuation split off) of the text as given, not normalised."""
    return simple_word_tokenize(text)


def words(text: str) -> list[str]:
    """Normalised word tokens, punctuation dropped: the unit of the search key."""
    return _WORD_RE.findall(normalize(text))


def search_key(text: str) -> str:
    """The search key of a text: normalised words joined by single spaces.

    Indexing and querying must both use this function.
    """
    return " ".join(words(text))


def collapse_spaces(text: str) -> str:
    return _SPACES_RE.sub(" ", text).strip()


@lru_cache(maxsize=65536)
def transliterate(text: str) -> str:
    """A Latin key for an Arabic name (safe Buckwalter), so aliases can be found in Latin letters."""
    return _TRANSLIT(normalize(text))
