"""Speed of the editors' list matching (the CPU part of a list's archive scan), on real ANT text.

    .venv/bin/python bench/bench_entity_lists.py [--articles 2000]

Times ``ListMatcher.find`` over the first N articles of ../shared/data/ant (title and body) with a
list of 20 names, side by side in one run: each word normalised once per process (the shipped
matcher) and normalised at every occurrence. No database: the scan's writes are a few rows per
matching article.
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


if __name__ == "__main__":
    main()
