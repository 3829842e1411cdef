"""Read-only JSON API: /api/articles/ (a search with facets) and /api/entities/ (entity lookup).

Every object is built through a shape of articles.web.api_shapes declared below; the OpenAPI document
(/api/schema/, articles.web.api_schema) is generated from the same shapes.
Bad parameters give 400 with {"error": ..., "parameter": name, "errors": {name: [messages]}}. Every
message of one response is in the request's language (LocaleMiddleware: the language cookie, then
Accept-Language, else Arabic), the form's own errors included.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from articles.models import Article, Entity
from articles.search import selectors
from articles.search.links import search_params
from articles.web.api_shapes import Array, Nullable, Obj, boolean, integer, string

PER_PAGE = 20
MAX_PAGE = 10_000

# --- response shapes: the views build every object through these; /api/schema/ is generated from them ---
_COUNT = integer(minimum=0)
_URI = string(format="uri")
NEXT = Nullable(string("the next page, or null on the last", format="uri"))
NAMED = Obj({"slug": string(), "name": string()})
TOPIC = Obj({"slug": string(), "name": string(), "origin": string("who set it", enum=list(Article.TopicOrigin.values))})
STORY = Obj(
    {"id": integer(), "size": integer("copies in the story, this one included", minimum=1)},
    description="the near-duplicate copies this result stands for (group=none lists each copy)",
)
ARTICLE = Obj(
    {
        "id": integer(),
        "title": string(),
        "url": _URI,
        "published_on": Nullable(string(format="date")),
        "source": NAMED,
        "topic": Nullable(TOPIC),
        "snippet": string("escaped HTML with <mark>"),
        "story": Nullable(STORY),
        "matched_spelling": Nullable(string("found only through this other spelling of the entity searched for")),
    }
)
FACET_VALUE = Obj({"slug": string(), "name": string(), "count": _COUNT})
DATE_BAR = Obj({"period": string("YYYY or YYYY-MM"), "count": _COUNT})
FACETS = Obj(
    {"topic": Array(FACET_VALUE), "source": Array(FACET_VALUE), "entity": Array(FACET_VALUE), "date": Array(DATE_BAR)},
    optional=frozenset({"topic", "source", "entity"}),
)
EXPANDED = Obj(
    {"entity": string("slug"), "name": string(), "spellings": Array(string())},
    description="the entity searched for, whose other spellings the search also matched",
)
ARTICLES_PAGE = Obj(
    {
        "expanded": Nullable(EXPANDED),
        "count": _COUNT,
        "count_is_estimate": boolean(
            "above SEARCH_COUNT_CAP: count and facet counts are estimated from a systematic sample of the matches "
            "(3 significant digits)"
        ),
        "counts": string("what count counts: stories (default) or articles (group=none)", enum=["stories", "articles"]),
        "results": Array(ARTICLE),
        "facets": FACETS,
        "next": NEXT,
    }
)
ENTITY = Obj(
    {
        "slug": string(),
        "kind": string(enum=list(Entity.Kind.values)),
        "name": string(),
        "aliases": Array(string()),
        "article_count": _COUNT,
        "url": _URI,
    }
)
ENTITIES_PAGE = Obj({"results": Array(ENTITY), "next": NEXT})
# 400 from the views; 429 (articles.web.ratelimits) and 503 (articles.web.outage) from the middleware.
ERROR = Obj(
    {
        "error": string("the message, in the request's language"),
        "parameter": string("the bad parameter"),
        "errors": Obj(
            {}, extra=Array(Obj({"message": string(), "code": string()})), description="messages by parameter"
        ),
        "status": integer(),
        "retry_after": integer("seconds"),
    },
    optional=frozenset({"parameter", "errors", "status", "retry_after"}),
)


def _bad(parameter: str, message: str, errors: dict | None = None) -> JsonResponse:
    """400 naming ``parameter``; ``errors``: the form's ``get_json_data()`` ({name: [{message, code}]})."""
    errors = errors or {parameter: [{"message": message, "code": "invalid"}]}
    return JsonResponse(ERROR.build(error=message, parameter=parameter, errors=errors), status=400)


def _page(request: HttpRequest) -> int | JsonResponse:
    raw = request.GET.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        return _bad("page", _("page must be an integer from 1 to %(max)d") % {"max": MAX_PAGE})
    return int(raw)


def _facet(values) -> list[dict]:
    return [FACET_VALUE.build(slug=v.slug, name=v.name, count=v.count) for v in values]


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
        ARTICLE.build(
            id=article.pk,
            title=article.title,
            url=request.build_absolute_uri(article.get_absolute_url()),
            published_on=article.published_on.isoformat() if article.published_on else None,
            source=NAMED.build(slug=article.source.slug, name=article.source.name),
            topic=TOPIC.build(slug=article.topic.slug, name=article.topic.name, origin=article.topic_origin)
            if article.topic
            else None,
            snippet=str(article.snippet),
            # Near-duplicate copies: size counts every copy; group=none lists each copy as its own result.
            story=STORY.build(id=article.story_id, size=article.story.size if article.story else 1)
            if article.story_id
            else None,
            # Found only through another spelling of the entity searched for (see "expanded").
            matched_spelling=article.matched_spelling or None,
        )
        for article in result.page.items
    ]
    next_url = None
    if result.page.has_next:
        params = search_params(request.GET)
        params["page"] = str(result.page.next_page_number)
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    facets = {name: _facet(values) for name, values in result.facets.items()}
    facets["date"] = [DATE_BAR.build(period=bar.period, count=bar.count) for bar in result.histogram.bars if bar.count]
    expansion = result.expansion
    return JsonResponse(
        ARTICLES_PAGE.build(
            expanded=EXPANDED.build(
                entity=expansion.entity.slug, name=expansion.entity.name, spellings=expansion.spellings
            )
            if expansion
            else None,
            # Above the cap, an estimate from a sample of the matches (articles.search.sampling), 3 significant digits.
            count=result.page.estimate if result.page.count_is_estimate else result.page.count,
            count_is_estimate=result.page.count_is_estimate,
            # What count and facet counts count: "stories" (default, each story once) or "articles" (group=none).
            counts="stories" if result.grouped else "articles",
            results=results,
            facets=FACETS.build(**facets),
            next=next_url,
        ),
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
        ENTITIES_PAGE.build(
            results=[
                ENTITY.build(
                    slug=hit.entity.slug,
                    kind=hit.entity.kind,
                    name=hit.entity.name,
                    aliases=hit.aliases,
                    article_count=hit.article_count,
                    url=request.build_absolute_uri(hit.entity.get_absolute_url()),
                )
                for hit in hits[:PER_PAGE]
            ],
            next=next_url,
        ),
        json_dumps_params={"ensure_ascii": False},
    )
