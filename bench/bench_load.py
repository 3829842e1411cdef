"""The reader load test: gunicorn (gunicorn.conf.py, DEBUG off) on loopback, locust headless over
bench/locust_readers.py for ``--seconds``, and the CPU the server spent per request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archive_perf_big .venv/bin/python bench/bench_load.py \
        --seconds 25 --users 16 [--root var/base] [--env SEARCH_CACHE_SECONDS=0] --out var/bench/load.json

``--root`` serves another checkout of the archive (e.g. ``git archive main | tar -x -C var/base``) with
this one's load plan, so two versions are compared on the same database and the same draws. CPU per
request = CPU seconds of the gunicorn workers and their PostgreSQL backends during the run / requests.
locust runs from its own virtual environment when ``LOCUST`` names it (default: ``locust`` on PATH).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=25)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server")
    parser.add_argument("--plan", type=Path, default=ROOT / "var" / "bench" / "locust-plan.json")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    import bench_pages

    for pair in args.env:
        name, _, value = pair.partition("=")
        os.environ[name] = value
    os.environ["RATELIMIT_ENABLE"] = "0"
    bench_pages.ROOT = args.root.resolve()  # the checkout gunicorn serves
    locust = os.environ.get("LOCUST") or shutil.which("locust")
    if not locust:
        raise SystemExit(
            "locust not found: python3 -m venv var/locust-venv && var/locust-venv/bin/pip install locust==2.47.0,"
            " then LOCUST=var/locust-venv/bin/locust (the '.[load]' extra)"
        )
    if not args.plan.exists():
        raise SystemExit(f"{args.plan}: no load plan; make it with bench/locust_readers.py --plan {args.plan}")
    server, port = bench_pages.server_start(workers=args.workers)
    try:
        prefix = ROOT / "var" / "bench" / f"locust-{int(time.time())}"
        before = bench_pages._cpu_seconds(bench_pages.serving_pids(server))
        load_before = os.getloadavg()
        subprocess.run(
            [locust, "-f", str(ROOT / "bench" / "locust_readers.py"), "--headless", "-u", str(args.users), "-r",
             str(args.users), "-t", f"{args.seconds}s", "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix),
             "--only-summary", "--loglevel", "WARNING"],
            env={**os.environ, "LOCUST_PLAN": str(args.plan)},
            check=False,
        )
        cpu = bench_pages._cpu_since(before, server)
        load_after = os.getloadavg()
    finally:
        server.terminate()
        server.wait(30)
    rows = {row["Name"]: row for row in csv.DictReader(Path(f"{prefix}_stats.csv").open())}
    total = rows["Aggregated"]
    requests = int(total["Request Count"])
    result = {
        "root": str(args.root),
        "env": args.env,
        "seconds": args.seconds,
        "users": args.users,
        "workers": args.workers,
        "requests": requests,
        "rps": round(float(total["Requests/s"]), 1),
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "p99_ms": float(total["99%"]),
        "failures": int(total["Failure Count"]),
        "cpu_ms_per_request": round(cpu * 1000 / max(requests, 1), 1),
        "by_name": {
            name: {"requests": int(r["Request Count"]), "p50_ms": float(r["50%"]), "p95_ms": float(r["95%"])}
            for name, r in rows.items()
            if name != "Aggregated"
        },
        "load_before": load_before,
        "load_after": load_after,
    }
    text = json.dumps(result, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
