"""Search benchmark: index N real-text articles, then time typical searches and pages.

    DEBUG=1 .venv/bin/python bench/bench_search.py [--n 50000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_search DEBUG=1 .venv/bin/python bench/bench_search.py

Text comes from ../shared/data/ant/*.jsonl.gz (skipped when missing); beyond the corpus size records
are reused with their dates shifted, so the archive spans 2004-2024. Articles, sources, topics and
mentions of a few common names are bulk-inserted, then indexed through ``articles_index_bulk`` (the
same code path as ingest). The database (a temporary SQLite file unless DATABASE_URL is set) is
emptied first. Results replace this vendor's section of docs/search.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ANT_DIR = ROOT.parent / "shared" / "data" / "ant"
DOC = ROOT / "docs" / "search.md"
NAMES = [
    ("بوتين", "PERS"),
    ("ترامب", "PERS"),
    ("السيسي", "PERS"),
    ("أردوغان", "PERS"),
    ("ماكرون", "PERS"),
    ("مصر", "LOC"),
    ("فرنسا", "LOC"),
    ("سوريا", "LOC"),
    ("روسيا", "LOC"),
    ("إيران", "LOC"),
    ("الأمم المتحدة", "ORG"),
    ("حماس", "ORG"),
]
RUNS = 5


def records(n: int):
    files = sorted(ANT_DIR.glob("*.jsonl.gz"))
    corpus = []
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            corpus.extend(json.loads(line) for line in handle)
    for i, record in enumerate(itertools.islice(itertools.cycle(corpus), n)):
        shift = (i // len(corpus)) * 6  # each reuse of the corpus moves 6 years back
        try:
            date = dt.date.fromisoformat(record["date"][:10])
            date = date.replace(year=date.year - shift)
        except (KeyError, ValueError):
            date = None
        yield record, date


def load(n: int) -> float:
    from articles.enrich.topics.train import ANT_CATEGORY_TO_SLUG
    from articles.models import Article, Entity, Mention, Source, Topic
    from articles.search.backend import articles_index_bulk
    from articles.text import search_key

    started = time.perf_counter()
    topics = {t.slug: t for t in Topic.objects.all()}
    sources: dict[str, Source] = {}
    entities = [
        Entity.objects.create(name=name, kind=kind, key=search_key(name), slug=search_key(name).replace(" ", "-"))
        for name, kind in NAMES
    ]
    batch, mentions = [], []
    for record, date in records(n):
        name = record.get("source") or "unknown"
        if name not in sources:
            sources[name] = Source.objects.create(name=name, key=search_key(name) or name, slug=name.lower())
        batch.append(
            Article(
                title=record.get("title") or "-",
                body=record.get("text") or "",
                source=sources[name],
                published_on=date,
                topic=topics.get(ANT_CATEGORY_TO_SLUG.get(record.get("category"), "")),
                fingerprint=uuid.uuid4().hex,
            )
        )
        if len(batch) == 2000:
            mentions += _flush(batch, entities)
            batch = []
    mentions += _flush(batch, entities)
    Mention.objects.bulk_create(mentions, batch_size=5000)
    inserted = time.perf_counter()
    done = articles_index_bulk(Article.objects.values_list("pk", "title", "body").iterator(chunk_size=2000))
    indexed = time.perf_counter()
    print(f"inserted {n} articles in {inserted - started:.0f} s, indexed {done} in {indexed - inserted:.0f} s")
    return indexed - inserted


def _flush(batch, entities):
    from articles.models import Article, Mention

    Article.objects.bulk_create(batch)
    out = []
    for article in batch:
        for entity in entities:
            start = article.body.find(entity.name)
            if start >= 0:
                out.append(
                    Mention(
                        article=article, entity=entity, surface=entity.name, start=start, end=start + len(entity.name)
                    )
                )
    return out


def timed(fn) -> float:
    fn()  # warm caches (the first run also pays for the planner and page cache)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def rare_word() -> tuple[str, int]:
    """A word found in a handful of articles (so 'newest first' meets the date-index trap)."""
    from articles.models import Article
    from articles.search.backend import search_filter
    from articles.search.query import query_parse

    for word in ["الفيسبوكية", "بيونغيانغ", "الحوثيين", "كوالالمبور", "أوكرانيا"]:
        count = search_filter(Article.objects.all(), query_parse(word)).count()
        if 0 < count < 200:
            return word, count
    return "بيونغيانغ", 0


def measure(n: int, index_seconds: float) -> list[tuple[str, str]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from articles.models import Article
    from articles.search import selectors
    from articles.search.backend import search_filter, search_planned
    from articles.search.facets import facet_count, search_facets
    from articles.search.query import query_parse

    rare, rare_count = rare_word()
    common = "الرئيس"
    common_count = search_filter(Article.objects.all(), query_parse(common)).count()
    rows = [
        ("articles", f"{n:,}"),
        ("indexing (articles/s)", f"{n / index_seconds:,.0f}"),
        (f"matches of common term {common}", f"{common_count:,}"),
        (f"matches of rare term {rare}", f"{rare_count:,}"),
    ]

    def search(**data):
        return lambda: selectors.article_search(data=data, facets=False)

    def facets_only(q: str):
        def run():
            filterset = selectors.ArticleFilter({"q": q})
            with search_planned(filterset.parsed):
                total = facet_count(filterset.sampled, cap=10_000)
                search_facets(filterset=filterset, tally=total.rows, step=total.step, cap=10_000)

        return run

    def page(**data):
        return lambda: selectors.article_search(data=data)

    cases = [
        ("common term, relevance, page 1 (no facets)", search(q=common)),
        ("common term, newest first (no facets)", search(q=common, sort="newest")),
        ("rare term, relevance (no facets)", search(q=rare)),
        ("rare term, newest first (no facets)", search(q=rare, sort="newest")),
        ("rare term, oldest first (no facets)", search(q=rare, sort="oldest")),
        ('phrase "الأمم المتحدة" (no facets)', search(q='"الأمم المتحدة"')),
        ("common term OR rare -exclusion (no facets)", search(q=f"{common} OR {rare} -مصر")),
        ("facet counts, common term (inside search_planned)", facets_only(common)),
        ("full search page data, common term", page(q=common)),
        ("full search page data, rare term", page(q=rare)),
        ("browse (no query) with facets", page()),
        ("topic + entity facets, no query", page(topic="economy", entity="مصر")),
    ]
    for label, fn in cases:
        rows.append((label, f"{timed(fn):.0f} ms"))
    client = Client(HTTP_HOST="localhost")
    first = Article.objects.filter(mentions__isnull=False).first()
    for url in [
        "/search/?q=" + common,
        "/search/?q=" + rare + "&sort=newest",
        "/search/",
        "/entities/",
        "/entities/مصر/",
        f"/articles/{first.pk}/",
        "/api/articles/?q=" + common,
    ]:
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            status = client.get(url).status_code
            elapsed = (time.perf_counter() - started) * 1000
        rows.append((f"GET {url} (HTTP {status})", f"{elapsed:.0f} ms, {len(ctx)} queries"))
    return rows


VARIANT_DOCS = {
    "D1": "قال بوتين إن",
    "D2": "التقى الرئيس وبوتين",
    "D3": "رسالة لبوتين",
    "D4": "اتصل ببوتين",
    "D5": "الانتخابات البلدية",
    "D6": "البلدية والانتخابات النيابية",
    "D7": "زار فرنسا",
    "D8": "إيران: اللجنة في مستشفى طهران عام ٢٠٢٤ وفق آلية جديدة",
    # issue 23: the feminine/masculine adjective typed with ة or ه, a name and a preposition, PDF/OCR text
    "D9": "العاصمة السعودية",
    "D10": "الوزير السعودي",
    "D11": "الطلاب السعوديين",
    "D12": "مع السعوديه",
    "D13": "ارتفاع على الأسعار",
    "D14": "الوزير علي حسن",
    "D15": "ﺍﻟﺮﺋﻴﺲ ﺍﻟﺴﻮﺭﻱ, ﻻﺟﺌﻴﻦ ۲۰۱۹ می\u200cخواهم",
}
VARIANT_QUERIES = [
    ("بوتين", "clitics و ل ب", "D1 D2 D3 D4"),
    ("انتخابات", "article ال / وال", "D5 D6"),
    ("الانتخابات", "query with the article", "D5 D6"),
    ("الإنتخابات", "hamza إ", "D5 D6"),
    ("رنسا", "false friend of فرنسا", ""),
    ("وتين", "false friend of بوتين", ""),
    ("ايران", "hamza إ/ا", "D8"),
    ("آيران", "hamza آ", "D8"),
    ("إِيرَان", "diacritics", "D8"),
    ("إيـــران", "tatweel", "D8"),
    ("اللجنه", "ة/ه", "D8"),
    ("مستشفي", "ى/ي", "D8"),
    ("2024", "ASCII digits find ٢٠٢٤", "D8"),
    ("٢٠٢٤", "Arabic-Indic digits", "D8"),
    ("۲۰۲۴", "Persian digits", "D8"),
    ("الية", "آ/ا", "D8"),
    ('"الانتخابات البلدية"', "phrase", "D5"),
    ('"البلدية الانتخابات"', "phrase, wrong order", ""),
    ("فرنسا OR طهران", "OR", "D7 D8"),
    ("بوتين -رسالة", "exclusion", "D1 D2 D4"),
    ("السعودية", "nisba with ة: feminine, masculine, plural", "D10 D11 D12 D9"),
    ("السعوديه", "the same typed with ه", "D10 D11 D12 D9"),
    ("علي", "a name, not the preposition على", "D14"),
    ("على", "the preposition in either spelling", "D13 D14"),
    ('"على الأسعار"', "phrase with the preposition", "D13"),
    ("الرئيس السوري", "presentation forms (PDF)", "D15"),
    ("لاجئين 2019", "lam-alef ligature, Persian digits", "D15"),
    ("میخواهم", "ZWNJ removed", "D15"),
    ('"unbalanced', "hostile: unbalanced quote", ""),
    ("NEAR(a b) OR", "hostile: FTS5 syntax", ""),
    ("'; DROP TABLE x; --", "hostile: SQL", ""),
]


def variants() -> list[tuple[str, str, str, str]]:
    """Run the variant/clitic/false-friend queries on a tiny corpus (in a rolled-back transaction)."""
    from django.db import transaction

    from articles.models import Article, Source
    from articles.search.backend import article_index, search_filter
    from articles.search.query import query_parse

    rows = []
    with transaction.atomic():
        source = Source.objects.create(name="variants", key="variants-bench", slug="variants-bench")
        labels = {}
        for label, body in VARIANT_DOCS.items():
            article = Article.objects.create(title=label, body=body, source=source, fingerprint=uuid.uuid4().hex)
            article_index(article)
            labels[article.pk] = label
        for query, checks, expected in VARIANT_QUERIES:
            found = search_filter(Article.objects.filter(source=source), query_parse(query)).values_list(
                "pk", flat=True
            )
            got = " ".join(sorted(labels[pk] for pk in found))
            rows.append((query, checks, got or "none", "yes" if got == expected else f"NO (want {expected})"))
        transaction.set_rollback(True)
    return rows


def write_variants(vendor: str, rows: list[tuple[str, str, str, str]]) -> None:
    table = "\n".join(
        [
            "| query | checks | found | as required |",
            "| --- | --- | --- | --- |",
            *(f"| `{q.replace('|', '\\|')}` | {c} | {f} | {ok} |" for q, c, f, ok in rows),
        ]
    )
    _section(f"variants:{vendor}", table, f"#### {vendor}")
    print(table)


def _section(name: str, body: str, heading: str) -> None:
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    section = f"{begin}\n{body}\n\n_{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, bench/bench_search.py_\n{end}"
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    if begin in text:
        text = text[: text.index(begin)] + section + text[text.index(end) + len(end) :]
    else:
        text += f"\n{heading}\n\n{section}\n"
    DOC.write_text(text, encoding="utf-8")


def write(vendor: str, rows: list[tuple[str, str]]) -> None:
    table = "\n".join(["| measurement | result |", "| --- | ---: |", *(f"| {a} | {b} |" for a, b in rows)])
    _section(f"bench:{vendor}", table, f"#### {vendor}")
    print(table)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--variants-only", action="store_true", help="only the variant/clitic table")
    args = parser.parse_args()
    if not list(ANT_DIR.glob("*.jsonl.gz")):
        print(f"skipped: no {ANT_DIR}/*.jsonl.gz")
        return
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from articles.models import Article, Entity, Source

    call_command("migrate", verbosity=0)
    write_variants(connection.vendor, variants())
    if args.variants_only:
        return
    Article.objects.all().delete()
    Entity.objects.all().delete()
    Source.objects.all().delete()
    index_seconds = load(args.n)
    with connection.cursor() as cursor:
        # A bulk load leaves a dead row version per article (insert, then the index update) and the
        # previous run's rows: compact and analyse, as maintenance after a big load would.
        cursor.execute("VACUUM FULL ANALYZE articles_article" if connection.vendor == "postgresql" else "ANALYZE")
    write(connection.vendor, measure(args.n, index_seconds))


if __name__ == "__main__":
    main()
