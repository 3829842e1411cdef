"""Load that looks like readers (locust): ~1,000 distinct searches drawn Zipf-distributed, with filters,
pages 2-5, entity and article pages, against a server on loopback.

    # the server: bench/bench_pages.py starts one; or by hand (DEBUG=0 ... gunicorn -c gunicorn.conf.py ...)
    DATABASE_URL=postgres://... LOCUST_PLAN=var/bench/locust-plan.json \
        .venv/bin/python bench/locust_readers.py --plan var/bench/locust-plan.json     # writes the plan
    locust -f bench/locust_readers.py --headless -u 16 -r 16 -t 25s --host http://127.0.0.1:PORT \
        --csv var/bench/locust --only-summary

The plan (a JSON file, made once from the database so every run draws from the same population): the
``QUERIES`` most frequent words of the archive's titles (counted over a seeded sample of articles) and, for
every fifth of them, a two-word phrase taken from a title, about 1,000 distinct queries in all; the
archive's 40 most mentioned entities, its sources and topics; 200 article ids. Each simulated reader
(``SearchReader``) waits nothing between requests (the figure is the server's capacity) and picks:

* 70 %: a search, its query the k-th of the list with probability ∝ 1/k^1.1 (Zipf: a few popular searches,
  a long tail), a third of them with a filter (a topic, a source, a date range, an entity or "newest"),
  a quarter of them on page 2-5;
* 15 %: an entity's page (Zipf over the most mentioned); 15 %: an article page (uniform).

Locust reports requests/s, p50/p95/p99 and failures (any status but 200 is a failure). A random seed per
reader (``LOCUST_SEED`` + its number) makes runs comparable.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import urllib.parse
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = 1000
ZIPF_S = 1.1


def plan_make(out: Path, *, sample: int = 20_000, seed: int = 22) -> dict:
    """The plan file from the database of DATABASE_URL (see the module docstring)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.db.models import Count

    from articles.models import Article, Entity, Source, Topic

    rng = random.Random(seed)
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    titles = list(Article.objects.filter(pk__in=rng.sample(ids, min(sample, len(ids)))).values_list("title", flat=True))
    words: Counter = Counter()
    for title in titles:
        words.update(w for w in title.split() if len(w) >= 3 and w.isalpha())
    # Function words (in more than 2 % of titles: على, إلى, بعد) are not what readers search for.
    queries = [w for w, n in words.most_common() if n <= len(titles) // 50][: QUERIES * 4 // 5]
    phrases = []
    for title in titles:
        parts = [w for w in title.split() if len(w) >= 3 and w.isalpha()]
        if len(parts) >= 2:
            i = rng.randrange(len(parts) - 1)
            phrases.append(f'"{parts[i]} {parts[i + 1]}"')
        if len(phrases) >= QUERIES - len(queries):
            break
    # Phrases interleaved through the ranking (every fifth query), so popular searches include some.
    mixed: list[str] = []
    for i, query in enumerate(queries):
        mixed.append(query)
        if i % 4 == 3 and phrases:
            mixed.append(phrases.pop())
    entities = list(Entity.objects.annotate(n=Count("mentions")).order_by("-n").values_list("slug", flat=True)[:40])
    plan = {
        "queries": mixed[:QUERIES],
        "entities": entities,
        "sources": list(Source.objects.values_list("slug", flat=True)[:50]),
        "topics": list(Topic.objects.values_list("slug", flat=True)),
        "articles": rng.sample(ids, min(200, len(ids))),
        "years": [2008, 2012, 2016, 2020, 2023],
    }
    out.write_text(json.dumps(plan, ensure_ascii=False))
    return plan


def zipf_weights(n: int, s: float = ZIPF_S) -> list[float]:
    return [1 / (k**s) for k in range(1, n + 1)]


def search_path(plan: dict, rng: random.Random, weights: list[float]) -> str:
    """One reader's search: a Zipf-drawn query, maybe a filter, maybe a later page."""
    params: list[tuple[str, str]] = [("q", rng.choices(plan["queries"], weights=weights)[0])]
    if rng.random() < 1 / 3:
        kind = rng.choice(["topic", "source", "date", "entity", "newest"])
        if kind == "topic" and plan["topics"]:
            params.append(("topic", rng.choice(plan["topics"])))
        elif kind == "source" and plan["sources"]:
            params.append(("source", rng.choice(plan["sources"][:10])))
        elif kind == "date":
            year = rng.choice(plan["years"])
            params += [("date_from", f"{year}-01-01"), ("date_to", f"{year + 1}-12-31")]
        elif kind == "entity" and plan["entities"]:
            params.append(("entity", rng.choice(plan["entities"][:10])))
        else:
            params.append(("sort", "newest"))
    if rng.random() < 0.25:
        params.append(("page", str(rng.randint(2, 5))))
    return "/search/?" + urllib.parse.urlencode(params)


try:
    from locust import HttpUser, task
except ImportError:  # making the plan needs no locust
    HttpUser = None

if HttpUser is not None:
    _PLAN = json.loads(Path(os.environ.get("LOCUST_PLAN", ROOT / "var" / "bench" / "locust-plan.json")).read_text())
    _WEIGHTS = zipf_weights(len(_PLAN["queries"]))
    _ENTITY_WEIGHTS = zipf_weights(len(_PLAN["entities"]))
    _readers = iter(range(10**6))

    class SearchReader(HttpUser):
        """One reader: searches (70 %), entity pages (15 %), article pages (15 %), no think time."""

        def on_start(self) -> None:
            self.rng = random.Random(int(os.environ.get("LOCUST_SEED", "22")) * 1000 + next(_readers))

        @task(70)
        def search(self) -> None:
            path = search_path(_PLAN, self.rng, _WEIGHTS)
            self.client.get(path, name="search" if "page=" not in path else "search, page 2-5")

        @task(15)
        def entity(self) -> None:
            slug = self.rng.choices(_PLAN["entities"], weights=_ENTITY_WEIGHTS)[0]
            self.client.get(f"/entities/{urllib.parse.quote(slug)}/", name="entity page")

        @task(15)
        def article(self) -> None:
            self.client.get(f"/articles/{self.rng.choice(_PLAN['articles'])}/", name="article page")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Write the load plan (queries, entities, articles) from the database")
    parser.add_argument("--plan", type=Path, default=ROOT / "var" / "bench" / "locust-plan.json")
    args = parser.parse_args()
    made = plan_make(args.plan)
    print(json.dumps({key: len(value) for key, value in made.items()}))
