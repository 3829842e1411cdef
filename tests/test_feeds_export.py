"""Atom feeds (search, source, topic, entity) and the streamed CSV/JSON export with its row cap."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.test import override_settings

from tests.search_data import article_make, entity_make, source_make, topic_get

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def data():
    putin = entity_make("بوتين", slug="putin")
    marib = source_make("مأرب برس", "marib")
    made = [
        article_make(
            f"بوتين خبر {i}",
            f"نص {i} عن <i>بوتين</i>",
            source=marib,
            topic=topic_get("economy"),
            published_on=dt.date(2024, 1, 1 + i),
            entities=(putin,),
        )
        for i in range(5)
    ]
    made.append(article_make('=HYPERLINK("x")', "نص آخر", source=marib, published_on=dt.date(2020, 1, 1)))
    return made


def entries(response) -> list[ET.Element]:
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


@pytest.mark.parametrize(
    ("url", "n"),
    [
        ("/search/feed/?q=بوتين&topic=economy", 5),
        ("/search/feed/?q=رنسا", 0),
        ("/sources/marib/feed/", 6),
        ("/topics/economy/feed/", 5),
        ("/entities/putin/feed/", 5),
    ],
)
def test_feeds(client, data, url, n):
    found = entries(client.get(url))
    assert len(found) == n


def test_search_feed_is_newest_first_and_escaped(client, data):
    found = entries(client.get("/search/feed/", {"q": "بوتين"}))
    assert found[0].find(f"{ATOM}title").text == "بوتين خبر 4"
    summary = found[0].find(f"{ATOM}summary").text
    assert "&lt;i&gt;" in summary and "<mark>" in summary


def test_feed_of_unknown_object_is_404(client, data):
    assert client.get("/entities/nobody/feed/").status_code == 404


def _streamed(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_csv_export(client, data):
    response = client.get("/search/export.csv", {"sort": "newest"})
    assert response["Content-Disposition"] == 'attachment; filename="search.csv"'
    rows = list(csv.DictReader(io.StringIO(_streamed(response))))
    assert len(rows) == 6
    assert rows[0]["title"] == "بوتين خبر 4" and rows[0]["source"] == "مأرب برس" and rows[0]["topic"] == "economy"
    assert rows[-1]["title"].startswith("'=")  # no spreadsheet formula injection


def test_json_export_follows_the_search(client, data):
    rows = json.loads(_streamed(client.get("/search/export.json", {"q": "بوتين", "sort": "oldest"})))
    assert [row["title"] for row in rows] == [f"بوتين خبر {i}" for i in range(5)]
    assert rows[0]["published_on"] == "2024-01-01"
    assert rows[0]["permalink"].startswith("http://testserver/articles/")


@override_settings(EXPORT_MAX_ROWS=3)
def test_export_row_cap(client, data):
    assert len(json.loads(_streamed(client.get("/search/export.json", {"q": "بوتين"})))) == 3
    assert len(list(csv.DictReader(io.StringIO(_streamed(client.get("/search/export.csv")))))) == 3


def test_exports_with_body_and_entities_on_request(client, data):
    params = {"q": "بوتين", "sort": "oldest", "fields": "id,title,body,entities"}
    rows = json.loads(_streamed(client.get("/search/export.json", params)))
    assert list(rows[0]) == ["id", "title", "body", "entities"]
    assert rows[0]["body"] == "نص 0 عن <i>بوتين</i>"  # as published
    assert rows[0]["entities"] == [{"name": "بوتين", "kind": "PERS", "slug": "putin"}]
    plain = json.loads(_streamed(client.get("/search/export.json", {"q": "بوتين"})))
    assert "body" not in plain[0] and "entities" not in plain[0]
    response = client.get("/search/export.csv", {"q": "بوتين", "sort": "oldest", "fields": ["title", "body,entities"]})
    csv_rows = list(csv.DictReader(io.StringIO(_streamed(response))))
    assert list(csv_rows[0]) == ["title", "body", "entities"]
    assert csv_rows[0]["entities"] == "بوتين (PERS)" and csv_rows[0]["body"] == "نص 0 عن <i>بوتين</i>"


@override_settings(EXPORT_MAX_ROWS=2)
def test_export_with_entities_is_still_capped(client, data):
    rows = json.loads(_streamed(client.get("/search/export.json", {"q": "بوتين", "fields": "id,entities"})))
    assert len(rows) == 2


@pytest.mark.parametrize("url", ["/search/export.csv", "/search/export.json"])
def test_unknown_export_field_is_a_400_naming_it(client, data, url):
    response = client.get(url, {"fields": "title,password"})
    assert response.status_code == 400
    assert "password" in response.content.decode() and "entities" in response.content.decode()
