"""Saved searches and the record of which articles each e-mail digest already sent."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def feed_token_new() -> str:
    """An unguessable feed URL token: 32 random bytes, URL-safe (feed readers do not log in)."""
    return secrets.token_urlsafe(32)


class SavedSearch(models.Model):
    """A reader's search (the search page's query string: query and filters) under a name."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches", verbose_name=_("reader")
    )
    name = models.CharField(_("name"), max_length=200)
    # The search parameters, URL-encoded as the search page writes them (articles.search.links.SEARCH_PARAMS).
    query = models.TextField(_("search parameters"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # "New since the last visit" is what was ingested after this moment.
    last_seen_at = models.DateTimeField(_("last visit"))
    feed_token = models.CharField(_("feed token"), max_length=64, unique=True, default=feed_token_new, editable=False)
    email_digest = models.BooleanField(_("daily e-mail digest"), default=False)
    # Digests look for articles ingested after this moment (less an overlap; DigestItem rows decide).
    digest_checked_at = models.DateTimeField(_("digest checked"), null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_search_unique_user_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("saved_search_detail", args=[self.pk])


class DigestItem(models.Model):
    """An article sent in a saved search's e-mail digest: the unique pair makes digests idempotent."""

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="digest_items")
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("digest item")
        verbose_name_plural = _("digest items")
        constraints = [models.UniqueConstraint(fields=["saved_search", "article"], name="digest_item_unique")]

    def __str__(self) -> str:
        return f"{self.saved_search_id}: {self.article_id}"
