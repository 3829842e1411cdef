"""PostgreSQL ``statement_timeout`` for readers' requests: no single query holds a web worker.

A ``GET``/``HEAD``/``OPTIONS`` request outside ``DATABASE_PRIMARY_PATHS`` (the admin) runs its statements
under ``DB_READER_STATEMENT_TIMEOUT_MS`` on the connection it reads from (a replica's or the primary's);
the setting is put back when the response is returned (connections are kept between requests). A
statement cancelled by it raises ``OperationalError``, which ``articles.web.outage`` answers with a 503
and ``Retry-After``. Writes (POST, the admin), management commands, ingest and workers are not limited.
SQLite has no such setting and is left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

from newsarchive.db_router import SAFE_METHODS, read_alias

log = logging.getLogger(__name__)


def reader_request(request: HttpRequest) -> bool:
    """Whether ``request`` is a reader's (its statements get the timeout)."""
    return request.method in SAFE_METHODS and not request.path.startswith(settings.DATABASE_PRIMARY_PATHS)


class ReaderStatementTimeoutMiddleware:
    """Sets ``statement_timeout`` for a reader's request on PostgreSQL (see the module docstring).
    After :class:`newsarchive.db_router.ReplicaReadMiddleware`, which decides where the request reads."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ms = settings.DB_READER_STATEMENT_TIMEOUT_MS
        connection = connections[read_alias()]
        if ms <= 0 or connection.vendor != "postgresql" or not reader_request(request):
            return self.get_response(request)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{int(ms)}ms"])
        try:
            return self.get_response(request)
        finally:
            try:
                if connection.connection is not None and not connection.needs_rollback:
                    with connection.cursor() as cursor:
                        cursor.execute("RESET statement_timeout")
            except DatabaseError:  # a broken connection is closed at the end of the request anyway
                log.warning("could not reset statement_timeout", exc_info=True)
