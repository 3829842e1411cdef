"""Selectors of the home page: what the archive's last weeks were about.

"The last weeks" end at the newest publication date in the archive, not today, so an archive of older
clippings (the ANT demo ends in 2018) still has a front page; they span HOME_WINDOW_DAYS, or more when
that holds fewer than HOME_MIN_STORIES stories (a sparse archive, or one stray recent clipping).
Each list is one range query over the date index, cached HOME_CACHE_SECONDS (it only changes with ingest).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils.translation import get_language

from articles.models import Article, Source, Topic
from articles.search.selectors import FacetValue, entities_top

HOME_WINDOW_DAYS = 28
HOME_MIN_STORIES = 300
HOME_LIST_SIZE = 8
HOME_CACHE_SECONDS = 300


@dataclass
class HomeOverview:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sources: list[FacetValue] = field(default_factory=list)
    topics: list[FacetValue] = field(default_factory=list)
    entities: list[FacetValue] = field(default_factory=list)


def home_overview() -> HomeOverview:
    """Busiest sources, topics and entities (counted in stories: first copies only) of the window."""
    english = (get_language() or "ar").startswith("en")
    key = f"home_overview:{'en' if english else 'ar'}"
    overview = cache.get(key)
    if overview is not None:
        return overview
    newest = Article.objects.aggregate(newest=Max("published_on"))["newest"]
    overview = HomeOverview()
    if newest is not None:
        start = newest - dt.timedelta(days=HOME_WINDOW_DAYS - 1)
        # The date of the HOME_MIN_STORIES-th newest story: one step down the date index.
        nth = (
            Article.objects.filter(story_lead=True, published_on__isnull=False)
            .order_by("-published_on", "-id")
            .values_list("published_on", flat=True)[HOME_MIN_STORIES - 1 : HOME_MIN_STORIES]
        )
        start = min([start, *nth])
        window = Article.objects.filter(story_lead=True, published_on__gte=start, published_on__lte=newest)
        overview.date_from, overview.date_to = start, newest
        source_counts = list(
            window.values("source").annotate(n=Count("pk")).order_by("-n", "source")[:HOME_LIST_SIZE]
        )
        sources = Source.objects.in_bulk([row["source"] for row in source_counts])
        overview.sources = [
            FacetValue(slug=sources[row["source"]].slug, name=sources[row["source"]].name, count=row["n"])
            for row in source_counts
        ]
        topic_counts = list(
            window.exclude(topic=None).values("topic").annotate(n=Count("pk")).order_by("-n", "topic")[:HOME_LIST_SIZE]
        )
        topics = Topic.objects.in_bulk([row["topic"] for row in topic_counts])
        overview.topics = [
            FacetValue(
                slug=topics[row["topic"]].slug,
                name=topics[row["topic"]].name_en if english else topics[row["topic"]].name_ar,
                count=row["n"],
            )
            for row in topic_counts
        ]
        overview.entities = entities_top(queryset=window.order_by("-published_on"), limit=HOME_LIST_SIZE * 2)
    cache.set(key, overview, HOME_CACHE_SECONDS)
    return overview
