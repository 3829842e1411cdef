"""python manage.py evaluate_ner PATH — CoNLL-style scores of the configured NER backend."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.enrich.ner import get_backend
from articles.enrich.ner.conll import evaluate, format_report, read_conll, split_dev


class Command(BaseCommand):
    help = (
        "Evaluate the NER backend (settings.NER_BACKEND, or --backend crf|neural|camel) on a CoNLL file: per-type "
        "precision/recall/F1 of exact entity spans, overall; the last line is 'micro-F1 0.xxxx'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="CoNLL file: token TAG per line, blank line between sentences")
        parser.add_argument("--backend", default=None, help="override settings.NER_BACKEND")
        parser.add_argument(
            "--model-dir", default=None, help="the backend's model directory (default: settings/shipped)"
        )
        parser.add_argument("--crf-model-dir", default=None, help="neural: the CRF model of its ensemble")
        parser.add_argument(
            "--no-consistency",
            action="store_true",
            help="score the tagger without the document-level consistency step (consistency.py)",
        )
        parser.add_argument(
            "--dev-split", type=float, default=0.0, help="score only this last fraction of PATH (the dev split)"
        )

    def handle(self, *args, path: str, backend: str | None, model_dir: str | None, dev_split: float, **opts) -> None:
        crf_model_dir = opts.get("crf_model_dir")
        try:
            sents = read_conll(path)
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from exc
        if dev_split > 0:
            sents = split_dev(sents, dev_split)[1]
        name = backend or getattr(settings, "NER_BACKEND", "crf")
        kwargs = {"model_dir": model_dir} if model_dir else {}
        if crf_model_dir:
            kwargs["crf_model_dir"] = crf_model_dir
        if opts.get("no_consistency") and name in {"crf", "neural"}:
            kwargs["consistency"] = False
        try:
            ner = get_backend(name, **kwargs)
            pred = ner.tag_tokens([[t for t, _ in s] for s in sents])
        except (ValueError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(format_report(evaluate([[g for _, g in s] for s in sents], pred)))
