"""Editors' entity lists (Aleph's "lists"): import and export as CSV, and the mentions they give.

- :func:`entity_list_import`: CSV rows ``name,kind,aliases`` (aliases separated by ``|``) become
  entities of the list, or merge into the entity that exists (the list's name becomes its canonical
  name); aliases are the editor's. A bad row is reported with its line and skipped; an alias that
  is a common word is refused with the reason (:func:`alias_refusal`).
- :func:`entity_list_scan`: every archived article naming a listed alias (``articles.enrich.list_match``:
  proclitics و ف ب ل ك and ال, title or body) gets a mention, found by the tagger or not.
- :func:`article_list_mentions_add`: the same for one article, called by the enrichment pipeline.

List mentions are ``locked`` and ``from_list``: re-extraction keeps them, the entity page tells them apart.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction

from articles.enrich.entity_service import entities_merge, entities_recount, entity_alias_add, entity_create_one
from articles.enrich.evidence import word_evidence
from articles.enrich.list_match import ListMatcher, Match
from articles.enrich.resolve import name_key
from articles.models import Article, Entity, EntityAlias, EntityList, Mention
from articles.text import normalize

log = logging.getLogger(__name__)

COLUMNS = ("name", "kind", "aliases")
# A one-word alias whose ANERcorp entity share (own, else its word class's) is under this is a common
# word: «أمل» (hope, 0 %), «المستقبل» (18 %), «الكتائب» (battalions, 21 %): a list entry names the party
# in full (حركة أمل, تيار المستقبل, حزب الكتائب). Names score high: بري 71 %, جعجع 82 %, بيروت 100 %.
COMMON_SHARE = 0.3
# Kind words alone are not names (the organisation cues of issue 21), nor are the titles.
_KIND_WORDS = frozenset(
    normalize(w)
    for w in "حزب حركة تيار كتلة وزارة مجلس اتحاد منظمة شركة بنك جامعة هيئة صندوق دولة مدينة رئيس وزير".split()
)
# Articles per transaction of the archive scan (and per progress update).
SCAN_BATCH = 500


def alias_refusal(name: str, kind: str) -> str | None:
    """Why ``name`` cannot be a list alias (it would tag common text), or None when it can."""
    key = name_key(name, kind)
    if not key:
        return "no name left once titles are removed"
    words = key.split()
    if len(words) > 1:
        return None
    word = words[0]
    if len(word) < 3:
        return "a name of fewer than three letters matches too much text"
    if word in _KIND_WORDS or normalize(name.strip()) in _KIND_WORDS:
        return "a kind word, not a name: write the full name (حزب الكتائب, not حزب)"
    # The word as written: «المتن» (a district) is a name although «متن» (a text) is not, and the
    # matcher looks for it with its article (list_match).
    for form in {" ".join(normalize(name).split())}:
        ev = word_evidence(form)
        share = None if ev is None else (ev.own_share if ev.own_share is not None else ev.cluster_share)
        if share is not None and share < COMMON_SHARE:
            return f"a common word (tagged as a name {share:.0%} of the time in ANERcorp): write the full name"
    return None


@dataclass
class ImportReport:
    created: int = 0
    merged: int = 0  # entries that met an existing entity
    aliases: int = 0
    errors: list[str] = field(default_factory=list)  # "line N: why", one per refused row or alias
    entity_ids: list[int] = field(default_factory=list)


def _kind(value: str) -> str | None:
    value = value.strip().upper()
    aliases = {"PERSON": "PERS", "PER": "PERS", "PLACE": "LOC", "ORGANISATION": "ORG", "ORGANIZATION": "ORG"}
    value = aliases.get(value, value)
    return value if value in Entity.Kind.values else None


def _entry_entity(name: str, kind: str, key: str, alias_keys: set[str]) -> tuple[Entity, bool]:
    """The entity an entry becomes: the one of that (kind, key), else the most-mentioned entity of
    that kind with the key as an alias, else a new one. Entities of that kind whose own key is one
    of the entry's aliases are merged into it (the list says they are one)."""
    entity = Entity.objects.filter(kind=kind, key=key).first()
    if entity is None:
        entity = Entity.objects.filter(kind=kind, aliases__key=key).order_by("-article_count", "pk").first()
    existed = entity is not None
    if entity is None:
        entity = entity_create_one(kind=kind, key=key, name=name)
    others = list(Entity.objects.filter(kind=kind, key__in=alias_keys - {key}).exclude(pk=entity.pk))
    if others:
        entity = entities_merge(target=entity, others=others)
    return entity, existed or bool(others)


def entity_list_import(*, entity_list: EntityList, text: str) -> ImportReport:
    """Import CSV ``text`` (a header ``name,kind,aliases``) into ``entity_list``. Each good row is
    stored in its own transaction; bad rows and refused aliases are reported as ``line N: why``.
    The archive scan is the caller's (:func:`entity_list_scan`). Raises ValueError for a bad header."""
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [c.strip().lower() for c in (reader.fieldnames or [])]
    if header[:2] != ["name", "kind"] or any(c not in COLUMNS for c in header):
        raise ValueError(f"line 1: the header must be {','.join(COLUMNS)} (got {','.join(header) or 'nothing'})")
    reader.fieldnames = header
    for row in reader:
        line = reader.line_num
        if None in row:
            report.errors.append(f"line {line}: more columns than the header's {len(header)} (quote a comma)")
            continue
        name, kind_raw = (row.get("name") or "").strip(), (row.get("kind") or "").strip()
        kind = _kind(kind_raw)
        if not name:
            report.errors.append(f"line {line}: the name is empty")
            continue
        if kind is None:
            report.errors.append(f"line {line}: unknown kind {kind_raw!r} (PERS, LOC, ORG or MISC)")
            continue
        if (why := alias_refusal(name, kind)) is not None:
            report.errors.append(f"line {line}: name {name!r} refused: {why}")
            continue
        aliases = []
        for alias in (a.strip() for a in (row.get("aliases") or "").split("|")):
            if not alias:
                continue
            if (why := alias_refusal(alias, kind)) is not None:
                report.errors.append(f"line {line}: alias {alias!r} refused: {why}")
                continue
            aliases.append(alias)
        key = name_key(name, kind)
        with transaction.atomic():
            entity, existed = _entry_entity(name, kind, key, {name_key(a, kind) for a in aliases})
            if entity.name != name:
                entity.name = name
                entity.save(update_fields=["name"])
            for alias in [name, *aliases]:
                entity_alias_add(entity=entity, name=alias, origin=EntityAlias.Origin.EDITOR)
            entity_list.entities.add(entity)
        report.merged += existed
        report.created += not existed
        report.aliases += len(aliases)
        report.entity_ids.append(entity.pk)
    entity_list.save(update_fields=["updated_at"])
    return report


def entity_list_export(*, entity_list: EntityList) -> str:
    """The list as CSV (``name,kind,aliases``): the editor's and merged aliases, as imported."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    kept = (EntityAlias.Origin.EDITOR, EntityAlias.Origin.MERGED)
    for entity in entity_list.entities.order_by("kind", "name").prefetch_related("aliases"):
        names = sorted({a.name for a in entity.aliases.all() if a.origin in kept and a.name != entity.name})
        writer.writerow([entity.name, entity.kind, "|".join(names)])
    return out.getvalue()


# --- the mentions a list gives -----------------------------------------------------------------


def list_matcher(*, entity_ids: Iterable[int] | None = None) -> ListMatcher:
    """A matcher for the aliases of these entities (all listed entities when None). One query; the
    matcher is rebuilt only when the rows differ from the last call's (an ingest calls it per article)."""
    entities = Entity.objects.filter(lists__isnull=False) if entity_ids is None else Entity.objects.filter(
        pk__in=list(entity_ids)
    )
    found = entities.values_list("pk", "key", "name", "aliases__key", "aliases__name", "aliases__origin")
    rows: set[tuple[int, str, str]] = set()
    for pk, key, name, alias_key, alias_name, origin in found.distinct():
        # The entity's own key and name too: an entity made by hand may have no alias row for them yet.
        rows.add((pk, key, name))
        if alias_key and origin != EntityAlias.Origin.TRANSLITERATION:
            rows.add((pk, alias_key, alias_name))
    frozen = tuple(sorted(rows))
    if _last_matcher[0] != frozen:
        _last_matcher[:] = [frozen, ListMatcher(frozen)]
    return _last_matcher[1]


# The last matcher built and its rows (one slot: the pipeline asks for the same lists article after article).
_last_matcher: list = [None, None]


def _article_apply(article: Article, matcher: ListMatcher) -> tuple[int, set[int]]:
    """Give one article the list mentions ``matcher`` finds: (mentions added, entities touched).
    An unlocked tagger mention overlapping a list match is replaced by it (the list is the editors'
    word); an editor's own (locked) mention stays and the match is skipped."""
    found = [(True, m) for m in matcher.find(article.title)] + [(False, m) for m in matcher.find(article.body)]
    if not found:
        return 0, set()
    current = list(
        Mention.objects.filter(article_id=article.pk).values_list(
            "pk", "entity_id", "locked", "in_title", "start", "end"
        )
    )
    touched: set[int] = set()
    drop: set[int] = set()
    add: list[Mention] = []
    for in_title, match in found:
        overlapping = [c for c in current if c[3] == in_title and c[4] < match.end and match.start < c[5]]
        if any(c[2] for c in overlapping):
            continue  # an editor's or an earlier list mention: already decided
        drop.update(c[0] for c in overlapping)
        touched.update(c[1] for c in overlapping)
        add.append(_mention(article, in_title, match))
        touched.add(match.entity_id)
    if drop:
        Mention.objects.filter(pk__in=drop).delete()
    Mention.objects.bulk_create(add)
    return len(add), touched


def _mention(article: Article, in_title: bool, match: Match) -> Mention:
    return Mention(
        article_id=article.pk,
        entity_id=match.entity_id,
        surface=match.surface[:300],
        in_title=in_title,
        start=match.start,
        end=match.end,
        locked=True,
        from_list=True,
    )


def article_list_mentions_add(article: Article) -> int:
    """The list mentions of one (new or re-extracted) article; returns how many were added. Two
    queries when no list names anything in it; call inside the article's transaction."""
    matcher = list_matcher()
    if not matcher:
        return 0
    added, touched = _article_apply(article, matcher)
    if touched:
        entities_recount(touched)
    return added


def articles_list_mentions_add(articles: Iterable[Article]) -> int:
    """:func:`article_list_mentions_add` for a batch (re-extraction): one matcher, one recount."""
    matcher = list_matcher()
    added, touched = 0, set()
    for article in articles if matcher else ():
        n, entities = _article_apply(article, matcher)
        added += n
        touched |= entities
    if touched:
        entities_recount(touched)
    return added


def entity_list_scan(
    *, entity_list: EntityList, progress: Callable[[int, int], None] | None = None, batch: int = SCAN_BATCH
) -> int:
    """Scan the whole archive for this list's aliases (id order, ``batch`` articles a transaction),
    keeping ``scan_*`` progress on the list; returns the mentions added. Idempotent: a rerun adds
    nothing that is there (list mentions are locked, and a locked overlap is skipped)."""
    matcher = list_matcher(entity_ids=entity_list.entities.values_list("pk", flat=True))
    total = Article.objects.count()
    EntityList.objects.filter(pk=entity_list.pk).update(
        scan_status=EntityList.Scan.RUNNING, scan_done=0, scan_total=total, scan_added=0, scan_error=""
    )
    added = done = last = 0
    touched: set[int] = set()
    try:
        while matcher:
            rows = list(Article.objects.filter(pk__gt=last).order_by("pk").only("pk", "title", "body")[:batch])
            if not rows:
                break
            with transaction.atomic():
                for article in rows:
                    n, entities = _article_apply(article, matcher)
                    added += n
                    touched |= entities
            done += len(rows)
            last = rows[-1].pk
            EntityList.objects.filter(pk=entity_list.pk).update(scan_done=done, scan_added=added)
            if progress:
                progress(done, total)
        if touched:
            entities_recount(touched)
    except Exception as exc:
        EntityList.objects.filter(pk=entity_list.pk).update(
            scan_status=EntityList.Scan.FAILED, scan_error=str(exc)[:500]
        )
        raise
    EntityList.objects.filter(pk=entity_list.pk).update(
        scan_status=EntityList.Scan.DONE, scan_done=done, scan_added=added
    )
    log.info("entity list %s: %s articles scanned, %s mentions added", entity_list.pk, done, added)
    return added
