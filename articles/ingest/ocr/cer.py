"""Character error rate (CER) of an OCR output against its reference text. Pure module.

CER = Levenshtein edit distance (insertions, deletions, substitutions, each cost 1) between the two
texts after collapsing every run of whitespace (line breaks included) to one space and stripping the
ends, divided by the number of characters of the reference so collapsed. 0 is perfect; it can exceed
1 when the output is much longer than the reference. Nothing else is normalised: a wrong hamza or a
lost diacritic counts as an error, as it would for a reader of the stored text.
"""

from __future__ import annotations

from rapidfuzz.distance import Levenshtein

from articles.text import collapse_spaces


def cer(reference: str, hypothesis: str) -> float:
    """Edit distance / reference characters, after collapsing whitespace. An empty reference gives 0.0
    for an empty hypothesis and 1.0 otherwise."""
    ref, hyp = collapse_spaces(reference), collapse_spaces(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)
