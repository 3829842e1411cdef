"""PostgreSQL ``statement_timeout`` for readers' requests: no single query holds a web worker.

A ``GET``/``HEAD``/``OPTIONS`` request outside ``DATABASE_PRIMARY_PATHS`` (the admin) runs its statements
under ``DB_READER_STATEMENT_TIMEOUT_MS`` on the connection it reads from (a replica's or the primary's).
The setting is a session setting kept with the connection (connections live ``DB_CONN_MAX_AGE``), so it
is sent once per connection, not per request: a writer's request (POST, the admin) on a connection that
has it resets it first, and the next reader's request sets it again. A statement cancelled by it raises
``OperationalError``, which ``articles.web.outage`` answers with a 503 and ``Retry-After``. Management
commands, ingest and workers never pass through here and are not limited. SQLite has no such setting.

Inside a transaction already open when the request starts (a test's; ``ATOMIC_REQUESTS`` is not used) it
does nothing: a SET there would be undone with the transaction, and the connection's state unknown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

from newsarchive.db_router import SAFE_METHODS, read_alias

log = logging.getLogger(__name__)
# Attribute of Django's connection wrapper: (id of the DB-API connection, timeout ms) last sent on it.
STATE = "_reader_statement_timeout"


def reader_request(request: HttpRequest) -> bool:
    """Whether ``request`` is a reader's (its statements get the timeout)."""
    return request.method in SAFE_METHODS and not request.path.startswith(settings.DATABASE_PRIMARY_PATHS)


def timeout_apply(alias: str, ms: int) -> None:
    """Make ``statement_timeout`` of ``alias``'s connection ``ms`` (0: the server's default), sending
    it only when the connection does not have it already. Raises DatabaseError when unreachable."""
    connection = connections[alias]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    connection.ensure_connection()
    raw = id(connection.connection)
    if getattr(connection, STATE, (raw, 0)) == (raw, ms):
        return
    with connection.cursor() as cursor:
        if ms:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{int(ms)}ms"])
        else:
            cursor.execute("RESET statement_timeout")
    setattr(connection, STATE, (raw, ms))


class ReaderStatementTimeoutMiddleware:
    """Sets ``statement_timeout`` for a reader's request on PostgreSQL (see the module docstring).
    After :class:`newsarchive.db_router.ReplicaReadMiddleware`, which decides where the request reads."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ms = max(0, settings.DB_READER_STATEMENT_TIMEOUT_MS)
        try:
            if reader_request(request):
                timeout_apply(read_alias(), ms)
            else:
                timeout_apply("default", 0)
        except DatabaseError:
            # Unreachable: the view's own first query fails the same way and is answered 503 there.
            log.warning("statement_timeout not applied: database unavailable", exc_info=True)
        return self.get_response(request)
