"""Sign-in throttling (django-axes): per account and per client, refused without checking while locked, the same
answer for unknown user names, a lock-out page in Arabic and English, editors unlock in the admin."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.urls import reverse

PASSWORD = "a-long-test-passphrase"
LIMIT = 20


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    # A fast hasher: these tests check passwords ~50 times each, and what they test is counting, not hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(db):
    return User.objects.create_user("mona", password=PASSWORD, is_staff=True, is_superuser=True)


@pytest.fixture
def password_checks(monkeypatch):
    """How many times a password was really checked against a stored hash (or the dummy one Django hashes for an
    unknown user name): the count a locked-out try must not raise."""
    calls = []
    original = User.check_password
    original_set = User.set_password

    def counting(self, raw):
        calls.append(self.username)
        return original(self, raw)

    def counting_set(self, raw):  # ModelBackend hashes the password for an unknown user (timing equality)
        calls.append("<unknown>")
        return original_set(self, raw)

    monkeypatch.setattr(User, "check_password", counting)
    monkeypatch.setattr(User, "set_password", counting_set)
    return calls


def admin_login(client, username, password, ip="10.1.1.1"):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip
    )


def reader_login(client, username, password, ip="10.1.1.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def _page(response) -> str:
    """The answer without what differs by design between two requests (CSRF token, nonce-free)."""
    import re

    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.mark.django_db
def test_wrong_passwords_lock_the_account_and_the_right_one_is_refused_unchecked(client, staff, password_checks):
    codes = [admin_login(client, "mona", f"wrong-{i}").status_code for i in range(LIMIT)]
    assert codes[: LIMIT - 1] == [200] * (LIMIT - 1)  # the admin's form again, "please enter the correct ..."
    assert codes[-1] == 429  # the limit-th failure locks
    assert len(password_checks) == LIMIT  # each of those was checked
    response = admin_login(client, "mona", PASSWORD)
    assert response.status_code == 429
    assert len(password_checks) == LIMIT  # refused before any password check
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "تعذّر تسجيل الدخول مؤقتاً" in page and "Sign-in temporarily locked" in page
    assert int(response["Retry-After"]) == 15 * 60
    assert "mona" not in page  # names no account


@pytest.mark.django_db
def test_the_account_is_locked_from_another_client_too(client, staff):
    for i in range(LIMIT):
        admin_login(client, "mona", f"wrong-{i}", ip=f"10.2.{i}.1")  # one guess per address
    assert admin_login(client, "mona", PASSWORD, ip="10.9.9.9").status_code == 429


@pytest.mark.django_db
def test_a_client_spraying_accounts_is_locked(client, staff):
    for i in range(LIMIT):
        reader_login(client, f"user{i}", "wrong", ip="10.3.3.3")
    assert reader_login(client, "mona", PASSWORD, ip="10.3.3.3").status_code == 429
    # Another client signs in to that account at once.
    assert reader_login(client, "mona", PASSWORD, ip="10.4.4.4").status_code == 302


@pytest.mark.django_db
def test_unknown_user_names_get_the_same_answers(client, staff, password_checks):
    """Before and after the lock, an existing and an unknown user name are answered alike, and both are checked
    the same number of times (an unknown one against Django's dummy hash)."""
    known = [admin_login(client, "mona", f"wrong-{i}", ip="10.5.5.5") for i in range(LIMIT + 1)]
    known_checks = len(password_checks)
    unknown = [admin_login(client, "nobody-here", f"wrong-{i}", ip="10.6.6.6") for i in range(LIMIT + 1)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown]
    assert _page(known[0]).replace("mona", "nobody-here") == _page(unknown[0])
    assert _page(known[-1]) == _page(unknown[-1])  # the lock-out page, word for word
    assert known[-1]["Retry-After"] == unknown[-1]["Retry-After"]
    assert len(password_checks) - known_checks == known_checks


@pytest.mark.django_db
def test_reader_login_is_throttled_too(client, staff):
    for i in range(LIMIT):
        reader_login(client, "mona", f"wrong-{i}")
    response = reader_login(client, "mona", PASSWORD)
    assert response.status_code == 429 and "Sign-in temporarily locked" in response.content.decode()


@pytest.mark.django_db
def test_an_editor_sees_the_attempts_and_unlocks(client, staff, editor):
    for i in range(LIMIT):
        admin_login(client, "mona", f"wrong-{i}")
    assert admin_login(client, "mona", PASSWORD).status_code == 429
    attempt = AccessAttempt.objects.get(username="mona")
    assert attempt.failures_since_start >= LIMIT

    client.force_login(editor)
    listing = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and "mona" in listing.content.decode()
    assert client.get(reverse("admin:axes_accesslog_changelist")).status_code == 200
    response = client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="mona").exists()
    client.logout()

    response = admin_login(client, "mona", PASSWORD)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(staff.pk)


@pytest.mark.django_db
def test_a_reader_cannot_see_attempts(client, db):
    reader = User.objects.create_user("reader", password=PASSWORD)
    client.force_login(reader)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 302  # to the admin login


@pytest.mark.django_db
def test_lockout_page_has_no_inline_script_or_style(client, staff):
    """The site's CSP forbids inline script and style: the lock-out page must not need them."""
    for i in range(LIMIT):
        admin_login(client, "mona", f"wrong-{i}")
    response = admin_login(client, "mona", PASSWORD)
    page = response.content.decode()
    assert "<script" not in page and "style=" not in page and "<style" not in page
    assert "Content-Security-Policy" in response.headers
