"""One entity per person, place and organisation across spellings and articles.

``entities_consolidate`` joins the entities of an archive that are one name (each join goes through
``entities_merge``, so re-extraction keeps it, and leaves an ``EntityJoin`` audit row an editor can
split in the admin; ``entity_join_split`` undoes one, and consolidation never joins it again).

Rules, all within one kind, in this order (the one with more articles is kept):

1. ``spelling``: keys equal under :func:`articles.enrich.names.vowel_variants` (hamza seats,
   compound spacing, long vowels; never when the differing words are given names: حسن ≠ حسين).
   Blocking: the vowel key itself, so this is one hash pass (no pairs).
2. ``fuzzy``: one word one letter apart by insertion/deletion (rapidfuzz Indel), words of at least
   four letters, ratio >= FUZZY_MIN on the whole ortho key; compared only within a block of one kind,
   one word count and the first three letters of the vowel key (at most BLOCK_MAX entities).
3. ``partial`` (persons): a one- or two-word name that is the last words of longer names (أردوغان of
   رجب طيب أردوغان, not سلمان of محمد بن سلمان) joins the longest one when it has at least
   DOMINANCE times the articles of any other candidate (المر of الياس المر and ميرنا المر stays apart).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rapidfuzz.distance import Indel
from rapidfuzz.fuzz import ratio

from articles.enrich.entity_service import alias_phonetic, entities_merge, entities_recount, entity_create_one
from articles.enrich.evidence import is_given_name
from articles.enrich.names import _word_units, ortho_key, vowel_key, vowel_variants
from articles.enrich.resolve import mention_keys
from articles.history import history_snapshot
from articles.models import Entity, EntityAlias, EntityJoin, Mention

log = logging.getLogger(__name__)

FUZZY_MIN = 90.0
BLOCK_MAX = 500
DOMINANCE = 10
# Words after which a name part is another person's name (سلمان in محمد بن سلمان).
_KIN = frozenset({"بن", "ابن", "بنت", "ال", "ام"})


@dataclass
class _Row:
    pk: int
    kind: str
    key: str
    name: str
    count: int


@dataclass
class ConsolidateReport:
    entities: int = 0
    joins: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def joined(self) -> int:
        return sum(self.joins.values())


@dataclass(frozen=True)
class _Join:
    other: _Row
    rule: str
    score: float


def _better(a: _Row, b: _Row) -> bool:
    return (a.count, len(a.key.split()), -a.pk) > (b.count, len(b.key.split()), -b.pk)


def _benign(x: str, y: str) -> bool:
    """The one letter one word has more is a vowel letter, a final ه, or a doubled letter
    (ماتاريللا / ماتاريلا, ساديو مانيه / ماني); a consonant makes another name (الخطيب ≠ الطيب)."""
    longer, shorter = (x, y) if len(x) > len(y) else (y, x)
    i = next((i for i, (a, b) in enumerate(zip(longer, shorter, strict=False)) if a != b), len(shorter))
    c = longer[i]
    return c in "اويه" or longer[i - 1 : i] == c or longer[i + 1 : i + 2] == c


def _fuzzy_pair(a: str, b: str) -> float | None:
    """The ratio when keys ``a`` and ``b`` are one word one letter apart (inserted or dropped)."""
    ua, ub = _word_units(a), _word_units(b)
    if len(ua) != len(ub):
        return None
    diff = [(x, y) for x, y in zip(ua, ub, strict=True) if x != y]
    if len(diff) != 1:
        return None
    x, y = diff[0]
    if min(len(x), len(y)) < 4 or x[0] != y[0] or Indel.distance(x, y) != 1 or not _benign(x, y):
        return None
    if is_given_name(x) or is_given_name(y):
        return None
    score = ratio(ortho_key(a), ortho_key(b))
    return score if score >= FUZZY_MIN else None


def _spelling_joins(rows: list[_Row], splits: set[tuple[str, str, str]]) -> dict[int, list[_Join]]:
    """Rules 1 and 2: target pk -> joins. Rows are grouped by (kind, vowel key)."""
    groups: dict[tuple[str, str], list[_Row]] = defaultdict(list)
    for row in rows:
        groups[(row.kind, vowel_key(row.key))].append(row)
    joins: dict[int, list[_Join]] = defaultdict(list)
    heads: list[_Row] = []
    for members in groups.values():
        members.sort(key=lambda r: (-r.count, -len(r.key.split()), r.pk))
        target, rest = members[0], members[1:]
        heads.append(target)
        for other in rest:
            if (other.kind, other.key, target.key) in splits or not vowel_variants(other.key, target.key):
                heads.append(other)
                continue
            joins[target.pk].append(
                _Join(other, EntityJoin.Rule.SPELLING, ratio(ortho_key(other.key), ortho_key(target.key)))
            )
    blocks: dict[tuple[str, int, str], list[_Row]] = defaultdict(list)
    for row in heads:
        blocks[(row.kind, len(_word_units(row.key)), vowel_key(row.key)[:3])].append(row)
    taken: set[int] = set()
    for block in blocks.values():
        if len(block) < 2 or len(block) > BLOCK_MAX:
            continue
        block.sort(key=lambda r: (-r.count, r.pk))
        for i, target in enumerate(block):
            if target.pk in taken:
                continue
            for other in block[i + 1 :]:
                if other.pk in taken or (other.kind, other.key, target.key) in splits:
                    continue
                score = _fuzzy_pair(other.key, target.key)
                if score is not None:
                    joins[target.pk].append(_Join(other, EntityJoin.Rule.FUZZY, score))
                    joins[target.pk].extend(joins.pop(other.pk, []))  # its own spellings follow it
                    taken.add(other.pk)
    return joins


def _tail_runs(key: str) -> list[str]:
    """Vowel keys of the last one and two words of a name (not after بن/آل: another person)."""
    units = _word_units(key)
    out = []
    for n in (1, 2):
        if len(units) > n and units[-n - 1] not in _KIN:
            out.append(vowel_key(" ".join(units[-n:])))
    return out


def _tails(key: str) -> list[str]:
    units = _word_units(key)
    return [" ".join(units[-n:]) for n in (1, 2) if len(units) > n]


def _partial_joins(rows: list[_Row], splits: set[tuple[str, str, str]]) -> list[tuple[_Row, _Join]]:
    """Rule 3 over persons that are their own target after rules 1-2: (full name, join) pairs."""
    full_by_tail: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        for run in _tail_runs(row.key):
            full_by_tail[run].append(row)
    out = []
    for row in rows:
        if len(_word_units(row.key)) > 2 or len(vowel_key(row.key)) < 3:  # إيما → ام: too little to go on
            continue
        candidates = [
            c
            for c in full_by_tail.get(vowel_key(row.key), [])
            if c.pk != row.pk and any(vowel_variants(row.key, tail) for tail in _tails(c.key))
        ]
        if not candidates:
            continue
        candidates.sort(key=lambda r: (-r.count, r.pk))
        top = candidates[0]
        second = candidates[1].count if len(candidates) > 1 else 0
        if top.count < DOMINANCE * max(second, 1 if len(candidates) > 1 else 0):
            continue
        if 3 * top.count < row.count:  # a rare "full name" is usually a glued span (ترامب مايكل كوهين)
            continue
        if (row.kind, row.key, top.key) in splits:
            continue
        out.append((top, _Join(row, EntityJoin.Rule.PARTIAL, round(100.0 * top.count / (top.count + second), 1))))
    return out


def _rows(kinds: Iterable[str] | None) -> list[_Row]:
    entities = Entity.objects.all()
    if kinds:
        entities = entities.filter(kind__in=list(kinds))
    values = entities.order_by("kind", "key").values_list("pk", "kind", "key", "name", "article_count")
    return [_Row(*row) for row in values.iterator(chunk_size=5000)]


def _apply(target_pk: int, joins: list[_Join]) -> int:
    """Merge the joined entities into the target with their audit rows; returns how many."""
    with transaction.atomic():
        target = Entity.objects.select_for_update().filter(pk=target_pk).first()
        others = {e.pk: e for e in Entity.objects.filter(pk__in=[j.other.pk for j in joins])}
        joins = [j for j in joins if j.other.pk in others]
        if target is None or not joins:
            return 0
        EntityJoin.objects.bulk_create(
            [
                EntityJoin(
                    entity=target,
                    kind=target.kind,
                    key=j.other.key,
                    name=j.other.name,
                    target_key=target.key,
                    rule=j.rule,
                    score=round(j.score, 1),
                    article_count=j.other.count,
                )
                for j in joins
            ]
        )
        # No revision of the editors' history per join: a split (entity_join_split) is the undo.
        entities_merge(target=target, others=list(others.values()), history=False)
    return len(joins)


def entities_consolidate(
    *, kinds: Iterable[str] | None = None, dry_run: bool = False, progress: Callable | None = None
) -> tuple[ConsolidateReport, list[tuple[str, str, str, float]]]:
    """Join the archive's entities that are one name (rules in the module docstring).

    Returns the report and the planned joins as (joined name, target name, rule, score). With
    ``dry_run`` nothing is written. ``progress``: a tqdm-like wrapper over the target batches.
    Memory: one small row per entity (about 200 B), so a million entities fit in a few hundred MB.
    """
    report = ConsolidateReport()
    entities_recount()  # importance decides the target: make it exact first
    rows = _rows(kinds)
    report.entities = len(rows)
    splits = set(EntityJoin.objects.filter(split_at__isnull=False).values_list("kind", "key", "target_key"))
    plan = _spelling_joins(rows, splits)
    joined = {j.other.pk for js in plan.values() for j in js}
    # Counts of a target include its joined spellings when picking the dominant full name.
    by_pk = {r.pk: r for r in rows}
    totals = {pk: _Row(r.pk, r.kind, r.key, r.name, r.count) for pk, r in by_pk.items() if pk not in joined}
    for pk, js in plan.items():
        totals[pk].count += sum(j.other.count for j in js)
    for target, join in _partial_joins([r for r in totals.values() if r.kind == "PERS"], splits):
        if join.other.pk in plan:  # the partial name's own spellings follow it
            for j in plan.pop(join.other.pk):
                plan[target.pk].append(j)
        plan[target.pk].append(join)
    listing = [(j.other.name, by_pk[t].name, j.rule, j.score) for t, js in plan.items() for j in js]
    if dry_run:
        for _, _, rule, _ in listing:
            report.joins[rule] += 1
        return report, listing
    targets = list(plan.items())
    iterator = progress(targets) if progress else targets
    for target_pk, joins in iterator:
        if _apply(target_pk, joins):
            for j in joins:
                report.joins[j.rule] += 1
    return report, listing


def entity_join_split(*, join: EntityJoin, user=None) -> Entity:
    """Undo an automatic join: the spelling becomes its own entity again with the mentions written
    that way, and consolidation never joins it to that entity again (the row stays, marked split)."""
    if join.split_at:
        raise ValueError("this join was already split")
    with transaction.atomic():
        target = join.entity
        moving = [
            m
            for m in Mention.objects.filter(entity=target)
            if join.key in mention_keys(m.surface, join.kind) and target.key not in mention_keys(m.surface, join.kind)
        ]
        existing = Entity.objects.filter(kind=join.kind, key=join.key).first()
        # The state before, as one revision of the editors' history: reverting it in the entity's history undoes
        # the split (the entity it makes is removed again once it has no mention: articles.ingest.history).
        history_snapshot(
            objects=[target, *([existing] if existing else []), *moving],
            comment=f"Before splitting {join.name} off {target.name} (revert to this to undo the split)",
            user=user,
        )
        EntityAlias.objects.filter(entity=target, key=join.key).delete()
        entity = existing or entity_create_one(kind=join.kind, key=join.key, name=join.name)
        EntityAlias.objects.update_or_create(
            entity=entity,
            key=join.key,
            defaults={"name": join.name, "origin": EntityAlias.Origin.EDITOR, **alias_phonetic(join.name)},
        )
        Mention.objects.filter(pk__in=[m.pk for m in moving]).update(entity=entity)
        join.split_at = timezone.now()
        join.split_by = user
        join.save(update_fields=["split_at", "split_by"])
        entities_recount([target.pk, entity.pk])
        entity.refresh_from_db()
    log.info("join %s split by %s: %s is entity %s again", join.pk, user, join.name, entity.pk)
    return entity


def entities_consolidate_after_ingest() -> ConsolidateReport | None:
    """Consolidate once new articles are enriched, so a new spelling (بوتن beside بوتين) joins its entity
    without waiting for a manual ``entities_consolidate``. Off with ``ENTITIES_CONSOLIDATE_ON_INGEST=0``
    (a very large archive may prefer a nightly command). Never raises: the articles are stored and
    enriched already, and a failure here only delays the joins (logged)."""
    if not settings.ENTITIES_CONSOLIDATE_ON_INGEST:
        return None
    try:
        report, _ = entities_consolidate()
    except Exception:
        log.exception("entity consolidation after ingest failed; run manage.py entities_consolidate")
        return None
    return report
