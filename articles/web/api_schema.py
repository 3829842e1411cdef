"""The OpenAPI 3.0 document of the read-only JSON API, served at /api/schema/.

Written by hand next to articles/web/api.py (two endpoints do not need a schema generator); the suite checks
the live API against it with schemathesis (tests/test_api_schema.py), so a change to either shows.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from articles.models import Entity
from articles.search.filters import SORT_CHOICES
from articles.web.api import MAX_PAGE, PER_PAGE


def _param(name: str, description: str, schema: dict, *, array: bool = False) -> dict:
    if array:
        schema = {"type": "array", "items": schema}
    # An empty value means "not given" (the filters ignore it), so it is allowed everywhere.
    param = {
        "name": name,
        "in": "query",
        "required": False,
        "allowEmptyValue": True,
        "description": description,
        "schema": schema,
    }
    if array:
        param.update(style="form", explode=True)
    return param


_STRING = {"type": "string"}
_DATE = {"type": "string", "format": "date"}
_PAGE = _param(
    "page", f"1-based page number ({PER_PAGE} results a page)", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}
)
_NAMED = {
    "type": "object",
    "required": ["slug", "name"],
    "properties": {"slug": _STRING, "name": _STRING},
}
_FACET_VALUE = {
    "type": "object",
    "required": ["slug", "name", "count"],
    "properties": {"slug": _STRING, "name": _STRING, "count": {"type": "integer", "minimum": 0}},
}
_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": _STRING,
        "parameter": _STRING,
        "errors": {"type": "object"},
        "status": {"type": "integer"},
        "retry_after": {"type": "integer"},
    },
}
_NEXT = {"type": "string", "format": "uri", "nullable": True, "description": "the next page, or null on the last"}


def _json(schema: dict, description: str, *, retry_after: bool = False) -> dict:
    response: dict = {"description": description, "content": {"application/json": {"schema": schema}}}
    if retry_after:
        response["headers"] = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
    return response


_ERRORS = {
    "400": _json(_ERROR, "a bad parameter, named in `parameter`"),
    "429": _json(_ERROR, "too many expensive requests from this client (rate limit)", retry_after=True),
    "503": _json(_ERROR, "the database is unavailable; retry later", retry_after=True),
}

ARTICLES = {
    "get": {
        "operationId": "articles_search",
        "summary": "Search the clippings (Arabic-aware full text, facets, date histogram)",
        "parameters": [
            _param("q", 'query: words, "exact phrase", OR (| أو), -excluded', _STRING),
            _param("topic", "topic slugs (any of them; `none` = unclassified)", _STRING, array=True),
            _param("source", "source slugs (any of them)", _STRING, array=True),
            _param("entity", "entity slugs (all of them)", _STRING, array=True),
            _param("kind", "entity kinds", {"type": "string", "enum": list(Entity.Kind.values)}, array=True),
            _param("date_from", "published on or after (ISO date)", _DATE),
            _param("date_to", "published on or before (ISO date)", _DATE),
            _param("year", "publication year", {"type": "integer", "minimum": 1, "maximum": 9999}),
            _param("month", "publication month (with year)", {"type": "integer", "minimum": 1, "maximum": 12}),
            _param("sort", "result order", {"type": "string", "enum": [value for value, _ in SORT_CHOICES]}),
            _PAGE,
        ],
        "responses": {
            "200": _json(
                {
                    "type": "object",
                    "required": ["count", "count_is_estimate", "results", "facets", "next"],
                    "properties": {
                        "count": {"type": "integer", "minimum": 0},
                        "count_is_estimate": {
                            "type": "boolean",
                            "description": "above SEARCH_COUNT_CAP: count and facet counts are estimated from a "
                            "systematic sample of the matches (3 significant digits)",
                        },
                        "results": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["id", "title", "url", "published_on", "source", "topic", "snippet"],
                                "properties": {
                                    "id": {"type": "integer"},
                                    "title": _STRING,
                                    "url": {"type": "string", "format": "uri"},
                                    "published_on": {**_DATE, "nullable": True},
                                    "source": _NAMED,
                                    "topic": {**_NAMED, "nullable": True},
                                    "snippet": {"type": "string", "description": "escaped HTML with <mark>"},
                                },
                            },
                        },
                        "facets": {
                            "type": "object",
                            "properties": {
                                "topic": {"type": "array", "items": _FACET_VALUE},
                                "source": {"type": "array", "items": _FACET_VALUE},
                                "entity": {"type": "array", "items": _FACET_VALUE},
                                "date": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["period", "count"],
                                        "properties": {"period": _STRING, "count": {"type": "integer"}},
                                    },
                                },
                            },
                            "additionalProperties": {"type": "array"},
                        },
                        "next": _NEXT,
                    },
                },
                "one page of results",
            ),
            **_ERRORS,
        },
    }
}

ENTITIES = {
    "get": {
        "operationId": "entities_find",
        "summary": "Find named entities by any word of an alias or a Latin spelling",
        "parameters": [
            _param(
                "q",
                "a name, any word of it (a surname, a place's second word) or its beginning, an alias or a Latin"
                " transliteration; the exact name and the main person first, relatives (Jr.) after",
                _STRING,
            ),
            _param("kind", "entity kind", {"type": "string", "enum": list(Entity.Kind.values)}),
            _PAGE,
        ],
        "responses": {
            "200": _json(
                {
                    "type": "object",
                    "required": ["results", "next"],
                    "properties": {
                        "results": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["slug", "kind", "name", "aliases", "article_count", "url"],
                                "properties": {
                                    "slug": _STRING,
                                    "kind": {"type": "string", "enum": list(Entity.Kind.values)},
                                    "name": _STRING,
                                    "aliases": {"type": "array", "items": _STRING},
                                    "article_count": {"type": "integer", "minimum": 0},
                                    "url": {"type": "string", "format": "uri"},
                                },
                            },
                        },
                        "next": _NEXT,
                    },
                },
                "one page of entities",
            ),
            **_ERRORS,
        },
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
        "paths": {"/api/articles/": ARTICLES, "/api/entities/": ENTITIES},
    }


@require_GET
def api_schema(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi_document(server_url=request.build_absolute_uri("/")), json_dumps_params={"indent": 1})
