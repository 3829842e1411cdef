"""Public, read-only pages. Views only call selectors and render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from articles.models import Article, Entity, Source, Topic
from articles.pagination import capped_page, page_parse

PER_PAGE = 20


def _listing(request: HttpRequest, queryset, template: str, **context) -> HttpResponse:
    page = capped_page(queryset, page=page_parse(request.GET.get("page")), per_page=PER_PAGE)
    return render(request, template, {"page": page, **context})


def _articles():
    return Article.objects.select_related("source", "topic").order_by("-published_on", "-id")


def home(request: HttpRequest) -> HttpResponse:
    return _listing(request, _articles(), "articles/home.html")


def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article.objects.select_related("source", "topic"), pk=pk)
    return render(request, "articles/article_detail.html", {"article": article})


def source_detail(request: HttpRequest, slug: str) -> HttpResponse:
    source = get_object_or_404(Source, slug=slug)
    return _listing(request, _articles().filter(source=source), "articles/source_detail.html", source=source)


def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    return _listing(request, _articles().filter(topic=topic), "articles/topic_detail.html", topic=topic)


def entity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    entity = get_object_or_404(Entity, slug=slug)
    queryset = _articles().filter(mentions__entity=entity).distinct()
    return _listing(request, queryset, "articles/entity_detail.html", entity=entity)
