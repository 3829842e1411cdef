"""Database outages: readers get a 503 page (Arabic, with retry advice), the JSON API a JSON 503.

Both are rendered without the database (no context processors, no session, no user), logged, and carry
``Retry-After``. Nothing is cached about the outage: the next request opens a fresh connection, so the
archive recovers by itself when the database is back (Django closes a broken connection at the end of
the request that saw it).
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

from articles.web.api import ERROR

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# Connection refused, server gone, too many clients, SQLite "database is locked": come back later.
# Other database errors (bad SQL, constraint violations) are bugs and stay 500s.
OUTAGE_ERRORS = (OperationalError, InterfaceError)


def outage_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The 503 for a request that failed because the database is unreachable."""
    log.error("database unavailable, answered 503 to %s %s: %s", request.method, request.path, exc)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            ERROR.build(error=_("The archive's database is unavailable. Try again in a minute."), status=503),
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        # No request passed: context processors (user, messages) would query the database.
        html = loader.get_template("503.html").render({"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    """Turns a view's database-connection failure into a 503 (see module docstring)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OUTAGE_ERRORS):
            return outage_response(request, exception)
        return None


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: a 503 when the failure was the database going away outside a view (a middleware)."""
    exc = sys.exception()
    if isinstance(exc, OUTAGE_ERRORS):
        return outage_response(request, exc)
    return defaults.server_error(request, template_name)
