"""The categories news sources give their articles, mapped to the archive's topic slugs. Pure.

Source of the ANT names: the ANT Corpus' ``category`` values (its directory names), counted on
../shared/data/ant: internationalNews 11129, sport 7729, middleEast 7328, localNews 4832, economy
3393, technology 2511, society 1087, culture 888, politic 514, diverse 475. localNews, society,
politic and diverse name no topic of the archive (local news of which country? politics of where?):
they map to nothing and the classifier decides.
"""

from __future__ import annotations

ANT_CATEGORY_TO_SLUG: dict[str, str] = {
    "internationalNews": "international",
    "middleEast": "middle-east",
    "economy": "economy",
    "sport": "sport",
    "technology": "technology",
    "culture": "culture",
}


def category_slug(category: str) -> str:
    """The topic slug an ANT category names, else the category itself lower-cased (a source may
    give the archive's own slug, e.g. "sport"); "" for an empty category."""
    category = category.strip()
    return ANT_CATEGORY_TO_SLUG.get(category) or category.lower()
