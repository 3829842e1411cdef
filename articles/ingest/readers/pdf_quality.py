"""Is a PDF page's text layer real text? Pure module, no Django.

A text layer can be present and wrong: fonts with a broken or missing ToUnicode map give private-use
characters, Latin-1 letters (Arabic Windows-1256 codes read as Latin) or Arabic letters that spell no
words; a layer left in visual order reads backwards. :func:`layer_score` measures this on the text
after :mod:`articles.ingest.readers.pdf_text` restored presentation forms and logical order, and
:func:`layer_usable` decides whether the page keeps its layer or goes to OCR.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from articles.text import normalize

# The commonest Arabic words of news text (the top of the archive's tuning articles): a text layer of
# real Arabic has a quarter to a third of its words here; reversed or mis-mapped text almost none.
FUNCTION_WORDS = frozenset(
    "في من على أن إلى عن التي الذي ما مع كان أنه بعد قبل لا أو وهو و خلال هذا لم حيث كما عام هذه بين أنها كل "
    "هو إلا كانت قد ذلك له وفي هي عبر فيها وكان لها فيه إن أي تلك أكثر وقد عليه أجل وهي بها حتى منذ غير وقال "
    "منها ثم عليها ومن أيضا بعض ولم الذين كل لن إذا لكن بل نحو ضد أمام عند لدى يوم وأن وإن بأن وعلى وما ولا "
    "يكون تكون فقد وقت اليوم أمس الأول العام".split()
)
# Positional spelling: teh marbuta and alef maksura end a word, the article starts one. In text read
# backwards they stand at the other end.
_ARTICLE = re.compile(r"^(?:[وفبك]?ال|لل)..")
_FINAL_ONLY = re.compile(r"^[ةى]|[ةى](?=.)")
_REVERSED_ARTICLE = re.compile(r"..(?:لا[وفبك]?|لل)$")
_ARABIC_WORD = re.compile(r"[\u0621-\u064a\u0671-\u06d3\u0640\u064b-\u0652]{2,}")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")
_PLAIN_LATIN = re.compile(r"^(?:[A-Z]?[a-z]+|[A-Z]+)$")
# Tuning articles cut into 60-word pages score 0.41-1.0 (mean 0.76); the same with letters permuted
# (a wrong ToUnicode map) at most 0.37, with words reversed at most 0.13.
MIN_SCORE = 0.38


@dataclass(frozen=True)
class LayerScore:
    """Measures of one page's text, each 0-1: ``junk`` share of characters that are no text (private
    use, U+FFFD, controls, unmapped glyphs); ``arabic`` share of letters that are Arabic; ``words``
    share of words that look real (see :func:`layer_score`); ``letters`` count of letters."""

    junk: float
    arabic: float
    words: float
    letters: int


def layer_score(text: str, unmapped: int = 0, *, vocabulary=None) -> LayerScore:
    """Score a page's text. Arabic words look real when found in ``vocabulary`` (any object answering
    ``in``; the word as written or in :func:`articles.text.normalize` form), or, without one, when they
    are common function words (counted twice) or spelled with the article at the start and ة/ى only at
    the end, less those spelled like reversed words (capped to 0-1). Latin words look real when plainly
    cased (not ``ÇáÚÑÈíÉ``)."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return LayerScore(junk=1.0, arabic=0.0, words=0.0, letters=0)
    junk = sum(_is_junk(c) for c in chars) + unmapped
    letters = [c for c in chars if c.isalpha()]
    arabic_letters = sum("\u0600" <= c <= "\u06ff" for c in letters)
    arabic = arabic_letters / len(letters) if letters else 0.0
    if arabic >= 0.5:
        found = _ARABIC_WORD.findall(text)
        good = sum(_arabic_word_score(w, vocabulary) for w in found)
        if vocabulary is None:  # function words count twice: the surest sign of real Arabic
            good += sum(w in FUNCTION_WORDS for w in found)
        words = min(1.0, max(0.0, good / len(found))) if found else 0.0
    else:
        found = _LATIN_WORD.findall(text)
        words = sum(bool(_PLAIN_LATIN.match(w)) for w in found) / len(found) if found else 0.0
    return LayerScore(junk=min(1.0, junk / len(chars)), arabic=arabic, words=words, letters=len(letters))


def _is_junk(c: str) -> bool:
    category = unicodedata.category(c)
    return category in ("Co", "Cn", "Cs") or (category == "Cc") or c == "\ufffd"


def _arabic_word_score(word: str, vocabulary) -> float:
    bare = word.replace("\u0640", "")
    if vocabulary is not None:
        return float(bare in vocabulary or normalize(bare) in vocabulary)
    if bare in FUNCTION_WORDS:
        return 1.0
    if _FINAL_ONLY.search(bare) or (_REVERSED_ARTICLE.search(bare) and not _ARTICLE.match(bare)):
        return -1.0
    return 1.0 if _ARTICLE.match(bare) or bare[-1] in "ةى" else 0.0


def layer_usable(text: str, unmapped: int = 0, *, vocabulary=None) -> bool:
    """Whether a page keeps its text layer: some letters, under 10% junk, and (for 20 letters or more)
    enough real-looking words (:data:`MIN_SCORE`; half the words when a vocabulary is given)."""
    score = layer_score(text, unmapped, vocabulary=vocabulary)
    if score.letters == 0 or score.junk > 0.1:
        return False
    if score.letters < 20:
        return True
    return score.words >= (0.5 if vocabulary is not None and score.arabic >= 0.5 else MIN_SCORE)
