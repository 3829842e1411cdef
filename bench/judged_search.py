"""Precision and recall of search on a judged query set (issue 11 §3).

    DEBUG=1 .venv/bin/python bench/judged_search.py run OUT.json      # this checkout's search on the corpus
    DEBUG=1 .venv/bin/python bench/judged_search.py pool A.json B.json  # what a judge must read (union)
    DEBUG=1 .venv/bin/python bench/judged_search.py score A.json [B.json ...]

The corpus is every 10th article of ``../shared/data/ant/ant_multisource_v2.1.train.jsonl.gz`` (2,973
articles, all five outlets and six categories), loaded into a temporary SQLite database and indexed with
the checkout's own code, so running ``run`` in an older checkout (``git worktree add /tmp/old <commit>``,
then copy this file there) measures the old rules on the same articles. Queries and judgements are in
``bench/judged_queries.json``: for each query, the ANT ``docno`` of every article in the pool (the union
of the versions' top 10s and a seeded sample of what one version finds and another does not) that is
relevant, judged by reading its title and the passages around the matching words (docs/search.md,
"Precision and recall"). ``score`` prints P@10 (relevance order) and relative recall (relevant articles
found / relevant articles in the pool) per query and on average.

Spelling pairs (issue 23): ``pairs`` in the same file holds queries a reader may type two ways (السعودية
/ السعوديه, مستشفى / مستشفي, إسرائيل / اسرائيل, ...); one set of judgements serves both spellings (the
information need is the same), and ``score`` prints precision and recall of the two side by side. The
pool of a pair is built from both spellings' results.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "data" / "ant" / "ant_multisource_v2.1.train.jsonl.gz"
QUERIES = Path(__file__).with_name("judged_queries.json")
EVERY = 10
DIFF_SAMPLE = 10


def _setup() -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(tempfile.mkdtemp()) / 'judged.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _queries() -> dict:
    return json.loads(QUERIES.read_text())


def _query_strings() -> list[str]:
    data = _queries()
    pairs = [s for pair in data.get("pairs", []) for s in (pair["q"], pair["variant"])]
    return [item["q"] for item in data["queries"]] + pairs


def run(out: Path) -> None:
    _setup()
    from articles.models import Article, Source
    from articles.search.backend import articles_index_bulk, search_filter, search_ranked_ids
    from articles.search.highlight import snippet
    from articles.search.query import query_parse

    source = Source.objects.create(name="ANT", key="ant", slug="ant")
    docnos: dict[int, str] = {}
    batch = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        for i, line in enumerate(handle):
            if i % EVERY:
                continue
            record = json.loads(line)
            batch.append(
                Article(title=record["title"] or "-", body=record["text"] or "", source=source,
                        fingerprint=uuid.uuid4().hex, url=record["docno"])
            )
    Article.objects.bulk_create(batch, batch_size=1000)
    docnos = dict(Article.objects.values_list("pk", "url"))
    articles_index_bulk(Article.objects.values_list("pk", "title", "body").iterator(chunk_size=1000))
    results = {}
    for q in _query_strings():
        parsed = query_parse(q)
        matches = search_filter(Article.objects.all(), parsed)
        ranked = search_ranked_ids(matches, parsed, offset=0, limit=10)
        found = list(matches.values_list("pk", flat=True))
        results[q] = {
            "top10": [docnos[pk] for pk in ranked],
            "all": sorted(docnos[pk] for pk in found),
            "snippets": {
                docnos[a.pk]: f"{a.title} || {snippet(a.body, parsed, words=24)}"
                for a in Article.objects.filter(pk__in=found)
            },
        }
    out.write_text(json.dumps({"articles": len(docnos), "results": results}, ensure_ascii=False, indent=1))
    print(f"{len(docnos)} articles, {len(results)} queries -> {out}")


def pool_ids(q: str, runs: list[dict]) -> list[str]:
    """What a judge reads for one query: every version's top 10, plus up to ``DIFF_SAMPLE`` articles
    found by one version and not another (a seeded sample), in each direction."""
    rng = random.Random(q)
    ids = {d for r in runs for d in r[q]["top10"]}
    for mine in runs:
        for other in runs:
            only = sorted(set(mine[q]["all"]) - set(other[q]["all"]))
            ids |= set(rng.sample(only, min(DIFF_SAMPLE, len(only))))
    return sorted(ids)


def pool(paths: list[Path]) -> None:
    runs = [json.loads(p.read_text())["results"] for p in paths]
    data = _queries()
    items = [(item, [item["q"]]) for item in data["queries"]]
    items += [(pair, [pair["q"], pair["variant"]]) for pair in data.get("pairs", [])]
    for item, spellings in items:
        ids = sorted({d for q in spellings for d in pool_ids(q, runs)} - set(item.get("judged", [])))
        print(f"\n## {' / '.join(spellings)}  ({len(ids)} to judge)")
        for d in ids:
            text = next(r[q]["snippets"][d] for q in spellings for r in runs if d in r[q]["snippets"])
            print(f"{d} | {text}".replace("<mark>", "[").replace("</mark>", "]")[:300])


def _measures(item: dict, got: dict) -> tuple[float, float, int]:
    relevant = set(item["relevant"])
    p10 = sum(d in relevant for d in got["top10"]) / 10
    recall = len(relevant & set(got["all"])) / len(relevant) if relevant else 1.0
    return p10, recall, len(got["all"])


def score_pairs(paths: list[Path]) -> None:
    """The spelling pairs: per version, P@10, relative recall and results of each spelling side by side."""
    pairs = _queries().get("pairs", [])
    if not pairs:
        return
    runs = [(p.stem, json.loads(p.read_text())["results"]) for p in paths]
    head = " | ".join(f"{n} A P@10 | {n} A recall | {n} A found | {n} B P@10 | {n} B recall | {n} B found"
                      for n, _ in runs)
    print(f"\n| spelling A / spelling B | judged | relevant | {head} |")
    print("| --- | ---: | ---: | " + " | ".join(" | ".join(["---:"] * 6) for _ in runs) + " |")
    sums = [[0.0] * 6 for _ in runs]
    for pair in pairs:
        cells = []
        for k, (_, results) in enumerate(runs):
            values = (*_measures(pair, results[pair["q"]]), *_measures(pair, results[pair["variant"]]))
            sums[k] = [a + b for a, b in zip(sums[k], values, strict=True)]
            cells.append(" | ".join(f"{v:.1f}" if i % 3 == 0 else f"{v:.2f}" if i % 3 == 1 else str(v)
                                    for i, v in enumerate(values)))
        print(f"| {pair['q']} / {pair['variant']} | {len(pair['judged'])} | {len(pair['relevant'])} | "
              + " | ".join(cells) + " |")
    means = " | ".join(" | ".join(f"**{v / len(pairs):.2f}**" if i % 3 != 2 else "" for i, v in enumerate(row))
                       for row in sums)
    print(f"| mean | | | {means} |")


def score(paths: list[Path]) -> None:
    """P@10 (unjudged = not relevant) and relative recall: of the relevant articles in the judged pool,
    the share a version finds at all."""
    queries = _queries()["queries"]
    table = []
    for p in paths:
        results = json.loads(p.read_text())["results"]
        rows = []
        for item in queries:
            relevant = set(item["relevant"])
            got = results[item["q"]]
            p10 = sum(d in relevant for d in got["top10"]) / 10
            recall = len(relevant & set(got["all"])) / len(relevant) if relevant else 1.0
            rows.append((item["q"], p10, recall, len(got["all"])))
        table.append(rows)
    names = [p.stem for p in paths]
    print("| query | judged | relevant | " + " | ".join(f"{n} P@10 | {n} recall | {n} found" for n in names) + " |")
    print("| --- | ---: | ---: | " + " | ".join("---: | ---: | ---:" for _ in names) + " |")
    for i, item in enumerate(queries):
        cells = " | ".join(f"{t[i][1]:.1f} | {t[i][2]:.2f} | {t[i][3]}" for t in table)
        print(f"| {item['q']} | {len(item['judged'])} | {len(item['relevant'])} | {cells} |")
    means = " | ".join(f"**{sum(r[1] for r in t) / len(t):.2f}** | **{sum(r[2] for r in t) / len(t):.2f}** | "
                       for t in table)
    print(f"| mean | | | {means.rstrip(' |')} |")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} is missing")
    elif command == "run":
        run(Path(args[0]))
    elif command == "pool":
        pool([Path(a) for a in args])
    else:
        score([Path(a) for a in args])
        score_pairs([Path(a) for a in args])
