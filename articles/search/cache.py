"""Search pages cached under the archive generation, so a cached page is never stale.

The key of a search is a hash of its parameters (query, filters, sort, page, page size, cap, facets
asked for, language) and of the *archive generation* (migration 0018): a number moved on, in the same
transaction, by every write to the tables search pages read (ingest, edits in the admin, entity merges,
story grouping). A reader reads the generation first (one primary-key lookup, on the database it reads
articles from: a replica's generation is that of the replica's data), so after a write commits no
reader can get a page computed before it; the entries of older generations are never asked for again
and expire (``SEARCH_CACHE_SECONDS``).

The cache is the ``search`` alias of ``settings.CACHES``: Redis (``CACHE_URL``) in production, shared
by every worker; this process's memory otherwise. ``SEARCH_CACHE_SECONDS = 0`` turns caching off.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import get_language

from articles.search.sql import rows_read

GENERATION_TABLE = "articles_archive_generation"


def archive_generation() -> int:
    """The archive generation as the database articles are read from sees it now."""
    rows = rows_read(f"SELECT value FROM {GENERATION_TABLE} WHERE id = 1", [])  # noqa: S608
    return rows[0][0] if rows else 0


def search_cache_key(*, kind: str, data, **parts) -> str:
    """A cache key for ``kind`` of page (``data``: a QueryDict or dict of the request's parameters;
    ``parts``: whatever else shapes the page) at the current archive generation. One query."""
    if hasattr(data, "lists"):
        params = sorted((k, sorted(v)) for k, v in data.lists())
    else:
        params = sorted((k, sorted(v) if isinstance(v, list | tuple) else [v]) for k, v in dict(data or {}).items())
    blob = json.dumps([params, sorted(parts.items()), get_language() or ""], ensure_ascii=False, default=str)
    digest = hashlib.sha256(blob.encode()).hexdigest()[:32]
    return f"{kind}:{archive_generation()}:{digest}"


def search_cached[T](key: str, compute: Callable[[], T]) -> T:
    """The value cached under ``key``, or ``compute()`` stored there for SEARCH_CACHE_SECONDS."""
    seconds = getattr(settings, "SEARCH_CACHE_SECONDS", 300)
    if seconds <= 0:
        return compute()
    cache = caches["search"]
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value
