"""The Content-Security-Policy in a real browser: public pages and the admin load with no CSP violation,
the admin's scripts still work, and a script smuggled into a clipping does not run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from articles.models import Article
from tests.search_data import article_make, entity_make, source_make, topic_get

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "csp-browser-test-passphrase-42"
# Collects securitypolicyviolation events from the first script that runs on a page (an init script is
# injected by the browser driver, not by the page, so the policy does not apply to it).
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""


@pytest.fixture
def watched(page):
    console: list[str] = []
    page.add_init_script(LISTEN)
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)

    def violations() -> list[str]:
        return page.evaluate("window.__csp || []") + console

    return page, violations


@pytest.fixture
def world():
    putin = entity_make("بوتين", slug="putin")
    marib = source_make("مأرب برس", "marib")
    return [
        article_make(
            f"بوتين خبر {n}",
            f"نص {n} عن بوتين.",
            source=marib,
            topic=topic_get("economy"),
            published_on=dt.date(2024, 1 + n, 1),
            entities=(putin,),
        )
        for n in range(3)
    ]


def test_public_pages_load_without_csp_violations(watched, live_server, world):
    page, violations = watched
    paths = [
        reverse("home"),
        reverse("search") + "?q=بوتين",
        reverse("search") + "?q=بوتين&topic=economy",
        world[0].get_absolute_url(),
        reverse("entity_index"),
        reverse("entity_detail", args=["putin"]),
        reverse("source_index"),
        reverse("source_detail", args=["marib"]),
        reverse("topic_index"),
        reverse("topic_detail", args=["economy"]),
    ]
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        assert violations() == [], path


def test_admin_pages_work_under_the_policy(watched, live_server, world):
    page, violations = watched
    User.objects.create_superuser("chief", "chief@example.org", PASSWORD)
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    paths = [
        "/admin/",
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_add"),
        reverse("admin:articles_article_change", args=[world[0].pk]),
        reverse("admin:articles_entity_changelist"),
        reverse("admin:articles_ingestrun_changelist"),
        reverse("admin:articles_ingestrun_upload"),
    ]
    for path in paths:
        assert page.goto(live_server.url + path).status == 200, path
        page.wait_for_load_state("load")
        assert violations() == [], path
    # The admin's own JavaScript runs: the changelist's "select all" checkbox ticks every row.
    page.goto(live_server.url + reverse("admin:articles_article_changelist"))
    page.check("#action-toggle")
    assert page.locator("input.action-select:checked").count() == len(world)
    assert violations() == []


def test_a_script_in_a_clipping_does_not_run(watched, live_server):
    page, _ = watched
    article = article_make('<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">')
    Article.objects.filter(pk=article.pk).update(url="javascript:window.__pwned=3")
    page.goto(live_server.url + article.get_absolute_url())
    page.wait_for_load_state("load")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("a[href^='javascript:']").count() == 0
