"""Reads that scale out: read-only page queries go to PostgreSQL streaming replicas, everything else to the primary.

Settings (see ``settings.py``): ``DATABASE_REPLICA_URLS`` (comma-separated ``postgres://`` URLs of hot standbys)
become the aliases ``replica_1`` … ``replica_N``. With none configured every query goes to ``default``.

A request may read from a replica only when all of these hold (anything else reads the primary):

* :class:`ReplicaReadMiddleware` marked it: a ``GET``/``HEAD``/``OPTIONS`` request outside the admin, without the
  ``db_primary`` cookie that follows a write (so a reader who just wrote sees it on the next pages, the usual
  "read your own writes" pinning, as in Mozilla's django-multidb-router);
* nothing was written yet in this request (the first ``db_for_write`` pins the rest of it to the primary);
* the primary connection is not inside a transaction (``atomic`` on ``default`` means a write is under way);
* the model is not a session, user or admin-log row (logins must be seen at once; those tables are tiny).

Management commands (ingest, re-extraction) and background work run outside any request, so they read and write
the primary. One replica is chosen at random per request and kept for the whole request, so the count, the page
and the facets of one search see the same snapshot. Raw SQL that reads must use
``connections[router.db_for_read(Model)]`` (search backends and selectors do).

Replicas are asynchronous: a page may lag the primary by the replay delay (milliseconds on a LAN). Migrations run
on the primary only and reach replicas through WAL.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
PIN_COOKIE = "db_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Tables whose reads must always see the latest write: sessions and users (a login), the admin log.
PRIMARY_APPS = frozenset({"sessions", "auth", "admin"})


@dataclass
class ReadState:
    """Where one request reads: its replica alias, and whether it is pinned to the primary."""

    replica: str
    pinned: bool = False


_state: ContextVar[ReadState | None] = ContextVar("db_read_state", default=None)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


def read_alias() -> str:
    """The alias the current context reads from (``default`` outside a replica-eligible request)."""
    state = _state.get()
    if state is None or state.pinned:
        return PRIMARY
    if connections[PRIMARY].in_atomic_block:
        state.pinned = True
        return PRIMARY
    return state.replica


class PrimaryReplicaRouter:
    """Django database router (``DATABASE_ROUTERS``); see the module docstring for the rules."""

    def db_for_read(self, model, **hints) -> str:
        if model._meta.app_label in PRIMARY_APPS:
            return PRIMARY
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        state = _state.get()
        if state is not None:
            state.pinned = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # Every alias holds the same data (replicas are copies of the primary).
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == PRIMARY


class ReplicaReadMiddleware:
    """Marks safe, non-admin requests as replica-eligible; after a write, pins the reader to the primary
    for ``DATABASE_REPLICA_PIN_SECONDS`` with a cookie (covers the redirect after a POST and replica lag)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        replicas = replica_aliases()
        eligible = (
            bool(replicas)
            and request.method in SAFE_METHODS
            and not request.path.startswith(settings.DATABASE_PRIMARY_PATHS)
            and PIN_COOKIE not in request.COOKIES
        )
        state = ReadState(replica=random.choice(replicas) if replicas else PRIMARY, pinned=not eligible)
        token = _state.set(state)
        try:
            response = self.get_response(request)
        finally:
            _state.reset(token)
        if response.streaming:
            # A streamed export queries while it is sent, after this method returned: keep its reads where
            # the view's were.
            response.streaming_content = _streamed(response.streaming_content, state)
        wrote = request.method not in SAFE_METHODS or (eligible and state.pinned)
        if replicas and wrote:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=not settings.DEBUG,
            )
        return response


def _streamed(chunks: Iterable, state: ReadState) -> Iterator:
    iterator = iter(chunks)
    while True:
        token = _state.set(state)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _state.reset(token)
        yield chunk
