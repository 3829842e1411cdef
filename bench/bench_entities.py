"""Throughput of entity storage: mentions stored per second through the ingest service.

    DEBUG=1 .venv/bin/python bench/bench_entities.py [--articles 2000] [--ner dict|crf] [--lookup 200000]

Runs in a throw-away database (/tmp/bench_entities.sqlite3, or bench_<NAME> with a PostgreSQL
DATABASE_URL), created and dropped by the script.
``--ner dict`` (default) precomputes spans with a dictionary tagger, so the figure is the database
side alone (resolution + queries + inserts); ``--ner crf`` adds the shipped model's tagging time.
Names are drawn from a pool, so entities keep appearing (new-entity inserts) as in a real archive.
``--lookup N`` then adds N synthetic person entities (one alias each, with its word tails) and times
the look-up by a surname (``entity_search``: the indexed alias word tails) side by side with the
two ways it could be done without them: the old alias-key prefix (which does not find a surname at
all) and a substring match on every alias key (finds it, scans the table).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

FIRST = "فلاديمير جبران الياس ميرنا سركيس روي وليد نبيه سعد نجيب ميشال سمير سليمان فؤاد رفيق حسن علي".split()
LAST = "بوتين باسيل المر أبو_شديد سركيس جنبلاط بري الحريري ميقاتي عون جعجع فرنجية الصفدي السنيورة".split()
PLACES = "موسكو روسيا الصين المتن بيروت طرابلس صيدا جونيه بكين واشنطن باريس لندن القاهرة دمشق".split()
ORGS = ["سبيربنك", "بريكس", "التيار الوطني الحر", "حزب الكتائب", "الطاشناق", "الأمم المتحدة"]


def _article(rng: random.Random) -> tuple[str, str, list[tuple[str, str]]]:
    people = [f"{rng.choice(FIRST)} {rng.choice(LAST).replace('_', ' ')}" for _ in range(3)]
    names = [(p, "PERS") for p in people] + [(rng.choice(PLACES), "LOC") for _ in range(4)]
    names += [(rng.choice(ORGS), "ORG") for _ in range(2)]
    names += [(f"الرئيس {people[0]}", "PERS"), ("و" + people[1].split()[-1], "PERS")]
    body = " ".join(f"قال مصدر إن {name} تحدث اليوم {rng.randint(0, 10**9)}." for name, _ in names)
    title = f"{people[0]} في {names[3][0]} {rng.randint(0, 10**9)}"
    return title, body, names


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--ner", choices=["dict", "crf"], default="dict")
    parser.add_argument("--lookup", type=int, default=0, help="synthetic entities for the look-up timing")
    args = parser.parse_args()

    from django.db import transaction

    from articles.enrich.entity_service import article_mentions_replace
    from articles.enrich.ner.base import EntitySpan
    from articles.enrich.pipeline import Enrichment, spans_compute
    from articles.ingest.service import article_store
    from articles.ingest.store import source_get_or_create
    from articles.models import Article, Entity, Mention

    if "articles.enrich.topic_service" not in sys.modules:
        try:
            import articles.enrich.topic_service  # noqa: F401
        except ImportError:  # topics not built yet: storage of entities is what we measure
            stub = types.ModuleType("articles.enrich.topic_service")
            stub.article_topic_apply = lambda *a, **k: None
            sys.modules["articles.enrich.topic_service"] = stub

    db = settings.DATABASES["default"]
    old_name = db["NAME"]
    # A file, not SQLite's in-memory test default: the figure should include the disk.
    test_name = f"bench_{old_name}" if connection.vendor == "postgresql" else "/tmp/bench_entities.sqlite3"
    db.setdefault("TEST", {})["NAME"] = test_name
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        rng = random.Random(1)
        docs = [_article(rng) for _ in range(args.articles)]
        t0 = time.perf_counter()
        enrichments = []
        for title, body, names in docs:
            if args.ner == "crf":
                title_spans, body_spans = spans_compute(title, body)
            else:
                pattern = re.compile("|".join(re.escape(n) for n, _ in sorted(names, key=lambda x: -len(x[0]))))
                kinds = dict(names)
                title_spans = [EntitySpan(m.start(), m.end(), kinds[m[0]], m[0]) for m in pattern.finditer(title)]
                body_spans = [EntitySpan(m.start(), m.end(), kinds[m[0]], m[0]) for m in pattern.finditer(body)]
            enrichments.append(Enrichment(title_spans=title_spans, body_spans=body_spans))
        t_ner = time.perf_counter() - t0
        source = source_get_or_create("مصدر تجريبي")
        t0 = time.perf_counter()
        for (title, body, _), enrichment in zip(docs, enrichments, strict=True):
            article_store(title=title, body=body, source=source, enrichment=enrichment)
        t_store = time.perf_counter() - t0
        mentions = Mention.objects.count()
        # The entity service alone, as a re-extraction pass runs it (article insert and indexing excluded).
        stored = list(Article.objects.select_related("source").order_by("pk"))
        t0 = time.perf_counter()
        for article, enrichment in zip(stored, enrichments, strict=True):
            with transaction.atomic():
                article_mentions_replace(article, title_spans=enrichment.title_spans, body_spans=enrichment.body_spans)
        t_replace = time.perf_counter() - t0
        print(f"{connection.vendor}: {args.articles} articles, {mentions} mentions, {Entity.objects.count()} entities")
        print(f"  tagging ({args.ner}): {t_ner:.1f} s")
        rate = f"{args.articles / t_store:.0f} articles/s, {mentions / t_store:.0f} mentions/s"
        print(f"  storing: {t_store:.1f} s = {rate}")
        print(f"  end to end: {mentions / (t_ner + t_store):.0f} mentions/s")
        print(f"  article_mentions_replace alone: {t_replace:.1f} s = {mentions / t_replace:.0f} mentions/s")
        if args.lookup:
            _lookup_bench(args.lookup, rng)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _lookup_bench(n: int, rng: random.Random) -> None:
    """Time the surname look-up over ``n`` more entities: median of 20 runs per query, ms."""
    import statistics

    from articles.enrich.selectors import entity_search
    from articles.models import Entity, EntityAlias, EntityAliasTail
    from articles.text import key_tails, search_key

    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    t0 = time.perf_counter()
    for start in range(0, n, 5000):
        names = [
            f"{rng.choice(FIRST)} {''.join(rng.choice(letters) for _ in range(rng.randint(4, 7)))}"
            for _ in range(min(5000, n - start))
        ]
        entities = Entity.objects.bulk_create(
            [
                Entity(kind="PERS", key=search_key(name), name=name, slug=f"bench-{start + i}", article_count=1 + i % 7)
                for i, name in enumerate(names)
            ],
            ignore_conflicts=True,
        )
        rows = Entity.objects.filter(slug__in=[e.slug for e in entities]).values_list("pk", "key", "name")
        aliases = EntityAlias.objects.bulk_create(
            [EntityAlias(entity_id=pk, key=key, name=name) for pk, key, name in rows]
        )
        if aliases and aliases[0].pk is None:  # SQLite before 3.35 returns no ids
            aliases = list(EntityAlias.objects.filter(entity_id__in=[pk for pk, _, _ in rows]))
        EntityAliasTail.sync(aliases)
    print(
        f"look-up: {Entity.objects.count()} entities, {EntityAlias.objects.count()} aliases, "
        f"{EntityAliasTail.objects.count()} alias words (built in {time.perf_counter() - t0:.0f} s)"
    )

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum does after a bulk load: plans use the real table sizes

    def median_ms(fn) -> float:
        fn()  # warm
        times = []
        for _ in range(20):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return 1000 * statistics.median(times)

    # Surnames (few entities each) and a common first name (سعد: one entity in 17 here).
    for q in ("بوتين", "الحريري", "باسيل", "سعد"):
        key = search_key(q)
        tails = median_ms(lambda q=q: entity_search(q=q, limit=50))
        found = [h.entity.name for h in entity_search(q=q, limit=3)]
        prefix = median_ms(lambda key=key: list(EntityAlias.objects.filter(key__startswith=key).values("pk")[:50]))
        contains = median_ms(lambda key=key: list(EntityAlias.objects.filter(key__contains=key).values("pk")[:50]))
        print(
            f"  {q}: alias words {tails:.1f} ms (first: {found}) | key prefix {prefix:.1f} ms (finds no surname) "
            f"| substring scan {contains:.1f} ms = {contains / tails:.1f}x the alias words"
        )
    print(f"  key_tails of one name: {len(key_tails('محمد بن سلمان'))} rows")


if __name__ == "__main__":
    main()
