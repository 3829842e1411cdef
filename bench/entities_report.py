"""Entity-layer figures of an archive: entities, share seen in one article, the 100 in most articles.

    DEBUG=1 DATABASE_URL=sqlite:////tmp/ent/after.sqlite3 .venv/bin/python bench/entities_report.py [--top 100]

Prints the totals and a TSV of the top entities (articles, kind, name, flags) for hand-checking
in docs/entities.md. Works on databases with or without the article_count column (before/after).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")

import django

django.setup()

from django.db.models import Count  # noqa: E402

from articles.models import Entity  # noqa: E402

_NUMBER_RE = re.compile(r"\d")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--top", type=int, default=100)
    args = parser.parse_args()
    counts = Entity.objects.annotate(n=Count("mentions__article", distinct=True))
    total = counts.count()
    once = counts.filter(n__lte=1).count()
    print(f"entities\t{total}\nseen in one article\t{once}\t{once / max(total, 1):.1%}")
    for entity in counts.order_by("-n", "name")[: args.top]:
        flags = "number" if _NUMBER_RE.search(entity.name) else ""
        print(f"{entity.n}\t{entity.kind}\t{entity.name}\t{flags}")


if __name__ == "__main__":
    main()
