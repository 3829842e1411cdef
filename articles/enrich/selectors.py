"""Read-side queries of the entity index, entity pages and the entity expansion of a search.

- :func:`entity_search`: the index and ``/api/entities/``: by importance (articles mentioning),
  an Arabic query by any word of an alias (exact alias first, the main person before relatives),
  a Latin one by the phonetic key (similarity and importance); entities seen once with a low NER
  confidence hidden unless ``show_all``.
- :func:`entity_kwic`: per article, the sentence mentioning the entity, escaped, name in ``<mark>``.
- :func:`query_entity_expansion`: a search for a known entity's name also finds its other spellings.

Fixed query counts: entity_search 2-3, entity_kwic 1, query_entity_expansion 1.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from rapidfuzz.fuzz import ratio

from articles.enrich.names import is_latin, phonetic_key, voiced_key
from articles.enrich.resolve import name_key
from articles.models import Article, Entity, EntityAlias, EntityAliasTail, Mention
from articles.search.query import ParsedQuery, Term
from articles.text import JUNIOR_MARKERS, search_key

# Latin look-up: aliases fetched per query (by importance) and the similarity a hit needs (0-100).
PHONETIC_CANDIDATES = 3000
PHONETIC_MIN = 75.0
# ...and the mean of consonant and vowel similarity a hit needs.
VOICED_MIN = 65.0
# Ranking of Latin hits: similarity counts this much, importance (log articles) the rest.
SIMILARITY_WEIGHT = 0.7
KWIC_CHARS = 160
# Search expansion: at most this many other spellings are added to a query.
MAX_SPELLINGS = 12
_SENTENCE_END_RE = re.compile(r"[.!?؟\n]")


@dataclass
class EntityHit:
    entity: Entity
    aliases: list[str]
    article_count: int
    score: float = 0.0


def _visible(entities: QuerySet, *, kind: str, show_all: bool) -> QuerySet:
    if kind:
        entities = entities.filter(kind=kind)
    return entities if show_all else entities.filter(Entity.visible_q())


def entity_search(
    *, q: str = "", kind: str = "", limit: int = 50, offset: int = 0, show_all: bool = False
) -> list[EntityHit]:
    """A page of entities: all by importance, or those matching ``q`` (Arabic: any word of an alias
    starting with it, see :func:`_word_ranked`; Latin: an editor's exact Latin alias first, then
    phonetic similarity x importance)."""
    entities = _visible(Entity.objects.all(), kind=kind, show_all=show_all)
    q = q.strip()
    if not q:
        return entity_hits(list(entities.order_by("-article_count", "pk")[offset : offset + limit]))
    if is_latin(q):
        return entity_hits(_latin_ranked(q, entities)[offset : offset + limit])
    keys = {k for k in (search_key(q), name_key(q)) if k}
    if not keys:
        return []
    page = list(_word_ranked(keys, entities)[offset : offset + limit])
    if not page and offset == 0:  # a spelling no alias has yet (بوتن before consolidation): sound it out
        page = _latin_ranked(q, entities)[:limit]
    return entity_hits(page)


def _word_ranked(keys: set[str], entities: QuerySet) -> QuerySet:
    """Entities with an alias having a word that starts with a query key (the alias' word tails,
    an indexed prefix look-up: ``EntityAliasTail``), ranked: the canonical name typed in full; then
    the main person before a relative (جي ار, الابن: ``articles.text.has_junior_marker``), even one
    that picked up the bare surname as an alias; an alias equal to the query; a whole-word match
    (ترامب in دونالد ترامب, not in ترامبولين; سلمان after بن is another man's); then importance."""
    prefix, whole = Q(), Q()
    for key in keys:
        prefix |= Q(tail__startswith=key)
        whole |= Q(tail=key) | Q(tail__startswith=f"{key} ")
    tails = EntityAliasTail.objects.filter(prefix)
    junior = Q()
    for marker in JUNIOR_MARKERS:
        junior |= Q(key__endswith=f" {marker}") | Q(key__contains=f" {marker} ")
    return (
        entities.filter(pk__in=tails.values("alias__entity_id"))
        .annotate(
            canonical=Case(When(key__in=keys, then=Value(True)), default=Value(False), output_field=BooleanField()),
            exact=Exists(EntityAlias.objects.filter(entity=OuterRef("pk"), key__in=keys)),
            word=Exists(tails.filter(whole, after_kin=False, alias__entity=OuterRef("pk"))),
            relative=Case(When(junior, then=Value(True)), default=Value(False), output_field=BooleanField()),
        )
        .order_by("-canonical", "relative", "-exact", "-word", "-article_count", "pk")
    )


def _latin_ranked(q: str, entities: QuerySet) -> list[Entity]:
    """Entities by phonetic similarity to ``q`` and importance; exact (editor) Latin aliases first."""
    typed = q.strip().lower()
    # An editor's Latin alias typed (or its beginning): those first, by importance.
    direct = list(
        entities.filter(pk__in=EntityAlias.objects.filter(key__startswith=typed).values("entity_id"))
        .annotate(exact=Exists(EntityAlias.objects.filter(entity=OuterRef("pk"), key=typed)))
        .order_by("-exact", "-article_count", "pk")[:PHONETIC_CANDIDATES]
    )
    seen = {e.pk for e in direct}
    code = phonetic_key(q)
    if not code:
        return direct
    block = code[:2]
    rows = (
        EntityAlias.objects.filter(Q(phonetic__startswith=block) | Q(phonetic_last__startswith=block))
        .filter(entity__in=entities)
        .order_by("-entity__article_count")
        .values_list("entity_id", "name", "phonetic", "phonetic_last", "entity__article_count")[:PHONETIC_CANDIDATES]
    )
    voiced = voiced_key(q)
    best: dict[int, tuple[float, int]] = {}
    for entity_id, name, whole, last, count in rows:
        # Consonants decide (Latin vowels vary), vowels break ties between names one skeleton shares.
        skeleton = max(ratio(code, whole), ratio(code, last))
        vowels = max(ratio(voiced, voiced_key(name)), ratio(voiced, voiced_key(name.split()[-1]) if name else ""))
        similarity = (skeleton + vowels) / 2 if skeleton >= PHONETIC_MIN else 0.0
        if similarity >= VOICED_MIN and entity_id not in seen and similarity > best.get(entity_id, (0, 0))[0]:
            best[entity_id] = (similarity, count)
    if not best:
        return direct
    top = max(math.log1p(count) for _, count in best.values()) or 1.0

    def score(item: tuple[int, tuple[float, int]]) -> tuple[float, int]:
        entity_id, (similarity, count) = item
        return SIMILARITY_WEIGHT * similarity / 100 + (1 - SIMILARITY_WEIGHT) * math.log1p(count) / top, -entity_id

    ranked = [entity_id for entity_id, _ in sorted(best.items(), key=score, reverse=True)]
    by_id = Entity.objects.in_bulk(ranked)
    return direct + [by_id[i] for i in ranked if i in by_id]


def entity_hits(entities: list[Entity]) -> list[EntityHit]:
    """Aliases of a page of entities (one query whatever the page size); counts are stored."""
    ids = [e.pk for e in entities]
    aliases: dict[int, list[str]] = {}
    for entity_id, name in (
        EntityAlias.objects.filter(entity_id__in=ids)
        .exclude(origin=EntityAlias.Origin.TRANSLITERATION)
        .order_by("name")
        .values_list("entity_id", "name")
    ):
        aliases.setdefault(entity_id, []).append(name)
    return [EntityHit(entity=e, aliases=aliases.get(e.pk, []), article_count=e.article_count) for e in entities]


# --- keyword in context ----------------------------------------------------------------------


def _sentence(text: str, start: int, end: int) -> SafeString:
    """The sentence around text[start:end] (at most KWIC_CHARS either side), escaped, name marked."""
    left = max(0, start - KWIC_CHARS)
    cut = [m.end() for m in _SENTENCE_END_RE.finditer(text, left, start)]
    begin = cut[-1] if cut else left
    stop = _SENTENCE_END_RE.search(text, end, min(len(text), end + KWIC_CHARS))
    finish = stop.end() if stop else min(len(text), end + KWIC_CHARS)
    before, name, after = text[begin:start].lstrip(), text[start:end], text[end:finish].rstrip()
    prefix = "… " if begin == left and left > 0 else ""
    suffix = " …" if not stop and finish < len(text) else ""
    return mark_safe(f"{prefix}{escape(before)}<mark>{escape(name)}</mark>{escape(after)}{suffix}")  # noqa: S308


def entity_kwic(*, entity: Entity, articles: list[Article]) -> dict[int, SafeString]:
    """Article id -> the first sentence mentioning ``entity`` (body first, else the title). One query;
    offsets that no longer fit the text (an edited article) are skipped, not guessed."""
    by_id = {a.pk: a for a in articles}
    out: dict[int, SafeString] = {}
    rows = (
        Mention.objects.filter(entity=entity, article_id__in=list(by_id))
        .order_by("article_id", "in_title", "start")
        .values_list("article_id", "in_title", "start", "end", "surface")
    )
    for article_id, in_title, start, end, surface in rows:
        if article_id in out:
            continue
        article = by_id[article_id]
        text = article.title if in_title else article.body
        if end <= len(text) and search_key(text[start:end]) == search_key(surface):
            out[article_id] = _sentence(text, start, end)
    return out


def entity_list_marks(*, entity: Entity, articles: list[Article]) -> tuple[list[str], set[int]]:
    """The editors' lists naming ``entity`` and the ids of these articles whose mention of it came
    from a list (not the tagger), for the entity page. Two queries."""
    names = list(entity.lists.order_by("name").values_list("name", flat=True))
    if not names:
        return [], set()
    ids = Mention.objects.filter(entity=entity, article_id__in=[a.pk for a in articles], from_list=True)
    return names, set(ids.values_list("article_id", flat=True))


# --- search: a known entity's name finds its other spellings ----------------------------------


@dataclass
class Expansion:
    """The other spellings a query was widened to, for the results page and the API."""

    entity: Entity
    query: str
    spellings: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)


def query_entity_expansion(parsed: ParsedQuery, raw: str) -> Expansion | None:
    """When the whole query is a known entity's name or alias (بوتين), add its other Arabic
    spellings (بوتن, فلاديمير بوتن) to the query as alternatives, in place. None otherwise."""
    if len(parsed.clauses) != 1 or len(parsed.clauses[0]) != 1 or parsed.excluded:
        return None
    keys = {k for k in (search_key(raw.strip('"')), name_key(raw.strip('"'))) if k}
    if not keys:
        return None
    # One query: every alias of every entity that has one of these keys (usually one entity).
    rows = list(
        EntityAlias.objects.filter(entity__in=EntityAlias.objects.filter(key__in=keys).values("entity_id"))
        .select_related("entity")
        .order_by("-entity__article_count", "entity_id")[:200]
    )
    if not rows:
        return None
    entity = rows[0].entity
    own = search_key(raw)
    names = sorted(
        {row.name for row in rows if row.entity_id == entity.pk and not is_latin(row.name)} | {entity.name}
    )
    spellings = [n for n in names if search_key(n) and search_key(n) != own and own not in search_key(n)]
    spellings = spellings[:MAX_SPELLINGS]  # every term costs a join; a name has a handful of spellings
    if not spellings:
        return None
    for name in spellings:
        words = tuple(search_key(name).split())
        parsed.clauses[0].append(Term(words=words, exact=len(words) > 1))
    return Expansion(entity=entity, query=raw, spellings=spellings, keys=[search_key(n) for n in spellings])


def articles_mark_spelling(articles: list[Article], expansion: Expansion | None) -> None:
    """Set ``matched_spelling`` on results found only through another spelling (else "")."""
    for article in articles:
        article.matched_spelling = ""
        if expansion is None:
            continue
        text = search_key(f"{article.title} {article.body}")
        if search_key(expansion.query) in text:
            continue
        article.matched_spelling = next(
            (name for name, key in zip(expansion.spellings, expansion.keys, strict=True) if key in text), ""
        )
