"""Assigning articles to stories: MinHash signatures, LSH band lookup in the database, story leads.

A new article joins the story of its most similar earlier article when their estimated shingle
Jaccard reaches ``signature.THRESHOLD``; otherwise it starts a story of its own. Candidates come from
``StoryBand`` rows sharing a band hash (one indexed query per batch), never from a scan. Stories are
not merged when an article resembles two of them: joining only the best match keeps chains of
small edits from snowballing unrelated reports into one story.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import F

from articles.models import Article, Story, StoryBand
from articles.stories import signature as sig

# Band hashes per IN (...) query: under SQLite's bound-parameter limit with room to spare.
BAND_QUERY_CHUNK = 4000


@dataclass
class _Signed:
    article: Article
    values: np.ndarray
    bands: list[int]


def _signed(article: Article) -> _Signed:
    values = np.asarray(sig.signature_compute(article.title, article.body).hashvalues, dtype="<u4")
    return _Signed(article=article, values=values, bands=sig.band_hashes(values))


def _candidates(bands: set[int]) -> dict[int, list[int]]:
    """band hash -> article ids holding it, for the given bands."""
    out: dict[int, list[int]] = defaultdict(list)
    ordered = sorted(bands)
    for start in range(0, len(ordered), BAND_QUERY_CHUNK):
        chunk = ordered[start : start + BAND_QUERY_CHUNK]
        for band, article_id in StoryBand.objects.filter(band__in=chunk).values_list("band", "article_id"):
            out[band].append(article_id)
    return out


def story_assign(*, articles: Sequence[Article]) -> dict[int, int]:
    """Put each of ``articles`` (stored, not yet grouped) into a story; returns {article id: story id}.

    Batched: signatures for the whole batch, one band query (per BAND_QUERY_CHUNK bands), one query
    for the candidates' signatures, bulk writes. Articles earlier in ``articles`` are candidates for
    later ones. Runs in one transaction: on failure no article of the batch is half-grouped.
    """
    signed = [_signed(a) for a in articles if a.pk is not None]
    if not signed:
        return {}
    batch_ids = {s.article.pk for s in signed}
    by_band = _candidates({band for s in signed for band in s.bands})
    stored_ids = {i for ids in by_band.values() for i in ids} - batch_ids
    known: dict[int, tuple[int | None, np.ndarray]] = {
        pk: (story_id, sig.signature_from_bytes(data))
        for pk, story_id, data in Article.objects.filter(pk__in=stored_ids, story_signature__isnull=False)
        .values_list("pk", "story_id", "story_signature")
        .iterator(chunk_size=2000)
    }
    assigned: dict[int, int] = {}
    with transaction.atomic():
        for item in signed:
            pk = item.article.pk
            best_id, best_sim = None, -1.0
            for candidate in {i for band in item.bands for i in by_band.get(band, ())}:
                if candidate == pk or candidate not in known or known[candidate][0] is None:
                    continue
                similarity = sig.similarity_estimate(item.values, known[candidate][1])
                if similarity > best_sim or (similarity == best_sim and candidate < best_id):
                    best_id, best_sim = candidate, similarity
            if best_id is not None and best_sim >= sig.THRESHOLD:
                story_id = known[best_id][0]
            else:
                story_id = Story.objects.create(lead_id=pk).pk
            assigned[pk] = story_id
            known[pk] = (story_id, item.values)
            for band in item.bands:  # later articles of this batch see this one
                by_band[band].append(pk)
        updates = []
        for item in signed:
            item.article.story_id = assigned[item.article.pk]
            item.article.story_signature = sig.signature_bytes(item.values)
            updates.append(item.article)
        Article.objects.bulk_update(updates, ["story", "story_signature"], batch_size=500)
        StoryBand.objects.filter(article_id__in=batch_ids).delete()  # a regrouped article gets fresh bands
        StoryBand.objects.bulk_create(
            [StoryBand(band=band, article_id=s.article.pk) for s in signed for band in s.bands], batch_size=2000
        )
        stories_refresh(story_ids=set(assigned.values()))
    return assigned


def stories_refresh(*, story_ids: set[int]) -> None:
    """Recompute lead (earliest publication date, undated last, then lowest id), size and outlet count
    of the given stories and set the articles' ``story_lead`` flags. Stories left empty are deleted."""
    if not story_ids:
        return
    members: dict[int, list[tuple]] = defaultdict(list)
    for pk, story_id, source_id in (
        Article.objects.filter(story_id__in=story_ids)
        .order_by(F("published_on").asc(nulls_last=True), "pk")
        .values_list("pk", "story_id", "source_id")
    ):
        members[story_id].append((pk, source_id))
    stories = []
    for story in Story.objects.filter(pk__in=story_ids):
        rows = members.get(story.pk)
        if not rows:
            continue
        story.lead_id, story.size, story.source_count = rows[0][0], len(rows), len({s for _, s in rows})
        stories.append(story)
    Story.objects.bulk_update(stories, ["lead", "size", "source_count"], batch_size=500)
    Story.objects.filter(pk__in=story_ids - set(members)).delete()
    leads = [story.lead_id for story in stories]
    Article.objects.filter(story_id__in=story_ids, story_lead=True).exclude(pk__in=leads).update(story_lead=False)
    Article.objects.filter(pk__in=leads, story_lead=False).update(story_lead=True)
