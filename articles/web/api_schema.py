"""The OpenAPI 3.0 document of the read-only JSON API, served at /api/schema/.

Generated from the code that answers: the response schemas are the shapes (articles.web.api_shapes) that
articles/web/api.py builds every object through, and the search parameters are the filterset's form fields.
The suite checks the live API against it with schemathesis (tests/test_api_schema.py).
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from articles.models import Article, Entity
from articles.search.filters import ArticleFilter
from articles.web import api
from articles.web.api_shapes import Obj, integer, parameter, parameters_from_form, string

# Descriptions of the search parameters; the parameters themselves (names, choices, bounds) are the
# filterset's form fields, so a filter added there appears here.
SEARCH_DESCRIPTIONS = {
    "q": 'query: words, "exact phrase", OR (| أو), -excluded',
    "topic": "topic slugs (any of them; `none` = unclassified)",
    "source": "source slugs (any of them)",
    "entity": "entity slugs (all of them)",
    "kind": "entity kinds",
    "date_from": "published on or after (ISO date)",
    "date_to": "published on or before (ISO date)",
    "year": "publication year",
    "month": "publication month (with year)",
    "sort": "result order",
    "group": "story (default): one result per story, its first copy; none: every copy",
}
PAGE = parameter(
    "page",
    integer(minimum=1, maximum=api.MAX_PAGE),
    f"1-based page number ({api.PER_PAGE} results a page)",
)


def _json(shape: Obj, description: str, *, retry_after: bool = False) -> dict:
    response: dict = {"description": description, "content": {"application/json": {"schema": shape.schema()}}}
    if retry_after:
        response["headers"] = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
    return response


def _errors() -> dict:
    return {
        "400": _json(api.ERROR, "a bad parameter, named in `parameter`"),
        "429": _json(api.ERROR, "too many expensive requests from this client (rate limit)", retry_after=True),
        "503": _json(api.ERROR, "the database is unavailable; retry later", retry_after=True),
    }


def _articles() -> dict:
    form = ArticleFilter(data={}, queryset=Article.objects.none()).form
    return {
        "get": {
            "operationId": "articles_search",
            "summary": "Search the clippings (Arabic-aware full text, facets, date histogram, stories)",
            "parameters": [*parameters_from_form(form, SEARCH_DESCRIPTIONS), PAGE],
            "responses": {"200": _json(api.ARTICLES_PAGE, "one page of results"), **_errors()},
        }
    }


def _entities() -> dict:
    return {
        "get": {
            "operationId": "entities_find",
            "summary": "Find named entities by any word of an alias or a Latin spelling",
            "parameters": [
                parameter(
                    "q",
                    string(),
                    "a name, any word of it (a surname, a place's second word) or its beginning, an alias or a"
                    " Latin transliteration; the exact name and the main person first, relatives (Jr.) after",
                ),
                parameter("kind", string(enum=list(Entity.Kind.values)), "entity kind"),
                PAGE,
            ],
            "responses": {"200": _json(api.ENTITIES_PAGE, "one page of entities"), **_errors()},
        }
    }


def openapi_document(*, server_url: str = "/") -> dict:
    """The OpenAPI 3.0.3 document of /api/ (a JSON-ready dict)."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Arabic news-clipping archive API",
            "version": "1",
            "description": "Read-only. Bad parameters answer 400 naming the parameter; expensive requests are "
            "rate-limited per client (429 with Retry-After); a database outage answers 503.",
        },
        "servers": [{"url": server_url}],
        "paths": {"/api/articles/": _articles(), "/api/entities/": _entities()},
    }


@require_GET
def api_schema(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi_document(server_url=request.build_absolute_uri("/")), json_dumps_params={"indent": 1})
