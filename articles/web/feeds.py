"""Atom feeds: any search (query and facets in the URL), and each source, topic and entity."""

from __future__ import annotations

import re

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from articles.models import Article, Entity, Source, Topic
from articles.search import selectors
from articles.search.highlight import snippet
from articles.search.links import search_params

FEED_ITEMS = 30

# Characters XML 1.0 cannot carry (https://www.w3.org/TR/xml/#charsets): C0 controls other than tab,
# newline and carriage return, lone surrogates, U+FFFE and U+FFFF. One in any field makes the whole feed
# unwritable, so every field of every feed is cleaned here, whatever the article or the query holds.
_XML_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value):
    """``value`` with XML-illegal characters replaced by U+FFFD (strings inside lists/tuples too)."""
    if isinstance(value, str):
        return _XML_ILLEGAL_RE.sub("\ufffd", value)
    if isinstance(value, list | tuple):
        return type(value)(xml_safe(v) for v in value)
    return value


class XmlSafeAtom1Feed(Atom1Feed):
    """Atom feed whose every field (feed and items) is cleaned of characters XML cannot carry."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*(xml_safe(a) for a in args), **{k: xml_safe(v) for k, v in kwargs.items()})

    def add_item(self, *args, **kwargs) -> None:
        super().add_item(*(xml_safe(a) for a in args), **{k: xml_safe(v) for k, v in kwargs.items()})


class _ArticleFeed(Feed):
    feed_type = XmlSafeAtom1Feed
    language = "ar"

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        # Escaped text only: feed readers render descriptions as HTML.
        return str(getattr(item, "snippet", None) or snippet(item.body, None))

    def item_pubdate(self, item: Article):
        return item.created_at

    def item_updateddate(self, item: Article):
        return item.updated_at

    def item_author_name(self, item: Article) -> str:
        return item.source.name

    def item_categories(self, item: Article) -> list[str]:
        return [item.topic.name] if item.topic else []


class SearchFeed(_ArticleFeed):
    def get_object(self, request: HttpRequest):
        params = search_params(request.GET)
        if "sort" not in params:
            params["sort"] = "newest"  # a feed lists what is new, whatever the query
        return params

    def title(self, params) -> str:
        q = params.get("q")
        return _("Search: %(q)s") % {"q": q} if q else _("Newest clippings")

    def link(self, params) -> str:
        return f"{reverse('search')}?{params.urlencode()}"

    def items(self, params) -> list[Article]:
        return selectors.article_search(data=params, per_page=FEED_ITEMS, facets=False).page.items


class _ObjectFeed(_ArticleFeed):
    """The newest articles of one source, topic or entity (``model`` looked up by slug)."""

    model: type[Source | Topic | Entity]

    def get_object(self, request: HttpRequest, slug: str):
        return get_object_or_404(self.model, slug=slug)

    def title(self, obj) -> str:
        return obj.name

    def link(self, obj) -> str:
        return obj.get_absolute_url()

    def items(self, obj) -> list[Article]:
        return list(self.articles(obj)[:FEED_ITEMS])

    def articles(self, obj) -> QuerySet:
        raise NotImplementedError


class SourceFeed(_ObjectFeed):
    model = Source

    def articles(self, obj: Source) -> QuerySet:
        return selectors.source_articles(source=obj)


class TopicFeed(_ObjectFeed):
    model = Topic

    def articles(self, obj: Topic) -> QuerySet:
        return selectors.topic_articles(topic=obj)


class EntityFeed(_ObjectFeed):
    model = Entity

    def articles(self, obj: Entity) -> QuerySet:
        return selectors.entity_articles(entity=obj)
