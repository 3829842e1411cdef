"""Public, read-only pages. Views only call selectors and render."""

from __future__ import annotations

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponsePermanentRedirect,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse

from articles.models import Article, Entity, Source, Story, Topic
from articles.search import selectors
from articles.search.filters import DATE_PARAMS, SORT_CHOICES
from articles.search.links import FILTER_PARAMS, date_range_selected, filter_chips, search_params, url_with
from articles.search.pagination import capped_page, page_parse
from articles.search.scans import MAX_QUERY_CHARS, article_scan_pages
from articles.stories.selectors import stories_attach, story_view
from articles.web import browsing, exports, scans
from articles.web.charts import MODE_COUNT, MODE_SHARE, histogram_chart, sparkline
from articles.web.home import home_overview

PER_PAGE = 20
ENTITY_INDEX_PER_PAGE = 50


def _listing(request: HttpRequest, queryset, template: str, **context) -> HttpResponse:
    page = capped_page(queryset, page=page_parse(request.GET.get("page")), per_page=PER_PAGE)
    stories_attach(page.items)
    return render(request, template, {"page": page, **context})


def favicon(request: HttpRequest) -> HttpResponse:
    # Resolved per request: the hashed static name exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def home(request: HttpRequest) -> HttpResponse:
    overview = home_overview()
    params = QueryDict(mutable=True)
    if overview.date_from:
        params["date_from"], params["date_to"] = overview.date_from.isoformat(), overview.date_to.isoformat()
    for name, values in (("source", overview.sources), ("topic", overview.topics), ("entity", overview.entities)):
        for value in values:
            value.url = url_with(params, toggle=(name, value.slug))
    return _listing(request, selectors.articles_newest_queryset(), "articles/home.html", overview=overview)


def story_detail(request: HttpRequest, pk: int) -> HttpResponse:
    story = get_object_or_404(Story.objects.select_related("lead"), pk=pk)
    return render(request, "articles/story_detail.html", {"story": story, "view": story_view(story=story)})


def search(request: HttpRequest) -> HttpResponse:
    result = selectors.article_search(data=request.GET, page=page_parse(request.GET.get("page")), per_page=PER_PAGE)
    params = search_params(request.GET)
    for name, values in result.facets.items():
        for value in values:
            value.url = url_with(params, drop=("page",), toggle=(name, value.slug))
    chart = None
    hist_mode = MODE_SHARE if params.get("hist") == MODE_SHARE else MODE_COUNT
    if result.histogram:
        chart = _chart(
            result.histogram,
            params,
            mode=hist_mode,
            totals=selectors.archive_period_totals() if hist_mode == MODE_SHARE else None,
            selected=date_range_selected(result.filterset),
        )
    has_dates = any(params.get(key) for key in DATE_PARAMS)
    return render(
        request,
        "articles/search.html",
        {
            "group_toggle_url": url_with(params, drop=("page", "group")) if not result.grouped
            else url_with(params, drop=("page",), group="none"),
            "result": result,
            "page": result.page,
            "form": result.filterset.form,
            "params": params,
            "query_string": params.urlencode(),
            "sort_choices": SORT_CHOICES,
            # A new query keeps the chosen facets.
            "hidden": [
                (key, value)
                for key in ("topic", "source", "entity", "kind", "hist", "group")
                for value in params.getlist(key)
            ],
            "clear_dates_url": url_with(params, drop=DATE_PARAMS) if has_dates else "",
            "chips": filter_chips(filterset=result.filterset, params=params),
            "clear_filters_url": url_with(params, drop=FILTER_PARAMS),
            "chart": chart,
            "hist_count_url": url_with(params, drop=("hist",)),
            "hist_share_url": url_with(params, hist=MODE_SHARE),
            "feed_url": f"{reverse('search_feed')}?{params.urlencode()}",
            "csv_url": f"{reverse('search_export_csv')}?{params.urlencode()}",
            "json_url": f"{reverse('search_export_json')}?{params.urlencode()}",
            "full_fields": ",".join(exports.FIELDS),
        },
    )


def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article.objects.select_related("source", "topic", "original"), pk=pk)
    query = request.GET.get("q", "")[:MAX_QUERY_CHARS]
    return render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "view": selectors.article_view(article=article),
            "related": selectors.articles_related(article=article),
            "scan_pages": article_scan_pages(article=article, query=query),
            "query": query,
        },
    )


def article_original(request: HttpRequest, pk: int) -> HttpResponse:
    """The clipping file the article was read from, byte for byte, as a download."""
    article = get_object_or_404(Article.objects.select_related("original"), pk=pk)
    return scans.original_response(article=article)


def article_page_image(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """One page of the article's clipping file as an image (the scan, or a PDF/TIFF page rendered)."""
    article = get_object_or_404(Article.objects.select_related("original"), pk=pk)
    return scans.page_image_response(article=article, number=number)


def _chart(histogram, params: QueryDict, **options):
    """The SVG chart of ``histogram`` whose bars narrow the search ``params`` to their period."""
    for bar in histogram.bars:
        bar.url = url_with(
            params, drop=(*DATE_PARAMS, "page"), date_from=bar.date_from.isoformat(), date_to=bar.date_to.isoformat()
        )
    return histogram_chart(histogram.bars, unit=histogram.unit, **options)


def _index(request: HttpRequest, rows, template: str) -> HttpResponse:
    for row in rows:
        row.sparkline = sparkline(row.months)
    return render(request, template, {"rows": rows})


def source_index(request: HttpRequest) -> HttpResponse:
    return _index(request, browsing.sources_overview(), "articles/source_index.html")


def topic_index(request: HttpRequest) -> HttpResponse:
    return _index(request, browsing.topics_overview(), "articles/topic_index.html")


def _entity_links(values: list, params: QueryDict) -> list:
    """Each entity's page, and the search ``params`` narrowed to its articles."""
    for value in values:
        value.url = reverse("entity_detail", args=[value.slug])
        value.search_url = url_with(params, toggle=("entity", value.slug))
    return values


def _browse_page(request: HttpRequest, *, articles, histogram, facet: str, obj) -> HttpResponse:
    """A source or topic page: its histogram, top entities and newest articles."""
    params = QueryDict(mutable=True)
    params[facet] = obj.slug
    top = _entity_links(selectors.entities_top(queryset=articles), params)
    return _listing(
        request,
        articles,
        "articles/_browse_detail.html",
        obj=obj,
        facet=facet,
        index_url=reverse(f"{facet}_index"),
        feed_url=reverse(f"{facet}_feed", args=[obj.slug]),
        chart=_chart(histogram, params),
        top_entities=top,
        search_url=url_with(params),
    )


def source_detail(request: HttpRequest, slug: str) -> HttpResponse:
    source = get_object_or_404(Source, slug=slug)
    return _browse_page(
        request,
        articles=selectors.source_articles(source=source),
        histogram=selectors.source_histogram(source=source),
        facet="source",
        obj=source,
    )


def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    return _browse_page(
        request,
        articles=selectors.topic_articles(topic=topic),
        histogram=selectors.topic_histogram(topic=topic),
        facet="topic",
        obj=topic,
    )


def entity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    entity = get_object_or_404(Entity, slug=slug)
    overview = selectors.entity_overview(entity=entity, page=page_parse(request.GET.get("page")), per_page=PER_PAGE)
    page = overview.page
    params = QueryDict(mutable=True)
    params["entity"] = entity.slug
    chart = _chart(overview.histogram, params)
    hit = selectors.entity_hits([entity])[0]
    cooccurring = _entity_links(overview.cooccurring, params)
    kwic = selectors.entity_kwic(entity=entity, articles=page.items)
    lists, listed = selectors.entity_list_marks(entity=entity, articles=page.items)
    for article in page.items:
        article.snippet = kwic.get(article.pk, "")  # the sentence mentioning it, name in <mark>
        article.from_list = "، ".join(lists) if article.pk in listed else ""
    return render(
        request,
        "articles/entity_detail.html",
        {
            "page": page,
            "entity": entity,
            "aliases": hit.aliases,
            "lists": lists,
            "article_count": hit.article_count,
            "pending": selectors.pending_count(queryset=Article.objects.all(), cap=settings.SEARCH_COUNT_CAP),
            "chart": chart,
            "cooccurring": cooccurring,
            "sample_step": overview.step,
            "search_url": url_with(params),
        },
    )


def entity_index(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:200]
    kind = request.GET.get("kind", "")
    kind = kind if kind in Entity.Kind.values else ""
    number = page_parse(request.GET.get("page"))
    show_all = request.user.is_staff and request.GET.get("all") == "1"
    hits = selectors.entity_search(
        q=q,
        kind=kind,
        limit=ENTITY_INDEX_PER_PAGE + 1,
        offset=(number - 1) * ENTITY_INDEX_PER_PAGE,
        show_all=show_all,
    )
    params = QueryDict(mutable=True)
    if q:
        params["q"] = q
    if kind:
        params["kind"] = kind
    if show_all:
        params["all"] = "1"
    return render(
        request,
        "articles/entity_index.html",
        {
            "hits": hits[:ENTITY_INDEX_PER_PAGE],
            "q": q,
            "kind": kind,
            "kinds": Entity.Kind.choices,
            "number": number,
            "has_next": len(hits) > ENTITY_INDEX_PER_PAGE,
            "query_string": params.urlencode(),
            "show_all": show_all,
            "can_show_all": request.user.is_staff,
        },
    )


# Exports: the search's results in its order, streamed, at most settings.EXPORT_MAX_ROWS rows.


def _export(request: HttpRequest, *, kind: str) -> HttpResponse:
    try:
        fields = exports.fields_parse(request.GET)
    except exports.FieldsError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    rows = exports.export_rows(
        request.GET, fields=fields, permalink=lambda a: request.build_absolute_uri(a.get_absolute_url())
    )
    if kind == "csv":
        response = StreamingHttpResponse(exports.csv_chunks(rows, fields), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(exports.json_chunks(rows), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="search.{kind}"'
    response["X-Export-Max-Rows"] = str(settings.EXPORT_MAX_ROWS)
    return response


def search_export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, kind="csv")


def search_export_json(request: HttpRequest) -> HttpResponse:
    return _export(request, kind="json")
