"""python manage.py extract_entities [--all | --since DATE] [--batch-size N] — re-run entity extraction."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from articles.enrich.entity_service import articles_entities_extract, spans_compute
from articles.enrich.list_service import articles_list_mentions_add
from articles.management.progress import progress_bar
from articles.models import Article, EntityList


def checkpoint_path() -> Path:
    return Path(settings.BASE_DIR) / "var" / "extract_entities.checkpoint.json"


def model_file() -> Path:
    """The model file the configured backend loads (crf: model.crfsuite, neural: encoder.onnx)."""
    if settings.NER_BACKEND == "neural":
        from articles.enrich.ner.neural import DEFAULT_NEURAL_DIR

        return Path(getattr(settings, "NER_NEURAL_MODEL_DIR", None) or DEFAULT_NEURAL_DIR) / "encoder.onnx"
    from articles.enrich.ner.files import DEFAULT_MODEL_DIR, MODEL_FILE

    return Path(settings.NER_MODEL_DIR or DEFAULT_MODEL_DIR) / MODEL_FILE


def model_time() -> dt.datetime | None:
    """When the model file was written: articles extracted before it are stale (camel: unknown, None)."""
    path = model_file()
    if settings.NER_BACKEND not in ("crf", "neural") or not path.exists():
        return None
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)


def _parse_since(value: str) -> dt.datetime:
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(f"--since: not a date or datetime: {value!r}")
        moment = dt.datetime.combine(day, dt.time.min)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, dt.UTC)


class Command(BaseCommand):
    help = (
        "Re-run entity extraction over stored articles, in batches ordered by id. Locked (editor) mentions "
        "stay. Default: articles never extracted or extracted before the NER model file was written. "
        "--since DATE: also those extracted before DATE. --all: every article; the run's start time is kept "
        "in var/extract_entities.checkpoint.json, so after an interruption the same command skips the "
        "articles already re-extracted since that start and carries on (--restart forgets the checkpoint). "
        "Each batch is one transaction: an interruption loses at most the batch in progress."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--all", action="store_true", help="re-extract every article (resumable)")
        which.add_argument("--since", help="re-extract articles extracted before this date or datetime")
        parser.add_argument("--restart", action="store_true", help="with --all: ignore a previous checkpoint")
        parser.add_argument(
            "--batch-size", type=int, default=200, help="articles per query and per transaction (default 200)"
        )

    def handle(self, *, all: bool, since: str | None, restart: bool, batch_size: int, **options) -> None:
        try:  # fail once, not once per article, when the model is missing
            spans_compute("", "بوتين")
        except Exception as exc:
            raise CommandError(f"NER backend {settings.NER_BACKEND!r} unusable: {exc}") from exc
        cutoff = self._cutoff(all_=all, since=since, restart=restart)
        stale = Q(entities_extracted_at__isnull=True)
        if cutoff is not None:
            stale |= Q(entities_extracted_at__lt=cutoff)
        articles = Article.objects.filter(stale).select_related("source").order_by("pk")
        done = failed = last = 0
        listed = EntityList.objects.filter(entities__isnull=False).exists()
        with progress_bar("entities", total=articles.count()) as advance:
            while batch := list(articles.filter(pk__gt=last)[:batch_size]):
                failures = articles_entities_extract(batch)  # one transaction per batch
                for pk in failures:
                    self.stderr.write(f"article {pk}: extraction failed (see the log)")
                    failed += 1
                if listed:  # editors' lists: the names they follow, tagged or not (kept, never removed)
                    with transaction.atomic():
                        articles_list_mentions_add(a for a in batch if a.pk not in failures)
                done += len(batch)
                advance(len(batch))
                last = batch[-1].pk
        if all:
            checkpoint_path().unlink(missing_ok=True)
        self.stdout.write(self.style.SUCCESS(f"re-extracted {done - failed} articles, {failed} failed"))

    def _cutoff(self, *, all_: bool, since: str | None, restart: bool) -> dt.datetime | None:
        if since:
            return _parse_since(since)
        if not all_:
            return model_time()
        path = checkpoint_path()
        if path.exists() and not restart:
            started = dt.datetime.fromisoformat(json.loads(path.read_text())["started_at"])
            self.stdout.write(f"resuming the --all run started at {started.isoformat()}")
            return started
        started = timezone.now()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"started_at": started.isoformat()}))
        return started
