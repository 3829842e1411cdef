"""Read-side queries used by the views, the API, the feeds and the exports.

Every function here issues a fixed number of queries whatever the page size, and none of them
counts or aggregates more than a few times ``settings.SEARCH_COUNT_CAP`` matching rows: above the cap,
counts, facets and the histogram are estimated from a systematic sample of the matches
(:mod:`articles.sampling`) and flagged as estimates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections, router
from django.db.models import CharField, Count, F, Max, QuerySet
from django.db.models.functions import Cast, Substr, TruncMonth
from django.utils.translation import get_language, gettext

from articles.enrich.spans import LOW_CONFIDENCE
from articles.entity_selectors import (  # noqa: F401 - entity reads live there; re-exported for callers
    EntityHit,
    Expansion,
    articles_mark_spelling,
    entity_hits,
    entity_kwic,
    entity_search,
    query_entity_expansion,
)
from articles.filters import DATE_PARAMS, SORT_NEWEST, SORT_OLDEST, SORT_RELEVANCE, UNCLASSIFIED, ArticleFilter
from articles.models import Article, Entity, Mention, Source, Topic
from articles.pagination import CappedPage
from articles.sampling import count_estimate
from articles.search import search_planned, search_ranked_ids
from articles.search.highlight import highlight, snippet
from articles.search.query import ParsedQuery
from articles.stories.selectors import stories_attach
from articles.text import search_key

FACET_SIZE = 15
# Months are shown up to this span, years beyond it.
HISTOGRAM_MAX_MONTHS = 36
# Entity pages: co-occurrence is counted over this many of the entity's newest articles.
COOCCURRENCE_SAMPLE = 2000


def _ordered(queryset: QuerySet, sort: str) -> QuerySet:
    if sort == SORT_OLDEST:
        return queryset.order_by(F("published_on").asc(nulls_last=True), "id")
    return queryset.order_by(F("published_on").desc(nulls_last=True), "-id")


def _base() -> QuerySet:
    return Article.objects.select_related("source", "topic", "story")


# Facets and histograms aggregate at most this many times the count cap of (sampled) rows: a bound on
# the work when a facet's own set (without its filter) is much larger than the result set.
AGGREGATE_BOUND = 4


def _sample_sql(queryset: QuerySet, cap: int, **columns) -> tuple[str, list]:
    """SQL for at most ``cap`` rows of ``queryset`` with the named columns, to aggregate from outside.

    The sample is a FROM subquery rather than ``id IN (... LIMIT n)``: PostgreSQL planned that
    semi-join as a nested loop over the whole table (20 s at 50k rows).
    """
    sample = queryset.order_by().annotate(**columns).values(*columns)[:cap]
    sql, params = sample.query.sql_with_params()
    return sql, list(params)


def _rows(sql: str, params: list) -> list[tuple]:
    # Raw reads follow the database router (a replica on read-only pages).
    with connections[router.db_for_read(Article)].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


TOPIC, SOURCE, MENTION, ENTITY = (m._meta.db_table for m in (Topic, Source, Mention, Entity))
# Entities shown in facets and related lists: as Entity.visible_q (junk seen once, unsure, is hidden).
VISIBLE_SQL = "(e.article_count >= 2 OR (e.article_count >= 1 AND e.confidence >= %s))"


@dataclass
class FacetValue:
    slug: str
    name: str
    count: int
    selected: bool = False
    kind: str = ""


@dataclass
class Bar:
    period: str  # "2024" or "2024-05"
    count: int
    date_from: dt.date
    date_to: dt.date
    percent: int = 0


@dataclass
class Histogram:
    unit: str  # "year" or "month"
    bars: list[Bar] = field(default_factory=list)

    @property
    def max_count(self) -> int:
        return max((bar.count for bar in self.bars), default=0)


@dataclass
class SearchResult:
    filterset: ArticleFilter
    page: CappedPage
    sort: str
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    histogram: Histogram | None = None
    facets_are_estimates: bool = False
    # Facet and histogram counts are those of one match in ``sample_step`` (times the step); 1: all.
    sample_step: int = 1
    # True: results, counts and facets count stories (each once, as its first copy); False: articles.
    grouped: bool = True
    expansion: Expansion | None = None
    # Matches still awaiting enrichment (not in the topic and entity counts).
    pending: int = 0

    @property
    def query(self) -> ParsedQuery:
        return self.filterset.parsed


def _page_items(queryset: QuerySet, query: ParsedQuery, sort: str, *, offset: int, limit: int) -> list[Article]:
    if sort == SORT_RELEVANCE and query.has_positive:
        ids = search_ranked_ids(queryset, query, offset=offset, limit=limit)
        by_id = _base().in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]
    return list(_ordered(queryset.select_related("source", "topic", "story"), sort)[offset : offset + limit])


def articles_decorate(articles: list[Article], query: ParsedQuery | None) -> list[Article]:
    """Attach escaped, highlighted ``title_html`` and ``snippet`` to articles for display."""
    for article in articles:
        article.title_html = highlight(article.title, query)
        article.snippet = snippet(article.body, query)
    return articles


def article_search(
    *, data, page: int = 1, per_page: int = 20, facets: bool = True, cap: int | None = None
) -> SearchResult:
    """One page of a search (query + filters from ``data``), with facet counts and histogram."""
    cap = settings.SEARCH_COUNT_CAP if cap is None else cap
    filterset = ArticleFilter(data, queryset=Article.objects.all())
    expansion = query_entity_expansion(filterset.parsed, filterset.data.get("q", "")) if filterset.data else None
    queryset = filterset.qs
    sort = filterset.sort_order
    with search_planned(filterset.parsed) as planner:
        total = count_estimate(filterset.sampled, cap=cap)
        estimate = total.is_estimate
        count = cap if estimate else total.value
        if planner and not estimate:
            planner.selective()
        last = max(1, -(-count // per_page))
        number = min(max(page, 1), last)
        with planner.dense() if planner and estimate else nullcontext():
            items = _page_items(queryset, filterset.parsed, sort, offset=(number - 1) * per_page, limit=per_page)
        result = SearchResult(
            filterset=filterset,
            page=CappedPage(
                items=items,
                number=number,
                per_page=per_page,
                count=count,
                count_is_estimate=estimate,
                estimate=_significant(total.value) if estimate else None,
            ),
            sort=sort,
            grouped=filterset.grouped,
            expansion=expansion,
        )
        if facets:
            step = total.step
            result.facets, result.pending = facet_counts(filterset=filterset, cap=cap, step=step)
            result.histogram = date_histogram(filterset.sampled(step, *DATE_PARAMS), cap=cap, step=step)
            result.facets_are_estimates, result.sample_step = estimate, step
    articles_decorate(items, filterset.parsed)
    stories_attach(items)
    articles_mark_spelling(items, expansion)
    return result


def _significant(n: int, digits: int = 3) -> int:
    """``n`` rounded to ``digits`` significant digits: an estimate shown no more precise than it is."""
    return int(round(n, digits - len(str(n)))) if n >= 10**digits else n


def facet_counts(*, filterset: ArticleFilter, cap: int, step: int = 1) -> tuple[dict[str, list[FacetValue]], int]:
    """Topic, source and entity counts over the filtered set, topic and source each without its own
    filter (OR multi-select); entities over the whole filtered set (selected entities AND together).
    Topic and entity counts cover enriched articles only; the int is how many of the set (without
    its topic filter) are still pending enrichment. With ``step`` > 1 every count is that of the
    sampled matches (one in ``step``, :mod:`articles.sampling`) times ``step``: an estimate."""
    english = (get_language() or "ar").startswith("en")
    unclassified = gettext("Unclassified")
    bound = AGGREGATE_BOUND * cap
    sql, params = _sample_sql(
        filterset.sampled(step, "topic"), bound, f_topic=F("topic_id"), f_enrich=F("enrichment")
    )
    # LEFT JOIN: the articles without a topic are a value of their own ("unclassified"), so the
    # facet's counts add up to the result count. Articles still pending enrichment have no topic
    # yet: they are not "unclassified"; the same query counts them for the page's note.
    rows = _rows(
        f"SELECT t.slug, t.name_ar, t.name_en, COUNT(*) FILTER (WHERE s.f_enrich <> %s), "  # noqa: S608
        f"COUNT(*) FILTER (WHERE s.f_enrich = %s) FROM ({sql}) s LEFT JOIN {TOPIC} t ON t.id = s.f_topic "
        "GROUP BY t.slug, t.name_ar, t.name_en ORDER BY 4 DESC, 1",
        [Article.Enrichment.PENDING, Article.Enrichment.PENDING, *params],
    )
    pending = sum(row[4] for row in rows) * step
    topics = [
        FacetValue(slug=slug or UNCLASSIFIED, name=(name_en if english else name_ar) or unclassified, count=n * step)
        for slug, name_ar, name_en, n, _ in rows
        if n
    ]
    chosen_topics = [
        (UNCLASSIFIED, unclassified) if t == UNCLASSIFIED else (t.slug, t.name) for t in filterset.selected("topic")
    ]
    chosen_sources = filterset.selected("source")
    sql, params = _sample_sql(filterset.sampled(step, "source"), bound, f_source=F("source_id"))
    sources = [
        FacetValue(slug=slug, name=name, count=n * step)
        for slug, name, n in _rows(
            f"SELECT src.slug, src.name, COUNT(*) FROM ({sql}) s JOIN {SOURCE} src ON src.id = s.f_source "  # noqa: S608
            "GROUP BY src.slug, src.name ORDER BY 3 DESC, 2 LIMIT %s",
            [*params, FACET_SIZE],
        )
    ]
    chosen_entities = filterset.selected("entity")
    kinds = list(filterset.form.cleaned_data.get("kind") or [])
    sql, params = _sample_sql(filterset.sampled(step), bound, f_id=F("pk"))
    kind_sql = f"AND e.kind IN ({', '.join(['%s'] * len(kinds))}) " if kinds else ""
    entities = [
        FacetValue(slug=slug, name=name, count=n * step, kind=kind)
        for slug, name, kind, n in _rows(
            f"SELECT e.slug, e.name, e.kind, COUNT(DISTINCT m.article_id) FROM ({sql}) s "  # noqa: S608
            f"JOIN {MENTION} m ON m.article_id = s.f_id JOIN {ENTITY} e ON e.id = m.entity_id "
            f"WHERE {VISIBLE_SQL} {kind_sql}GROUP BY e.slug, e.name, e.kind ORDER BY 4 DESC, 2 LIMIT %s",
            [*params, LOW_CONFIDENCE, *kinds, FACET_SIZE],
        )
    ]
    return {
        "topic": _with_selected(topics, chosen_topics),
        "source": _with_selected(sources, [(s.slug, s.name) for s in chosen_sources]),
        "entity": _with_selected(entities, [(e.slug, e.name) for e in chosen_entities]),
    }, pending


def pending_count(*, queryset: QuerySet, cap: int) -> int:
    """How many of (at most ``cap`` of) ``queryset`` await enrichment: facets and entity pages
    count only enriched articles and say this number beside them (partial index article_pending_idx)."""
    sql, params = _sample_sql(queryset.filter(enrichment=Article.Enrichment.PENDING), cap, f_id=F("pk"))
    return _rows(f"SELECT COUNT(*) FROM ({sql}) s", params)[0][0]  # noqa: S608


def _with_selected(values: list[FacetValue], chosen: list[tuple[str, str]]) -> list[FacetValue]:
    """Mark chosen values; keep a chosen value that has no count any more, so it can be removed."""
    chosen_slugs = {slug for slug, _ in chosen}
    for value in values:
        value.selected = value.slug in chosen_slugs
    present = {value.slug for value in values}
    return values + [FacetValue(slug=s, name=n, count=0, selected=True) for s, n in chosen if s not in present]


def date_histogram(queryset: QuerySet, *, cap: int, step: int = 1) -> Histogram:
    """Counts by month, folded into years beyond HISTOGRAM_MAX_MONTHS, over at most
    ``AGGREGATE_BOUND × cap`` rows of ``queryset``; with ``step`` > 1 ``queryset`` is a sample of one
    article in ``step`` (:mod:`articles.sampling`) and each count is multiplied by ``step``."""
    sql, params = _sample_sql(queryset.filter(published_on__isnull=False), AGGREGATE_BOUND * cap, f_month=_month_key())
    rows = _rows(f"SELECT s.f_month, COUNT(*) FROM ({sql}) s GROUP BY s.f_month", params)  # noqa: S608
    months: dict[dt.date, int] = {}
    for month, n in rows:
        month = _month_date(month)
        months[month] = months.get(month, 0) + n * step
    if not months:
        return Histogram(unit="month")
    first, last = min(months), max(months)
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    if span > HISTOGRAM_MAX_MONTHS:
        years: dict[int, int] = {}
        for month, n in months.items():
            years[month.year] = years.get(month.year, 0) + n
        bars = [
            Bar(period=str(y), count=years.get(y, 0), date_from=dt.date(y, 1, 1), date_to=dt.date(y, 12, 31))
            for y in range(first.year, last.year + 1)
        ]
        histogram = Histogram(unit="year", bars=bars)
    else:
        bars = []
        year, month = first.year, first.month
        for _ in range(span):
            start = dt.date(year, month, 1)
            end = (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
            bars.append(Bar(period=f"{year}-{month:02d}", count=months.get(start, 0), date_from=start, date_to=end))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        histogram = Histogram(unit="month", bars=bars)
    top = histogram.max_count or 1
    for bar in histogram.bars:
        bar.percent = round(100 * bar.count / top) if bar.count else 0
    return histogram


def _month_key():
    # SQLite stores dates as ISO text: group by "YYYY-MM" there (TruncMonth is a Python function
    # called once per row on SQLite); PostgreSQL truncates natively.
    if connection.vendor == "sqlite":
        return Substr(Cast("published_on", CharField()), 1, 7)
    return TruncMonth("published_on")


def _month_date(month) -> dt.date:
    if isinstance(month, str):
        return dt.date(int(month[:4]), int(month[5:7]), 1)
    return month.date() if isinstance(month, dt.datetime) else month


# The archive's articles per month change only with ingest: recounting them (a scan of the table)
# for every share-mode histogram would cost more than the search itself.
TOTALS_CACHE_SECONDS = 600


def archive_period_totals() -> dict[str, int]:
    """All dated articles per month ("2024-05") and per year ("2024"), cached TOTALS_CACHE_SECONDS.

    The denominators of the histogram's share mode.
    """
    totals = cache.get("archive_period_totals")
    if totals is None:
        totals = {}
        rows = (
            Article.objects.filter(published_on__isnull=False)
            .annotate(f_month=_month_key())
            .values("f_month")
            .annotate(n=Count("pk"))
            .values_list("f_month", "n")
        )
        for month, n in rows:
            month = _month_date(month)
            totals[f"{month.year}-{month.month:02d}"] = totals.get(f"{month.year}-{month.month:02d}", 0) + n
            totals[str(month.year)] = totals.get(str(month.year), 0) + n
        cache.set("archive_period_totals", totals, TOTALS_CACHE_SECONDS)
    return totals


def article_ids_for_export(*, data, limit: int) -> tuple[ArticleFilter, list[int]]:
    """Ids of a search's results in its order, at most ``limit``."""
    filterset = ArticleFilter(data, queryset=Article.objects.all())
    if filterset.data:
        query_entity_expansion(filterset.parsed, filterset.data.get("q", ""))
    queryset, sort = filterset.qs, filterset.sort_order
    with search_planned(filterset.parsed):
        if sort == SORT_RELEVANCE and filterset.parsed.has_positive:
            return filterset, search_ranked_ids(queryset, filterset.parsed, offset=0, limit=limit)
        return filterset, list(_ordered(queryset, sort).values_list("pk", flat=True)[:limit])


def articles_by_ids(ids: list[int], *, chunk: int = 500, entities: bool = False) -> Iterator[Article]:
    """Articles in the order of ``ids``, loaded ``chunk`` at a time (for streaming). With
    ``entities``, each gets ``export_entities`` ([{"name", "kind", "slug"}], by kind and name):
    one more query per chunk."""
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        by_id = _base().in_bulk(part)
        if entities:
            found: dict[int, list[dict]] = {i: [] for i in by_id}
            rows = (
                Mention.objects.filter(article_id__in=part)
                .values_list("article_id", "entity__name", "entity__kind", "entity__slug")
                .distinct()
                .order_by("article_id", "entity__kind", "entity__name")
            )
            for article_id, name, kind, slug in rows:
                found[article_id].append({"name": name, "kind": kind, "slug": slug})
            for i, article in by_id.items():
                article.export_entities = found[i]
        yield from (by_id[i] for i in part if i in by_id)


def articles_newest_queryset() -> QuerySet:
    """Newest stories: each story once, as its first copy."""
    return _ordered(_base().filter(story_lead=True), SORT_NEWEST)


def source_articles(*, source: Source) -> QuerySet:
    return _ordered(_base().filter(source=source), SORT_NEWEST)


def topic_articles(*, topic: Topic) -> QuerySet:
    return _ordered(_base().filter(topic=topic), SORT_NEWEST)


def entity_articles(*, entity: Entity) -> QuerySet:
    """The entity's stories, newest first: each story once, as its first copy."""
    mentioned = Mention.objects.filter(entity=entity).values("article_id")
    return _ordered(_base().filter(pk__in=mentioned, story_lead=True), SORT_NEWEST)


def entity_histogram(*, entity: Entity, cap: int | None = None) -> Histogram:
    """The entity's timeline (over at most ``cap`` of its articles)."""
    cap = settings.SEARCH_COUNT_CAP if cap is None else cap
    return date_histogram(
        Article.objects.filter(pk__in=Mention.objects.filter(entity=entity).values("article_id")), cap=cap
    )


def source_histogram(*, source: Source, cap: int | None = None) -> Histogram:
    """The source's articles per month or year (over at most ``cap`` of them)."""
    cap = settings.SEARCH_COUNT_CAP if cap is None else cap
    return date_histogram(Article.objects.filter(source=source), cap=cap)


def topic_histogram(*, topic: Topic, cap: int | None = None) -> Histogram:
    """The topic's articles per month or year (over at most ``cap`` of them)."""
    cap = settings.SEARCH_COUNT_CAP if cap is None else cap
    return date_histogram(Article.objects.filter(topic=topic), cap=cap)


def entity_cooccurrence(*, entity: Entity, limit: int = 15) -> list[FacetValue]:
    """Entities mentioned in the same articles (over a sample of COOCCURRENCE_SAMPLE of them)."""
    return entities_top(queryset=entity_articles(entity=entity), limit=limit, exclude=entity)


def entities_top(*, queryset: QuerySet, limit: int = 15, exclude: Entity | None = None) -> list[FacetValue]:
    """The entities mentioned in the most articles of ``queryset`` (counted over a sample of at most
    COOCCURRENCE_SAMPLE of them), most articles first; ``exclude`` leaves one entity out."""
    sql, params = _sample_sql(queryset, COOCCURRENCE_SAMPLE, f_id=F("pk"))
    rows = _rows(
        f"SELECT e.slug, e.name, e.kind, COUNT(DISTINCT m.article_id) FROM ({sql}) s "  # noqa: S608
        f"JOIN {MENTION} m ON m.article_id = s.f_id JOIN {ENTITY} e ON e.id = m.entity_id "
        f"WHERE m.entity_id <> %s AND {VISIBLE_SQL} GROUP BY e.slug, e.name, e.kind ORDER BY 4 DESC, 2 LIMIT %s",
        [*params, exclude.pk if exclude else 0, LOW_CONFIDENCE, limit],
    )
    return [FacetValue(slug=slug, name=name, count=n, kind=kind) for slug, name, kind, n in rows]


def articles_related(*, article: Article, limit: int = 5) -> list[Article]:
    """Articles sharing the most entities with ``article`` (newest first on ties)."""
    entity_ids = Mention.objects.filter(article=article).filter(Entity.visible_q("entity__")).values("entity_id")
    rows = (
        Mention.objects.filter(entity_id__in=entity_ids)
        .exclude(article=article)
        .values("article_id")
        .annotate(n=Count("entity_id", distinct=True), newest=Max("article__published_on"))
        .order_by("-n", F("newest").desc(nulls_last=True), "-article_id")[:limit]
    )
    ids = [row["article_id"] for row in rows]
    by_id = _base().in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


@dataclass
class Segment:
    text: str
    entity: Entity | None = None


def _segments(text: str, mentions: list[Mention]) -> list[Segment]:
    """``text`` cut at mention offsets; offsets that do not fit the text are ignored, not guessed."""
    out: list[Segment] = []
    pos = 0
    for mention in sorted(mentions, key=lambda m: (m.start, m.end)):
        if mention.start < pos or mention.end > len(text) or mention.end <= mention.start:
            continue
        if search_key(text[mention.start : mention.end]) != search_key(mention.surface):
            continue
        out.append(Segment(text[pos : mention.start]))
        out.append(Segment(text[mention.start : mention.end], mention.entity))
        pos = mention.end
    out.append(Segment(text[pos:]))
    return [segment for segment in out if segment.text]


def _paragraphs(segments: list[Segment]) -> list[list[Segment]]:
    paragraphs: list[list[Segment]] = [[]]
    for segment in segments:
        lines = segment.text.split("\n")
        for i, line in enumerate(lines):
            if i:
                paragraphs.append([])
            if line:
                paragraphs[-1].append(Segment(line, segment.entity))
    return [p for p in paragraphs if "".join(s.text for s in p).strip()]


@dataclass
class ArticleView:
    article: Article
    title: list[Segment]
    paragraphs: list[list[Segment]]
    entities: list[Entity]


def article_view(*, article: Article) -> ArticleView:
    """The article's title and paragraphs cut into text and entity-linked segments."""
    mentions = list(Mention.objects.filter(article=article).select_related("entity"))
    entities = sorted({m.entity for m in mentions}, key=lambda e: (e.kind, e.name))
    return ArticleView(
        article=article,
        title=_segments(article.title, [m for m in mentions if m.in_title]),
        paragraphs=_paragraphs(_segments(article.body, [m for m in mentions if not m.in_title])),
        entities=entities,
    )
