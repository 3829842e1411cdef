"""python manage.py train_ner --train PATH [--dev PATH | --dev-split F] [--out DIR] [--unlabelled PATH ...]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.enrich.ner.files import DEFAULT_MODEL_DIR
from articles.enrich.ner.train import train


class Command(BaseCommand):
    help = (
        "Train the CRF named-entity model from CoNLL data (token TAG lines). Word clusters are built "
        "from --unlabelled JSONL(.gz) news the first time and cached in the model directory."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--train", required=True, help="CoNLL training file")
        parser.add_argument("--dev", default=None, help="CoNLL dev file to report on")
        parser.add_argument(
            "--dev-split",
            type=float,
            default=0.0,
            help="without --dev: hold out this last fraction of --train (the docs use 0.1)",
        )
        parser.add_argument("--out", default=str(DEFAULT_MODEL_DIR), help="model directory")
        parser.add_argument("--unlabelled", nargs="*", default=[], help="JSONL(.gz) news for word clusters")
        parser.add_argument(
            "--single-pass", action="store_true", help="skip the second (document-memory) pass: 5x faster, ~1 F1 lower"
        )

    def handle(self, *args, **opts) -> None:
        try:
            report = train(
                opts["train"],
                opts["dev"],
                opts["out"],
                opts["unlabelled"],
                dev_split=opts["dev_split"],
                two_pass=not opts["single_pass"],
                log=lambda m: self.stderr.write(m),
            )
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"model written to {opts['out']}")
        if report:
            self.stdout.write(report)
