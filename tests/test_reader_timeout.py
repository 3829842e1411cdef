"""PostgreSQL statement_timeout for readers' requests (newsarchive/db_timeout.py)."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from django.test import RequestFactory

from articles.web.outage import DatabaseOutageMiddleware
from newsarchive.db_timeout import ReaderStatementTimeoutMiddleware

# Outside a test transaction: the middleware leaves a transaction already open alone.
pytestmark = pytest.mark.django_db(transaction=True)


def _timeout_seen(method: str, path: str) -> str:
    seen = {}

    def view(request):
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            seen["value"] = cursor.fetchone()[0]
        from django.http import HttpResponse

        return HttpResponse("ok")

    request = getattr(RequestFactory(), method.lower())(path)
    ReaderStatementTimeoutMiddleware(view)(request)
    return seen["value"]


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's; SQLite has no such setting")


def test_a_readers_request_runs_under_the_timeout_sent_once_per_connection(postgres, settings):
    from django.test.utils import CaptureQueriesContext

    settings.DB_READER_STATEMENT_TIMEOUT_MS = 1234
    assert _timeout_seen("GET", "/search/?q=x") == "1234ms"
    with CaptureQueriesContext(connection) as ctx:
        assert _timeout_seen("GET", "/search/?q=y") == "1234ms"
    assert not any("statement_timeout'" in q["sql"] for q in ctx.captured_queries)  # kept, not sent again
    # A writer's request on the same connection runs without it; the next reader gets it again.
    assert _timeout_seen("POST", "/search/") != "1234ms"
    assert _timeout_seen("GET", "/search/") == "1234ms"
    # A new connection (closed between requests) is set again.
    connection.close()
    assert _timeout_seen("GET", "/search/") == "1234ms"


def test_writes_and_the_admin_are_not_limited(postgres, settings):
    settings.DB_READER_STATEMENT_TIMEOUT_MS = 1234
    assert _timeout_seen("POST", "/search/") != "1234ms"
    assert _timeout_seen("GET", "/admin/articles/article/") != "1234ms"
    settings.DB_READER_STATEMENT_TIMEOUT_MS = 0
    assert _timeout_seen("GET", "/search/") != "1234ms"


def test_a_query_over_the_timeout_is_cancelled_and_answered_503(postgres, settings):
    settings.DB_READER_STATEMENT_TIMEOUT_MS = 50

    def slow_view(request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")

    outage = DatabaseOutageMiddleware(slow_view)
    request = RequestFactory().get("/search/?q=x")
    with pytest.raises(OperationalError) as caught:
        ReaderStatementTimeoutMiddleware(slow_view)(request)
    assert "statement timeout" in str(caught.value)
    connection.close()
    response = outage.process_exception(request, caught.value)
    assert response.status_code == 503 and response["Retry-After"]


def test_sqlite_is_left_alone(settings):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite half")
    settings.DB_READER_STATEMENT_TIMEOUT_MS = 50
    request = RequestFactory().get("/search/")
    from django.http import HttpResponse

    assert ReaderStatementTimeoutMiddleware(lambda r: HttpResponse("ok"))(request).status_code == 200
