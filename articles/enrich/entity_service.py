"""Entity services: store an article's mentions resolved to entities, and the editors' corrections.

Resolution order for a mention group (see ``articles.enrich.resolve``): the entity of that
(kind, key); else an alias with that key (an editor's alias or one left by a merge, so corrections
survive re-extraction); else a new entity. Keys on the BlockedEntity list are never stored.
Every entity carries an alias for its own key, so one alias query finds entities and aliases.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.text import slugify

from articles.enrich.names import phonetic_words
from articles.enrich.ner.base import KINDS, EntitySpan, get_backend
from articles.enrich.resolve import Resolved, article_resolve, mention_keys, name_key
from articles.enrich.spans import spans_clean
from articles.enrich.surnames import surname_owners
from articles.history import history_snapshot
from articles.models import Article, BlockedEntity, Entity, EntityAlias, EntityAliasTail, EntityJoin, Mention
from articles.text import edge_trim, has_junior_marker, search_key

log = logging.getLogger(__name__)

Origin = EntityAlias.Origin
# An alias from these origins redirects a mention even when the NER gives another kind.
_CORRECTION_ORIGINS = frozenset({Origin.EDITOR, Origin.MERGED})
NAME_MAX = 300  # characters: entity names, alias keys, mention surfaces


def spans_compute(title: str, body: str) -> tuple[list[EntitySpan], list[EntitySpan]]:
    """NER spans of a title and a body with the configured backend (no topic work)."""
    ner = get_backend(settings.NER_BACKEND)
    return ner.extract(title), ner.extract(body)


@dataclass(frozen=True)
class _AliasRow:
    key: str
    entity_id: int
    kind: str
    entity_key: str
    origin: str


# --- storing an article's mentions -------------------------------------------------------------


@lru_cache(maxsize=4096)
def _source_keys(key: str, name: str) -> frozenset[str]:
    """Keys of the article's source name: the "المصدر:" outlet is not an entity of the article."""
    keys = {key, search_key(name)} | {name_key(name, kind) for kind in KINDS}
    return frozenset(keys - {""})


def _entity_pick(kind: str, key: str, by_key: dict[str, list[_AliasRow]]) -> int | None:
    """The entity of a group's (full) key. Its partial forms do not decide: المر may be an alias
    of الياس المر while this article's group is ميرنا المر."""
    rows = by_key.get(key, ())
    exact = [r.entity_id for r in rows if r.kind == kind and r.entity_key == key]
    if exact:
        return exact[0]
    same_kind = [r for r in rows if r.kind == kind]
    if same_kind:  # an editor's choice first, then the oldest entity
        return min(same_kind, key=lambda r: (r.origin not in _CORRECTION_ORIGINS, r.entity_id)).entity_id
    corrected = [r.entity_id for r in rows if r.origin in _CORRECTION_ORIGINS]
    return min(corrected) if corrected else None


def _slug_base(name: str) -> str:
    return slugify(name, allow_unicode=True)[:NAME_MAX] or "entity"


def _entities_create(
    wanted: dict[tuple[str, str], str], confidence: dict[tuple[str, str], float]
) -> dict[tuple[str, str], int]:
    """Create entities for (kind, key) → name, concurrency-safe: the unique constraints decide,
    and rows another transaction inserted meanwhile are read back."""
    bases = {kk: _slug_base(name) for kk, name in wanted.items()}
    taken = set(Entity.objects.filter(slug__in=set(bases.values())).values_list("slug", flat=True))
    rows, used = [], set()
    for (kind, key), name in sorted(wanted.items()):  # one insertion order: no deadlock between ingests
        slug = bases[(kind, key)]
        if slug in taken or slug in used:
            slug = f"{slug}-{kind.lower()}"
        used.add(slug)
        rows.append(
            Entity(kind=kind, key=key, name=name[:NAME_MAX], slug=slug, confidence=confidence.get((kind, key), 1.0))
        )
    Entity.objects.bulk_create(rows, ignore_conflicts=True)
    found = _entity_ids(wanted)
    for (kind, key), name in wanted.items():
        if (kind, key) not in found:  # lost a slug race or collision: find a free one
            found[(kind, key)] = entity_create_one(kind=kind, key=key, name=name).pk
    return found


def _entity_ids(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    pairs = set(pairs)
    query = Q()
    for kind in {k for k, _ in pairs}:
        query |= Q(kind=kind, key__in=[key for k, key in pairs if k == kind])
    rows = Entity.objects.filter(query).values_list("kind", "key", "pk")
    return {(kind, key): pk for kind, key, pk in rows}


def entity_create_one(*, kind: str, key: str, name: str) -> Entity:
    base = _slug_base(name)
    for attempt in range(1, 100):
        slug = base if attempt == 1 else f"{base}-{kind.lower()}-{attempt}"
        try:
            with transaction.atomic():
                return Entity.objects.create(kind=kind, key=key, name=name[:NAME_MAX], slug=slug)
        except IntegrityError:
            existing = Entity.objects.filter(kind=kind, key=key).first()
            if existing:
                return existing
    raise IntegrityError(f"no free slug for entity {name!r}")


def alias_phonetic(name: str) -> dict[str, str]:
    """The phonetic fields of an alias named ``name`` (whole name, last word)."""
    words = phonetic_words(name)
    return {"phonetic": "".join(words)[:NAME_MAX], "phonetic_last": (words[-1] if words else "")[:NAME_MAX]}


def _aliases_ensure(rows: Iterable[tuple[int, str, str, str]], existing: set[tuple[int, str]]) -> None:
    """Insert (entity_id, key, name, origin) aliases not yet there; duplicates are ignored."""
    new: dict[tuple[int, str], EntityAlias] = {}
    for entity_id, key, name, origin in rows:
        if key and (entity_id, key) not in existing and (entity_id, key) not in new:
            new[(entity_id, key)] = EntityAlias(
                entity_id=entity_id, key=key[:NAME_MAX], name=name[:NAME_MAX], origin=origin, **alias_phonetic(name)
            )
    if new:
        EntityAlias.objects.bulk_create([new[k] for k in sorted(new)], ignore_conflicts=True)
        # bulk_create with ignore_conflicts returns no ids: read the rows back for their look-up words.
        stored = EntityAlias.objects.filter(
            entity_id__in={e for e, _ in new}, key__in={k[:NAME_MAX] for _, k in new}
        ).only("pk", "entity_id", "key", "origin")
        EntityAliasTail.sync(a for a in stored if (a.entity_id, a.key) in new)


def _overlaps(span: EntitySpan, in_title: bool, locked: list[tuple[bool, int, int]]) -> bool:
    return any(t == in_title and span.start < end and start < span.end for t, start, end in locked)


def article_mentions_replace(
    article: Article, *, title_spans: Sequence[EntitySpan], body_spans: Sequence[EntitySpan]
) -> list[Mention]:
    """Replace the article's unlocked mentions by these spans resolved to entities.

    Spans are cleaned first (``articles.enrich.spans``: edge verbs and particles cut, numbers and
    currencies dropped). Locked mentions (an editor's) stay, and new spans overlapping them are
    dropped. Five or six queries per article whatever its number of mentions; more only when
    entities or aliases are new. Entities' ``article_count`` follows.
    """
    source_keys = _source_keys(article.source.key, article.source.name)
    spans = [
        (in_title, span)
        for in_title, spans in ((True, spans_clean(list(title_spans))), (False, spans_clean(list(body_spans))))
        for span in spans
        if span.kind in KINDS and search_key(span.text) not in source_keys
    ]
    candidates = set().union(*(mention_keys(span.text, span.kind) for _, span in spans)) if spans else set()
    by_key: dict[str, list[_AliasRow]] = {}
    for row in EntityAlias.objects.filter(key__in=candidates).values_list(
        "key", "entity_id", "entity__kind", "entity__key", "origin"
    ):
        by_key.setdefault(row[0], []).append(_AliasRow(*row))
    resolved = article_resolve([(span.text, span.kind) for _, span in spans], known_keys=by_key.keys())
    keys = candidates | {k for res in resolved if res for k in (res.key, res.form.key)}
    blocked = set(BlockedEntity.objects.filter(key__in=keys).values_list("kind", "key")) if keys else set()
    kept: list[tuple[bool, EntitySpan, Resolved]] = [
        (in_title, span, res)
        for (in_title, span), res in zip(spans, resolved, strict=True)
        if res is not None
        and len(res.key) <= NAME_MAX  # a "name" that long is a tagging error
        and res.form.key not in source_keys
        and (res.kind, res.key) not in blocked
        and (res.kind, res.form.key) not in blocked
    ]

    names = {(res.kind, res.key): res.name for _, _, res in kept}  # one entity per group
    confidence: dict[tuple[str, str], float] = {}
    for _, span, res in kept:
        group = (res.kind, res.key)
        confidence[group] = max(confidence.get(group, 0.0), span.confidence)
    entity_of: dict[tuple[str, str], int] = {}
    for kind, key in names:
        picked = _entity_pick(kind, key, by_key)
        if picked is not None:
            entity_of[(kind, key)] = picked
    juniors = [key for kind, key in names if kind == "PERS" and has_junior_marker(key)]
    if juniors:  # «ترامب» beside «ترامب جي ار» did not join the son (resolve): is it the archive's father?
        inside = {g for g in names if g not in entity_of and any(f" {g[1]} " in f" {j} " for j in juniors)}
        entity_of.update(surname_owners(groups=inside))
    missing = {group: name for group, name in names.items() if group not in entity_of}
    with transaction.atomic(savepoint=False):
        if missing:
            entity_of.update(_entities_create(missing, confidence))
        existing = {(r.entity_id, r.key) for rows in by_key.values() for r in rows}
        _aliases_ensure(
            (
                (entity_of[(res.kind, res.key)], alias_key, alias_name, Origin.EXTRACTED)
                for _, _, res in kept
                for alias_key, alias_name in ((res.key, res.name), (res.form.key, res.form.name))
            ),
            existing,
        )
        # One read tells locked spans apart and whether there is anything to delete (a fresh article).
        current = list(
            Mention.objects.filter(article=article).values_list("entity_id", "locked", "in_title", "start", "end")
        )
        locked = [(in_title, start, end) for _, is_locked, in_title, start, end in current if is_locked]
        if len(locked) < len(current):
            Mention.objects.filter(article=article, locked=False).delete()
        mentions = [
            Mention(
                article=article,
                entity_id=entity_of[(res.kind, res.key)],
                surface=span.text[:NAME_MAX],
                in_title=in_title,
                start=span.start,
                end=span.end,
            )
            for in_title, span, res in kept
            if not _overlaps(span, in_title, locked)
        ]
        before = {row[0] for row in current}
        after = {row[0] for row in current if row[1]} | {m.entity_id for m in mentions}
        _counts_shift(added=after - before, removed=before - after)
        return Mention.objects.bulk_create(mentions)


def _counts_shift(*, added: set[int], removed: set[int]) -> None:
    """Keep ``Entity.article_count`` in step with one article's change (two UPDATEs at most)."""
    if added:
        Entity.objects.filter(pk__in=added).update(article_count=F("article_count") + 1)
    if removed:
        Entity.objects.filter(pk__in=removed, article_count__gt=0).update(article_count=F("article_count") - 1)


def entities_recount(ids: Iterable[int] | None = None) -> int:
    """Recount ``article_count`` of these entities (all when None) from the mentions; returns rows."""
    entities = Entity.objects.all() if ids is None else Entity.objects.filter(pk__in=list(ids))
    rows = [
        Entity(pk=pk, article_count=n)
        for pk, n in entities.annotate(n=Count("mentions__article", distinct=True)).values_list("pk", "n")
    ]
    Entity.objects.bulk_update(rows, ["article_count"], batch_size=1000)
    return len(rows)


def article_entities_extract(article: Article) -> list[Mention]:
    """Re-run extraction for a stored article: its unlocked mentions are replaced."""
    title_spans, body_spans = spans_compute(article.title, article.body)
    with transaction.atomic():
        mentions = article_mentions_replace(article, title_spans=title_spans, body_spans=body_spans)
        article.entities_extracted_at = timezone.now()
        Article.objects.filter(pk=article.pk).update(entities_extracted_at=article.entities_extracted_at)
    return mentions


def articles_entities_extract(articles: Sequence[Article]) -> list[int]:
    """Re-extract a batch: NER first, outside any transaction, then one transaction with a savepoint
    per article (one commit per batch: about twice the throughput on PostgreSQL). A failing article
    is logged and skipped; returns the ids that failed."""
    failed: list[int] = []
    computed = []
    for article in articles:
        try:
            computed.append((article, *spans_compute(article.title, article.body)))
        except Exception:
            log.exception("article %s: entity extraction failed", article.pk)
            failed.append(article.pk)
    now = timezone.now()
    with transaction.atomic():
        for article, title_spans, body_spans in computed:
            try:
                with transaction.atomic():
                    article_mentions_replace(article, title_spans=title_spans, body_spans=body_spans)
            except Exception:
                log.exception("article %s: storing entities failed", article.pk)
                failed.append(article.pk)
        done = [article.pk for article, *_ in computed if article.pk not in failed]
        Article.objects.filter(pk__in=done).update(entities_extracted_at=now)
    return failed


# --- editors' corrections ---------------------------------------------------------------------


def entities_merge(*, target: Entity, others: Iterable[Entity], user=None, history: bool = True) -> Entity:
    """Merge ``others`` into ``target``: their mentions and aliases move, their names and keys
    become aliases of target (origin merged), so re-extraction resolves them to target.

    With ``history`` (an editor's merge) the state before it is kept as one revision of the editors' history
    (the entities with their aliases and joins, the mentions that move): reverting it in the target's history
    undoes the merge whole. Consolidation passes False: its joins are undone by a split (``EntityJoin``)."""
    others = [o for o in others if o.pk != target.pk]
    if not others:
        return target
    with transaction.atomic():
        ids = [o.pk for o in others]
        if history:
            history_snapshot(
                objects=[target, *others, *Mention.objects.filter(entity_id__in=ids)],
                comment=f"Before merging {', '.join(o.name for o in others)} into {target.name} "
                "(revert to this to undo the merge)",
                user=user,
            )
        target_keys = set(target.aliases.values_list("key", flat=True))
        moving = EntityAlias.objects.filter(entity_id__in=ids)
        moving.filter(key__in=target_keys).delete()
        # Duplicates among the others themselves: keep one row per key.
        seen: set[str] = set()
        for pk, key in moving.order_by("pk").values_list("pk", "key"):
            if key in seen:
                EntityAlias.objects.filter(pk=pk).delete()
            seen.add(key)
        moving.filter(origin=Origin.EXTRACTED).update(origin=Origin.MERGED)
        moving.update(entity=target)
        present = {(target.pk, key) for key in target_keys | seen}
        _aliases_ensure(((target.pk, o.key, o.name, Origin.MERGED) for o in others), present)
        EntityAlias.objects.filter(entity=target, key__in=[o.key for o in others]).exclude(
            origin__in=_CORRECTION_ORIGINS
        ).update(origin=Origin.MERGED)
        Mention.objects.filter(entity_id__in=ids).update(entity=target)
        EntityJoin.objects.filter(entity_id__in=ids).update(entity=target)  # the audit trail follows
        Entity.objects.filter(pk__in=ids).delete()
        entities_recount([target.pk])
        target.refresh_from_db(fields=["article_count"])
    log.info("entities %s merged into %s by %s", ids, target.pk, user)
    return target


def entity_block(*, entity: Entity, user=None) -> BlockedEntity:
    """Delete a false entity; its (kind, key) and alias keys go on the block list so re-extraction
    never creates it again. Alias keys another entity of that kind also uses are not blocked."""
    with transaction.atomic():
        keys = {entity.key, *entity.aliases.exclude(origin=Origin.TRANSLITERATION).values_list("key", flat=True)}
        shared = set(
            EntityAlias.objects.filter(key__in=keys, entity__kind=entity.kind)
            .exclude(entity=entity)
            .values_list("key", flat=True)
        )
        keys = (keys - shared) | {entity.key}
        rows = [BlockedEntity(kind=entity.kind, key=k, name=entity.name, created_by=user) for k in keys]
        BlockedEntity.objects.bulk_create(rows, ignore_conflicts=True)
        entity.delete()
    return BlockedEntity.objects.get(kind=entity.kind, key=entity.key)


def entity_unblock(*, blocked: BlockedEntity) -> None:
    """Allow extraction to create that (kind, key) again."""
    blocked.delete()


def entity_alias_add(*, entity: Entity, name: str, origin: str = Origin.EDITOR) -> EntityAlias:
    """Add an alias (Arabic, or Latin such as "Putin"); its key is normalised / lower-cased."""
    key = name_key(name, entity.kind)
    if not key:
        raise ValueError(f"alias {name!r} has no letters")
    alias, created = EntityAlias.objects.get_or_create(
        entity=entity,
        key=key,
        defaults={"name": edge_trim(name)[:NAME_MAX], "origin": origin, **alias_phonetic(edge_trim(name))},
    )
    if not created and origin == Origin.EDITOR and alias.origin != origin:
        alias.origin = origin  # an editor confirmed an extracted alias
        alias.save(update_fields=["origin"])
    return alias


def entity_alias_remove(*, alias: EntityAlias) -> None:
    """Remove an alias; the entity's own key cannot be removed (extraction relies on it)."""
    if alias.key == alias.entity.key:
        raise ValueError("the canonical name's alias cannot be removed; rename or merge the entity")
    alias.delete()


def entity_rename(*, entity: Entity, name: str) -> Entity:
    """Change the canonical name (display only; the key stays, the new name becomes an alias)."""
    entity.name = edge_trim(name)[:NAME_MAX]
    entity.save(update_fields=["name"])
    entity_alias_add(entity=entity, name=name)
    return entity


def entity_kind_change(*, entity: Entity, kind: str) -> Entity:
    """Change the kind; merges into the entity of that kind and key when one exists. The own-key
    alias becomes an editor's, so a mention the NER still types the old way resolves here."""
    if kind not in Entity.Kind.values:
        raise ValueError(f"unknown kind {kind!r}")
    if kind == entity.kind:
        return entity
    with transaction.atomic():
        existing = Entity.objects.filter(kind=kind, key=entity.key).exclude(pk=entity.pk).first()
        if existing:
            return entities_merge(target=existing, others=[entity])
        entity.kind = kind
        entity.save(update_fields=["kind"])
        EntityAlias.objects.update_or_create(
            entity=entity,
            key=entity.key,
            defaults={"name": entity.name, "origin": Origin.EDITOR, **alias_phonetic(entity.name)},
        )
    return entity
