"""Read-side queries used by the views, the API, the feeds and the exports.

Every function here issues a fixed number of queries whatever the page size, and none of them
counts or aggregates more than a few times ``settings.SEARCH_COUNT_CAP`` matching rows: above the cap,
counts, facets and the histogram are estimated from a systematic sample of the matches
(:mod:`articles.search.sampling`) and flagged as estimates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, QuerySet

from articles.enrich.selectors import (  # noqa: F401 - entity reads live there; re-exported for callers
    EntityHit,
    Expansion,
    articles_mark_spelling,
    entity_hits,
    entity_kwic,
    entity_list_marks,
    entity_search,
    query_entity_expansion,
)
from articles.models import Article, Entity, Mention, Source, Topic
from articles.search.backend import search_planned, search_ranked_ids
from articles.search.cache import search_cache_key, search_cached
from articles.search.facets import (  # noqa: F401 - FacetValue, Bar, Histogram re-exported for callers
    AGGREGATE_BOUND,
    FACET_FIELDS,
    Bar,
    FacetValue,
    Histogram,
    entities_counted,
    facet_count,
    histogram_from_months,
    month_date,
    month_key,
    months_counted,
    search_facets,
)
from articles.search.filters import SORT_NEWEST, SORT_OLDEST, SORT_RELEVANCE, ArticleFilter
from articles.search.highlight import highlight, snippet
from articles.search.pagination import CappedPage
from articles.search.query import ParsedQuery
from articles.search.sampling import sample_filter
from articles.search.sql import rows_read
from articles.stories.selectors import stories_attach
from articles.text import display_form, search_key

# Entity pages: co-occurrence is counted over this many of the entity's newest articles.
COOCCURRENCE_SAMPLE = 2000


def _ordered(queryset: QuerySet, sort: str) -> QuerySet:
    if sort == SORT_OLDEST:
        return queryset.order_by(F("published_on").asc(nulls_last=True), "id")
    return queryset.order_by(F("published_on").desc(nulls_last=True), "-id")


def _base() -> QuerySet:
    return Article.objects.select_related("source", "topic", "story")


def _sample_sql(queryset: QuerySet, cap: int, **columns) -> tuple[str, list]:
    """SQL for at most ``cap`` rows of ``queryset`` with the named columns, to aggregate from outside.

    The sample is a FROM subquery rather than ``id IN (... LIMIT n)``: PostgreSQL planned that
    semi-join as a nested loop over the whole table (20 s at 50k rows).
    """
    sample = queryset.order_by().annotate(**columns).values(*columns)[:cap]
    sql, params = sample.query.sql_with_params()
    return sql, list(params)




@dataclass
class SearchResult:
    filterset: ArticleFilter
    page: CappedPage | None
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
    """One page of a search (query + filters from ``data``), with facet counts and histogram.

    The page, counts and facets come from the search cache when this search was computed at the
    current archive generation (:mod:`articles.search.cache`: never stale); else computed and kept."""
    cap = settings.SEARCH_COUNT_CAP if cap is None else cap
    filterset = ArticleFilter(data, queryset=Article.objects.all())
    expansion = query_entity_expansion(filterset.parsed, filterset.data.get("q", "")) if filterset.data else None
    key = search_cache_key(kind="search", data=filterset.data, page=page, per_page=per_page, facets=facets, cap=cap)
    result = SearchResult(filterset=filterset, page=None, sort=filterset.sort_order, grouped=filterset.grouped)
    computed = search_cached(
        key, lambda: _search_computed(filterset, expansion, page=page, per_page=per_page, facets=facets, cap=cap)
    )
    for name, value in computed.items():
        setattr(result, name, value)
    result.expansion = expansion
    return result


def _search_computed(
    filterset: ArticleFilter, expansion: Expansion | None, *, page: int, per_page: int, facets: bool, cap: int
) -> dict:
    """The cacheable part of a search page: the page (items decorated), counts, facets, histogram."""
    queryset = filterset.qs
    sort = filterset.sort_order
    out: dict = {}
    with search_planned(filterset.parsed) as planner:
        total = facet_count(filterset.sampled, cap=cap)
        estimate = total.is_estimate
        count = cap if estimate else total.value
        if planner and not estimate:
            planner.selective()
        last = max(1, -(-count // per_page))
        number = min(max(page, 1), last)
        with planner.listing(filterset.parsed, above_cap=estimate) if planner else nullcontext():
            items = _page_items(queryset, filterset.parsed, sort, offset=(number - 1) * per_page, limit=per_page)
        out["page"] = CappedPage(
            items=items,
            number=number,
            per_page=per_page,
            count=count,
            count_is_estimate=estimate,
            estimate=_significant(total.value) if estimate else None,
        )
        if facets:
            found = search_facets(filterset=filterset, tally=total.rows, step=total.step, cap=cap)
            out.update(facets=found.facets, histogram=found.histogram, pending=found.pending)
            out.update(facets_are_estimates=found.step > 1, sample_step=found.step)
    articles_decorate(items, filterset.parsed)
    stories_attach(items)
    articles_mark_spelling(items, expansion)
    return out


def _significant(n: int, digits: int = 3) -> int:
    """``n`` rounded to ``digits`` significant digits: an estimate shown no more precise than it is."""
    return int(round(n, digits - len(str(n)))) if n >= 10**digits else n


def pending_count(*, queryset: QuerySet, cap: int) -> int:
    """How many of (at most ``cap`` of) ``queryset`` await enrichment: facets and entity pages
    count only enriched articles and say this number beside them (partial index article_pending_idx)."""
    sql, params = _sample_sql(queryset.filter(enrichment=Article.Enrichment.PENDING), cap, f_id=F("pk"))
    return rows_read(f"SELECT COUNT(*) FROM ({sql}) s", params)[0][0]  # noqa: S608


def date_histogram(queryset: QuerySet, *, cap: int) -> Histogram:
    """Counts by month of at most ``AGGREGATE_BOUND × cap`` rows of ``queryset``, folded into years
    beyond HISTOGRAM_MAX_MONTHS (entity, source and topic timelines)."""
    sql, params = _sample_sql(queryset.filter(published_on__isnull=False), AGGREGATE_BOUND * cap, f_month=month_key())
    months: dict[dt.date, int] = {}
    for month, n in rows_read(f"SELECT s.f_month, COUNT(*) FROM ({sql}) s GROUP BY s.f_month", params):  # noqa: S608
        month = month_date(month)
        months[month] = months.get(month, 0) + n
    return histogram_from_months(months)


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
            .annotate(f_month=month_key())
            .values("f_month")
            .annotate(n=Count("pk"))
            .values_list("f_month", "n")
        )
        for month, n in rows:
            month = month_date(month)
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


@dataclass
class EntityOverview:
    page: CappedPage
    histogram: Histogram
    cooccurring: list[FacetValue]
    # Timeline and co-occurrence counts are those of one story in ``step`` times ``step`` (1: exact).
    step: int = 1


def entity_overview(*, entity: Entity, page: int, per_page: int, cap: int | None = None) -> EntityOverview:
    """An entity page's stories (newest first), timeline and co-mentioned entities, from one count
    (:func:`articles.search.sampling.count_estimate`): exact up to ``cap`` stories, else estimated from the
    id sample that both the mention list and the articles are narrowed to; the timeline is grouped
    by the database in the same pass, the co-mentioned entities over about COOCCURRENCE_SAMPLE of them.
    Cached like a search page, under the archive generation (:mod:`articles.search.cache`)."""
    cap = settings.SEARCH_COUNT_CAP if cap is None else cap
    key = search_cache_key(kind="entity", data={"entity": str(entity.pk)}, page=page, per_page=per_page, cap=cap)
    return search_cached(key, lambda: _entity_overview_computed(entity, page=page, per_page=per_page, cap=cap))


def _entity_overview_computed(entity: Entity, *, page: int, per_page: int, cap: int) -> EntityOverview:
    def sampled(step: int) -> QuerySet:
        mentions = sample_filter(Mention.objects.filter(entity=entity), step, article="article_id")
        return sample_filter(Article.objects.filter(pk__in=mentions.values("article_id"), story_lead=True), step)

    total = facet_count(sampled, cap=cap, id_limit=COOCCURRENCE_SAMPLE)
    months, ids, step = total.rows.months, total.rows.ids, total.rows.ids_step
    cooccurring = [
        FacetValue(slug=slug, name=name, count=n * step, kind=kind)
        for slug, name, kind, n in entities_counted(ids=ids, limit=15, exclude=entity.pk)
    ]
    count = cap if total.is_estimate else total.value
    number = min(max(page, 1), max(1, -(-count // per_page)))
    items = list(entity_articles(entity=entity)[(number - 1) * per_page : number * per_page])
    return EntityOverview(
        page=CappedPage(
            items=items,
            number=number,
            per_page=per_page,
            count=count,
            count_is_estimate=total.is_estimate,
            estimate=_significant(total.value) if total.is_estimate else None,
        ),
        histogram=histogram_from_months({month: n * total.step for month, n in months.items()}),
        cooccurring=cooccurring,
        step=max(step, total.step),
    )


def source_histogram(*, source: Source, cap: int | None = None) -> Histogram:
    """The source's articles per month or year (over at most ``cap`` of them)."""
    cap = settings.SEARCH_COUNT_CAP if cap is None else cap
    return date_histogram(Article.objects.filter(source=source), cap=cap)


def topic_histogram(*, topic: Topic, cap: int | None = None) -> Histogram:
    """The topic's articles per month or year (over at most ``cap`` of them)."""
    cap = settings.SEARCH_COUNT_CAP if cap is None else cap
    return date_histogram(Article.objects.filter(topic=topic), cap=cap)


def entities_top(*, queryset: QuerySet, limit: int = 15, exclude: Entity | None = None) -> list[FacetValue]:
    """The entities mentioned in the most articles of ``queryset`` (counted over a sample of at most
    COOCCURRENCE_SAMPLE of them), most articles first; ``exclude`` leaves one entity out."""
    ids = list(queryset.order_by().values_list("pk", flat=True)[:COOCCURRENCE_SAMPLE])
    return [
        FacetValue(slug=slug, name=name, count=n, kind=kind)
        for slug, name, kind, n in entities_counted(ids=ids, limit=limit, exclude=exclude.pk if exclude else None)
    ]


# Related articles are found through the article's rarer entities: at most this many of them, each in
# at most RELATED_ENTITY_ARTICLES articles (a name in every tenth article says little about relatedness,
# and counting its co-mentions read 169 ms of mentions at 100,000 articles).
RELATED_ENTITIES = 8
RELATED_ENTITY_ARTICLES = 3000


def articles_related(*, article: Article, limit: int = 5) -> list[Article]:
    """Articles sharing the most of ``article``'s rarer entities (the most recently archived first on
    ties: counted in the mention index alone, no article row read): the RELATED_ENTITIES least common
    of its visible entities mentioned in at most RELATED_ENTITY_ARTICLES articles (or its three least
    common ones if all are commoner)."""
    counts = dict(
        Mention.objects.filter(article=article)
        .filter(Entity.visible_q("entity__"))
        .order_by()
        .values_list("entity_id", "entity__article_count")
        .distinct()
    )
    rarest = sorted(counts, key=lambda e: (counts[e], e))
    entity_ids = [e for e in rarest if counts[e] <= RELATED_ENTITY_ARTICLES][:RELATED_ENTITIES] or rarest[:3]
    rows = (
        Mention.objects.filter(entity_id__in=entity_ids)
        .exclude(article=article)
        .values("article_id")
        .annotate(n=Count("entity_id", distinct=True))
        .order_by("-n", "-article_id")[:limit]
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


def _displayed(segments: list[Segment]) -> list[Segment]:
    """Segments in display form (:func:`articles.text.display_form`), cut on the stored text first so
    the mention offsets still fit."""
    return [Segment(display_form(segment.text), segment.entity) for segment in segments]


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
        title=_displayed(_segments(article.title, [m for m in mentions if m.in_title])),
        paragraphs=_paragraphs(_displayed(_segments(article.body, [m for m in mentions if not m.in_title]))),
        entities=entities,
    )
