"""Speed of the editors' list matching (the CPU part of a list's archive scan), on real ANT text.

    .venv/bin/python bench/bench_entity_lists.py [--articles 2000] [--ingest 300]

Times ``ListMatcher.find`` over the first N articles of ../shared/data/ant (title and body) with a
list of 20 names, side by side in one run: each word normalised once per process (the shipped
matcher) and normalised at every occurrence. No database: the scan's writes are a few rows per
matching article.

``--ingest N`` also stores N articles through ``article_store`` (in a throw-away database: SQLite
file, or ``bench_<NAME>`` with a PostgreSQL DATABASE_URL) with the pipeline's list hook on and off
alternately, with no list: what the hook costs every ingest.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from articles.enrich import list_match  # noqa: E402
from articles.enrich.resolve import name_key  # noqa: E402
from articles.text import normalize  # noqa: E402

ANT = ROOT.parent / "shared" / "data" / "ant" / "ant_multisource_v2.1.train.jsonl.gz"
NAMES = [
    "دونالد ترامب", "ترامب", "إيران", "الأمم المتحدة", "حزب الله", "فلاديمير بوتين", "بوتين", "السعودية",
    "مجلس الأمن", "البيت الأبيض", "جبران باسيل", "سعد الحريري", "ميشال عون", "نبيه بري", "وليد جنبلاط",
    "سمير جعجع", "التيار الوطني الحر", "المتن", "بيت مري", "كسروان",
]  # fmt: skip


def _run(matcher: list_match.ListMatcher, rows: list[dict]) -> tuple[float, int]:
    t0 = time.perf_counter()
    found = sum(len(matcher.find(r["title"])) + len(matcher.find(r["text"])) for r in rows)
    return time.perf_counter() - t0, found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--ingest", type=int, default=0, help="also time the pipeline's list hook over N stores")
    args = parser.parse_args()
    if not ANT.exists():
        sys.exit(f"{ANT}: not found (the ANT corpus lives in ../shared/data)")
    with gzip.open(ANT, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in itertools.islice(handle, args.articles)]
    matcher = list_match.ListMatcher([(i, name_key(n), n) for i, n in enumerate(NAMES)])
    chars = sum(len(r["title"]) + len(r["text"]) for r in rows) / len(rows)
    cached, n_cached = _run(matcher, rows)
    shipped = list_match._word
    list_match._word = normalize  # every occurrence normalised again
    try:
        plain, n_plain = _run(matcher, rows)
    finally:
        list_match._word = shipped
    assert n_cached == n_plain, (n_cached, n_plain)
    print(f"{len(rows)} ANT articles ({chars:.0f} characters each), {len(NAMES)} names, {n_cached} matches")
    print(f"  words normalised once:  {cached:.1f} s = {len(rows) / cached:.0f} articles/s")
    rate = len(rows) / plain
    print(f"  normalised every time:  {plain:.1f} s = {rate:.0f} articles/s ({plain / cached:.2f}x slower)")
    if args.ingest:
        _ingest_cost(args.ingest)


def _ingest_cost(n: int) -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from articles.enrich import pipeline
    from articles.enrich.pipeline import Enrichment
    from articles.ingest.service import article_store
    from articles.ingest.store import source_get_or_create

    db = settings.DATABASES["default"]
    old_name = db["NAME"]
    name = f"bench_{old_name}" if connection.vendor == "postgresql" else "/tmp/bench_entity_lists.sqlite3"
    db.setdefault("TEST", {})["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    hook = pipeline.article_list_mentions_add
    topic = pipeline.__dict__.get("article_topic_apply")
    try:
        import articles.enrich.topic_service as topics

        topics.article_topic_apply = lambda *a, **k: None  # the topic model is not what is measured
        source = source_get_or_create("مصدر تجريبي")
        spent = {"on": 0.0, "off": 0.0}
        for i in range(n):
            mode = "on" if i % 2 else "off"
            pipeline.article_list_mentions_add = hook if mode == "on" else (lambda article: 0)
            t0 = time.perf_counter()
            body = f"نص الخبر رقم {i} عن لقاء في بيروت " * 30
            article_store(title=f"عنوان {i}", body=body, source=source, enrichment=Enrichment())
            spent[mode] += time.perf_counter() - t0
        per = {mode: 1000 * t / (n / 2) for mode, t in spent.items()}
        print(
            f"ingest, {connection.vendor}, {n} articles, no list: hook on {per['on']:.1f} ms/article, "
            f"off {per['off']:.1f} ms/article ({spent['on'] / spent['off']:.2f}x)"
        )
    finally:
        pipeline.article_list_mentions_add = hook
        if topic is not None:
            pipeline.article_topic_apply = topic
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
