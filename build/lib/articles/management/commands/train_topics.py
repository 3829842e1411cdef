"""python manage.py train_topics --data PATH [PATH ...] [--from-archive] [--out DIR] — train the topic model."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.enrich.topics.classifier import DEFAULT_MODEL_DIR, clear_cache
from articles.enrich.topics.train import (
    DEFAULT_C,
    dev_split,
    evaluate,
    format_report,
    load_records,
    near_duplicates,
    train,
)


class Command(BaseCommand):
    help = (
        "Train the topic classifier on JSON Lines files (.jsonl or .jsonl.gz; ANT lines with `category`, "
        "or any lines with `title`, `text` and `label`/`topic` slugs) and/or, with --from-archive, on the "
        "articles whose topic an editor confirmed. Writes model.npz + meta.json to --out (default: the "
        "shipped model directory). --dev-per-class N holds out a balanced dev set (N per topic, chosen by "
        "hashing ids; training near-duplicates of dev articles are dropped) and prints its report; the model "
        "written is then the one trained without the dev set."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", nargs="+", default=[], metavar="PATH", help="JSONL(.gz) training files")
        parser.add_argument("--from-archive", action="store_true", help="add articles whose topic an editor confirmed")
        parser.add_argument("--out", default=str(DEFAULT_MODEL_DIR), help="model directory to write")
        parser.add_argument("--dev-per-class", type=int, default=0, help="hold out N per topic and report on them")
        parser.add_argument("--c", type=float, default=DEFAULT_C, help=f"SVM regularisation (default {DEFAULT_C})")
        parser.add_argument("--folds", type=int, default=3, help="folds for calibration scores (default 3)")

    def handle(
        self, *, data: list[str], from_archive: bool, out: str, dev_per_class: int, c: float, folds: int, **options
    ) -> None:
        started = time.monotonic()
        missing = [p for p in data if not Path(p).is_file()]
        if missing:
            raise CommandError(f"no such file: {', '.join(missing)}")
        records = load_records(data)
        if from_archive:
            from articles.enrich.topic_service import archive_records

            archived = archive_records()
            self.stdout.write(f"{len(archived)} editor-confirmed articles from the archive")
            records += archived
        if not records:
            raise CommandError("no labelled records: give --data and/or --from-archive")
        dev = []
        if dev_per_class > 0:
            train_idx, dev_idx = dev_split(records, dev_per_class)
            dups = near_duplicates(records, train_idx, dev_idx)
            self.stdout.write(f"dev {len(dev_idx)}; dropped {len(dups)} training near-duplicates of dev articles")
            dev = [records[i] for i in dev_idx]
            records = [records[i] for i in train_idx if i not in dups]
        try:
            model = train(
                records,
                c=c,
                cv_folds=folds,
                meta={"data": [Path(p).name for p in data], "from_archive": from_archive},
                log=lambda msg: self.stdout.write(f"  {msg}"),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        model.save(out)
        clear_cache()
        self.stdout.write(
            f"trained on {len(records)} articles, {len(model.labels)} topics ({', '.join(model.labels)}), "
            f"{model.keys.size} features, threshold {model.threshold:.4f}; wrote {out} "
            f"in {time.monotonic() - started:.0f}s"
        )
        if dev:
            self.stdout.write(format_report(evaluate(model, dev)))
