"""Story grouping cost at ingest: time ``story_assign`` per article as the archive grows.

    DEBUG=1 .venv/bin/python bench/bench_stories.py [--n 20000] [--batch 200] [--edits 200]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archive_x DEBUG=1 .venv/bin/python bench/bench_stories.py

Articles with real text (../shared/data/ant/*.jsonl.gz, reused when --n exceeds the corpus) are
bulk-inserted without enrichment, then grouped batch by batch through ``story_assign`` (the ingest
store stage's call). Prints the signature time alone and the whole assignment (signature, one band
query, candidate signatures, bulk writes) per article, for the first and the last tenth of the
batches: a flat cost as the archive grows is what the database-held LSH bands are for.
The database (a temporary SQLite file unless DATABASE_URL is set) must be empty or disposable.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ANT_DIR = Path(os.environ.get("ARCHIVE_SHARED_DATA", ROOT.parent / "shared" / "data")) / "ant"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--edits", type=int, default=0, help="then time this many edits regrouped by the save")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from articles.models import Article, Source, Story, StoryBand
    from articles.stories.service import story_assign
    from articles.stories.signature import signature_compute

    call_command("migrate", verbosity=0)
    Article.objects.all().delete()
    StoryBand.objects.all().delete()
    Story.objects.all().delete()
    records = []
    for path in sorted(ANT_DIR.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            records += [json.loads(line) for line in handle]
    records = [r for r in records if r.get("title") and r.get("text")]
    source, _ = Source.objects.get_or_create(key="bench", defaults={"name": "bench", "slug": "bench"})
    rows = []
    for i, rec in enumerate(itertools.islice(itertools.cycle(records), args.n)):
        # Beyond the corpus, a reused text gets a word changed: a near-duplicate, as reprints are.
        body = rec["text"] if i < len(records) else f"{rec['text']} {i}"
        rows.append(Article(title=rec["title"], body=body, source=source, fingerprint=f"bench-{i}"))
    Article.objects.bulk_create(rows, batch_size=1000)
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    timings, cpu_timings = [], []
    sig_times = []
    for start in range(0, len(ids), args.batch):
        batch = list(Article.objects.filter(pk__in=ids[start : start + args.batch]).only("pk", "title", "body"))
        t0 = time.perf_counter()
        c0 = time.process_time()
        for article in batch[:20]:
            signature_compute(article.title, article.body)
        sig_times.append((time.process_time() - c0) / min(20, len(batch)))
        t0, c0 = time.perf_counter(), time.process_time()
        story_assign(articles=batch)
        timings.append((time.perf_counter() - t0) / len(batch))
        cpu_timings.append((time.process_time() - c0) / len(batch))
    tenth = max(1, len(timings) // 10)

    def ms(values: list[float]) -> str:
        return f"{1000 * statistics.median(values):.2f}"

    print(f"{connection.vendor}: {args.n} articles in batches of {args.batch}; ms per article, median of batches")
    print(f"  signature alone, CPU: {ms(sig_times)}")
    print(f"  story_assign, CPU here: first tenth {ms(cpu_timings[:tenth])}, last {ms(cpu_timings[-tenth:])}")
    print(f"  story_assign, wall clock: first tenth {ms(timings[:tenth])}, last {ms(timings[-tenth:])}")
    print(f"  stories: {Story.objects.count()}, band rows: {StoryBand.objects.count()}")
    if args.edits:
        # An editor's edit, regrouped by the save (articles.stories.signals -> story_recompute): the same
        # archive, evenly spread articles, a sentence appended; beside a new article's story_assign above.
        step = max(1, len(ids) // args.edits)
        edit_wall, edit_cpu = [], []
        stories_before = Story.objects.count()
        for pk in ids[::step][: args.edits]:
            article = Article.objects.get(pk=pk)
            article.body += " وأضاف المصدر أن التحقيقات ما زالت جارية."
            t0, c0 = time.perf_counter(), time.process_time()
            article.save()
            edit_wall.append(time.perf_counter() - t0)
            edit_cpu.append(time.process_time() - c0)
        ratio = statistics.median(edit_wall) / statistics.median(timings[-tenth:])
        print(f"  edit + regroup ({len(edit_wall)} saves): CPU here {ms(edit_cpu)}, wall clock {ms(edit_wall)}")
        print(f"  edit / story_assign of a new article (wall, last tenth): {ratio:.1f}")
        print(f"  stories before the edits {stories_before}, after {Story.objects.count()}")


if __name__ == "__main__":
    main()
