"""A reproducible large benchmark corpus (JSON Lines) recombined from the real news in ../shared/data.

    .venv/bin/python bench/make_corpus.py --size 100000 --out var/corpus-100k.jsonl.gz [--seed 10]

Sources read: ANT multi-source and JawharaFM (``text``, ``category``) and the SaudiNewsNet sample (``content``,
topic "saudi"), ~45,000 articles, split into paragraphs (one a line, ≥ 40 characters, duplicates dropped).

Each generated article keeps one real article's title and lead paragraph and adds 1–7 paragraphs drawn from other
articles *of the same topic* (the number follows the real paragraph-count distribution). So every article is
distinct (its paragraph tuple is checked unique, and the title+lead pair differs in order or content), words keep
their real frequencies within a topic, and term frequencies do not rise in lockstep as with a repeated corpus.

* dates: 2005-01-01 … 2024-12-31, more recent years weighted more (archives grow), 1% undated;
* sources: the 20 real outlets plus 280 regional titles (``صحيفة <city> <adjective>``), Zipf-weighted (s = 1.1);
* entity mentions: the shipped CRF NER is run once over 1,500 real articles (seeded sample); every surface form it
  found at least twice becomes a gazetteer entry, and each paragraph's mentions are those entries found in it.
  A synthetic article's mentions are its paragraphs' mentions, so the most-mentioned names stay the real ones in
  the real proportions. Written as ``mentions: [[start, end, kind, name], ...]`` (character offsets in ``text``,
  title mentions are not generated).

Same seed, same size → byte-identical output. Output fields: ``title, text, source, date, url, category,
mentions``; the ingest command reads the first six (and runs its own NER), ``bench/load_corpus.py`` all of them.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import gzip
import hashlib
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
FILES = [
    (DATA / "ant" / "ant_multisource_v2.1.train.jsonl.gz", "text"),
    (DATA / "ant" / "ant_jawharafm_v1.1.jsonl.gz", "text"),
    (DATA / "saudinewsnet" / "saudinewsnet_sample5000.jsonl.gz", "content"),
]
CITIES = (
    "القاهرة الرياض جدة دبي أبوظبي الدوحة الكويت المنامة مسقط عمان بيروت دمشق بغداد البصرة الموصل صنعاء عدن "
    "تونس صفاقس سوسة الجزائر وهران قسنطينة الرباط الدار_البيضاء فاس مراكش طرابلس بنغازي الخرطوم نواكشوط "
    "القدس غزة رام_الله نابلس حلب حمص اللاذقية أربيل الإسكندرية أسوان"
).split()
ADJECTIVES = "اليوم الجديدة الأخبار الوطن الشرق الغد المساء الحدث".split()
OUTLETS = ("صحيفة", "جريدة", "موقع", "إذاعة", "وكالة أنباء", "بوابة", "قناة")
GAZETTEER_SAMPLE = 1500
START, END = dt.date(2005, 1, 1), dt.date(2024, 12, 31)


def real_articles() -> list[dict]:
    articles = []
    for path, field in FILES:
        if not path.exists():
            continue
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                paragraphs = [p.strip() for p in (record.get(field) or "").split("\n") if len(p.strip()) >= 40]
                if record.get("title") and paragraphs:
                    category = record.get("category") or "saudi"
                    articles.append(
                        {
                            "title": record["title"].strip(),
                            "paragraphs": paragraphs,
                            "topic": category,
                            "source": record.get("source") or "",
                        }
                    )
    return articles


def gazetteer(articles: list[dict], rng: random.Random) -> dict[str, tuple[str, str]]:
    """Surface form → (kind, canonical name) from the shipped NER over a seeded sample."""
    from articles.enrich.entity_service import spans_compute

    counts: Counter = Counter()
    for article in rng.sample(articles, min(GAZETTEER_SAMPLE, len(articles))):
        _, spans = spans_compute("", "\n".join(article["paragraphs"]))
        for span in spans:
            counts[(span.text.strip(), span.kind)] += 1
    best: dict[str, tuple[int, str]] = {}
    for (surface, kind), n in counts.items():
        if n >= 2 and len(surface) >= 3 and n > best.get(surface, (0, ""))[0]:
            best[surface] = (n, kind)
    return {surface: (kind, surface) for surface, (_, kind) in best.items()}


WORD = re.compile(r"\S+")
MAX_NAME_WORDS = 4
PUNCTUATION = ".,،؛:!؟?\"'()«»"


def paragraph_mentions(paragraph: str, names: dict[str, tuple[str, str]]) -> list[list]:
    """Gazetteer matches, longest first, left to right, on word boundaries: [[start, end, kind, name], ...]."""
    words = [(m.start(), m.end()) for m in WORD.finditer(paragraph)]
    found, i = [], 0
    while i < len(words):
        for n in range(min(MAX_NAME_WORDS, len(words) - i), 0, -1):
            raw = paragraph[words[i][0] : words[i + n - 1][1]]
            surface = raw.strip(PUNCTUATION)
            hit = names.get(surface)
            if hit:
                start = words[i][0] + len(raw) - len(raw.lstrip(PUNCTUATION))
                found.append([start, start + len(surface), *hit])
                i += n
                break
        else:
            i += 1
    return found


def sources_make(rng: random.Random, real: list[str]) -> tuple[list[str], list[float]]:
    names = list(real)
    while len(names) < 300:
        name = f"{rng.choice(OUTLETS)} {rng.choice(CITIES).replace('_', ' ')} {rng.choice(ADJECTIVES)}"
        if name not in names:
            names.append(name)
    rng.shuffle(names)
    weights = [1 / (rank**1.1) for rank in range(1, len(names) + 1)]
    return names, list(_cumulative(weights))


def _cumulative(weights):
    total = 0.0
    for w in weights:
        total += w
        yield total


def date_draw(rng: random.Random) -> str | None:
    if rng.random() < 0.01:
        return None
    # Density grows linearly over the twenty years (sqrt of a uniform draw).
    span = (END - START).days
    return (START + dt.timedelta(days=int(span * rng.random() ** 0.5))).isoformat()


def corpus_write(*, size: int, out: Path, seed: int) -> dict:
    rng = random.Random(seed)
    articles = real_articles()
    if not articles:
        raise SystemExit(f"no data under {DATA}")
    started = time.perf_counter()
    cache = out.with_name(f"gazetteer-{seed}.json")
    if cache.exists():
        names = {k: tuple(v) for k, v in json.loads(cache.read_text()).items()}
    else:
        names = gazetteer(articles, random.Random(seed))
        cache.write_text(json.dumps(names, ensure_ascii=False, sort_keys=True))
    print(f"gazetteer: {len(names)} surface forms ({time.perf_counter() - started:.0f} s)", file=sys.stderr)

    # Paragraph pools per topic, each paragraph once, with its mentions computed once.
    pool: dict[str, list[int]] = defaultdict(list)
    paragraphs: list[str] = []
    mentions: list[list] = []
    index: dict[str, int] = {}
    leads: list[tuple[str, str, int]] = []  # (topic, title, lead paragraph id)
    counts: list[int] = []
    for article in articles:
        ids = []
        for paragraph in article["paragraphs"]:
            if paragraph not in index:
                index[paragraph] = len(paragraphs)
                paragraphs.append(paragraph)
                mentions.append(paragraph_mentions(paragraph, names))
                pool[article["topic"]].append(index[paragraph])
            ids.append(index[paragraph])
        leads.append((article["topic"], article["title"], ids[0]))
        counts.append(min(len(ids), 8))
    real_sources = sorted({a.get("source", "") for a in articles} - {""}) or ["ANT"]
    sources, cumulative = sources_make(rng, real_sources)
    print(f"{len(articles)} real articles, {len(paragraphs)} distinct paragraphs", file=sys.stderr)

    seen: set[bytes] = set()
    written = 0
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=3) as handle:
        while written < size:
            topic, title, lead = leads[rng.randrange(len(leads))]
            extra = rng.choice(counts) - 1 or 1
            chosen = [lead, *rng.sample(pool[topic], min(extra, len(pool[topic])))]
            key = hashlib.blake2b(repr((title, chosen)).encode(), digest_size=12).digest()
            if key in seen or len(set(chosen)) < len(chosen):
                continue
            seen.add(key)
            text, spans = "", []
            for pid in chosen:
                if text:
                    text += "\n"
                spans += [[start + len(text), end + len(text), kind, name] for start, end, kind, name in mentions[pid]]
                text += paragraphs[pid]
            source = sources[bisect.bisect_left(cumulative, rng.random() * cumulative[-1])]
            record = {
                "title": title,
                "text": text,
                "source": source,
                "date": date_draw(rng),
                "url": f"https://archive.example.org/bench/{seed}/{written}",
                "category": topic,
                "mentions": spans,
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
    return {"articles": written, "paragraphs": len(paragraphs), "gazetteer": len(names), "sources": len(sources)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    os.environ.setdefault("DEBUG", "1")
    django.setup()
    started = time.perf_counter()
    stats = corpus_write(size=args.size, out=args.out, seed=args.seed)
    print(json.dumps({**stats, "seconds": round(time.perf_counter() - started)}))


if __name__ == "__main__":
    main()
