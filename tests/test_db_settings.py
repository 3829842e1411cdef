"""Database connection settings chosen on purpose (newsarchive/settings.py)."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("jit", "off"),  # JIT compiled every search query for nothing (docs/PERFORMANCE.md)
        ("random_page_cost", "1.1"),  # memory or SSD: index look-ups priced as such
    ],
)
def test_postgresql_connections_are_set_for_the_archive(setting, expected):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (DATABASE_URL=postgres://...)")
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {setting}")
        assert cursor.fetchone()[0] == expected
