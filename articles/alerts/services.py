"""Write side of saved searches: create, mark visited, and the daily e-mail digest."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from articles.alerts.models import DigestItem, SavedSearch
from articles.alerts.selectors import saved_search_matches, saved_search_params
from articles.search.filters import ArticleFilter
from articles.search.links import search_params

logger = logging.getLogger(__name__)

# A digest lists at most this many articles (the newest); the rest wait for the next one.
DIGEST_MAX_ARTICLES = 50
# Articles are looked for from the last check less this overlap: an article whose transaction
# committed late (created_at earlier than the check) is still found; DigestItem stops repeats.
DIGEST_OVERLAP = dt.timedelta(hours=6)


def saved_search_create(*, user, name: str, query: str) -> SavedSearch:
    """Save the search ``query`` (a search page query string) for ``user`` under ``name``.

    Raises ValidationError when the name is empty or taken, or a filter is invalid (an unknown
    topic, a malformed date): a saved search must run.
    """
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the search a name."))
    params = search_params(QueryDict(query))
    params.pop("hist", None)
    filterset = ArticleFilter(params)
    if not filterset.is_valid():
        raise ValidationError(_("This search has filters that were not understood; it was not saved."))
    try:
        with transaction.atomic():
            return SavedSearch.objects.create(
                user=user, name=name[:200], query=params.urlencode(), last_seen_at=timezone.now()
            )
    except IntegrityError:
        raise ValidationError(_("You already have a saved search with this name.")) from None


def saved_search_visited(*, saved: SavedSearch, at: dt.datetime | None = None) -> None:
    """The reader has seen what was new: later visits count from ``at`` (now)."""
    saved.last_seen_at = at or timezone.now()
    saved.save(update_fields=["last_seen_at"])


@dataclass
class DigestReport:
    sent: int = 0  # e-mails sent
    articles: int = 0  # articles listed in them
    failed: int = 0  # e-mails that could not be sent (nothing recorded for them: retried next run)


def _digest_one(saved: SavedSearch, *, now: dt.datetime, base_url: str) -> int:
    """Send one saved search's digest; returns the number of articles sent (0: nothing new).

    Runs in one transaction holding the saved search's row: the DigestItem rows and the e-mail
    go together (a failed send rolls the rows back), and two concurrent runs cannot both send.
    """
    with transaction.atomic():
        saved = SavedSearch.objects.select_for_update().select_related("user").get(pk=saved.pk)
        since = (saved.digest_checked_at or saved.created_at) - DIGEST_OVERLAP
        articles = list(
            saved_search_matches(saved, since=since)
            .exclude(pk__in=DigestItem.objects.filter(saved_search=saved).values("article_id"))
            .select_related("source")
            .order_by("-created_at", "-pk")[:DIGEST_MAX_ARTICLES]
        )
        saved.digest_checked_at = now
        saved.save(update_fields=["digest_checked_at"])
        if not articles:
            return 0
        DigestItem.objects.bulk_create([DigestItem(saved_search=saved, article=a) for a in articles])
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "saved": saved,
                "articles": articles,
                "base_url": base_url.rstrip("/"),
                "search_query": saved_search_params(saved).urlencode(),
            }
            subject = _("%(name)s: %(n)d new articles") % {"name": saved.name, "n": len(articles)}
            body = render_to_string("alerts/digest_email.txt", context)
        EmailMessage(subject=subject, body=body, to=[saved.user.email]).send()
    return len(articles)


def digests_send(*, now: dt.datetime | None = None, base_url: str = "") -> DigestReport:
    """E-mail each saved search with ``email_digest`` on (and a reader with an address) the
    articles that match it and were never sent before. Idempotent: running it twice sends
    nothing the second time; an article is never sent twice for one saved search.
    """
    now = now or timezone.now()
    base_url = base_url or getattr(settings, "SITE_URL", "")
    report = DigestReport()
    for saved in SavedSearch.objects.filter(email_digest=True).exclude(user__email="").order_by("pk"):
        try:
            n = _digest_one(saved, now=now, base_url=base_url)
        except Exception:  # a bad address or a mail server outage costs only this digest
            logger.exception("digest of saved search %s could not be sent", saved.pk)
            report.failed += 1
            continue
        if n:
            report.sent += 1
            report.articles += n
    return report
