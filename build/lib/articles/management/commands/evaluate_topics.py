"""python manage.py evaluate_topics PATH [--model DIR] — evaluate the topic model on a labelled file."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.enrich.topics.classifier import TopicClassifier
from articles.enrich.topics.train import evaluate, format_report, load_records


class Command(BaseCommand):
    help = (
        "Evaluate the topic model on JSON Lines files (.jsonl or .jsonl.gz, ANT `category` or `label` slugs): "
        "accuracy, per-topic precision/recall/F1, confusion matrix, coverage at the threshold. "
        "The last line is `macro-F1 0.xxxx`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="labelled JSONL(.gz) files")
        parser.add_argument("--model", help="model directory (default: settings.TOPIC_MODEL_PATH or the shipped one)")

    def handle(self, *, paths: list[str], model: str | None, **options) -> None:
        missing = [p for p in paths if not Path(p).is_file()]
        if missing:
            raise CommandError(f"no such file: {', '.join(missing)}")
        records = load_records(paths)
        if not records:
            raise CommandError("no labelled records in the given files")
        try:
            classifier = TopicClassifier.load(model or getattr(settings, "TOPIC_MODEL_PATH", None))
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot load the topic model: {exc}") from exc
        self.stdout.write(format_report(evaluate(classifier, records)))
