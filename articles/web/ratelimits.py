"""Per-client rate limits for expensive requests (django-ratelimit counters in the cache).

Kinds, each with its own budget per client address (settings ``RATELIMIT_*``, README "Rate limits"):
exports (CSV/JSON, up to EXPORT_MAX_ROWS rows each), feeds, searches with a query (ranking and facets),
and deep pages (page > RATELIMIT_DEEP_PAGE_FROM: an OFFSET scan each). Over budget the answer is
429 Too Many Requests with ``Retry-After`` (seconds to the end of the window), JSON under /api/.
Cheap requests (a first page without a query, articles, entities) are never counted.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from articles.web.api import ERROR

log = logging.getLogger(__name__)


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 10 else 1


def request_is_deep_page(request: HttpRequest) -> bool:
    return _page_number(request) > settings.RATELIMIT_DEEP_PAGE_FROM


def request_has_query(request: HttpRequest) -> bool:
    return bool(request.GET.get("q", "").strip())


def _too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    message = _("Too many requests of this kind from your address. Try again in %(seconds)s seconds.") % {
        "seconds": retry_after
    }
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            ERROR.build(error=message, status=429, retry_after=retry_after),
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    return response


def _over_budget(request: HttpRequest, group: str, rate: str) -> int | None:
    """Count this request in ``group``; the seconds to wait when the client is over ``rate``, else None."""
    usage = get_usage(request, group=group, key="ip", rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    retry_after = max(int(usage["time_left"]), 1)
    log.warning("rate limit %s (%s) hit by %s on %s", group, rate, request.META.get("REMOTE_ADDR"), request.path)
    return retry_after


def rate_limit(*kinds: str) -> Callable:
    """Decorate a view: each kind in ``kinds`` ("export", "feed", "search", "deep_page") that applies to the
    request is counted against its budget; any one exhausted answers 429."""
    checks: dict[str, Callable[[HttpRequest], bool]] = {
        "export": lambda request: True,
        "feed": lambda request: True,
        "search": request_has_query,
        "deep_page": request_is_deep_page,
    }

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            for kind in kinds:
                if checks[kind](request):
                    rate = getattr(settings, f"RATELIMIT_{kind.upper()}")
                    retry_after = _over_budget(request, kind, rate)
                    if retry_after is not None:
                        return _too_many(request, retry_after)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
