"""Recompute the stored keys of an existing archive after the normalisation rules change.

``manage.py search_reindex --refingerprint`` calls :func:`fingerprints_recompute` and :func:`source_keys_recompute`
before re-indexing. Stored titles and bodies are never touched: text an older version folded on ingest
(NFKC, tatweel removed, spaces collapsed) can be restored only by re-ingesting the original files, which
skips nothing new (their fingerprints now match) unless the old rows are deleted first.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from articles.ingest.editing import sources_merge
from articles.ingest.store import fingerprint_compute
from articles.models import Article, Source
from articles.text import collapse_spaces, search_key


def fingerprints_recompute(*, batch_size: int = 500, advance: Callable[[int], None] | None = None) -> list[str]:
    """Give every article the fingerprint of the current rules. Returns one note per article that now
    has the fingerprint of an older one (a duplicate the old rules missed): it keeps its old fingerprint
    and is left for an editor to delete or keep. Idempotent."""
    notes: list[str] = []
    last = 0
    while True:
        rows = list(
            Article.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "title", "body", "fingerprint")[:batch_size]
        )
        if not rows:
            return notes
        last = rows[-1][0]
        for pk, title, body, old in rows:
            new = fingerprint_compute(title, body)
            if new == old:
                continue
            twin = Article.objects.filter(fingerprint=new).exclude(pk=pk).values_list("pk", flat=True).first()
            if twin is not None:
                notes.append(f"article {pk} is a duplicate of article {twin} under the new rules; left unchanged")
                continue
            Article.objects.filter(pk=pk).update(fingerprint=new)
        if advance:
            advance(len(rows))


def source_keys_recompute() -> list[str]:
    """Give every source the key of the current rules; sources whose names now share a key (کرة/كرة,
    «مسئول»/«مسؤول») are merged into the oldest. Returns one note per merge."""
    notes: list[str] = []
    by_key: dict[str, list[Source]] = {}
    for source in Source.objects.order_by("pk"):
        by_key.setdefault(search_key(collapse_spaces(source.name)) or source.name, []).append(source)
    with transaction.atomic():
        changed: list[tuple[int, str]] = []
        for key, sources in by_key.items():
            target, others = sources[0], sources[1:]
            if others:
                sources_merge(target=target, others=others)
                notes.append(f"sources {', '.join(s.name for s in others)} merged into {target.name}")
            if target.key != key:
                changed.append((target.pk, key))
        # Two steps: a new key may still be another source's old key until that one moves too.
        for pk, _ in changed:
            Source.objects.filter(pk=pk).update(key=f"~rekey~{pk}")
        for pk, key in changed:
            Source.objects.filter(pk=pk).update(key=key)
    return notes
