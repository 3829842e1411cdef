"""The JSON API against its published OpenAPI document (/api/schema/), fuzzed by schemathesis.

The document is generated from the shapes the views build their answers with (articles.web.api_shapes), so
these tests check the generator as much as the API. Bounded: a few dozen generated requests per operation
(positive and negative parameter values), each checked
for no server error, a documented status, a body conforming to the schema and a documented content type.
"""

from __future__ import annotations

import pytest
import requests
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from articles.search.filters import GROUP_CHOICES
from articles.stories.service import story_assign
from articles.web.api_schema import openapi_document
from tests.search_data import article_make, entity_make, source_make, topic_get
from tests.story_data import WIRE_BODY, WIRE_TITLE

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis not installed (pip install -e '.[dev]')")

schema = schemathesis.openapi.from_dict(openapi_document())
EXAMPLES = 30


@pytest.fixture
def api_world(transactional_db):
    putin = entity_make("بوتين", slug="putin", aliases=("Putin", "بوطين"))
    marib = source_make("مأرب برس", "marib")
    for n in range(3):
        article_make(f"بوتين خبر {n}", f"نص {n} عن بوتين", source=marib, topic=topic_get("economy"), entities=(putin,))
    article_make("خبر بلا موضوع", "نص", source=marib, published_on=None)
    # A story of two copies (the second from another outlet) and a match found only through another spelling.
    copies = [
        article_make(WIRE_TITLE, WIRE_BODY, source=source_make(name, slug))
        for name, slug in (("bbc", "bbc"), ("cnn", "cnn"))
    ]
    story_assign(articles=copies)
    article_make("بوطين يزور القاهرة", "زيارة رسمية", source=marib, entities=(putin,))


def test_the_schema_is_published(live_server):
    response = requests.get(f"{live_server.url}/api/schema/", timeout=10)
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.") and set(document["paths"]) == {"/api/articles/", "/api/entities/"}


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case, api_world, live_server):
    # An unknown slug is a valid string but a 400 by design ("invalid value for topic"), so the check that
    # every schema-valid request succeeds does not apply; all the others do (no 5xx, documented statuses,
    # bodies and content types, schema-invalid values rejected).
    case.call_and_validate(
        base_url=live_server.url, timeout=30, excluded_checks=[schemathesis.checks.positive_data_acceptance]
    )


def test_every_answered_field_is_declared_and_every_declared_one_answered(api_world, live_server):
    """Key sets of real answers against the generated document (the hand-written one lacked ``story``)."""
    document = requests.get(f"{live_server.url}/api/schema/", timeout=10).json()
    page_schema = document["paths"]["/api/articles/"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    item_schema = page_schema["properties"]["results"]["items"]
    for params in ({"q": "بوتين"}, {"q": "مجلس الأمن", "group": "none"}, {}):
        page = requests.get(f"{live_server.url}/api/articles/", params=params, timeout=30).json()
        assert set(page) == set(page_schema["properties"]) == set(page_schema["required"])
        assert page["results"], params
        for item in page["results"]:
            assert set(item) == set(item_schema["properties"]) == set(item_schema["required"])
    assert page_schema["additionalProperties"] is False and item_schema["additionalProperties"] is False
    stories = [item["story"] for item in requests.get(f"{live_server.url}/api/articles/", timeout=30).json()["results"]]
    assert {"id", "size"} <= set(item_schema["properties"]["story"]["properties"]) and any(
        s and s["size"] == 2 for s in stories
    )


def test_the_search_parameters_are_the_filterset_fields():
    from articles.models import Article
    from articles.search.filters import ArticleFilter

    document = openapi_document()
    names = [p["name"] for p in document["paths"]["/api/articles/"]["get"]["parameters"]]
    assert names == [*ArticleFilter(data={}, queryset=Article.objects.none()).form.fields, "page"]
    group = next(p for p in document["paths"]["/api/articles/"]["get"]["parameters"] if p["name"] == "group")
    assert set(group["schema"]["enum"]) == {value for value, _ in GROUP_CHOICES}


def test_a_view_cannot_answer_an_undeclared_field_nor_omit_a_declared_one():
    from articles.web.api import STORY

    assert STORY.build(id=1, size=2) == {"id": 1, "size": 2}
    with pytest.raises(TypeError, match="not in the schema"):
        STORY.build(id=1, size=2, copies=[])
    with pytest.raises(TypeError, match="missing"):
        STORY.build(id=1)
