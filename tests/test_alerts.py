"""Saved searches and alerts (issue 14 §4): save, list, new since the last visit, token feed,
the daily e-mail digest (idempotent), and access control."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from articles.alerts.models import DigestItem, SavedSearch
from articles.alerts.services import digests_send, saved_search_create
from articles.models import Article
from tests.search_data import article_make, world_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return world_make()


@pytest.fixture
def reader(client):
    user = User.objects.create_user("reader", email="reader@example.org", password="a long reader password")
    client.force_login(user)
    return user


def _age(*articles: Article, hours: int = 48) -> None:
    """Move articles' ingest time into the past (created_at is auto_now_add)."""
    Article.objects.filter(pk__in=[a.pk for a in articles]).update(
        created_at=timezone.now() - dt.timedelta(hours=hours)
    )


def test_reader_login_page_for_non_staff(client, world):
    User.objects.create_user("plain", password="a long reader password")
    page = client.get(reverse("login"))
    assert page.status_code == 200 and 'name="username"' in page.content.decode()
    response = client.post(reverse("login"), {"username": "plain", "password": "a long reader password"})
    assert response.status_code == 302 and response["Location"] == reverse("saved_search_list")
    assert client.get(reverse("saved_search_list")).status_code == 200


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("saved_search_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.post(reverse("saved_search_create"), {"name": "x", "query": "q=a"}).status_code == 302
    assert not SavedSearch.objects.exists()
    assert f'href="{reverse("login")}?next=' in client.get(reverse("search")).content.decode()


def test_save_the_current_search_and_list_it(client, world, reader):
    html = client.get(reverse("search"), {"q": "بوتين", "source": "marib", "page": 2}).content.decode()
    assert 'action="/saved/new/"' in html
    response = client.post(
        reverse("saved_search_create"), {"name": "بوتين في مأرب", "query": "q=بوتين&source=marib&hist=share&page=2"}
    )
    saved = SavedSearch.objects.get()
    assert response.status_code == 302 and response["Location"] == saved.get_absolute_url()
    assert saved.user == reader and saved.name == "بوتين في مأرب"
    assert saved.query == "q=%D8%A8%D9%88%D8%AA%D9%8A%D9%86&source=marib"  # only the search's own parameters
    listing = client.get(reverse("saved_search_list")).content.decode()
    assert "بوتين في مأرب" in listing and 'data-chip="source"' in listing and "مأرب برس" in listing


def test_invalid_or_duplicate_saved_search_is_refused(world, reader):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        saved_search_create(user=reader, name="x", query="topic=no-such-topic")
    with pytest.raises(ValidationError):
        saved_search_create(user=reader, name="  ", query="q=a")
    saved_search_create(user=reader, name="same", query="q=a")
    with pytest.raises(ValidationError):
        saved_search_create(user=reader, name="same", query="q=b")
    assert SavedSearch.objects.count() == 1


def test_new_since_last_visit(client, world, reader):
    _age(*world["articles"])
    saved = saved_search_create(user=reader, name="putin", query="q=بوتين")
    first = client.get(saved.get_absolute_url()).content.decode()
    assert 'class="result new-article"' not in first
    fresh = article_make("بوتين يزور بكين", "زار بوتين بكين.", published_on=dt.date(2024, 5, 1))
    article_make("خبر آخر", "لا علاقة.", published_on=dt.date(2024, 5, 1))
    listing = client.get(reverse("saved_search_list")).content.decode()
    assert 'data-new="1"' in listing
    html = client.get(saved.get_absolute_url()).content.decode()
    assert html.count('class="result new-article"') == 1 and fresh.title in html
    # The visit is now the last one: nothing is new any more.
    again = client.get(saved.get_absolute_url()).content.decode()
    assert 'class="result new-article"' not in again
    assert 'data-new=' not in client.get(reverse("saved_search_list")).content.decode()


def test_other_readers_saved_search_is_not_found(client, world, reader):
    other = User.objects.create_user("other", password="another long password")
    theirs = saved_search_create(user=other, name="theirs", query="q=بوتين")
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.post(reverse("saved_search_update", args=[theirs.pk]), {"delete": "1"}).status_code == 404
    assert SavedSearch.objects.filter(pk=theirs.pk).exists()


def test_feed_by_unguessable_token(client, world, reader):
    saved = saved_search_create(user=reader, name="putin", query="q=بوتين")
    assert len(saved.feed_token) >= 40
    client.logout()  # feed readers do not log in
    feed = client.get(reverse("saved_search_feed", args=[saved.feed_token]))
    assert feed.status_code == 200 and feed["Content-Type"].startswith("application/atom+xml")
    body = feed.content.decode()
    assert body.count("<entry>") == 3 and "<title>putin</title>" in body
    assert "<script>" not in body
    wrong = ("y" if saved.feed_token[0] == "x" else "x") + saved.feed_token[1:]  # one character off
    assert client.get(reverse("saved_search_feed", args=[wrong])).status_code == 404


def test_digest_toggle_and_delete(client, world, reader):
    saved = saved_search_create(user=reader, name="putin", query="q=بوتين")
    client.post(reverse("saved_search_update", args=[saved.pk]), {"email_digest": "on"})
    saved.refresh_from_db()
    assert saved.email_digest
    client.post(reverse("saved_search_update", args=[saved.pk]), {})
    saved.refresh_from_db()
    assert not saved.email_digest
    client.post(reverse("saved_search_update", args=[saved.pk]), {"delete": "1"})
    assert not SavedSearch.objects.exists()


def test_digest_sends_new_articles_once(world, reader):
    saved = saved_search_create(user=reader, name="putin", query="q=بوتين")
    SavedSearch.objects.filter(pk=saved.pk).update(email_digest=True)
    off = saved_search_create(user=reader, name="no digest", query="q=بوتين")
    assert not off.email_digest

    report = digests_send(base_url="https://archive.example.org")
    assert (report.sent, report.articles, report.failed) == (1, 3, 0)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["reader@example.org"]
    assert "بوتين في موسكو" in message.body and "https://archive.example.org/articles/" in message.body

    # Idempotent: a second run sends nothing; a new article is sent alone next time.
    assert digests_send().sent == 0 and len(mail.outbox) == 1
    article_make("بوتين مجددا", "بوتين.", published_on=dt.date(2024, 6, 1))
    report = digests_send()
    assert (report.sent, report.articles) == (1, 1)
    assert "بوتين مجددا" in mail.outbox[1].body and "بوتين في موسكو" not in mail.outbox[1].body
    assert DigestItem.objects.filter(saved_search=saved).count() == 4


def test_failed_send_records_nothing_and_command_fails(world, reader, monkeypatch):
    saved = saved_search_create(user=reader, name="putin", query="q=بوتين")
    SavedSearch.objects.filter(pk=saved.pk).update(email_digest=True)

    def refuse(self, *args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(CommandError):
        call_command("send_digests", stdout=StringIO())
    assert not DigestItem.objects.exists()
    monkeypatch.undo()
    out = StringIO()
    call_command("send_digests", stdout=out)
    assert "1 digests sent (3 articles), 0 failed" in out.getvalue()
    assert len(mail.outbox) == 1
