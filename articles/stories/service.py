"""Assigning articles to stories: MinHash signatures, LSH band lookup in the database, story leads.

A new article joins the story of its most similar earlier article when their estimated shingle
Jaccard reaches ``signature.THRESHOLD``; otherwise it starts a story of its own. Candidates come from
``StoryBand`` rows sharing a band hash (one indexed query per batch), never from a scan. An article
resembling two stories does not merge them: joining only the best match keeps chains of small edits
from snowballing unrelated reports into one story. Stories merge only when their *leads* are
near-duplicates, which an edit can cause: :func:`story_recompute` (called on every save that changes
a grouped article's text, articles.stories.signals) regroups the article and merges such stories
through :func:`story_merge`.

One implementation, two writers: :func:`stories_group` decides the stories of a batch (creating
the new ones in one insert, settling the stored stories it joins) and :func:`bands_write` stores the
batch's band hashes. :func:`story_assign` (stored articles: the admin, ``stories_rebuild``) then
updates the articles' rows; the ingest's store (:mod:`articles.ingest.store`) puts the story columns into
the article INSERT itself on PostgreSQL, where an UPDATE of a fresh row would rewrite its GIN entries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.dispatch import Signal

from articles.dbarrays import server_bound_cursor
from articles.models import Article, Story, StoryBand
from articles.search.keys import key_words
from articles.stories import signature as sig

# Band hashes per IN (...) query on SQLite: under its bound-parameter limit with room to spare.
BAND_QUERY_CHUNK = 4000


@dataclass
class Grouped:
    """An article being grouped: what the lead rule needs, its signature, and (after
    :func:`stories_group`) its story and whether it leads it."""

    id: int
    published_on: dt.date | None
    source_id: int
    values: np.ndarray  # NUM_PERM uint32 MinHash values
    bands: list[int] = field(default_factory=list)  # BANDS signed 64-bit band hashes
    story_id: int | None = None
    story_lead: bool = True

    @classmethod
    def of_words(
        cls, *, id: int, published_on: dt.date | None, source_id: int, title_words: list[str], body_words: list[str]
    ) -> Grouped:
        """From ``signature.title_words(title)`` and ``key_words(body)`` (the ingest has the latter)."""
        values = sig.signature_of_words(title_words, body_words)
        return cls(id=id, published_on=published_on, source_id=source_id, values=values, bands=sig.band_hashes(values))

    def signature(self) -> bytes:
        return sig.signature_bytes(self.values)


def _lead_order(published_on: dt.date | None, pk: int) -> tuple:
    """A story's lead is its first member in this order: earliest publication date, undated last, then lowest id."""
    return (published_on is None, published_on or dt.date.min, pk)


def _candidates(bands: set[int]) -> dict[int, list[int]]:
    """band hash -> stored article ids holding it, for the given bands."""
    out: dict[int, list[int]] = defaultdict(list)
    if not bands:
        return out
    ordered = sorted(bands)
    if connection.vendor == "postgresql":  # one array parameter instead of thousands of placeholders
        with server_bound_cursor() as cursor:
            cursor.execute(
                f"SELECT band, article_id FROM {StoryBand._meta.db_table} WHERE band = ANY(%s::bigint[])",  # noqa: S608
                [ordered],
            )
            for band, article_id in cursor.fetchall():
                out[band].append(article_id)
        return out
    for start in range(0, len(ordered), BAND_QUERY_CHUNK):
        chunk = ordered[start : start + BAND_QUERY_CHUNK]
        for band, article_id in StoryBand.objects.filter(band__in=chunk).values_list("band", "article_id"):
            out[band].append(article_id)
    return out


def stories_group(*, items: Sequence[Grouped]) -> None:
    """Decide the story of each of ``items`` (in order: earlier items are candidates for later ones)
    and set ``story_id``/``story_lead`` on them. New stories are created in one insert with their
    final lead, size and outlet count; stored stories that items join are settled (lead, counts,
    the stored members' ``story_lead`` flags). The items' own rows and bands are the caller's to
    write (:func:`story_assign`, or the store's INSERT, and :func:`bands_write`); the items' ids need
    not be in the database yet (the story's lead foreign key is checked at commit). Call inside a
    transaction."""
    if not items:
        return
    batch_ids = {item.id for item in items}
    by_band = _candidates({band for item in items for band in item.bands})
    stored_ids = {i for ids in by_band.values() for i in ids} - batch_ids
    # article id -> (story: a stored story id, or ("new", founding article id), signature)
    known: dict[int, tuple[int | tuple[str, int] | None, np.ndarray]] = {
        pk: (story_id, sig.signature_from_bytes(data))
        for pk, story_id, data in Article.objects.filter(pk__in=stored_ids, story_signature__isnull=False)
        .values_list("pk", "story_id", "story_signature")
        .iterator(chunk_size=2000)
    }
    members: dict[int | tuple[str, int], list[Grouped]] = defaultdict(list)
    for item in items:
        best_id, best_sim = None, -1.0
        for candidate in {i for band in item.bands for i in by_band.get(band, ())}:
            if candidate == item.id or candidate not in known or known[candidate][0] is None:
                continue
            similarity = sig.similarity_estimate(item.values, known[candidate][1])
            if similarity > best_sim or (similarity == best_sim and candidate < best_id):
                best_id, best_sim = candidate, similarity
        story = known[best_id][0] if best_id is not None and best_sim >= sig.THRESHOLD else ("new", item.id)
        members[story].append(item)
        known[item.id] = (story, item.values)
        for band in item.bands:  # later items see this one
            by_band[band].append(item.id)
    new = [(story, group) for story, group in members.items() if isinstance(story, tuple)]
    created = Story.objects.bulk_create([Story(**_summary(group)) for _, group in new])
    for story, (_, group) in zip(created, new, strict=True):
        for item in group:
            item.story_id, item.story_lead = story.pk, item.id == story.lead_id
    _stories_settle({story: group for story, group in members.items() if isinstance(story, int)})


def _summary(group: Iterable[Grouped]) -> dict:
    """Story fields (lead_id, size, source_count) of a story whose members are all in ``group``."""
    group = list(group)
    lead = min(group, key=lambda item: _lead_order(item.published_on, item.id))
    return {"lead_id": lead.id, "size": len(group), "source_count": len({item.source_id for item in group})}


def _stories_settle(batch: dict[int, list[Grouped]]) -> None:
    """Recompute lead, size and outlet count of the stored stories in ``batch`` (story id -> the
    items joining it, whose rows may not be written yet), set the stored members' ``story_lead``
    flags and the items'; a story left without members is deleted."""
    if not batch:
        return
    batch_ids = [item.id for group in batch.values() for item in group]
    stored: dict[int, list[Grouped]] = defaultdict(list)
    flagged: set[int] = set()
    for pk, story_id, published_on, source_id, lead in (
        Article.objects.filter(story_id__in=list(batch))
        .exclude(pk__in=batch_ids)
        .values_list("pk", "story_id", "published_on", "source_id", "story_lead")
    ):
        stored[story_id].append(Grouped(id=pk, published_on=published_on, source_id=source_id, values=np.empty(0)))
        if lead:
            flagged.add(pk)
    stories, leads = [], set()
    for story in Story.objects.filter(pk__in=list(batch)):
        group = stored.get(story.pk, []) + batch[story.pk]
        if not group:
            continue
        summary = _summary(group)
        story.lead_id, story.size, story.source_count = summary["lead_id"], summary["size"], summary["source_count"]
        stories.append(story)
        leads.add(story.lead_id)
        for item in batch[story.pk]:
            item.story_id, item.story_lead = story.pk, item.id == story.lead_id
    _stories_write(stories)
    Story.objects.filter(pk__in=set(batch) - {story.pk for story in stories}).delete()
    stored_ids = {item.id for group in stored.values() for item in group}
    if unflag := flagged - leads:
        Article.objects.filter(pk__in=unflag).update(story_lead=False)
    if flag := (leads & stored_ids) - flagged:
        Article.objects.filter(pk__in=flag).update(story_lead=True)


def _stories_write(stories: Sequence[Story]) -> None:
    """Write lead, size and outlet count of ``stories`` in one statement (Django's bulk_update
    builds a CASE per column and row: over a second per batch of 500 joined stories)."""
    if not stories:
        return
    table = Story._meta.db_table
    rows = [(story.lead_id, story.size, story.source_count, story.pk) for story in stories]
    if connection.vendor == "postgresql":
        with server_bound_cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS s SET lead_id = v.lead_id, size = v.size, source_count = v.source_count "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::integer[], %s::integer[], %s::bigint[]) "
                "AS v(lead_id, size, source_count, id) "
                "WHERE s.id = v.id",
                [list(column) for column in zip(*rows, strict=True)],
            )
    else:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET lead_id = %s, size = %s, source_count = %s WHERE id = %s",  # noqa: S608
                rows,
            )


def bands_write(*, items: Sequence[Grouped]) -> None:
    """Store the band hashes of ``items`` (BANDS rows each) in one statement."""
    rows = [(band, item.id) for item in items for band in item.bands]
    if not rows:
        return
    table = StoryBand._meta.db_table
    if connection.vendor == "postgresql":  # two array parameters, not 2 x 16,000 placeholders
        bands, ids = zip(*rows, strict=True)
        with server_bound_cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (band, article_id) SELECT * FROM unnest(%s::bigint[], %s::bigint[])",  # noqa: S608
                [list(bands), list(ids)],
            )
    else:
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} (band, article_id) VALUES (%s, %s)", rows)  # noqa: S608


def articles_story_update(*, items: Sequence[Grouped]) -> None:
    """Write ``story_id``, ``story_lead`` and ``story_signature`` of stored articles (one executemany)."""
    table = Article._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET story_id = %s, story_lead = %s, story_signature = %s WHERE id = %s",  # noqa: S608
            [(item.story_id, item.story_lead, item.signature(), item.id) for item in items],
        )


def story_assign(*, articles: Sequence[Article]) -> dict[int, int]:
    """Put each of ``articles`` (stored, not yet grouped) into a story; returns {article id: story id}.

    Batched: signatures for the whole batch, one band query, one query for the candidates'
    signatures, bulk writes. Articles earlier in ``articles`` are candidates for later ones. Runs in
    one transaction: on failure no article of the batch is half-grouped.
    """
    articles = [a for a in articles if a.pk is not None]
    if not articles:
        return {}
    # One query, whatever fields the caller loaded (stories_rebuild loads only the text).
    meta = {
        pk: (published_on, source_id)
        for pk, published_on, source_id in Article.objects.filter(pk__in=[a.pk for a in articles]).values_list(
            "pk", "published_on", "source_id"
        )
    }
    items = [
        Grouped.of_words(
            id=a.pk,
            published_on=meta[a.pk][0],
            source_id=meta[a.pk][1],
            title_words=sig.title_words(a.title),
            body_words=key_words(a.body),
        )
        for a in articles
    ]
    with transaction.atomic():
        stories_group(items=items)
        articles_story_update(items=items)
        StoryBand.objects.filter(article_id__in=[item.id for item in items]).delete()  # fresh bands on regrouping
        bands_write(items=items)
    for article, item in zip(articles, items, strict=True):
        article.story_id, article.story_lead, article.story_signature = item.story_id, item.story_lead, item.signature()
    return {item.id: item.story_id for item in items}


def stories_refresh(*, story_ids: set[int]) -> None:
    """Recompute lead (earliest publication date, undated last, then lowest id), size and outlet count
    of the given stories and set the articles' ``story_lead`` flags. Stories left empty are deleted."""
    _stories_settle({story_id: [] for story_id in story_ids})


# Sent after every merge (sender=Story, target=the surviving story, merged_ids=[the deleted stories' ids],
# moved_ids=[the articles that changed story]), inside its transaction: for an editor's history to record
# (the moves are one UPDATE, which model-level history would not see).
story_merged = Signal()


def story_merge(*, target: Story, others: Iterable[Story]) -> Story:
    """Merge ``others`` into ``target``: their articles move to ``target``, they are deleted, and
    ``target``'s lead (earliest copy), size and outlet count are recomputed. Returns ``target``
    refreshed. The one place stories merge (automatic merges after an edit included), so that a
    caller can record the merge (an editor's history) around it. Runs in one transaction; ``others``
    equal to ``target`` are ignored."""
    other_ids = sorted({story.pk for story in others} - {target.pk})
    with transaction.atomic():
        moved_ids: list[int] = []
        if other_ids:
            moved_ids = list(Article.objects.filter(story_id__in=other_ids).order_by("pk").values_list("pk", flat=True))
            Article.objects.filter(pk__in=moved_ids).update(story=target)
            Story.objects.filter(pk__in=other_ids).delete()
        stories_refresh(story_ids={target.pk})
        target.refresh_from_db()
        if other_ids:
            story_merged.send(sender=Story, target=target, merged_ids=other_ids, moved_ids=moved_ids)
    return target


@dataclass
class Recomputed:
    """What :func:`story_recompute` did: the story the article was in and the one it is in now
    (after any merge), and the stories merged into the latter."""

    old_story_id: int | None
    story_id: int | None
    merged_ids: list[int] = field(default_factory=list)


def story_recompute(*, article: Article) -> Recomputed:
    """Regroup a stored, already grouped article after its title or body changed (``article`` holds
    the new text; its row is saved).

    Its signature and bands are computed again and it joins the story of its most similar other
    article (or a story of its own), like a new article; the story it left gets its lead and counts
    recomputed (deleted if empty). A single-copy story that stays single keeps its id, so links to it
    stay valid. Then the leads of both stories are compared with the other stories' leads sharing a
    band: stories whose leads are now near-duplicates (estimated Jaccard >= ``signature.THRESHOLD``)
    merge through :func:`story_merge` into the one whose lead is earliest. One transaction.
    """
    with transaction.atomic():
        old_story_id = Article.objects.filter(pk=article.pk).values_list("story_id", flat=True).first()
        old_alone = (
            old_story_id is not None
            and not Article.objects.filter(story_id=old_story_id).exclude(pk=article.pk).exists()
        )
        story_id = story_assign(articles=[article])[article.pk]
        if (
            story_id != old_story_id
            and old_alone
            and not Article.objects.filter(story_id=story_id).exclude(pk=article.pk).exists()
        ):
            # Alone before and after: back into its own story, and the fresh one goes.
            Article.objects.filter(pk=article.pk).update(story_id=old_story_id, story_lead=True)
            Story.objects.filter(pk=story_id).delete()
            story_id = old_story_id
            stories_refresh(story_ids={story_id})
        elif old_story_id is not None and story_id != old_story_id:
            stories_refresh(story_ids={old_story_id})  # deleted when the article was its only copy
        merged = _leads_merge(story_ids={s for s in (old_story_id, story_id) if s is not None})
        story_id = merged.get(story_id, story_id)
        article.story_id, article.story_lead = (
            Article.objects.filter(pk=article.pk).values_list("story_id", "story_lead").get()
        )
    return Recomputed(
        old_story_id=old_story_id, story_id=story_id, merged_ids=sorted(k for k, v in merged.items() if k != v)
    )


def _leads_merge(*, story_ids: set[int]) -> dict[int, int]:
    """Merge each of ``story_ids`` with the stories whose leads are near-duplicates of its lead
    (candidates: leads sharing a band with it). Returns {story id: the story it is in now} for every
    story taking part in a merge, the surviving one included."""
    # By story only (the lead and signature tests in Python): with story_lead in the WHERE clause SQLite
    # walks the story-lead index, every lead of the archive (0.1 s an edit at 20,000 articles).
    leads = [
        (pk, story_id, signature, published_on)
        for pk, story_id, signature, published_on, lead in Article.objects.filter(story_id__in=story_ids).values_list(
            "pk", "story_id", "story_signature", "published_on", "story_lead"
        )
        if lead and signature is not None
    ]
    groups: list[dict[int, tuple]] = []  # story id -> its lead's order key
    for pk, story_id, signature, published_on in leads:
        values = sig.signature_from_bytes(signature)
        # Ids fetched first: as an IN (subquery), SQLite drove the query from the article table
        # (0.1-0.4 s an edit at 20,000 articles, bench/bench_stories.py --edits).
        candidates = set(
            StoryBand.objects.filter(band__in=sig.band_hashes(values)).values_list("article_id", flat=True)
        ) - {pk}
        group = {story_id: _lead_order(published_on, pk)}
        # Filtered here, not in SQL: given story_lead too, SQLite walks the story-lead index (every
        # lead) instead of the few ids.
        for other_pk, other_story, other_signature, other_published, other_lead in Article.objects.filter(
            pk__in=candidates
        ).values_list("pk", "story_id", "story_signature", "published_on", "story_lead"):
            if not other_lead or other_signature is None or other_story in (None, story_id):
                continue
            if sig.similarity_estimate(values, sig.signature_from_bytes(other_signature)) >= sig.THRESHOLD:
                group[other_story] = _lead_order(other_published, other_pk)
        if len(group) < 2:
            continue
        for existing in groups:  # the two stories of one edit may reach the same story
            if existing.keys() & group.keys():
                existing.update(group)
                break
        else:
            groups.append(group)
    out: dict[int, int] = {}
    for group in groups:
        target_id = min(group, key=group.__getitem__)
        target = story_merge(
            target=Story.objects.get(pk=target_id), others=list(Story.objects.filter(pk__in=set(group) - {target_id}))
        )
        out.update(dict.fromkeys(group, target.pk))
    return out
