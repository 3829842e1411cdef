"""The JSON API against its published OpenAPI document (/api/schema/), fuzzed by schemathesis.

Bounded: a few dozen generated requests per operation (positive and negative parameter values), each checked
for no server error, a documented status, a body conforming to the schema and a documented content type.
"""

from __future__ import annotations

import pytest
import requests
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from articles.web.api_schema import openapi_document
from tests.search_data import article_make, entity_make, source_make, topic_get

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis not installed (pip install -e '.[dev]')")

schema = schemathesis.openapi.from_dict(openapi_document())
EXAMPLES = 30


@pytest.fixture
def api_world(transactional_db):
    putin = entity_make("بوتين", slug="putin", aliases=("Putin",))
    marib = source_make("مأرب برس", "marib")
    for n in range(3):
        article_make(f"بوتين خبر {n}", f"نص {n} عن بوتين", source=marib, topic=topic_get("economy"), entities=(putin,))
    article_make("خبر بلا موضوع", "نص", source=marib)


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
