"""ANT Corpus articles for the clipping set: loading, the positional dev/test/vocabulary split, cleaning and cutting.

The split is by record position in the file: the first 20% of records are the DEV pool (readers may be tuned
on them), the last 20% are the TEST pool (never tuned on), and the middle 60% stand in for the archive's
stored articles (the post-correction vocabulary is built from them, never from a clipping's own article).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ANT = ROOT.parent / "shared" / "data" / "ant" / "ant_multisource_v2.1.train.jsonl.gz"

DEV_SHARE = 0.2  # first 20% of records
TEST_SHARE = 0.2  # last 20% of records

# Site names of the five ANT outlets as they print them (the "source" a reader should find on a web page).
SITE_NAMES = {
    "alarabia": "العربية",
    "skynews": "سكاي نيوز عربية",
    "france24": "فرانس 24",
    "BBC": "BBC عربي",
    "CNN": "CNN بالعربية",
}

MIN_WORDS, MAX_WORDS, CUT_MIN_WORDS = 60, 250, 150
MAX_TITLE_WORDS = 16

_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")
# What the clipping fonts draw and what a reference may hold: Arabic letters, marks and digits, ASCII and a
# few typographic signs. Articles with anything else (presentation-form glyphs, emoji, symbols) are skipped.
_ALLOWED = re.compile("^[\u0600-\u06ff\u0020-\u007e«»–—“”‘’…\n]*$")


@dataclass(frozen=True)
class Article:
    """One ANT article, cleaned and cut to a clipping's length. ``paragraphs`` are the reference body."""

    index: int  # record position in the ANT file
    docno: str
    title: str
    paragraphs: list[str]
    source_code: str
    date: dt.date
    url: str
    category: str
    author: str

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def site_name(self) -> str:
        return SITE_NAMES.get(self.source_code, self.source_code)


def load_records(path: Path = ANT) -> list[dict]:
    """All records of the ANT file, in file order."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def pool_range(split: str, total: int) -> range:
    """Record positions of a pool: ``dev`` (first 20%), ``test`` (last 20%), ``vocab`` (the middle 60%)."""
    dev_end, test_start = int(total * DEV_SHARE), total - int(total * TEST_SHARE)
    return {"dev": range(0, dev_end), "test": range(test_start, total), "vocab": range(dev_end, test_start)}[split]


def clean_line(text: str) -> str:
    """Drop invisible direction/zero-width marks and collapse runs of spaces (the text a page shows)."""
    return _SPACES.sub(" ", _INVISIBLE.sub("", text)).strip()


def to_article(index: int, record: dict) -> Article | None:
    """The record as a clipping-sized article, or ``None`` when it does not fit (too short or long, odd signs).

    Bodies of 60-250 words are kept whole; longer ones are cut to their first paragraphs when those make
    150-250 words (the cut text is the reference).
    """
    title = clean_line(record.get("title") or "")
    raw = record.get("text") or record.get("body") or ""
    paragraphs = [line for line in (clean_line(p) for p in raw.replace("\u2029", "\n").split("\n")) if line]
    if not title or not paragraphs or len(title.split()) > MAX_TITLE_WORDS:
        return None
    words = sum(len(p.split()) for p in paragraphs)
    if words > MAX_WORDS:
        kept, count = [], 0
        for paragraph in paragraphs:
            if count + len(paragraph.split()) > MAX_WORDS:
                break
            kept.append(paragraph)
            count += len(paragraph.split())
        if count < CUT_MIN_WORDS:
            return None
        paragraphs, words = kept, count
    if words < MIN_WORDS or not _ALLOWED.match(title + "\n".join(paragraphs)):
        return None
    try:
        date = dt.date.fromisoformat((record.get("date") or "")[:10])
    except ValueError:
        return None
    return Article(
        index=index,
        docno=record.get("docno", ""),
        title=title,
        paragraphs=paragraphs,
        source_code=record.get("source", ""),
        date=date,
        url=record.get("url", ""),
        category=record.get("category", ""),
        author=clean_line(record.get("author") or ""),
    )


def pool_articles(records: list[dict], split: str) -> Iterator[Article]:
    """The clipping-sized articles of a pool, in file order."""
    for index in pool_range(split, len(records)):
        article = to_article(index, records[index])
        if article is not None:
            yield article


def vocabulary_texts(records: list[dict], count: int) -> list[str]:
    """Titles and bodies of ``count`` articles spread evenly over the middle 60% (the stand-in archive)."""
    pool = pool_range("vocab", len(records))
    step = max(1, len(pool) // max(1, count))
    texts = []
    for index in list(pool)[::step][:count]:
        record = records[index]
        texts.append(clean_line(record.get("title") or "") + "\n" + (record.get("text") or record.get("body") or ""))
    return texts
