"""Throughput of entity storage: mentions stored per second through the ingest service.

    DEBUG=1 .venv/bin/python bench/bench_entities.py [--articles 2000] [--ner dict|crf]

Runs in a throw-away database (/tmp/bench_entities.sqlite3, or bench_<NAME> with a PostgreSQL
DATABASE_URL), created and dropped by the script.
``--ner dict`` (default) precomputes spans with a dictionary tagger, so the figure is the database
side alone (resolution + queries + inserts); ``--ner crf`` adds the shipped model's tagging time.
Names are drawn from a pool, so entities keep appearing (new-entity inserts) as in a real archive.
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
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
