"""Publication dates as real dumps spell them. Pure module, no Django."""

from __future__ import annotations

import datetime as dt
import re

from articles.text import normalize

# Keys are normalised (articles.text.normalize): hamza-free, ى→ي, ة→ه.
_MONTHS: dict[str, int] = {
    # Egyptian/Gulf style (from the Latin month names)
    "يناير": 1, "فبراير": 2, "مارس": 3, "ابريل": 4, "مايو": 5, "يونيو": 6, "يونيه": 6,
    "يوليو": 7, "يوليه": 7, "اغسطس": 8, "سبتمبر": 9, "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    # Levantine/Iraqi style (Syriac month names)
    "كانون الثاني": 1, "شباط": 2, "اذار": 3, "نيسان": 4, "ايار": 5, "حزيران": 6,
    "تموز": 7, "اب": 8, "ايلول": 9, "تشرين الاول": 10, "تشرين الثاني": 11, "كانون الاول": 12,
    # Maghrebi style
    "جانفي": 1, "فيفري": 2, "افريل": 4, "ماي": 5, "جوان": 6, "جويليه": 7, "اوت": 8,
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
_MONTH_ALT = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))

_ISO_RE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY_RE = re.compile(r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\b")
_DAY_MONTH_YEAR_RE = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(?:من\s+)?({_MONTH_ALT})\s*,?\s*(\d{{4}})\b")
_MONTH_DAY_YEAR_RE = re.compile(rf"\b({_MONTH_ALT})\s+(\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(\d{{4}})\b")


class DateParseError(ValueError):
    pass


def _make(year: str, month: int, day: str, raw: str) -> dt.date:
    try:
        return dt.date(int(year), month, int(day))
    except ValueError as exc:
        raise DateParseError(f"not a real date: {raw!r}") from exc


def parse_date(raw: str) -> dt.date:
    """Parse a publication date: '12th, December 2024 GMT', '2024-12-12', '12/12/2024',
    '١٢ كانون الأول ٢٠٢٤', 'الخميس 12 ديسمبر 2024'. Raises DateParseError otherwise."""
    text = normalize(raw)
    if m := _ISO_RE.search(text):
        return _make(m[1], int(m[2]), m[3], raw)
    if m := _DMY_RE.search(text):
        return _make(m[3], int(m[2]), m[1], raw)
    if m := _DAY_MONTH_YEAR_RE.search(text):
        return _make(m[3], _MONTHS[m[2]], m[1], raw)
    if m := _MONTH_DAY_YEAR_RE.search(text):
        return _make(m[3], _MONTHS[m[1]], m[2], raw)
    raise DateParseError(f"unrecognised date: {raw!r}")
