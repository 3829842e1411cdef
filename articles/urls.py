from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from articles.web import api, feeds, views
from articles.web.api_schema import api_schema
from articles.web.ratelimits import rate_limit

# Expensive requests are rate-limited per client (articles/web/ratelimits.py); the rest are not counted.
_export = rate_limit("export")
_feed = rate_limit("feed")
_listing = rate_limit("deep_page")
_search = rate_limit("search", "deep_page")

urlpatterns = [
    path("", _listing(views.home), name="home"),
    path("search/", _search(views.search), name="search"),
    path("search/feed/", _feed(feeds.SearchFeed()), name="search_feed"),
    path("search/export.csv", _export(views.search_export_csv), name="search_export_csv"),
    path("search/export.json", _export(views.search_export_json), name="search_export_json"),
    path("articles/<int:pk>/", views.article_detail, name="article_detail"),
    path("articles/<int:pk>/original", views.article_original, name="article_original"),
    path("articles/<int:pk>/pages/<int:number>", views.article_page_image, name="article_page_image"),
    path("stories/<int:pk>/", views.story_detail, name="story_detail"),
    path("sources/", views.source_index, name="source_index"),
    path("sources/<str:slug>/", _listing(views.source_detail), name="source_detail"),
    path("sources/<str:slug>/feed/", _feed(feeds.SourceFeed()), name="source_feed"),
    path("topics/", views.topic_index, name="topic_index"),
    path("topics/<slug:slug>/", _listing(views.topic_detail), name="topic_detail"),
    path("topics/<slug:slug>/feed/", _feed(feeds.TopicFeed()), name="topic_feed"),
    path("entities/", _search(views.entity_index), name="entity_index"),
    path("entities/<str:slug>/", _listing(views.entity_detail), name="entity_detail"),
    path("entities/<str:slug>/feed/", _feed(feeds.EntityFeed()), name="entity_feed"),
    path("saved/", include("articles.web.alerts_urls")),
    # The API is read-only (GET only): exempt from CSRF so any other method is a 405 as documented, not a 403.
    path("api/articles/", csrf_exempt(_search(api.articles)), name="api_articles"),
    path("api/entities/", csrf_exempt(_search(api.entities)), name="api_entities"),
    path("api/schema/", csrf_exempt(api_schema), name="api_schema"),
]
