"""Saved-search pages of a signed-in reader, and the token-addressed Atom feed (no login)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from articles.alerts import services
from articles.alerts.models import SavedSearch
from articles.alerts.selectors import saved_search_new, saved_search_params, saved_searches_of
from articles.search import selectors
from articles.search.filters import ArticleFilter
from articles.search.links import filter_chips
from articles.web.feeds import XmlSafeAtom1Feed

FEED_ITEMS = 30


def _own(request: HttpRequest, pk: int) -> SavedSearch:
    # Another reader's saved search is a 404, not a 403: its existence is not disclosed.
    return get_object_or_404(SavedSearch, pk=pk, user=request.user)


def _describe(saved: SavedSearch):
    params = saved_search_params(saved)
    saved.search_url = f"{reverse('search')}?{params.urlencode()}"
    saved.q = params.get("q", "")
    saved.chips = filter_chips(filterset=ArticleFilter(params), params=params)
    return saved


@login_required
def saved_search_list(request: HttpRequest) -> HttpResponse:
    rows = [(_describe(saved), new) for saved, new in saved_searches_of(user=request.user)]
    return render(request, "alerts/saved_search_list.html", {"rows": rows})


@login_required
@require_POST
def saved_search_create(request: HttpRequest) -> HttpResponse:
    query = request.POST.get("query", "")
    try:
        saved = services.saved_search_create(user=request.user, name=request.POST.get("name", ""), query=query)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(f"{reverse('search')}?{query}" if query else reverse("search"))
    messages.success(request, _("Search saved."))
    return redirect(saved)


@login_required
def saved_search_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """What is new since the last visit; the visit itself then becomes the last one."""
    saved = _describe(_own(request, pk))
    new = saved_search_new(saved=saved)
    previous_visit = saved.last_seen_at
    services.saved_search_visited(saved=saved)
    return render(
        request,
        "alerts/saved_search_detail.html",
        {
            "saved": saved,
            "new": new,
            "previous_visit": previous_visit,
            "feed_url": request.build_absolute_uri(reverse("saved_search_feed", args=[saved.feed_token])),
        },
    )


@login_required
@require_POST
def saved_search_update(request: HttpRequest, pk: int) -> HttpResponse:
    saved = _own(request, pk)
    if request.POST.get("delete"):
        saved.delete()
        messages.success(request, _("Saved search deleted."))
        return redirect("saved_search_list")
    saved.email_digest = request.POST.get("email_digest") == "on"
    saved.save(update_fields=["email_digest"])
    if saved.email_digest and not request.user.email:
        messages.warning(request, _("Your account has no e-mail address: ask an administrator to add one."))
    else:
        messages.success(request, _("Daily e-mail digest on.") if saved.email_digest else _("Daily e-mail digest off."))
    return redirect(saved)


class SavedSearchFeed(Feed):
    """The newest articles of a saved search; the URL's token is its only credential."""

    feed_type = XmlSafeAtom1Feed  # a saved search's name or an article may hold characters XML cannot carry
    language = "ar"

    def get_object(self, request: HttpRequest, token: str) -> SavedSearch:
        return get_object_or_404(SavedSearch, feed_token=token)

    def title(self, saved: SavedSearch) -> str:
        return saved.name

    def link(self, saved: SavedSearch) -> str:
        return f"{reverse('search')}?{saved_search_params(saved).urlencode()}"

    def items(self, saved: SavedSearch):
        params = saved_search_params(saved)
        params["sort"] = "newest"
        return selectors.article_search(data=params, per_page=FEED_ITEMS, facets=False).page.items

    def item_title(self, item) -> str:
        return item.title

    def item_description(self, item) -> str:
        return str(item.snippet)

    def item_pubdate(self, item):
        return item.created_at

    def item_author_name(self, item) -> str:
        return item.source.name
