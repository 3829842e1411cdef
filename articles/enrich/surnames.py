"""A bare surname beside a relative's name (ترامب in an article on ترامب جي ار): the archive's main
person of that surname. Read-only; used by the entity service while it resolves an article."""

from __future__ import annotations

from django.db.models import F

from articles.models import EntityAliasTail
from articles.text import has_junior_marker

# A bare name of at most this many words may resolve to the one archive person whose name ends with
# it, when that person has this many times the articles of the next.
_SURNAME_WORDS = 2
_SURNAME_DOMINANCE = 3


def surname_owners(*, groups: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(kind, key) → entity id for bare person names (ترامب) that no alias has, found inside a
    relative's name in the same article (ترامب جي ار) which resolution does not join them to: the
    archive's person whose name ends with them (an alias tail, not after بن/أبو, not a relative's
    name), when one dominates the others by articles. Elsewhere a bare surname is left to the
    audited partial-name joins of ``entities_consolidate``. One query."""
    keys = {key for kind, key in groups if kind == "PERS" and len(key.split()) <= _SURNAME_WORDS}
    if not keys:
        return {}
    owners: dict[str, dict[int, int]] = {}
    rows = (
        EntityAliasTail.objects.filter(tail__in=keys, after_kin=False, alias__entity__kind="PERS")
        .exclude(alias__key=F("tail"))
        .values_list("tail", "alias__entity_id", "alias__entity__key", "alias__entity__article_count")
    )
    for tail, entity_id, entity_key, count in rows:
        if not has_junior_marker(entity_key):
            owners.setdefault(tail, {})[entity_id] = count
    out = {}
    for key, counts in owners.items():
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if len(ranked) == 1 or ranked[0][1] >= _SURNAME_DOMINANCE * max(ranked[1][1], 1):
            out[("PERS", key)] = ranked[0][0]
    return out
