"""The read-only JSON API: /api/articles/ (search with facets) and /api/entities/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from tests.search_data import article_make, entity_make, source_make, topic_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    putin = entity_make("بوتين", slug="putin", aliases=("Putin", "فلاديمير بوتين"))
    paris = entity_make("فرنسا", kind="LOC", slug="france")
    marib, lebanon = source_make("مأرب برس", "marib"), source_make("لبنان 24", "lebanon24")
    intl = topic_get("international")
    made = [
        article_make(
            "بوتين يزور فرنسا",
            "زار بوتين باريس.",
            source=marib,
            topic=intl,
            published_on=dt.date(2024, 5, 1),
            entities=(putin, paris),
        ),
        article_make(
            "خبر",
            "قال الرئيس لبوتين إن <b>الأمر</b> مهم.",
            source=lebanon,
            published_on=dt.date(2023, 2, 1),
            entities=(putin,),
        ),
        article_make(
            "فرنسا والاقتصاد",
            "نمو في فرنسا.",
            source=lebanon,
            topic=intl,
            published_on=dt.date(2024, 6, 1),
            entities=(paris,),
        ),
    ]
    return made


def test_article_search_shape(client, data):
    body = client.get("/api/articles/", {"q": "بوتين"}).json()
    assert body["count"] == 2 and body["count_is_estimate"] is False and body["next"] is None
    first = body["results"][0]
    assert set(first) == {
        "id", "title", "url", "published_on", "source", "topic", "snippet", "story", "matched_spelling"
    }
    assert first["title"] == "بوتين يزور فرنسا"
    assert first["url"].endswith(f"/articles/{data[0].pk}/")
    assert first["published_on"] == "2024-05-01"
    assert first["source"] == {"slug": "marib", "name": "مأرب برس"}
    assert first["topic"]["slug"] == "international"
    second = body["results"][1]
    assert second["topic"] is None
    assert "<mark>لبوتين</mark>" in second["snippet"] and "&lt;b&gt;" in second["snippet"]
    facets = body["facets"]
    assert set(facets) == {"topic", "source", "entity", "date"}
    assert {"slug": "putin", "name": "بوتين", "count": 2} in facets["entity"]
    assert {"slug": "marib", "name": "مأرب برس", "count": 1} in facets["source"]
    assert {"period": "2023-02", "count": 1} in facets["date"]


def test_filters_and_sorts(client, data):
    def titles(**params):
        return [r["title"] for r in client.get("/api/articles/", params).json()["results"]]

    assert titles(topic="international", sort="oldest") == ["بوتين يزور فرنسا", "فرنسا والاقتصاد"]
    assert titles(source="lebanon24", sort="newest") == ["فرنسا والاقتصاد", "خبر"]
    assert titles(entity="putin", date_from="2024-01-01") == ["بوتين يزور فرنسا"]
    assert titles(date_to="2023-12-31") == ["خبر"]
    assert titles(q="فرنسا", sort="relevance")[0] in {"بوتين يزور فرنسا", "فرنسا والاقتصاد"}
    assert titles(q="رنسا") == []


@override_settings(SEARCH_COUNT_CAP=2)
def test_paging_and_estimated_count(client, data):
    from articles.web import api

    api.PER_PAGE, saved = 1, api.PER_PAGE
    try:
        body = client.get("/api/articles/", {"q": "فرنسا OR بوتين"}).json()
    finally:
        api.PER_PAGE = saved
    # Above the cap the count is an estimate (articles.search.sampling), never below the cap it passed.
    assert body["count"] > 2 and body["count_is_estimate"] is True
    assert "page=2" in body["next"] and "q=" in body["next"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"topic": "nope"}, "topic"),
        ({"source": "nope"}, "source"),
        ({"entity": "nope"}, "entity"),
        ({"date_from": "2024-13-01"}, "date_from"),
        ({"date_to": "soon"}, "date_to"),
        ({"sort": "random"}, "sort"),
        ({"page": "0"}, "page"),
        ({"page": "x"}, "page"),
        ({"kind": "XYZ"}, "kind"),
        ({"month": "5"}, "month"),
        ({"date_from": "2024-02-01", "date_to": "2024-01-01"}, "date_to"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(client, data, params, parameter):
    response = client.get("/api/articles/", params)
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter
    assert parameter in response.json()["error"]


@pytest.mark.parametrize("q", ['"', "OR", "-", "\x00", "a" * 10_000, "'; DROP TABLE x; --", "NEAR(a b)"])
def test_hostile_queries_are_answered(client, data, q):
    response = client.get("/api/articles/", {"q": q})
    assert response.status_code == 200
    assert isinstance(response.json()["results"], list)


def test_entities_endpoint(client, data):
    results = client.get("/api/entities/", {"q": "putin"}).json()["results"]
    assert results == [
        {
            "slug": "putin",
            "kind": "PERS",
            "name": "بوتين",
            "aliases": ["Putin", "بوتين", "فلاديمير بوتين"],
            "article_count": 2,
            "url": "http://testserver/entities/putin/",
        }
    ]
    assert [r["slug"] for r in client.get("/api/entities/", {"q": "بُوتـين"}).json()["results"]] == ["putin"]
    assert [r["slug"] for r in client.get("/api/entities/", {"kind": "LOC"}).json()["results"]] == ["france"]
    assert client.get("/api/entities/", {"kind": "nope"}).status_code == 400


def test_api_is_read_only(client, data):
    assert client.post("/api/articles/").status_code == 405
