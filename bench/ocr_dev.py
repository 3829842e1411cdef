"""Dev-set CER of the OCR engine on clippings rendered from the first part of the ANT training file.

    DEBUG=1 .venv/bin/python bench/ocr_dev.py [--per-condition 8] [--vocab-articles 15000]

Dev pool: the first 40 records of each source in the first 23,000 lines of
ant_multisource_v2.1.train.jsonl.gz (the last 20% of the file is the final test set: never read here).
Vocabulary: titles and texts of lines 1,000-23,000 minus the dev pool (the archive's own texts).
Conditions: ``scan1`` (1 column), ``scan2`` (2 columns), ``scan3`` (3 columns) clean 300 dpi renders
with running head and page number; ``photo`` (rotated ±4°, uneven light, noise, blur, JPEG);
``pdf200`` (a 200 dpi grayscale scan, 1° skew, light noise, as a scanned PDF page gives). Prints body
CER with and without post-correction, title CER, and pages/second.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from articles.ingest.ocr import correct
from articles.ingest.ocr.cer import cer
from articles.ingest.ocr.correct import Vocabulary
from articles.ingest.ocr.engine import build_document, read_page
from tests.test_reader_image import AMIRI, NASKH, NASKH_BOLD, SANS, SANS_BOLD, photograph, render_clipping

DATA = Path(__file__).resolve().parent.parent.parent / "shared/data/ant/ant_multisource_v2.1.train.jsonl.gz"
DEV_LINES = 23_000  # < 80% of 29,725
VOCAB_CACHE = Path("/tmp/ocr_dev_vocab.bin.gz")
DEFAULT_THRESHOLD = correct.CONF_THRESHOLD


def records(limit: int):
    with gzip.open(DATA, "rt", encoding="utf-8") as handle:
        for index, line in enumerate(handle):
            if index >= limit:
                return
            yield index, json.loads(line)


def dev_pool(per_source: int = 40) -> list[tuple[int, dict]]:
    seen: dict[str, int] = {}
    pool = []
    for index, record in records(DEV_LINES):
        if seen.get(record["source"], 0) < per_source and len(record.get("text") or "") > 300:
            seen[record["source"]] = seen.get(record["source"], 0) + 1
            pool.append((index, record))
    return pool


def vocabulary(pool_ids: set[int], articles: int) -> Vocabulary:
    if VOCAB_CACHE.exists():
        return Vocabulary.from_bytes(VOCAB_CACHE.read_bytes())
    texts = (
        f"{r['title']}\n{r.get('text') or ''}"
        for i, r in records(DEV_LINES)
        if i >= 1000 and i not in pool_ids and i < 1000 + articles
    )
    started = time.perf_counter()
    vocab = Vocabulary.from_texts(texts)
    VOCAB_CACHE.write_bytes(vocab.to_bytes())
    print(f"vocabulary: {len(vocab)} word types in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return vocab


def clipping(record: dict, rng: random.Random) -> tuple[str, list[str]]:
    paragraphs, used = [], 0
    for paragraph in (record.get("text") or "").split("\n"):
        paragraph = " ".join(paragraph.split())
        if paragraph and used < 1400:
            paragraphs.append(paragraph)
            used += len(paragraph)
    return " ".join(record["title"].split()), paragraphs


def render(condition: str, title: str, paragraphs: list[str], rng: random.Random) -> Image.Image:
    body_font, title_font = rng.choice([(NASKH, NASKH_BOLD), (SANS, SANS_BOLD), (AMIRI, NASKH_BOLD)])
    columns = {"scan1": 1, "scan2": 2, "scan3": 3}.get(condition, rng.choice([1, 2]))
    image, _ = render_clipping(
        title,
        paragraphs,
        columns=columns,
        body_font=body_font,
        title_font=title_font,
        body_px=rng.choice([34, 38, 42]),
        title_px=rng.choice([64, 76, 88]),
        column_px={1: 1300, 2: 900, 3: 700}[columns],
        running_head="الأحد 18 فبراير 2018 - الصفحة الثالثة",
        page_number=str(rng.randint(2, 40)),
    )
    if condition == "photo":
        data = photograph(image, angle=rng.uniform(-4, 4), blur=rng.uniform(0.8, 1.4), quality=rng.randint(50, 75))
        return Image.open(io.BytesIO(data))
    if condition == "pdf200":
        small = image.rotate(1.0, resample=Image.BICUBIC, expand=True, fillcolor=255)
        small = small.resize((small.width * 2 // 3, small.height * 2 // 3), Image.LANCZOS).filter(ImageFilter.SMOOTH)
        noisy = np.asarray(small, dtype=np.float32) + np.random.default_rng(rng.randint(0, 999)).normal(
            0, 8, small.size[::-1]
        )
        return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
    return image


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-condition", type=int, default=8)
    parser.add_argument("--vocab-articles", type=int, default=15000)
    parser.add_argument("--conditions", default="scan1,scan2,scan3,photo,pdf200")
    parser.add_argument("--thresholds", default="40,50,60,70", help="correction confidence thresholds to compare")
    args = parser.parse_args()
    pool = dev_pool()
    vocab = vocabulary({i for i, _ in pool}, args.vocab_articles)
    rng = random.Random(7)
    results: dict[str, list[tuple[float, float, float]]] = {}
    pages, seconds = 0, 0.0
    sweep: dict[float, list[float]] = {float(t): [] for t in args.thresholds.split(",")}
    for condition in args.conditions.split(","):
        for _, record in rng.sample(pool, args.per_condition):
            title, paragraphs = clipping(record, rng)
            image = render(condition, title, paragraphs, rng)
            started = time.perf_counter()
            page = read_page(image)
            seconds += time.perf_counter() - started
            pages += 1
            raw = build_document([page], [image.size], vocabulary=None)
            fixed = build_document([page], [image.size], vocabulary=vocab)
            reference = "\n".join(paragraphs)
            for threshold, scores in sweep.items():
                correct.CONF_THRESHOLD = threshold
                scores.append(cer(reference, build_document([page], [image.size], vocabulary=vocab).body))
            correct.CONF_THRESHOLD = DEFAULT_THRESHOLD
            row = (cer(reference, raw.body), cer(reference, fixed.body), cer(title, fixed.title))
            results.setdefault(condition, []).append(row)
            print(condition, record["source"], " ".join(f"{x:.3f}" for x in row), file=sys.stderr)
    print(f"{'condition':10} {'n':>3} {'body raw':>9} {'body corr':>9} {'max corr':>9} {'title':>7}")
    for condition, rows in results.items():
        raw, fixed, titles = zip(*rows, strict=True)
        print(
            f"{condition:10} {len(rows):3} {statistics.mean(raw):9.4f} {statistics.mean(fixed):9.4f} "
            f"{max(fixed):9.4f} {statistics.mean(titles):7.4f}"
        )
    print("correction threshold sweep (mean body CER):", {t: round(statistics.mean(v), 4) for t, v in sweep.items()})
    print(f"{pages / seconds:.2f} pages/s ({seconds / pages:.2f} s/page, OCR + preprocessing + layout)")


if __name__ == "__main__":
    main()
