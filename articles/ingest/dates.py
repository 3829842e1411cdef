"""Publication dates as real dumps spell them. Pure module, no Django.

Covers the Arabic month-name families (sources: the Arabic Wikipedia's month-name tables and the outlets'
own usage):

* Egyptian/Gulf, transliterated from the Latin names (يناير … ديسمبر, with يونيه/يوليه, إبريل, أغسطس …);
* Levantine/Iraqi, the Syriac names (كانون الثاني … كانون الأول) and their numbered forms
  (كانون 1/ك1 = December, كانون 2 = January, تشرين 1/ت1 = October, تشرين 2 = November) and article-less
  forms (كانون ثاني, تشرين أول);
* Moroccan (ماي, يوليوز, غشت, شتنبر, نونبر, دجنبر) and Algerian/Tunisian, from the French names (جانفي,
  فيفري, أفريل, جوان, جويلية, أوت);
* Libyan (أي النار … الكانون), only in a day-month-year pattern;
* English and French month names, Arabic-Indic and Persian digits, ordinals (12th, الأول من …), glued
  forms (12ديسمبر2024م), era marks (م, ميلادي, هـ, هجري), "month/month" pairs (كانون الأول/ديسمبر);
* Hijri dates (محرم … ذو الحجة; numeric ones with a year in 1343–1500), converted with hijridate
  (Umm al-Qura). When a line gives a Hijri date and its Gregorian twin, the Gregorian one is taken.

:func:`parse_date` raises :class:`DateParseError` when nothing readable is found; the parser then stores
the record without a date and warns (see ``articles.ingest.readers.dump``).
"""

from __future__ import annotations

import datetime as dt
import re

from hijridate import Hijri

from articles.text import normalize


def _variants(table: dict[str, int]) -> dict[str, int]:
    """Keys as :func:`normalize` writes them (hamza-free, ى→ي, ة→ه), with inner spaces optional."""
    return {normalize(name): month for name, month in table.items()}


_GREGORIAN_NAMES: dict[str, int] = {
    # Egyptian/Gulf (from the Latin names), with common spelling variants.
    "يناير": 1, "فبراير": 2, "فبرير": 2, "مارس": 3, "أبريل": 4, "إبريل": 4, "ابريل": 4, "مايو": 5,
    "يونيو": 6, "يونيه": 6, "يوليو": 7, "يوليه": 7, "أغسطس": 8, "اغسطس": 8, "أوغسطس": 8, "سبتمبر": 9,
    "أكتوبر": 10, "اكتوبر": 10, "أوكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12, "دیسمبر": 12,
    # Levantine/Iraqi (Syriac names); the compound ones are built below.
    "شباط": 2, "آذار": 3, "اذار": 3, "نيسان": 4, "أيار": 5, "ايار": 5, "حزيران": 6, "تموز": 7, "آب": 8,
    "أيلول": 9, "ايلول": 9,
    # Moroccan (from the French names, Moroccan spelling).
    "ماي": 5, "يوليوز": 7, "غشت": 8, "شتنبر": 9, "نونبر": 11, "دجنبر": 12,
    # Algerian/Tunisian (from the French names).
    "جانفي": 1, "فيفري": 2, "أفريل": 4, "افريل": 4, "جوان": 6, "جويلية": 7, "جويلييه": 7, "جويليه": 7,
    "جويلي": 7, "أوت": 8, "اوت": 8,
    # English and French.
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12, "jan": 1, "feb": 2, "mar": 3, "apr": 4,
    "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
}
# كانون / تشرين with their qualifier: the article form, the bare form, and the number (1 = the first).
for _base, _first, _second in (("كانون", 12, 1), ("تشرين", 10, 11)):
    for _q in ("الأول", "الاول", "أول", "اول", "1"):
        _GREGORIAN_NAMES[f"{_base} {_q}"] = _first
    for _q in ("الثاني", "الثانى", "ثاني", "ثانى", "ثان", "الثان", "2"):
        _GREGORIAN_NAMES[f"{_base} {_q}"] = _second
    _GREGORIAN_NAMES[f"{_base[0]} 1"] = _first  # ك1, ت1 as Lebanese papers abbreviate (glue split first)
    _GREGORIAN_NAMES[f"{_base[0]} 2"] = _second
_MONTHS = _variants(_GREGORIAN_NAMES)
# Libyan names (1978–2011): common words (الماء "water", الصيف "summer"), so read only as DAY MONTH YEAR.
_LIBYAN = _variants({
    "أي النار": 1, "النوار": 2, "الربيع": 3, "الطير": 4, "الماء": 5, "الصيف": 6, "ناصر": 7, "هانيبال": 8,
    "الفاتح": 9, "التمور": 10, "الحرث": 11, "الكانون": 12,
})
_HIJRI_MONTHS = _variants({
    "محرم": 1, "صفر": 2, "ربيع الأول": 3, "ربيع أول": 3, "ربيع الثاني": 4, "ربيع الآخر": 4, "ربيع ثاني": 4,
    "ربيع آخر": 4, "جمادى الأولى": 5, "جمادى الأول": 5, "جمادى الاولى": 5, "جمادى الثانية": 6,
    "جمادى الآخرة": 6, "جمادى الاخرة": 6, "جمادى الثاني": 6, "جمادى الآخر": 6, "رجب": 7, "شعبان": 8,
    "رمضان": 9, "شوال": 10, "ذو القعدة": 11, "ذي القعدة": 11, "ذو الحجة": 12, "ذي الحجة": 12,
})
_ORDINALS = _variants({
    "الأول": 1, "الثاني": 2, "الثالث": 3, "الرابع": 4, "الخامس": 5, "السادس": 6, "السابع": 7, "الثامن": 8,
    "التاسع": 9, "العاشر": 10, "الحادي عشر": 11, "الثاني عشر": 12, "الثالث عشر": 13, "الرابع عشر": 14,
    "الخامس عشر": 15, "السادس عشر": 16, "السابع عشر": 17, "الثامن عشر": 18, "التاسع عشر": 19,
    "العشرين": 20, "الحادي والعشرين": 21, "الثاني والعشرين": 22, "الثالث والعشرين": 23,
    "الرابع والعشرين": 24, "الخامس والعشرين": 25, "السادس والعشرين": 26, "السابع والعشرين": 27,
    "الثامن والعشرين": 28, "التاسع والعشرين": 29, "الثلاثين": 30, "الحادي والثلاثين": 31,
})


def _alternation(names) -> str:
    return "|".join(sorted((re.escape(n).replace(r"\ ", r"\s*") for n in names), key=len, reverse=True))


_GREG = _alternation(_MONTHS)
_HIJ = _alternation(_HIJRI_MONTHS)
_LIB = _alternation(_LIBYAN)
_ORD = _alternation(_ORDINALS)
# A day: digits with an optional English/French ordinal ending, or an Arabic ordinal word.
_DAY = rf"(?P<day>\d{{1,2}})(?:\s?(?:st|nd|rd|th|er|e)(?!\w))?|(?P<ord>{_ORD})"
# Between day and month: a comma, dash, slash or dot (12-Dec-2024), "من" ("of"), "شهر" ("month"); between
# month and year the same or "عام"/"سنه"/"لعام".
_DAY_GAP = r"\s*[,\-/.]?\s*(?:من\s+)?(?:شهر\s+)?"
_YEAR_GAP = r"\s*[,.\-/]?\s*(?:من\s+)?(?:(?:ل?عام|سنه|لسنه)\s+)?"
# "كانون الاول/ديسمبر", "ديسمبر (كانون الاول)": a second spelling of the month after the first.
_TWIN = rf"(?:\s*[/(\-–]\s*(?:{_GREG})\s*\)?)?"
_GREG_DMY = re.compile(rf"(?<!\w)(?:{_DAY}){_DAY_GAP}(?P<month>{_GREG}){_TWIN}{_YEAR_GAP}(?P<year>\d{{4}})(?!\d)")
_GREG_MDY = re.compile(
    rf"(?<!\w)(?P<month>{_GREG})\.?\s+(?P<day>\d{{1,2}})(?:\s?(?:st|nd|rd|th)(?!\w))?\s*,?\s*(?P<year>\d{{4}})(?!\d)"
)
_LIBYAN_DMY = re.compile(rf"(?<!\w)(?:{_DAY}){_DAY_GAP}(?P<month>{_LIB}){_YEAR_GAP}(?P<year>\d{{4}})(?!\d)")
_HIJRI_DMY = re.compile(rf"(?<!\w)(?:{_DAY}){_DAY_GAP}(?P<month>{_HIJ}){_YEAR_GAP}(?P<year>1[345]\d\d)(?!\d)")
_ISO_RE = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_DMY_RE = re.compile(r"(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?!\d)")
# Glued forms: 12ديسمبر2024م, كانون1, 1446هـ (tatweel is already gone): a space between digits and letters.
_GLUE_RE = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")
# Hijri era marks after a numeric date: هـ (normalised ه), هجري, هجريه, للهجره, AH.
_HIJRI_MARK_RE = re.compile(r"^\s*(?:ه|هجري|هجريه|للهجره|ah)(?!\w)")
# Numeric Hijri years (Umm al-Qura as hijridate supports it); no Gregorian archive year falls in this range.
_HIJRI_YEARS = range(1343, 1501)


class DateParseError(ValueError):
    pass


def _make(year: int, month: int, day: int, raw: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise DateParseError(f"not a real date: {raw!r}") from exc


def _hijri(year: int, month: int, day: int, raw: str) -> dt.date:
    try:
        return Hijri(year, month, day).to_gregorian()
    except (ValueError, OverflowError) as exc:
        raise DateParseError(f"not a real Hijri date: {raw!r}") from exc


def _day(match: re.Match) -> int:
    return int(match["day"]) if match["day"] else _ORDINALS[re.sub(r"\s+", " ", match["ord"])]


def _month(table: dict[str, int], name: str) -> int:
    return table[re.sub(r"\s+", " ", name)] if re.sub(r"\s+", " ", name) in table else table[name.replace(" ", "")]


def parse_date(raw: str) -> dt.date:
    """The publication date in a date line (``dt.date``): '12th, December 2024 GMT', '2024-12-12',
    '12/12/2024', '١٢ كانون الأول ٢٠٢٤', '12 كانون 1 2024', 'الخميس 12 ديسمبر 2024م', '12 دجنبر 2024',
    '11 جمادى الآخرة 1446هـ الموافق 12 ديسمبر 2024م' (the Gregorian twin wins), '11 جمادى الآخرة 1446 هـ'
    (converted). Raises DateParseError when no date can be read or the date does not exist."""
    text = _GLUE_RE.sub(" ", normalize(raw))
    text = re.sub(r"\s+", " ", text)
    if m := _ISO_RE.search(text):
        year = int(m[1])
        if year in _HIJRI_YEARS:
            return _hijri(year, int(m[2]), int(m[3]), raw)
        return _make(year, int(m[2]), int(m[3]), raw)
    if m := _GREG_DMY.search(text):
        return _make(int(m["year"]), _month(_MONTHS, m["month"]), _day(m), raw)
    if m := _GREG_MDY.search(text):
        return _make(int(m["year"]), _month(_MONTHS, m["month"]), int(m["day"]), raw)
    for m in _DMY_RE.finditer(text):
        year = int(m[3])
        if year in _HIJRI_YEARS and _HIJRI_MARK_RE.match(text[m.end() :]):
            continue  # a Hijri twin: look for the Gregorian one first
        if year not in _HIJRI_YEARS:
            return _make(year, int(m[2]), int(m[1]), raw)
    if m := _HIJRI_DMY.search(text):
        return _hijri(int(m["year"]), _month(_HIJRI_MONTHS, m["month"]), _day(m), raw)
    if m := _DMY_RE.search(text):
        return _hijri(int(m[3]), int(m[2]), int(m[1]), raw)
    if m := _LIBYAN_DMY.search(text):
        return _make(int(m["year"]), _month(_LIBYAN, m["month"]), _day(m), raw)
    raise DateParseError(f"unrecognised date: {raw!r}")
