"""Mojibake: UTF-8 text that was decoded in a legacy code page and saved again as UTF-8. Pure module.

Such text is valid UTF-8, so no decoder refuses it, but no search finds it («Ø§Ù„Ø±Ø¦ÙŠØ³» for
«الرئيس»). Two families reach an Arabic archive:

* through Windows-1252 / Latin-1 (ftfy, the maintained library for this, detects and undoes it);
* through Windows-1256, the Arabic code page («ط§ظ„ط±ط¦ظٹط³»): every character is an Arabic letter, so
  ftfy's heuristics do not see it. Real Arabic text never survives the round trip cp1256 → bytes →
  UTF-8 (its letters are bytes 0xC1–0xFE, which do not form UTF-8 sequences), so a text that does
  survive it, and becomes Arabic doing so, is mojibake without doubt.

A repair is made only when it is certain (the whole text decodes strictly and nothing garbled is left);
otherwise :class:`MojibakeError` names the problem and the record is rejected.
"""

from __future__ import annotations

import re

import ftfy
from ftfy.badness import is_bad

# The lead characters of two-byte Arabic UTF-8 sequences (0xD8–0xDB) as Windows-1252 and -1256 show them.
_LATIN_LEADS_RE = re.compile("[ØÙÚÛ]")
# A UTF-8 lead byte 0xD8–0xDB (ط ظ ع غ in Windows-1256) followed by a continuation byte 0x80–0xBF, as
# Windows-1256 shows it: symbols, Latin-1 punctuation and Persian/Urdu letters, never a basic Arabic letter.
_CP1256_CONTINUATIONS = bytes(range(0x80, 0xC0)).decode("cp1256")
_CP1256_PAIR_RE = re.compile(f"[طظعغ][{re.escape(_CP1256_CONTINUATIONS)}]")
_ARABIC_RE = re.compile("[\u0621-\u064a]")
# UTF-8 lead bytes (0xC2–0xF4) as Latin-1 shows them: double-encoded UTF-8 through Windows-1252 always has one.
_LATIN1_LEAD_RE = re.compile("[\u00c2-\u00f4]")


class MojibakeError(ValueError):
    """Garbled text that cannot be repaired with certainty."""


def _cp1256_repair(text: str) -> str | None:
    """The repaired text, None when the text is not cp1256 mojibake; raises when it is but cannot be undone."""
    pairs = len(_CP1256_PAIR_RE.findall(text))
    if pairs < 2:
        return None
    try:
        fixed = text.encode("cp1256").decode("utf-8")
    except UnicodeError as exc:
        # Such pairs do not occur in real Arabic (or Persian, bar a rare عک): in this mojibake every other letter.
        if pairs >= 3 and 2 * pairs > 0.2 * len(_ARABIC_RE.findall(text)):
            raise MojibakeError(
                "garbled text (UTF-8 read as Windows-1256, mojibake) that cannot be repaired safely"
            ) from exc
        return None
    return fixed if _ARABIC_RE.search(fixed) else None


def mojibake_repair(text: str) -> tuple[str, str | None]:
    """``(text, None)`` when the text is clean, ``(repaired, note)`` when it was double-encoded and the
    repair is certain. Raises MojibakeError when it looks garbled and cannot be repaired."""
    if not text:
        return text, None
    if fixed := _cp1256_repair(text):
        return fixed, "double-encoded UTF-8 (read as Windows-1256) repaired"
    if not _LATIN1_LEAD_RE.search(text):
        return text, None
    explained = ftfy.fix_encoding_and_explain(text)
    fixed = explained.text
    if fixed != text and "\ufffd" not in fixed and not is_bad(fixed) and not _LATIN_LEADS_RE.search(fixed):
        steps = [step for step in explained.explanation if step[0] == "encode"]
        page = steps[0][1].removeprefix("sloppy-") if steps else "a legacy code page"
        return fixed, f"double-encoded UTF-8 (read as {page}) repaired"
    if is_bad(text) or (len(_LATIN_LEADS_RE.findall(text)) >= 3 and not _ARABIC_RE.search(text)):
        raise MojibakeError("garbled text (double-encoded UTF-8, mojibake) that cannot be repaired safely")
    return text, None
