"""Statements that pass whole columns as array parameters (PostgreSQL ``unnest(%s::type[])``, ``= ANY(%s)``).

Django's PostgreSQL cursor binds parameters on the client: psycopg quotes every element of an array
parameter in Python (about 0.2 ms per article for a batch INSERT of articles with their search
vectors). A cursor bound by the server sends the arrays through psycopg's C dumpers instead, and the
statement stays a few dozen bytes whatever the batch size.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection


@contextmanager
def server_bound_cursor() -> Iterator[psycopg.Cursor]:
    """A psycopg cursor with server-side binding on Django's connection (PostgreSQL only). Database
    errors come out as Django's (``django.db.OperationalError`` ...), like from ``connection.cursor()``."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        yield cursor
