"""Stage 2 of the ingest: entities and topic of stored articles that are still pending.

Each article is enriched in its own transaction (mentions, entities, topic and
``enrichment = done`` together), so an article is never half-enriched and a killed worker loses at
most the article it was writing, which stays pending for the next worker or rerun. The work is
idempotent: an article already enriched (another worker, a rerun) is skipped under a row lock.
A failure on one article (a tagger crash) marks that article ``failed`` with the reason and
keeps it, unenriched; the others go on.

Callers: the ``articles_enrich_task`` background task (:mod:`articles.ingest.tasks`) and the synchronous
``manage.py ingest``, which passes a process pool as ``compute``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError, transaction
from django.utils import timezone

from articles.enrich import pipeline
from articles.enrich.pipeline import Enrichment
from articles.models import Article

log = logging.getLogger(__name__)

Pending = Article.Enrichment.PENDING
# Articles per enrichment task (and per synchronous batch): a task takes seconds, not minutes.
ENRICH_BATCH = 100
# Stored reasons are cut here (a traceback is in the log).
_ERROR_MAX = 500


@dataclass
class EnrichOutcome:
    done: int = 0
    failed: int = 0
    skipped: int = 0  # already enriched elsewhere, or gone


def compute_safely(compute: Callable[[tuple[str, str]], Enrichment], pair: tuple[str, str]) -> Enrichment | str:
    """``compute(pair)``, or its failure as a one-line reason: one article's failure never costs the batch."""
    try:
        return compute(pair)
    except Exception as exc:
        log.exception("enrichment failed")
        return " ".join(f"{type(exc).__name__}: {exc}".split())[:_ERROR_MAX]


def _compute_pair(pair: tuple[str, str]) -> Enrichment:
    return pipeline.enrichment_compute(*pair)


def enrichment_compute_safe(pair: tuple[str, str]) -> Enrichment | str:
    """Enrichment of (title, body), or the failure as a one-line reason (picklable for pools)."""
    return compute_safely(_compute_pair, pair)


def _compute_here(pairs: list[tuple[str, str]]) -> list[Enrichment | str]:
    return [enrichment_compute_safe(pair) for pair in pairs]


def articles_enrich(
    *, ids: list[int], compute: Callable[[list[tuple[str, str]]], list[Enrichment | str]] | None = None
) -> EnrichOutcome:
    """Enrich the pending articles among ``ids``; each in its own transaction.

    ``compute`` maps (title, body) pairs to enrichments (default: in this process). Database
    errors propagate (the caller retries or fails; the articles stay pending).
    """
    rows = pending_rows(ids)
    outcome = enrichments_store(rows, (compute or _compute_here)([(t, b) for _, t, b in rows]) if rows else [])
    outcome.skipped += len(set(ids)) - len(rows)
    return outcome


def pending_rows(ids: list[int]) -> list[tuple[int, str, str]]:
    """(id, title, body) of the pending articles among ``ids``, in id order."""
    pending = Article.objects.filter(pk__in=ids, enrichment=Pending).order_by("pk")
    return list(pending.values_list("pk", "title", "body"))


def enrichments_store(rows: list[tuple[int, str, str]], results: list[Enrichment | str]) -> EnrichOutcome:
    """Write computed enrichments (or failure reasons) of ``rows``, one transaction per article."""
    outcome = EnrichOutcome()
    for (pk, _, _), result in zip(rows, results, strict=True):
        if isinstance(result, str):
            outcome.failed += _mark_failed(pk, result)
            continue
        try:
            stored = _store_one(pk, result)
        except DatabaseError:
            raise
        except Exception as exc:  # a resolution bug on one article: keep it, unenriched, with the reason
            log.exception("storing the enrichment of article %s failed", pk)
            outcome.failed += _mark_failed(pk, f"{type(exc).__name__}: {exc}"[:_ERROR_MAX])
            continue
        if stored:
            outcome.done += 1
        else:
            outcome.skipped += 1
    return outcome


def _store_one(pk: int, enrichment: Enrichment) -> bool:
    with transaction.atomic():
        article = Article.objects.select_for_update().select_related("source").filter(pk=pk, enrichment=Pending).first()
        if article is None:  # another worker or a rerun enriched it meanwhile
            return False
        pipeline.enrichment_store(article, enrichment)
        article.entities_extracted_at = timezone.now()
        article.enrichment = Article.Enrichment.DONE
        article.enrichment_error = ""
        article.save(update_fields=["entities_extracted_at", "enrichment", "enrichment_error"])
    return True


def _mark_failed(pk: int, reason: str) -> int:
    return Article.objects.filter(pk=pk, enrichment=Pending).update(
        enrichment=Article.Enrichment.FAILED, enrichment_error=reason
    )


def pending_ids(*, run_ids: list[int] | None = None, after: int = 0, limit: int = ENRICH_BATCH) -> list[int]:
    """Ids of pending articles (of these runs, or all), in id order after ``after`` (keyset paging)."""
    queryset = Article.objects.filter(enrichment=Pending, pk__gt=after)
    if run_ids is not None:
        queryset = queryset.filter(ingest_run_id__in=run_ids)
    return list(queryset.order_by("pk").values_list("pk", flat=True)[:limit])
