"""Error of the estimated counts above the cap (articles.search.sampling), against exact counts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archive_bench .venv/bin/python bench/bench_estimates.py \
        --out var/bench/estimates-pg-1m.json
    DATABASE_URL=sqlite:///$PWD/var/bench/bench-100k.sqlite3 .venv/bin/python bench/bench_estimates.py

For each search of bench/bench_pages.py's page set (the load benchmark's database), the search page's
count and facet counts (``selectors.article_search``, the code the pages run) are compared with exact
counts made without any cap or sample: ``filterset.qs.count()`` for the total, and for the five largest
values of the topic, source and entity facets and the five largest histogram bars a plain COUNT of
the result set restricted to that value. Error = (estimate − exact) / exact. Pages whose count is
under the cap are exact by construction and are reported as such (their error is checked too).
Prints a markdown table and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
TOP = 5


def _searches() -> dict:
    """The search pages' parameters as the views get them (a QueryDict: entity is multi-valued)."""
    from urllib.parse import urlsplit

    from bench_pages import page_set
    from django.http import QueryDict

    out = {}
    for name, url in page_set().items():
        parts = urlsplit(url)
        if parts.path == "/search/" and "page=" not in parts.query:
            out[name] = QueryDict(parts.query)
    return out


def _errors(data: dict) -> dict:
    from django.db.models import Q

    from articles.models import Article, Mention
    from articles.search.backend import search_planned
    from articles.search.filters import ArticleFilter
    from articles.search.selectors import article_search

    started = time.perf_counter()
    result = article_search(data=data)
    page_ms = (time.perf_counter() - started) * 1000
    page = result.page
    shown = page.estimate if page.count_is_estimate else page.count
    filterset = ArticleFilter(data, queryset=Article.objects.all())
    with search_planned(filterset.parsed):
        exact_total = filterset.qs.count()
        checks = [("total", shown, exact_total)]
        base = {"topic": filterset.queryset_excluding("topic"), "source": filterset.queryset_excluding("source")}
        for facet in ("topic", "source", "entity"):
            for value in result.facets[facet][:TOP]:
                if facet == "topic":
                    q = Q(topic__isnull=True) if value.slug == "none" else Q(topic__slug=value.slug)
                    exact = base["topic"].filter(q, ~Q(enrichment=Article.Enrichment.PENDING)).count()
                elif facet == "source":
                    exact = base["source"].filter(source__slug=value.slug).count()
                else:
                    mentions = Mention.objects.filter(entity__slug=value.slug).values("article_id")
                    exact = filterset.qs.filter(pk__in=mentions).count()
                checks.append((f"{facet}: {value.name}", value.count, exact))
        dated = filterset.queryset_excluding("date_from", "date_to", "year", "month")
        for bar in sorted(result.histogram.bars, key=lambda b: -b.count)[:TOP]:
            exact = dated.filter(published_on__gte=bar.date_from, published_on__lte=bar.date_to).count()
            checks.append((f"date: {bar.period}", bar.count, exact))
    rows = [
        {"what": what, "estimate": est, "exact": exact, "error": (est - exact) / exact if exact else 0.0}
        for what, est, exact in checks
    ]
    return {
        "estimated": page.count_is_estimate,
        "step": result.sample_step,
        "page_ms_in_process": round(page_ms, 1),
        "exact_total": exact_total,
        "max_abs_error": max(abs(r["error"]) for r in rows),
        "total_error": rows[0]["error"],
        "checks": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.db import connection
    from django.utils import translation

    from articles.models import Article

    translation.activate("en")
    results = {"vendor": connection.vendor, "articles": Article.objects.count(), "searches": {}}
    print(f"| search ({connection.vendor}, {results['articles']:,} articles) | counted | exact total | "
          f"shown | total error | worst of {1 + 4 * TOP} checks |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, data in _searches().items():
        found = _errors(data)
        results["searches"][name] = found
        counted = f"sample 1/{found['step']}" if found["step"] > 1 else "exact"
        print(f"| {name} | {counted} | {found['exact_total']:,} | {found['checks'][0]['estimate']:,} | "
              f"{100 * found['total_error']:+.1f} % | {100 * found['max_abs_error']:.1f} % |", flush=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
