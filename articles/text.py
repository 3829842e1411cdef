"""Arabic text: the stored form of a clipping, and the normal forms its keys are built from.

Pure module: no Django. Two layers, never mixed:

* :func:`clean` gives the **stored** text: the input as published, in NFC, minus only the bidi
  embedding/override/isolate controls (U+202A–202E, U+2066–2069) that can spoof a page. Nothing else
  is folded: tatweel, superscripts, fractions, ligatures, double spaces and line breaks stay.
* :func:`normalize` and :func:`key_normalize` give the **keys**. Indexing and querying both go through
  :func:`search_key`, the fingerprint and the source/entity keys too, so a spelling variant typed by a
  reader (or used by another outlet) meets the same key as the stored text. The *spelled* form
  (``key_normalize(teh_marbuta=False)``, the search index's words) keeps ة and the ى of a few
  function words (:data:`FUNCTION_WORDS_MAKSURA`), so على stays apart from the name علي.
* :func:`clean_line` (titles, source names) and :func:`edge_trim` (entity names, aliases) also drop
  edge whitespace and format characters; :func:`display_form` is how stored text is shown (a PDF's
  presentation-form glyphs as letters), never stored.

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
from camel_tools.utils.normalize import normalize_alef_ar, normalize_alef_maksura_ar

# Controls that reorder what follows them (LRE RLE PDF LRO RLO, LRI RLI FSI PDI): the only characters
# removed from stored text, because a U+202E in a title reverses the rest of the page around it.
SPOOF_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_SPOOF_RE = re.compile(f"[{SPOOF_CONTROLS}]")
# Every invisible format character real dumps carry: the above, LRM/RLM/ALM, zero-width (non-)joiner
# and space, word joiner and invisible operators, combining grapheme joiner, BOM, soft hyphen. Kept in
# stored text (a ZWNJ shapes a Persian name, an RLM places a full stop), removed from every key.
INVISIBLE_CHARS = f"{SPOOF_CONTROLS}\u200b-\u200f\u2060-\u2064\u061c\u034f\ufeff\u00ad\u180e"
_INVISIBLE_RE = re.compile(f"[{INVISIBLE_CHARS}]")
_TATWEEL = "\u0640"
# Compatibility characters folded in keys only: Arabic presentation forms A and B (ﻻ ﷲ ﷺ, isolated /
# final letter shapes from PDF copy-paste), Latin ligatures and full-width forms. NFKC on the rest of the
# text would also turn 10² into 102 and ½ into 1⁄2, so it is applied to these ranges alone.
_COMPAT_RE = re.compile("[\ufb00-\ufb06\ufb50-\ufdff\ufe70-\ufefe\uff01-\uff5e]+")
# Two ligatures without an NFKC decomposition, expanded as camel-tools' normalize_unicode does.
_COMPAT_FIX = {"\ufdfc": "ريال", "\ufdfd": "بسم الله الرحمن الرحيم"}
# Quranic annotation: honorific/small high signs (U+0610–061A), harakat beyond camel-tools' set
# (U+0653–065F: madda above, hamza above/below left over after NFC, subscript alef, ...), small high
# letters and pause/stop marks (U+06D6–06ED, ayah end U+06DD and rub el hizb U+06DE included), and the
# extended Quranic marks (U+08D3–08FF). Removed like harakat. The small yeh/waw letters (U+06E6, 06E7,
# 06E5) and the dagger alef U+0670 stand for letters that modern spelling writes out: see _quranic.
_MARKS_RE = re.compile("[\u0610-\u061a\u0653-\u065f\u06d6-\u06e4\u06e8-\u06ed\u08d3-\u08ff]")
# Quranic (Uthmani) spelling: the dagger alef is a long ā that modern spelling writes as ا (ٱلصَّٰبِرِينَ →
# الصابرين, ٱلۡكِتَٰبُ → الكتاب, إِبۡرَٰهِـۧمَ → إبراهيم), except on ى (عَلَىٰ → على) and in the few words whose
# modern spelling keeps it implicit (هٰذا, ذٰلك, لٰكن, الرحمٰن, إلٰه, هٰكذا, أولٰئك, هٰؤلاء).
_QURANIC_CHARS = "\\w\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u08d3-\u08ff"
_QURANIC_WORD_RE = re.compile(f"[{_QURANIC_CHARS}]*[\u0670\u06e5-\u06e7][{_QURANIC_CHARS}]*")
_IMPLICIT_ALEF = frozenset(
    ("هذا", "هذه", "هذان", "هذين", "ذلك", "ذلكم", "ذلكما", "لكن", "الرحمن", "رحمن", "اله", "الله", "لله",
     "هكذا", "اولءك", "اولئك", "هءولاء", "هؤلاء", "طه", "السموات")
)
_HARAKAT_RE = re.compile("[\u064b-\u065f\u0610-\u061a\u06d6-\u06e4\u06e8-\u06ed\u08d3-\u08ff]")
# Persian, Urdu, Kurdish and Pashto letter shapes that Persian-keyboard and Urdu-font text uses for Arabic
# letters (Lucene's PersianNormalizer: ی ک ۀ ہ ے; Unicode's Arabic block for the rest). گ and چ stay:
# they are different consonants, not another shape of ك or ج.
_LETTERS = str.maketrans({
    0x06CC: "ي", 0x06D0: "ي", 0x06CD: "ي", 0x06CE: "ي", 0x06D2: "ي", 0x06D3: "ئ", 0x0678: "ئ",
    0x06A9: "ك", 0x06AA: "ك", 0x06AB: "ك",
    0x06BE: "ه", 0x06C1: "ه", 0x06D5: "ه", 0x06C0: "ة", 0x06C2: "ة", 0x06C3: "ة",
    0x0672: "ا", 0x0673: "ا", 0x0675: "ا", 0x0676: "ؤ", 0x0677: "ؤ",
    0x06C4: "و", 0x06C5: "و", 0x06C6: "و", 0x06C7: "و", 0x06C8: "و", 0x06C9: "و", 0x06CB: "و",
    0x067E: "ب", 0x06A4: "ف", 0x06A5: "ف",
})
_LETTERS_RE = re.compile("[" + "".join(chr(c) for c in _LETTERS) + "]")
# Arabic-Indic (U+0660..) and Eastern Arabic-Indic / Persian (U+06F0..) digits to ASCII, and Arabic
# punctuation that has a Latin twin (folding them makes tokenisation uniform).
_FOLD = {**str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789"),
         **str.maketrans({"،": ",", "؛": ";", "؟": "?", "٪": "%", "٫": ".", "٬": ",", "۔": "."})}
# str.translate is slow on long Arabic strings; most texts need it only for a few characters.
_FOLD_RE = re.compile("[" + "".join(chr(c) for c in _FOLD) + "]")
_SPACES_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"\w+")

# Hamza seats (key only): Egyptian مسئول/شئون and Levantine مسؤول/شؤون, أبناؤه/أبنائه/أبناءه, and the
# Egyptian final ىء (شاطىء, مبادىء) for ئ all meet on a bare ء. Applied after ى → ي, so يء covers ىء.
_HAMZA_SEATS = str.maketrans({"ئ": "ء", "ؤ": "ء"})
_YEH_HAMZA_RE = re.compile("يء")
# Compound names written joined or spaced (عبدالله / عبد الله, عبدالرحمن, ابوالغيط, نصرالله, نورالدين):
# the key always has the spaced form, so a phrase search for either spelling finds both. Lexicon
# evidence (articles/search/data/lexicon.tsv.gz): عبدالله 1,651, عبدالعزيز 1,594, نصرالله 207 joined
# next to الله 6,977 spaced. ابن and بن are never split: every joined ابن/بن word in the lexicon is a
# pronoun or another word (ابنه, ابنها, بناء, بنسبه), not a compound. ابو only before ال (ابواب, ابوابها
# are "doors") and in ابوظبي, the one joined ابو-name in the lexicon (550 against ظبي 74).
_COMPOUND_RE = re.compile(r"\b(عبد|ابو)(ال\w{2,})|\b(ابو)(ظبي)\b|\b(\w{2,})(الله|الدين)\b")
_COMPOUND_HINTS = ("عبدال", "ابوال", "ابوظ", "الله", "الدين")
# What stands before الله/الدين without forming a name: clitics alone (وبالله, فبالدين) and the article
# or a و that belongs to the next word (الوالدين, للوالدين: "the parents").
_NOT_A_NAME_RE = re.compile(r"^[وفبلكت]{1,3}$|^(?:ال|لل)|و$")


# Format characters trimmed from the edges of a one-line field (title, source name, entity name, alias):
# every Unicode Cf character (LRM, RLM, ALM, ZWSP, ZWNJ, ZWJ, word joiner, BOM, soft hyphen, tags, ...)
# plus the default-ignorable letters and marks that render as nothing (combining grapheme joiner, Hangul
# fillers, Khmer inherent vowels). Not the prepended concatenation marks (U+0600–0605 ARABIC NUMBER SIGN,
# U+06DD END OF AYAH, U+070F, U+0890–0891, U+08E2, U+110BD, U+110CD): they are Cf but drawn, around the
# digits that follow them.
_PREPENDED_MARKS = frozenset("\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd")
_EDGE_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")


def _edge_invisible(char: str) -> bool:
    return (
        char.isspace()
        or char in _EDGE_INVISIBLE
        or (unicodedata.category(char) == "Cf" and char not in _PREPENDED_MARKS)
    )


def edge_trim(text: str) -> str:
    """``text`` without leading and trailing whitespace and invisible format characters (an RLM, LRM,
    BOM or zero-width space a feed puts before a title). Inner characters stay: a ZWNJ inside a Persian
    name shapes it."""
    start, end = 0, len(text)
    while start < end and _edge_invisible(text[start]):
        start += 1
    while end > start and _edge_invisible(text[end - 1]):
        end -= 1
    return text[start:end]


# Function words spelled with a final ى (alef maksura) whose ي spelling is another word, mostly a name:
# على (on) / علي (Ali), إلى (to) / الي (آلي automatic, إليّ to me), لدى / لديّ, متى / متي, مدى / مدي,
# سوى / سويّ, and حتى, عسى, بلى, أنى. The prepositions, adverbs and particles of
# linuxscout/arabicstopwords (classified list, the stop words pyarabic and Lucene's Arabic analyser ship)
# that end in ى. The *spelled* form (``key_normalize(teh_marbuta=False)``: the search index, the query,
# the highlighter) keeps their ى, alone or after the conjunction و; every other ى folds into ي, names
# included (مصطفى/مصطفي, موسى/موسي, ليلى/ليلي). A ف before them is left out: فعلى is also Egyptian
# فعلي (actual). See docs/search.md ("Function words").
FUNCTION_WORDS_MAKSURA = frozenset(("على", "الى", "حتى", "متى", "لدى", "مدى", "سوى", "عسى", "بلى", "انى"))
# The function words whose ي spelling is a word of its own: علي (Ali), الي (آلي automatic, إليّ to me),
# لدي (لديّ I have), سوي (سويّ even, normal), بلي (worn), اني (إني I). A query for that spelling is that
# word only; a query for حتي, متي, مدي or عسي (no other word) also finds the ى spelling.
FUNCTION_WORDS_YEH_OWN = frozenset(("علي", "الي", "لدي", "سوي", "بلي", "اني"))
# والى is also Egyptian والي (governor): that clitic form folds (the query إلى still finds it).
_NOT_CLITIC_FORMS = frozenset(("والى",))
_MAKSURA_WORD_RE = re.compile(r"\w*ى\w*")


def _maksura_fold(match: re.Match) -> str:
    word = match[0]
    if word in FUNCTION_WORDS_MAKSURA or (
        word[:1] == "و" and word[1:] in FUNCTION_WORDS_MAKSURA and word not in _NOT_CLITIC_FORMS
    ):
        return word
    return word.replace("ى", "ي")


def strip_invisible(text: str) -> str:
    """Remove bidi controls, zero-width marks, the BOM and soft hyphens (they break matching and parsing)."""
    return _INVISIBLE_RE.sub("", text)


def strip_spoofing(text: str) -> str:
    """Remove only the bidi embedding/override/isolate controls (U+202A–202E, U+2066–2069)."""
    return _SPOOF_RE.sub("", text)


def clean(text: str) -> str:
    """The stored form of a title, body or source name: the text as published, NFC, spoofing controls
    removed (see the module docstring). Used by the dump parser and the admin alike."""
    return strip_spoofing(unicodedata.normalize("NFC", text))


def clean_line(text: str) -> str:
    """The stored form of a one-line field (title, source name): :func:`clean`, then :func:`edge_trim`,
    so a title that arrives with a leading RLM sorts, links and matches like the same title typed."""
    return edge_trim(clean(text))


# Display (issue 23): text from a PDF or an OCR engine often carries the Arabic letters' contextual glyphs
# (presentation forms A U+FB50–FDCF and B U+FE70–FEFE, the lam-alef ligatures among them) and Latin , ; ?
# where a typist writes ، ؛ ؟. Shown as typed text: the glyphs as their letters (NFKC on those ranges
# only), the Latin mark after an Arabic letter as the Arabic one. Word ligatures (U+FDF0–FDFF: ﷲ ﷺ ﷽ ﷼)
# are characters typists use too and stay. Never stored: the stored text is what the file said.
_DISPLAY_FORMS_RE = re.compile("[\ufb50-\ufdcf\ufe70-\ufefe]+")
_DISPLAY_PUNCT_RE = re.compile("(?<=[\u0621-\u064a\u0660-\u0669\u066e-\u06d3\u06f0-\u06f9])([,;?])(?=\\s|$)")
_DISPLAY_PUNCT = {",": "،", ";": "؛", "?": "؟"}


def display_form(text: str) -> str:
    """The stored text as a reader sees typed text: presentation forms as plain letters, a Latin comma,
    semicolon or question mark that follows an Arabic letter as ، ؛ ؟. Same line breaks; digits, kashida
    and everything else as stored. For display only (the keys fold much more, :func:`key_normalize`)."""
    if _DISPLAY_FORMS_RE.search(text):
        text = _DISPLAY_FORMS_RE.sub(lambda m: unicodedata.normalize("NFKC", m[0]), text)
    if "," in text or ";" in text or "?" in text:
        text = _DISPLAY_PUNCT_RE.sub(lambda m: _DISPLAY_PUNCT[m[1]], text)
    return text


def _quranic(match: re.Match) -> str:
    word = _HARAKAT_RE.sub("", match[0]).replace("\u06e6", "ي").replace("\u06e7", "ي")
    word = re.sub("(?<!و)\u06e5", "و", word).replace("\u06e5", "")
    bare = normalize_alef_ar(word.replace("\u0670", ""))
    if any(bare[i:] in _IMPLICIT_ALEF for i in range(3)):
        return word.replace("\u0670", "")
    return re.sub("(?<=[ىي])\u0670", "", word).replace("\u0670", "ا")


def _compat_fold(match: re.Match) -> str:
    return "".join(_COMPAT_FIX.get(c) or unicodedata.normalize("NFKC", c) for c in match[0])


def normalize(text: str, *, teh_marbuta: bool = True, function_words: bool = False) -> str:
    """The orthographic normal form: the variants a reader may type all map to one spelling.

    Invisible marks, diacritics, Quranic marks and tatweel removed; presentation forms folded (NFKC on
    those ranges only); Persian/Urdu letter shapes to Arabic (ی→ي, ک→ك, ە ھ ہ→ه, ۀ ۃ→ة); alef forms
    (أ إ آ ٱ) to ا, ى to ي, ة to ه (unless ``teh_marbuta=False``), Arabic-Indic digits to ASCII, Latin
    lower-cased. Used by the NER features too, so it keeps a word's hamza seat: see :func:`key_normalize`.
    ``function_words=True`` keeps the ى of :data:`FUNCTION_WORDS_MAKSURA` (على stays apart from علي).
    """
    text = strip_invisible(text)
    if _COMPAT_RE.search(text):
        text = _COMPAT_RE.sub(_compat_fold, text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if "\u0670" in text or "\u06e5" in text or "\u06e6" in text or "\u06e7" in text:
        text = _QURANIC_WORD_RE.sub(_quranic, text)
    text = dediac_ar(_MARKS_RE.sub("", text)).replace(_TATWEEL, "")
    if _LETTERS_RE.search(text):
        text = text.translate(_LETTERS)
    text = normalize_alef_ar(text)
    if "ى" in text:
        text = _MAKSURA_WORD_RE.sub(_maksura_fold, text) if function_words else normalize_alef_maksura_ar(text)
    if teh_marbuta:
        text = text.replace("ة", "ه")
    if _FOLD_RE.search(text):
        text = text.translate(_FOLD)
    return text.lower()


def _compound_split(match: re.Match) -> str:
    head, tail = (match[1], match[2]) if match[1] else (match[3], match[4]) if match[3] else (match[5], match[6])
    if match[5] and _NOT_A_NAME_RE.search(head):
        return match[0]
    return f"{head} {tail}"


def key_normalize(text: str, *, teh_marbuta: bool = True) -> str:
    """The normal form of every key (search key, fingerprint, source and entity keys): :func:`normalize`
    plus the hamza seats folded to ء and joined compound names split (عبدالله → عبد الله).

    ``teh_marbuta=False`` gives the *spelled* form the search index and the query parser use: ة kept
    apart from ه, and the ى of the function words (:data:`FUNCTION_WORDS_MAKSURA`) kept apart from ي.
    :func:`teh_fold` turns a spelled word into its key word."""
    text = normalize(text, teh_marbuta=teh_marbuta, function_words=not teh_marbuta)
    if "ئ" in text or "ؤ" in text:
        text = text.translate(_HAMZA_SEATS)
    if "يء" in text:
        text = _YEH_HAMZA_RE.sub("ء", text)
    if any(hint in text for hint in _COMPOUND_HINTS):
        text = _COMPOUND_RE.sub(_compound_split, text)
    return text


def tokenize(text: str) -> list[str]:
    """Word tokens (punctuation split off) of the text as given, not normalised."""
    return simple_word_tokenize(text)


def words(text: str) -> list[str]:
    """Normalised word tokens (:func:`normalize`: hamza seats kept, compounds as written), punctuation
    dropped: the topic classifier's features, as its shipped model was trained on them."""
    return _WORD_RE.findall(normalize(text))


def key_words_of(text: str) -> list[str]:
    """Key words (:func:`key_normalize`), punctuation dropped: the unit of the search key."""
    return _WORD_RE.findall(key_normalize(text))


def key_words_of_spelled(spelled_key: str) -> list[str]:
    """:func:`key_words_of` of a text from its ``key_normalize(text, teh_marbuta=False)``: folding ة
    afterwards gives the same words (the fold commutes with every later step), so a caller that
    needs both forms normalises once."""
    return _WORD_RE.findall(teh_fold(spelled_key))


def spelled_words(text: str) -> list[str]:
    """Key words with ة kept apart from ه: the stemmer needs to tell حماسة (a noun) from حماسه
    (حماس + the pronoun ه). Fold with :func:`teh_fold` before comparing with key words."""
    return _WORD_RE.findall(key_normalize(text, teh_marbuta=False))


def teh_fold(word: str) -> str:
    """ة → ه and ى → ي: a spelled word (or text) as it appears in a search key."""
    return word.replace("ة", "ه").replace("ى", "ي")


def search_key(text: str) -> str:
    """The search key of a text: key words joined by single spaces.

    Indexing and querying must both use this function (or :func:`spelled_words` + :func:`teh_fold`).
    """
    return " ".join(key_words_of(text))


def collapse_spaces(text: str) -> str:
    return _SPACES_RE.sub(" ", text).strip()


@lru_cache(maxsize=65536)
def transliterate(text: str) -> str:
    """A Latin key for an Arabic name (safe Buckwalter), so aliases can be found in Latin letters."""
    return _TRANSLIT(normalize(text))


_TRANSLIT = CharMapper.builtin_mapper("ar2safebw")


# --- word tails of a name key: a look-up by a surname or a place's second word ------------------

# A word before a name's tail that makes the tail another person's: son, daughter, father, mother, family
# of (سلمان in «محمد بن سلمان», شديد in «روي ابو شديد»). Normalised forms.
KIN_WORDS = frozenset({"بن", "ابن", "بنت", "ابو", "ام", "ال", "نجل", "شقيق", "شقيقه", "عبد"})
# Words that make a name a relative of the person it contains (Trump Jr. beside Trump): the look-up
# ranks such a name after the main person, resolution never joins a bare surname to it.
JUNIOR_MARKERS = ("جي ار", "جونيور", "الابن", "الصغير", "الحفيد", "jr", "junior")
_TAIL_MAX = 300


def key_tails(key: str) -> list[tuple[str, bool]]:
    """(tail, after_kin) for every word-boundary tail of an entity or alias key, whole key first:
    ``دونالد ترامب`` → دونالد ترامب, ترامب. A tail whose first word has the article also comes
    without it (سعد الحريري → الحريري and حريري), as a typed query's key would. ``after_kin``: the
    word before the tail is a :data:`KIN_WORDS` word (another person's name). Pure; keys are given
    normalised (no normalisation here)."""
    parts = key.split()
    out: dict[str, bool] = {}
    for i, word in enumerate(parts):
        kin = i > 0 and parts[i - 1] in KIN_WORDS
        rest = parts[i + 1 :]
        forms = [word]
        if word.startswith("ال") and len(word) >= 5:
            forms.append(word[2:])
        for form in forms:
            tail = " ".join([form, *rest])[:_TAIL_MAX]
            if tail not in out:
                out[tail] = kin
    return list(out.items())


def has_junior_marker(key: str) -> bool:
    """The name is a relative's (دونالد ترامب جي ار, جورج بوش الابن): a marker word after its first."""
    rest = f" {' '.join(key.split()[1:])} "
    return any(f" {marker} " in rest for marker in JUNIOR_MARKERS)
