"""Build the demo's clipping files (fixtures/clippings/) from the demo's own ANT articles.

    python bench/demo_clippings.py          # needs Chromium (Debian's) and the Arabic fonts; rewrites the folder

One article per form — a scan (PNG), a phone photo (JPEG), a two-page TIFF, a scanned PDF, a printed PDF with a
text layer, a saved web page and a Word file — taken from fixtures/ant_demo_sample.jsonl.gz (ANT Corpus v2.1,
Apache-2.0: see fixtures/ANT-LICENSE.txt), rendered with the clipping-set generator (bench/clippings/). The
manifest (``manifest.tsv``: file, source, date) gives each file's source and date for ``manage.py ingest``
(the web page says its own). ``make demo`` ingests them.
"""

from __future__ import annotations

import gzip
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from clippings.ant import to_article
from clippings.make_set import EXTENSIONS, FORMS, chromium, make_clipping

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "ant_demo_sample.jsonl.gz"
OUT = ROOT / "fixtures" / "clippings"
SEED = 20261207


def main() -> int:
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    articles = [a for a in (to_article(i, r) for i, r in enumerate(records)) if a is not None]
    rng = random.Random(SEED)
    rng.shuffle(articles)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        if old.suffix != ".md":
            old.unlink()
    rows = []
    with chromium() as renderer:
        for slot, (form, article) in enumerate(zip(FORMS, articles, strict=False)):
            data, _ = make_clipping(form, article, renderer, rng, "dev", slot)
            name = f"{slot + 1:02d}-{form}.{EXTENSIONS[form]}"
            (OUT / name).write_bytes(data)
            rows.append((name, article.site_name, article.date.isoformat()))
            print(f"{name}: {len(data):,} bytes — {article.title}")
    with open(OUT / "manifest.tsv", "w", encoding="utf-8") as handle:
        handle.write("".join(f"{n}\t{s}\t{d}\n" for n, s, d in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
