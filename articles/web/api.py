"""Read-only JSON API: /api/articles/ (a search with facets) and /api/entities/ (entity lookup).

Bad parameters give 400 with {"error": ..., "parameter": name, "errors": {name: [messages]}}. Every
message of one response is in the request's language (LocaleMiddleware: the language cookie, then
Accept-Language, else Arabic), the form's own errors included.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from articles.models import Entity
from articles.search import selectors
from articles.search.links import search_params

PER_PAGE = 20
MAX_PAGE = 10_000


def _bad(parameter: str, message: str, errors: dict | None = None) -> JsonResponse:
    return JsonResponse(
        {"error": message, "parameter": parameter, "errors": errors or {parameter: [message]}}, status=400
    )


def _page(request: HttpRequest) -> int | JsonResponse:
    raw = request.GET.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        return _bad("page", _("page must be an integer from 1 to %(max)d") % {"max": MAX_PAGE})
    return int(raw)


def _facet(values) -> list[dict]:
    return [{"slug": v.slug, "name": v.name, "count": v.count} for v in values]


@require_GET
def articles(request: HttpRequest) -> JsonResponse:
    page = _page(request)
    if isinstance(page, JsonResponse):
        return page
    result = selectors.article_search(data=request.GET, page=page, per_page=PER_PAGE)
    form = result.filterset.form
    if form.errors:
        name = next(iter(form.errors))
        parameter = name if name != "__all__" else "q"
        error = form.errors[name][0]
        message = _("invalid value for %(parameter)s: %(error)s") % {"parameter": parameter, "error": error}
        return _bad(parameter, message, form.errors.get_json_data())
    results = [
        {
            "id": article.pk,
            "title": article.title,
            "url": request.build_absolute_uri(article.get_absolute_url()),
            "published_on": article.published_on.isoformat() if article.published_on else None,
            "source": {"slug": article.source.slug, "name": article.source.name},
            "topic": {"slug": article.topic.slug, "name": article.topic.name, "origin": article.topic_origin}
            if article.topic
            else None,
            "snippet": str(article.snippet),
            # Near-duplicate copies: size counts every copy; group=none lists each copy as its own result.
            "story": {"id": article.story_id, "size": article.story.size if article.story else 1}
            if article.story_id
            else None,
            # Found only through another spelling of the entity searched for (see "expanded").
            "matched_spelling": article.matched_spelling or None,
        }
        for article in result.page.items
    ]
    next_url = None
    if result.page.has_next:
        params = search_params(request.GET)
        params["page"] = str(result.page.next_page_number)
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    facets = {name: _facet(values) for name, values in result.facets.items()}
    facets["date"] = [{"period": bar.period, "count": bar.count} for bar in result.histogram.bars if bar.count]
    expansion = result.expansion
    return JsonResponse(
        {
            "expanded": {
                "entity": expansion.entity.slug,
                "name": expansion.entity.name,
                "spellings": expansion.spellings,
            }
            if expansion
            else None,
            # Above the cap, an estimate from a sample of the matches (articles.search.sampling), 3 significant digits.
            "count": result.page.estimate if result.page.count_is_estimate else result.page.count,
            "count_is_estimate": result.page.count_is_estimate,
            # What count and facet counts count: "stories" (default, each story once) or "articles" (group=none).
            "counts": "stories" if result.grouped else "articles",
            "results": results,
            "facets": facets,
            "next": next_url,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def entities(request: HttpRequest) -> JsonResponse:
    kind = request.GET.get("kind", "")
    if kind and kind not in Entity.Kind.values:
        return _bad("kind", _("kind must be one of %(kinds)s") % {"kinds": ", ".join(Entity.Kind.values)})
    page = _page(request)
    if isinstance(page, JsonResponse):
        return page
    show_all = request.user.is_staff and request.GET.get("all") == "1"
    hits = selectors.entity_search(
        q=request.GET.get("q", "")[:200],
        kind=kind,
        limit=PER_PAGE + 1,
        offset=(page - 1) * PER_PAGE,
        show_all=show_all,
    )
    next_url = None
    if len(hits) > PER_PAGE:
        params = request.GET.copy()
        params["page"] = str(page + 1)
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    return JsonResponse(
        {
            "results": [
                {
                    "slug": hit.entity.slug,
                    "kind": hit.entity.kind,
                    "name": hit.entity.name,
                    "aliases": hit.aliases,
                    "article_count": hit.article_count,
                    "url": request.build_absolute_uri(hit.entity.get_absolute_url()),
                }
                for hit in hits[:PER_PAGE]
            ],
            "next": next_url,
        },
        json_dumps_params={"ensure_ascii": False},
    )
