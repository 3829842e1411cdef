"""Cost of one big record: time and peak memory of `manage.py ingest` for a single-paragraph article.

Issue 13 item 10: a 10 MB single-paragraph article took 2 minutes and 2.3 GB. Each size runs in its own
process (peak RSS from /usr/bin/time, or resource.getrusage) against a throwaway SQLite database.

    DEBUG=1 .venv/bin/python bench/bench_big_record.py --sizes 100000 200000 400000 10000000
    DEBUG=1 .venv/bin/python bench/bench_big_record.py --sizes 400000 --max-chars 100000000   # no size limit

Sizes are characters of Arabic news text (about 1.8 bytes a character in UTF-8). Writes a table to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = (
    "أعلن الرئيس الروسي فلاديمير بوتين عن عزم بلاده التعاون مع دول مجموعة بريكس لإنشاء تحالف دولي "
    "لتطوير الذكاء الاصطناعي، في خطوة تهدف إلى تحدي هيمنة الولايات المتحدة على هذه التقنية وقال خلال "
    "كلمة له في مؤتمر بالعاصمة موسكو إن بلاده ستطور التقنية مع شركائها"
).split()


def paragraph(chars: int) -> str:
    out, n, i = [], 0, 0
    while n < chars:
        word = WORDS[i % len(WORDS)]
        out.append(word)
        n += len(word) + 1
        i += 1
    return " ".join(out)[:chars]


def run_one(chars: int, *, env: dict, workdir: Path) -> dict:
    path = workdir / f"big-{chars}.jsonl"
    path.write_text(json.dumps({"title": f"مقال كبير {chars}", "text": paragraph(chars), "source": "مصدر"},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    cmd = [sys.executable, str(ROOT / "manage.py"), "ingest", "--workers", "0", str(path)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # max over children so far
    outcome = (proc.stdout + proc.stderr).strip().splitlines()[-1:] or [""]
    return {"chars": chars, "bytes": path.stat().st_size, "seconds": round(seconds, 1),
            "peak_mb": round(peak_kb / 1024), "exit": proc.returncode, "outcome": outcome[0][:120]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 200_000, 400_000, 5_500_000])
    parser.add_argument("--max-chars", type=int, default=None, help="ARTICLE_MAX_CHARS for the run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}"}
        if args.max_chars:
            env["ARTICLE_MAX_CHARS"] = str(args.max_chars)
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], env=env, check=True)
        print("| characters | bytes | seconds | peak RSS MB (max so far) | exit | outcome |")
        print("| ---: | ---: | ---: | ---: | ---: | --- |")
        # Smallest first: ru_maxrss of children is a running maximum, so each row is that size's peak
        # as long as sizes grow.
        for chars in sorted(args.sizes):
            row = run_one(chars, env=env, workdir=workdir)
            print(f"| {row['chars']:,} | {row['bytes']:,} | {row['seconds']} | {row['peak_mb']} | {row['exit']} | "
                  f"{row['outcome']} |", flush=True)


if __name__ == "__main__":
    main()
