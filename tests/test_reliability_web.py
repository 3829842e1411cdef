"""Issue 13, read side: feeds survive any character, exports fail visibly, a database outage is a 503,
expensive requests are rate-limited with 429 + Retry-After, and every page carries a strict CSP."""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.db import InterfaceError, OperationalError
from django.urls import reverse

from articles.search import selectors
from tests.search_data import article_make, entity_make, source_make, topic_get

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent

# C0 controls, lone surrogate halves are not storable; these are what XML 1.0 refuses.
XML_ILLEGAL = "".join(chr(c) for c in [*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF])


@pytest.fixture
def hostile_world():
    """An article whose every shown field holds XML-illegal characters, with a source, topic and entity."""
    entity = entity_make(f"بوتين{XML_ILLEGAL}", slug="putin")
    source = source_make(f"مأرب{XML_ILLEGAL}", "marib")
    topic = topic_get("economy")
    topic.name_ar = f"اقتصاد{XML_ILLEGAL}"
    topic.save()
    title, body = f"بوتين\x01 عنوان{XML_ILLEGAL}", f"نص\x02 {XML_ILLEGAL} عن بوتين."
    return article_make(title, body, source=source, topic=topic, entities=(entity,))


FEEDS = [
    ("search_feed", {}),
    ("source_feed", {"slug": "marib"}),
    ("topic_feed", {"slug": "economy"}),
    ("entity_feed", {"slug": "putin"}),
]


@pytest.mark.parametrize(("name", "kwargs"), FEEDS, ids=[f[0] for f in FEEDS])
def test_every_feed_survives_control_characters_in_every_field(client, hostile_world, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed
    assert len(root.findall("{http://www.w3.org/2005/Atom}entry")) == 1


@pytest.mark.parametrize("q", ["\x01", "\x00", "بوتين\x1f", "\ufffe", "\x0b\x0c", "a" * 3000])
def test_search_feed_survives_any_query(client, hostile_world, q):
    response = client.get(reverse("search_feed"), {"q": q, "source": "\x01"})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        ET.fromstring(response.content)  # noqa: S314 - our own feed


# --- exports -----------------------------------------------------------------------------------------


def _fail(*args, **kwargs):
    raise OperationalError("connection refused (simulated outage)")


@pytest.mark.parametrize("name", ["search_export_csv", "search_export_json"])
def test_export_with_the_database_down_is_an_error_status_not_an_empty_200(client, monkeypatch, name):
    monkeypatch.setattr(selectors, "article_ids_for_export", _fail)
    response = client.get(reverse(name), {"q": "بوتين"})
    assert response.status_code == 503
    assert not response.streaming
    assert response["Retry-After"]


@pytest.mark.parametrize("name", ["search_export_csv", "search_export_json"])
def test_export_whose_first_chunk_fails_is_an_error_status(client, monkeypatch, name):
    article_make("بوتين في موسكو")
    monkeypatch.setattr(selectors, "articles_by_ids", lambda ids, **kw: (_fail() for _ in [1]))
    assert client.get(reverse(name)).status_code == 503


def _fail_after(rows: int):
    real = selectors.articles_by_ids

    def articles_by_ids(ids, **kwargs):
        for n, article in enumerate(real(ids, **kwargs)):
            if n == rows:
                raise InterfaceError("connection already closed (simulated)")
            yield article

    return articles_by_ids


@pytest.fixture
def three_articles():
    return [article_make(f"خبر رقم {n}") for n in range(3)]


def test_json_export_failing_mid_stream_does_not_parse_and_is_logged(client, monkeypatch, three_articles, caplog):
    monkeypatch.setattr(selectors, "articles_by_ids", _fail_after(2))
    with caplog.at_level(logging.ERROR, logger="articles.web.views"):
        response = client.get(reverse("search_export_json"))
        body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200  # the headers had gone out
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    assert "export failed after 2 rows" in body
    assert any("export failed" in r.getMessage() for r in caplog.records)


def test_csv_export_failing_mid_stream_ends_with_an_error_line(client, monkeypatch, three_articles, caplog):
    monkeypatch.setattr(selectors, "articles_by_ids", _fail_after(1))
    with caplog.at_level(logging.ERROR, logger="articles.web.views"):
        response = client.get(reverse("search_export_csv"))
        body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 3  # header, one row, the error line
    assert rows[-1][0] == "#ERROR" and "incomplete" in rows[-1][1]
    assert caplog.records


def test_complete_exports_still_parse(client, three_articles):
    assert len(json.loads(b"".join(client.get(reverse("search_export_json")).streaming_content))) == 3
    body = b"".join(client.get(reverse("search_export_csv")).streaming_content).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(body)))) == 4


# --- database outage ------------------------------------------------------------------------------------

PAGES = [
    ("home", {}),
    ("search", {}),
    ("source_index", {}),
    ("entity_index", {}),
]


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
@pytest.mark.parametrize(("name", "kwargs"), PAGES, ids=[p[0] for p in PAGES])
def test_outage_gives_readers_an_arabic_503_page(client, monkeypatch, caplog, name, kwargs, error):
    def down(*args, **kwargs):
        raise error("could not connect to server (simulated)")

    # Every query fails, as when the server is gone: the cursor itself raises.
    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", down)
    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.executemany", down)
    with caplog.at_level(logging.ERROR, logger="articles.web.outage"):
        response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert 'lang="ar"' in html and "حاول" in html  # Arabic, with retry advice
    assert any("database unavailable" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("name", ["api_articles", "api_entities"])
def test_outage_gives_the_api_a_json_503(client, monkeypatch, name):
    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", _fail)
    response = client.get(reverse(name), {"q": "بوتين"})
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["status"] == 503 and response["Retry-After"]


def test_other_database_errors_stay_500s(client, monkeypatch):
    from django.db import ProgrammingError

    def broken(*args, **kwargs):
        raise ProgrammingError("a bug, not an outage")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", broken)
    client.raise_request_exception = False
    assert client.get(reverse("home")).status_code == 500


# --- rate limits -----------------------------------------------------------------------------------------


@pytest.fixture
def limits(settings, monkeypatch):
    import types

    from django.core.cache import cache

    # django-ratelimit counts in fixed windows; on a slow machine four requests can straddle a window's end
    # and the count restarts. A clock frozen mid-window makes the test about the limit, not the timing.
    frozen = (int(time.time()) // 3600) * 3600 + 1800
    monkeypatch.setattr("django_ratelimit.core.time", types.SimpleNamespace(time=lambda: frozen))
    cache.clear()
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_EXPORT = "3/m"
    settings.RATELIMIT_FEED = "3/m"
    settings.RATELIMIT_SEARCH = "3/m"
    settings.RATELIMIT_DEEP_PAGE = "3/m"
    settings.RATELIMIT_DEEP_PAGE_FROM = 5
    yield settings
    cache.clear()


LIMITED = [
    ("search_export_csv", {}),
    ("search_export_json", {}),
    ("search_feed", {}),
    ("search", {"q": "بوتين"}),
    ("search", {"page": "6"}),
    ("home", {"page": "50"}),
    ("api_articles", {"q": "بوتين"}),
    ("api_articles", {"page": "7"}),
    ("entity_index", {"q": "بوتين"}),
]


@pytest.mark.parametrize(("name", "params"), LIMITED, ids=[f"{n}-{'-'.join(p)}" for n, p in LIMITED])
def test_expensive_requests_are_limited_per_client_with_retry_after(client, limits, name, params):
    codes = [client.get(reverse(name), params, REMOTE_ADDR="10.0.0.1").status_code for _ in range(4)]
    assert 429 not in codes[:3]
    assert codes[3] == 429
    response = client.get(reverse(name), params, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= 60
    if name.startswith("api_"):
        assert response.json()["status"] == 429
    # Another client is not affected.
    assert client.get(reverse(name), params, REMOTE_ADDR="10.0.0.2").status_code != 429


def test_cheap_requests_are_never_counted(client, limits):
    article = article_make("خبر")
    for _ in range(10):
        assert client.get(reverse("home")).status_code == 200
        assert client.get(reverse("search")).status_code == 200
        assert client.get(article.get_absolute_url()).status_code == 200


# --- CSP and templates -------------------------------------------------------------------------------------


def test_every_page_has_a_strict_content_security_policy(client):
    article = article_make("خبر")
    for url in (reverse("home"), reverse("search"), article.get_absolute_url(), reverse("admin:login")):
        policy = client.get(url)["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
        assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_no_template_holds_inline_script_style_or_event_handlers():
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.I)
    found = [
        f"{path.relative_to(ROOT)}: {m.group()}"
        for path in (ROOT / "templates").rglob("*.html")
        for m in inline.finditer(path.read_text())
    ]
    assert found == []


def test_url_fields_are_rendered_only_through_the_safe_property():
    """Every template that renders an article's or source's external URL uses link_url (http/https only).
    (Other ``.url`` values in templates are the archive's own reversed URLs.)"""
    raw = re.compile(r"\{\{\s*(article|source|[a-z_]+\.source)\.url\b")
    found = [str(p.relative_to(ROOT)) for p in (ROOT / "templates").rglob("*.html") if raw.search(p.read_text())]
    assert found == []


def test_every_feed_in_the_url_configuration_is_xml_safe():
    """A feed added later (the saved-search feed was one) is covered too."""
    from django.contrib.syndication.views import Feed
    from django.urls import get_resolver

    from articles.web.feeds import XmlSafeAtom1Feed

    def feeds(resolver):
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                yield from feeds(pattern)
                continue
            callback = pattern.callback
            view = getattr(callback, "__wrapped__", callback)
            if isinstance(view, Feed):
                yield pattern.name, view

    found = dict(feeds(get_resolver()))
    assert {"search_feed", "source_feed", "topic_feed", "entity_feed"} <= set(found)
    assert {name for name, feed in found.items() if not issubclass(feed.feed_type, XmlSafeAtom1Feed)} == set()


def test_saved_search_feed_survives_control_characters(client, hostile_world, django_user_model):
    from django.utils import timezone

    from articles.alerts.models import SavedSearch

    user = django_user_model.objects.create_user("reader", "r@example.org", "pw-for-tests-only")
    name = f"بحث{XML_ILLEGAL}"
    saved = SavedSearch.objects.create(user=user, name=name, query="q=بوتين", last_seen_at=timezone.now())
    response = client.get(reverse("saved_search_feed", args=[saved.feed_token]))
    assert response.status_code == 200
    ET.fromstring(response.content)  # noqa: S314 - our own feed
