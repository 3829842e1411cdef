"""Page benchmark through HTTP against the production server (gunicorn), with the baselines side by side.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archive_bench .venv/bin/python bench/bench_pages.py \
        --label 100k [--reps 30] [--warmup 3] [--baselines] [--load 30] [--out var/bench/pages-pg-100k.json]
    .venv/bin/python bench/bench_pages.py --plot var/bench/pages-*.json   # docs/performance-p95.png

Load the database first (bench/make_corpus.py, bench/load_corpus.py). The script starts gunicorn with
gunicorn.conf.py on a free loopback port (DEBUG=0, ``--workers``), then times every page kind of issue 10 as
time to last byte over ``--reps`` sequential keep-alive requests after ``--warmup`` (p50/p95/p99, ms). Every
response must be 200. ``--baselines`` times, in the same run and on the same database, what a user would pick
instead: Django ``icontains`` over title and body (count + newest 20) and, on PostgreSQL, the built-in ``arabic``
text-search configuration with a GIN expression index (count + 20 by ts_rank), and compares their result sets on
spelling variants, clitics and false friends. ``--load S`` runs wrk (Debian package) for S seconds, loopback only,
with bench/wrk_mix.lua over a mix of search, faceted search, entity and article pages.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RARE, MEDIUM, COMMON, MOST = "أزنافور", "أوكرانيا", "الرئيس", "في"
PHRASE = '"الأمم المتحدة"'
APP_NAME = "bench-pages-server"
# Spelling variants, clitics and false friends: (probe, what the reader means, kind).
QUALITY = [
    ("اوكرانيا", "أوكرانيا without hamza", "variant"),
    ("أوكرانيا", "أوكرانيا as usually written", "variant"),
    ("الامم المتحده", "الأمم المتحدة without hamza and with ه", "variant"),
    ("مصر", "مصر: should also find بمصر, لمصر, ومصر", "clitic"),
    ("انتخابات", "انتخابات: should also find الانتخابات, والانتخابات", "clitic"),
    ("وتين", "وتين (a vein) must not find بوتين", "false friend"),
    ("رنسا", "رنسا must not find فرنسا", "false friend"),
    ("لبن", "لبن (milk) must not find لبنان", "false friend"),
]


def percentiles(samples: list[float]) -> dict:
    """Inclusive (linear interpolation) percentiles, ms, rounded to 0.1."""
    if len(samples) == 1:
        samples = samples * 2
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": round(cuts[49], 1), "p95": round(cuts[94], 1), "p99": round(cuts[98], 1), "n": len(samples)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_start(*, workers: int) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-not-a-secret"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": str(workers),
        "WEB_TIMEOUT": "120",
        # libpq names the server's connections, so their backends' CPU can be told from other clients'.
        "PGAPPNAME": APP_NAME,
    }
    python = str(Path(sys.executable))
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen([gunicorn, "--config", "gunicorn.conf.py", "newsarchive.wsgi"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            status, _, _ = fetch(port, "/")
            if status == 200:
                return process, port
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 120 s")


_connections: dict[int, http.client.HTTPConnection] = {}


def fetch(port: int, path: str) -> tuple[int, int, float]:
    """(status, bytes, ms to last byte) of one GET on a kept-alive connection."""
    conn = _connections.get(port) or http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    _connections[port] = conn
    started = time.perf_counter()
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
    except (http.client.HTTPException, OSError):
        conn.close()
        _connections.pop(port, None)
        raise
    return response.status, len(body), (time.perf_counter() - started) * 1000


def url(path: str, **params) -> str:
    pairs = []
    for key, value in params.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, item))
    return path + ("?" + urllib.parse.urlencode(pairs) if pairs else "")


def page_set() -> dict[str, str]:
    from django.db.models import Count

    from articles.models import Article, Entity

    top = list(Entity.objects.annotate(n=Count("mentions")).order_by("-n").values_list("slug", "n")[:2])
    article_id = Article.objects.order_by("pk").values_list("pk", flat=True)[Article.objects.count() // 2]
    first, second = top[0][0], top[1][0]
    return {
        "search: rare term": url("/search/", q=RARE),
        "search: medium term": url("/search/", q=MEDIUM),
        "search: common term": url("/search/", q=COMMON),
        "search: term in most articles": url("/search/", q=MOST),
        "search: phrase": url("/search/", q=PHRASE),
        "search: entity filter": url("/search/", entity=first),
        "search: two entities": url("/search/", entity=[first, second]),
        "search: common term + date range": url("/search/", q=COMMON, date_from="2015-01-01", date_to="2016-12-31"),
        "search: newest first, rare term": url("/search/", q=RARE, sort="newest"),
        "search: browse (no term)": url("/search/"),
        "search: page 50, common term": url("/search/", q=COMMON, page=50),
        "entity page (most mentioned)": f"/entities/{urllib.parse.quote(first)}/",
        "article page": f"/articles/{article_id}/",
        "API: articles, medium term": url("/api/articles/", q=MEDIUM),
        "API: entities": url("/api/entities/", q="مصر"),
        "CSV export, 10,000 rows": url("/search/export.csv"),
        "home": "/",
    }


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return out


def _cpu_since(before: dict[int, float], server: subprocess.Popen) -> float:
    """CPU seconds spent since ``before`` by the serving processes (ones born since count whole)."""
    now = _cpu_seconds(serving_pids(server))
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in now.items())


def serving_pids(server: subprocess.Popen) -> list[int]:
    """The gunicorn workers and the PostgreSQL backends of this database (not this process's own)."""
    from django.db import connection

    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    pids = [int(pid) for pid in children]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
                [APP_NAME],
            )
            pids += [row[0] for row in cursor.fetchall()]
    return pids


def pages_time(port: int, pages: dict[str, str], *, reps: int, warmup: int, server=None) -> dict:
    """Latency per page; with ``server``, also the CPU milliseconds per request that the gunicorn workers and the
    database backends spent (contention-independent: on an idle machine latency is about this CPU time)."""
    results = {}
    for name, path in pages.items():
        samples, size, cpu = [], 0, {}
        reps_here = max(5, reps // 6) if "export" in path else reps
        for i in range(warmup + reps_here):
            status, size, ms = fetch(port, path)
            if status != 200:
                raise RuntimeError(f"{name}: {path} answered {status}")
            if i == warmup - 1 and server is not None:
                cpu = _cpu_seconds(serving_pids(server))
            if i >= warmup:
                samples.append(ms)
        results[name] = {"path": path, "bytes": size, **percentiles(samples)}
        if server is not None and warmup:
            results[name]["cpu_ms_per_request"] = round(_cpu_since(cpu, server) * 1000 / len(samples), 1)
        print(
            f"{name:36} p50 {results[name]['p50']:8.1f}  p95 {results[name]['p95']:8.1f} ms"
            f"  cpu {results[name].get('cpu_ms_per_request')} ms/request",
            file=sys.stderr,
        )
    return results


def _timed(fn, reps: int) -> tuple[dict, object]:
    samples, value = [], None
    for _ in range(reps):
        started = time.perf_counter()
        value = fn()
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples), value


def baselines(*, reps: int, arabic_config: bool = True) -> dict:
    """Latency of icontains and of PostgreSQL's arabic configuration per query kind, and their recall/precision
    probes next to the archive's own count."""
    from django.db import connection
    from django.db.models import Q

    from articles.models import Article

    def icontains(text: str):
        words = text.strip('"')
        qs = Article.objects.filter(Q(title__icontains=words) | Q(body__icontains=words))
        return qs.count(), list(qs.order_by("-published_on", "-pk").values_list("pk", flat=True)[:20])

    arabic_sql = "to_tsvector('arabic', title || ' ' || body)"

    def arabic(text: str):
        function = "phraseto_tsquery" if text.startswith('"') else "plainto_tsquery"
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = '60s'")
            try:
                cursor.execute(
                    f"SELECT count(*) FROM articles_article WHERE {arabic_sql} @@ {function}('arabic', %s)",
                    [text.strip('"')],
                )
                count = cursor.fetchone()[0]
                cursor.execute(
                    f"SELECT id FROM articles_article WHERE {arabic_sql} @@ {function}('arabic', %s) "
                    f"ORDER BY ts_rank({arabic_sql}, {function}('arabic', %s)) DESC LIMIT 20",
                    [text.strip('"'), text.strip('"')],
                )
                return count, [row[0] for row in cursor.fetchall()]
            finally:
                cursor.execute("SET statement_timeout = 0")

    postgres = connection.vendor == "postgresql" and arabic_config
    if postgres:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS bench_arabic_gin ON articles_article USING gin (({arabic_sql}))"
            )
        index_s = round(time.perf_counter() - started)
    out: dict = {"latency": {}, "quality": []}
    for kind, text in [("rare", RARE), ("medium", MEDIUM), ("common", COMMON), ("most", MOST), ("phrase", PHRASE)]:
        row = {}
        row["icontains"], (count, _) = _timed(lambda t=text: icontains(t), reps)
        row["icontains"]["count"] = count
        if postgres:
            row["arabic"], (count, _) = _timed(lambda t=text: arabic(t), reps)
            row["arabic"]["count"] = count
        out["latency"][kind] = row
        print(f"baseline {kind}: {row}", file=sys.stderr)
    for probe, meaning, kind in QUALITY:
        row = {"probe": probe, "meaning": meaning, "kind": kind, "icontains": icontains(probe)[0]}
        if postgres:
            row["arabic"] = arabic(probe)[0]
        row["archive"] = _archive_count(probe)
        out["quality"].append(row)
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_relation_size('bench_arabic_gin')")
            out["arabic_index_bytes"] = cursor.fetchone()[0]
        out["arabic_index_build_s"] = index_s
    return out


def _archive_count(text: str) -> int:
    """Exact match count of the archive's own search (uncapped, for the quality table)."""
    from articles.models import Article
    from articles.search.filters import ArticleFilter

    return ArticleFilter({"q": text}, queryset=Article.objects.all()).qs.count()


def sizes() -> dict:
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "sqlite":
        path = Path(settings.DATABASES["default"]["NAME"])
        return {"database_bytes": path.stat().st_size}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        out = {"database_bytes": cursor.fetchone()[0]}
        cursor.execute(
            "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relname LIKE 'article%%' AND c.relkind IN ('r', 'i') "
            "ORDER BY 2 DESC"
        )
        out["relations"] = dict(cursor.fetchall())
        cursor.execute(
            "SELECT pg_total_relation_size('articles_article'), pg_relation_size('articles_article'), "
            "coalesce(pg_total_relation_size(reltoastrelid), 0) FROM pg_class WHERE relname = 'articles_article'"
        )
        total, heap, toast = cursor.fetchone()
        out.update(article_total_bytes=total, article_heap_bytes=heap, article_toast_bytes=toast)
        cursor.execute(
            "SELECT avg(pg_column_size(search_stemmed)), avg(pg_column_size(search_exact)), "
            "avg(pg_column_size(body)) FROM articles_article"
        )
        stemmed, exact, body = cursor.fetchone()
        out.update(avg_stemmed_bytes=round(stemmed or 0), avg_exact_bytes=round(exact or 0), avg_body_bytes=round(body))
    return out


def load_test(port: int, pages: dict[str, str], *, seconds: int, connections: int) -> dict:
    """wrk over a weighted mix: searches (with and without facets' filters) 55%, entity 15%, articles 20%, API 10%."""
    from articles.models import Article

    wrk = shutil.which("wrk")
    if wrk is None:
        return {"skipped": "wrk not installed (apt-get install wrk)"}
    from articles.search.sampling import sample_filter

    # Articles spread over the archive (its id sample; ORDER BY random() would sort a million rows).
    ids = list(sample_filter(Article.objects.all(), 512).values_list("pk", flat=True)[:200])
    mix = [p for name, p in pages.items() if name.startswith("search") and "page 50" not in name] * 5
    mix += [pages["entity page (most mentioned)"]] * 15
    mix += [f"/articles/{pk}/" for pk in ids[:20]]
    mix += [pages["API: articles, medium term"], pages["API: entities"]] * 5
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(mix))
    env = {**os.environ, "WRK_PATHS": handle.name}
    command = [
        wrk,
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / "wrk_mix.lua"),
        f"http://127.0.0.1:{port}",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 60, check=True)
    os.unlink(handle.name)
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    return {**summary, "connections": connections, "mix_size": len(mix), "command": " ".join(command[:-1])}


def machine() -> dict:
    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "cpu": platform.processor() or platform.machine(),
        "loadavg_1_5_15": [round(x, 1) for x in load],
        "python": platform.python_version(),
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def plot(paths: list[Path], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = [json.loads(p.read_text()) for p in paths]
    fig, (ax, cpu_ax) = plt.subplots(1, 2, figsize=(13, 5.5))
    for vendor in sorted({r["vendor"] for r in runs}):
        chosen = sorted((r for r in runs if r["vendor"] == vendor), key=lambda r: r["articles"])
        for name in chosen[0]["pages"]:
            if not name.startswith("search"):
                continue
            rows = [r for r in chosen if name in r["pages"]]
            xs = [r["articles"] for r in rows]
            (line,) = ax.plot(xs, [r["pages"][name]["p95"] for r in rows], marker="o", label=f"{vendor}: {name}")
            cpu = [(r["articles"], r["pages"][name].get("cpu_ms_per_request")) for r in rows]
            cpu = [(x, y) for x, y in cpu if y is not None]
            if cpu:
                cpu_ax.plot(*zip(*cpu, strict=True), marker="o", color=line.get_color())
    for axis, label in ((ax, "p95, ms (HTTP, time to last byte)"), (cpu_ax, "CPU ms per request (worker + DB)")):
        axis.axhline(150, color="red", linestyle="--", linewidth=1, label="target 150 ms")
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("articles")
        axis.set_ylabel(label)
    ax.set_title("search pages, p95 through gunicorn (SQLite at 100k, PostgreSQL at 1M; 2 cores)", fontsize=9)
    cpu_ax.set_title("CPU per request (gunicorn worker + database backend)", fontsize=9)
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def markdown(paths: list[Path]) -> str:
    """The page table of docs/PERFORMANCE.md from result files (one column pair per run)."""
    runs = [json.loads(p.read_text()) for p in paths]
    head = "| page | " + " | ".join(f"{r['vendor']} {r['label']} p50 / p95 / p99 ms" for r in runs) + " |"
    lines = [head, "| --- |" + " ---: |" * len(runs)]
    for name in runs[0]["pages"]:
        cells = []
        for r in runs:
            page = r["pages"].get(name)
            cells.append(f"{page['p50']:,.0f} / {page['p95']:,.0f} / {page['p99']:,.0f}" if page else "–")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", default="")
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--baselines", action="store_true")
    parser.add_argument("--baseline-reps", type=int, default=5)
    parser.add_argument(
        "--no-arabic", action="store_true", help="baselines without PostgreSQL's arabic configuration (its GIN build)"
    )
    parser.add_argument("--load", type=int, default=0, help="seconds of wrk load test (0: none)")
    parser.add_argument("--load-connections", type=int, default=8)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--plot", nargs="+", type=Path, help="only draw the plot from these result files")
    parser.add_argument("--markdown", nargs="+", type=Path, help="only print the page table of these result files")
    parser.add_argument("--plot-out", type=Path, default=ROOT / "docs" / "performance-p95.png")
    args = parser.parse_args()
    if args.plot:
        plot(args.plot, args.plot_out)
        return
    if args.markdown:
        print(markdown(args.markdown))
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.db import connection

    from articles.models import Article

    result = {
        "label": args.label,
        "vendor": connection.vendor,
        "articles": Article.objects.count(),
        "machine_before": machine(),
    }
    pages = page_set()
    process, port = server_start(workers=args.workers)
    try:
        result["pages"] = pages_time(port, pages, reps=args.reps, warmup=args.warmup, server=process)
        if args.load:
            result["load_test"] = load_test(port, pages, seconds=args.load, connections=args.load_connections)
            print(f"load test: {result['load_test']}", file=sys.stderr)
    finally:
        process.terminate()
        process.wait(timeout=60)
    if args.baselines:
        result["baselines"] = baselines(reps=args.baseline_reps, arabic_config=not args.no_arabic)
    result["sizes"] = sizes()
    result["machine_after"] = machine()
    result["command"] = " ".join(sys.argv)
    text = json.dumps(result, ensure_ascii=False, indent=1)
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
