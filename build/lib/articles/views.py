"""Public, read-only pages. Views only call selectors and render."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from articles import selectors
from articles.filters import DATE_PARAMS, SORT_CHOICES
from articles.models import Article, Entity, Source, Topic
from articles.pagination import capped_page, page_parse

PER_PAGE = 20
ENTITY_INDEX_PER_PAGE = 50
# Parameters a search URL carries (feeds and exports reuse them).
SEARCH_PARAMS = ("q", "topic", "source", "entity", "kind", "date_from", "date_to", "year", "month", "sort")


def _listing(request: HttpRequest, queryset, template: str, **context) -> HttpResponse:
    page = capped_page(queryset, page=page_parse(request.GET.get("page")), per_page=PER_PAGE)
    return render(request, template, {"page": page, **context})


def search_params(data: QueryDict) -> QueryDict:
    """Only the search parameters of a query string (no page, no junk)."""
    params = QueryDict(mutable=True)
    for key in SEARCH_PARAMS:
        values = [v for v in data.getlist(key) if v != ""]
        if values:
            params.setlist(key, values)
    return params


def _url_with(params: QueryDict, *, drop: tuple[str, ...] = (), toggle: tuple[str, str] | None = None, **set_) -> str:
    """The search URL for ``params`` with some keys dropped, one value toggled and some set."""
    new = params.copy()
    for key in drop:
        new.pop(key, None)
    if toggle:
        key, value = toggle
        values = new.getlist(key)
        new.setlist(key, [v for v in values if v != value] if value in values else [*values, value])
    for key, value in set_.items():
        new[key] = value
    return f"{reverse('search')}?{new.urlencode()}" if new else reverse("search")


def home(request: HttpRequest) -> HttpResponse:
    return _listing(request, selectors.articles_newest_queryset(), "articles/home.html")


def search(request: HttpRequest) -> HttpResponse:
    result = selectors.article_search(data=request.GET, page=page_parse(request.GET.get("page")), per_page=PER_PAGE)
    params = search_params(request.GET)
    for name, values in result.facets.items():
        for value in values:
            value.url = _url_with(params, drop=("page",), toggle=(name, value.slug))
    if result.histogram:
        for bar in result.histogram.bars:
            bar.url = _url_with(
                params, drop=DATE_PARAMS, date_from=bar.date_from.isoformat(), date_to=bar.date_to.isoformat()
            )
    has_dates = any(params.get(key) for key in DATE_PARAMS)
    return render(
        request,
        "articles/search.html",
        {
            "result": result,
            "page": result.page,
            "form": result.filterset.form,
            "params": params,
            "query_string": params.urlencode(),
            "sort_choices": SORT_CHOICES,
            # A new query keeps the chosen facets.
            "hidden": [(key, value) for key in ("topic", "source", "entity", "kind") for value in params.getlist(key)],
            "clear_dates_url": _url_with(params, drop=DATE_PARAMS) if has_dates else "",
            "feed_url": f"{reverse('search_feed')}?{params.urlencode()}",
            "csv_url": f"{reverse('search_export_csv')}?{params.urlencode()}",
            "json_url": f"{reverse('search_export_json')}?{params.urlencode()}",
        },
    )


def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article.objects.select_related("source", "topic"), pk=pk)
    return render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "view": selectors.article_view(article=article),
            "related": selectors.articles_related(article=article),
        },
    )


def source_detail(request: HttpRequest, slug: str) -> HttpResponse:
    source = get_object_or_404(Source, slug=slug)
    return _listing(request, selectors.source_articles(source=source), "articles/source_detail.html", source=source)


def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    return _listing(request, selectors.topic_articles(topic=topic), "articles/topic_detail.html", topic=topic)


def entity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    entity = get_object_or_404(Entity, slug=slug)
    articles = selectors.entity_articles(entity=entity)
    histogram = selectors.entity_histogram(entity=entity)
    params = QueryDict(mutable=True)
    params["entity"] = entity.slug
    for bar in histogram.bars:
        bar.url = _url_with(params, date_from=bar.date_from.isoformat(), date_to=bar.date_to.isoformat())
    hit = selectors.entity_hits([entity])[0]
    cooccurring = selectors.entity_cooccurrence(entity=entity)
    for value in cooccurring:
        value.url = reverse("entity_detail", args=[value.slug])
        value.search_url = _url_with(params, toggle=("entity", value.slug))
    return _listing(
        request,
        articles,
        "articles/entity_detail.html",
        entity=entity,
        aliases=hit.aliases,
        article_count=hit.article_count,
        histogram=histogram,
        cooccurring=cooccurring,
        search_url=_url_with(params),
    )


def entity_index(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:200]
    kind = request.GET.get("kind", "")
    kind = kind if kind in Entity.Kind.values else ""
    number = page_parse(request.GET.get("page"))
    hits = selectors.entity_search(
        q=q, kind=kind, limit=ENTITY_INDEX_PER_PAGE + 1, offset=(number - 1) * ENTITY_INDEX_PER_PAGE
    )
    params = QueryDict(mutable=True)
    if q:
        params["q"] = q
    if kind:
        params["kind"] = kind
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
        },
    )


# Exports: the search's results in its order, streamed, at most settings.EXPORT_MAX_ROWS rows.
EXPORT_COLUMNS = ("id", "title", "url", "published_on", "source", "topic", "permalink")


def _export_rows(request: HttpRequest) -> Iterator[dict]:
    _, ids = selectors.article_ids_for_export(data=request.GET, limit=settings.EXPORT_MAX_ROWS)
    for article in selectors.articles_by_ids(ids):
        yield {
            "id": article.pk,
            "title": article.title,
            "url": article.url,
            "published_on": article.published_on.isoformat() if article.published_on else "",
            "source": article.source.name,
            "topic": article.topic.slug if article.topic else "",
            "permalink": request.build_absolute_uri(article.get_absolute_url()),
        }


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_safe(value) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: quote them as text."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def search_export_csv(request: HttpRequest) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(EXPORT_COLUMNS)  # BOM: spreadsheets then read UTF-8 Arabic right
        for row in _export_rows(request):
            yield writer.writerow([_csv_safe(row[c]) for c in EXPORT_COLUMNS])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="search.csv"'
    return response


def search_export_json(request: HttpRequest) -> StreamingHttpResponse:
    def chunks() -> Iterator[str]:
        yield "["
        for i, row in enumerate(_export_rows(request)):
            yield ("," if i else "") + "\n" + json.dumps(row, ensure_ascii=False)
        yield "\n]\n"

    response = StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="search.json"'
    response["X-Export-Max-Rows"] = str(settings.EXPORT_MAX_ROWS)
    return response
