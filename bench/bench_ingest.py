"""Ingest throughput, both stages, on the database of DATABASE_URL (a temporary SQLite file if unset).

    DEBUG=1 nice .venv/bin/python bench/bench_ingest.py stage1 --n 10000 100000
    DEBUG=1 nice .venv/bin/python bench/bench_ingest.py stage2 --n 2000 --workers 1 2
    DEBUG=1 nice .venv/bin/python bench/bench_ingest.py sync --n 1000
    DEBUG=1 nice .venv/bin/python bench/bench_ingest.py ant [--n 2000]  # done-when (sync on the first n)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_ingest ... (that database is flushed first)

Articles come from ../shared/data/ant (skips when missing), "made distinct" beyond the corpus's
29,725 records by appending a copy number to the title. Each measurement runs in a fresh process
(``stage1``: peak memory is that process's max RSS) against a flushed database.

* stage1: ``ingest --defer-enrichment`` (parse, dedupe, store, index; enrichment only queued):
  articles/s and peak MB.
* stage2: stage 1 of N articles, then K ``manage.py db_worker`` processes (TASKS_BACKEND=db) or
  ``rqworker`` (TASKS_BACKEND=rq) enrich them: articles/s from the first enqueue to the last
  article enriched.
* sync: ``ingest`` (both stages before it returns).
* ant: sync then deferred ingest of the whole ANT training file in one run (the done-when ratio).

Results are appended to docs/bench-ingest.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ANT = ROOT.parent / "shared" / "data" / "ant" / "ant_multisource_v2.1.train.jsonl.gz"
PYTHON = sys.executable
TMP = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
ENV = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "newsarchive.settings"}
ENV.setdefault("DATABASE_URL", f"sqlite:///{TMP / 'bench.sqlite3'}")


def manage(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], env=ENV, check=True, **kwargs)


def fresh_database() -> None:
    manage("migrate", "--noinput", "-v0")
    manage("flush", "--noinput", "-v0")


def distinct_file(n: int) -> Path:
    """n distinct ANT articles as JSON Lines (copies get a numbered title)."""
    path = TMP / f"ant-{n}.jsonl"
    if path.exists():
        return path
    with gzip.open(ANT, "rt", encoding="utf-8") as src:
        records = [json.loads(line) for line in src]
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            obj = records[i % len(records)]
            copy = i // len(records)
            title = obj["title"] if copy == 0 else f"{obj['title']} ({copy})"
            out.write(json.dumps({"title": title, "text": obj["text"], "source": obj["source"],
                                  "date": obj.get("date") or None}, ensure_ascii=False) + "\n")
    return path


def vendor() -> str:
    return "postgresql" if ENV["DATABASE_URL"].startswith("postgres") else "sqlite"


CPU: dict[str, float] = {}


def timed_ingest(path: Path, *extra: str) -> tuple[float, float]:
    """(seconds, peak MB) of one ingest command in its own process (startup excluded: the
    command's own clock is read from its run row). Also notes the process's CPU seconds during the
    ingest (user + system, children included) in CPU["last"]: on a shared machine, articles per CPU
    second says what one idle core would do (the database server's own CPU is not in it)."""
    code = (
        "import resource,sys,time,django;django.setup();"
        "from django.core.management import call_command;"
        "from articles.models import IngestRun;"
        "u=lambda: sum(getattr(resource.getrusage(w), a) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)"
        " for a in ('ru_utime', 'ru_stime'));c=u();"
        f"call_command('ingest', {str(path)!r}, *{list(extra)!r});"
        "c=u()-c;r=IngestRun.objects.order_by('-pk').first();"
        "print((r.finished_at-r.started_at).total_seconds(),"
        " resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024, c)"
    )
    out = subprocess.run([PYTHON, "-c", code], env=ENV, check=True, capture_output=True, text=True, cwd=ROOT)
    seconds, peak, cpu = out.stdout.strip().splitlines()[-1].split()
    CPU["last"] = float(cpu)
    return float(seconds), float(peak)


def count(sql_filter: str = "") -> int:
    code = (
        "import django;django.setup();from articles.models import Article;"
        f"print(Article.objects.filter({sql_filter}).count())"
    )
    out = subprocess.run([PYTHON, "-c", code], env=ENV, check=True, capture_output=True, text=True, cwd=ROOT)
    return int(out.stdout.strip().splitlines()[-1])


ROWS: list[str] = []


def record(kind: str, n: int, workers: str, seconds: float, rate: float, peak: str, note: str = "") -> None:
    load = os.getloadavg()[0]  # the machine is shared: say how busy it was
    row = (f"| {time.strftime('%Y-%m-%d %H:%M')} | {vendor()} | {kind} | {n} | {workers} | {seconds:.1f} s | "
           f"{rate:.0f} | {peak} | {load:.1f} | {note} |")
    print(row, flush=True)
    ROWS.append(row)


def bench_stage1(ns: list[int]) -> None:
    for n in ns:
        path = distinct_file(n)
        fresh_database()
        seconds, peak = timed_ingest(path, "--defer-enrichment")
        stored = count()
        record("stage 1 (store + index)", stored, "-", seconds, stored / seconds, f"{peak:.0f} MB",
               f"{stored / CPU['last']:.0f} articles per CPU second of the ingest process")


def bench_stage2(n: int, worker_counts: list[int]) -> None:
    path = distinct_file(n)
    backend = ENV.get("TASKS_BACKEND", "db")
    for workers in worker_counts:
        fresh_database()
        timed_ingest(path, "--defer-enrichment")
        total = count("enrichment='pending'")
        command = ["db_worker", "--no-reload", "--interval", "0.2"] if backend == "db" else ["rqworker", "default"]
        started = time.perf_counter()
        procs = [subprocess.Popen([PYTHON, str(ROOT / "manage.py"), *command], env=ENV,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
        try:
            while count("enrichment='pending'"):
                time.sleep(2)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait()
        seconds = time.perf_counter() - started
        record(f"stage 2 (enrich, {backend} workers)", total, str(workers), seconds, total / seconds, "-",
               "includes each worker's start-up and model load")


def bench_sync(n: int, workers: int) -> None:
    path = distinct_file(n)
    fresh_database()
    seconds, peak = timed_ingest(path, "--workers", str(workers))
    stored = count()
    record("synchronous (both stages)", stored, str(workers), seconds, stored / seconds, f"{peak:.0f} MB",
           f"{stored / CPU['last']:.0f} articles per CPU second (pool included)")


def bench_ant(workers: int, sync_n: int | None) -> None:
    """The done-when: the ANT training file with --defer-enrichment, and synchronously (the whole
    file, or its first ``sync_n`` records when the machine is too busy for the whole file)."""
    fresh_database()
    defer_s, _ = timed_ingest(ANT, "--defer-enrichment")
    stored = count()
    record("ANT train file, --defer-enrichment", stored, "-", defer_s, stored / defer_s, "-",
           f"{stored / CPU['last']:.0f} articles per CPU second")
    path = ANT if sync_n is None else distinct_file(sync_n)
    fresh_database()
    sync_s, _ = timed_ingest(path, "--workers", str(workers))
    synced = count()
    ratio = (synced / sync_s) and (stored / defer_s) / (synced / sync_s)
    record("ANT train file, synchronous" + ("" if sync_n is None else f" (first {synced})"), synced, str(workers),
           sync_s, synced / sync_s, "-", f"deferred is {ratio:.0f}x faster per article")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["stage1", "stage2", "sync", "ant"])
    parser.add_argument("--n", type=int, nargs="+", default=None)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    if not ANT.exists():
        print(f"skipped: {ANT} not found")
        return
    if args.what == "stage1":
        bench_stage1(args.n or [10_000, 100_000])
    elif args.what == "stage2":
        bench_stage2((args.n or [2000])[0], args.workers)
    elif args.what == "sync":
        bench_sync((args.n or [1000])[0], args.workers[-1])
    else:
        bench_ant(args.workers[-1], (args.n or [None])[0])
    doc = ROOT / "docs" / "bench-ingest.md"
    lines = doc.read_text(encoding="utf-8").split("\n")
    # Rows go at the end of the "Measured" table (the first table whose header starts "| when |").
    at = next(i for i, line in enumerate(lines) if line.startswith("| when |")) + 2
    while at < len(lines) and lines[at].startswith("| "):
        at += 1
    doc.write_text("\n".join(lines[:at] + ROWS + lines[at:]), encoding="utf-8")


if __name__ == "__main__":
    main()
