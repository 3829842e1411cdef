from django.urls import include, path

from articles import api, feeds, views

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("search/feed/", feeds.SearchFeed(), name="search_feed"),
    path("search/export.csv", views.search_export_csv, name="search_export_csv"),
    path("search/export.json", views.search_export_json, name="search_export_json"),
    path("articles/<int:pk>/", views.article_detail, name="article_detail"),
    path("stories/<int:pk>/", views.story_detail, name="story_detail"),
    path("sources/", views.source_index, name="source_index"),
    path("sources/<str:slug>/", views.source_detail, name="source_detail"),
    path("sources/<str:slug>/feed/", feeds.SourceFeed(), name="source_feed"),
    path("topics/", views.topic_index, name="topic_index"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic_detail"),
    path("topics/<slug:slug>/feed/", feeds.TopicFeed(), name="topic_feed"),
    path("entities/", views.entity_index, name="entity_index"),
    path("entities/<str:slug>/", views.entity_detail, name="entity_detail"),
    path("entities/<str:slug>/feed/", feeds.EntityFeed(), name="entity_feed"),
    path("saved/", include("articles.alerts.urls")),
    path("api/articles/", api.articles, name="api_articles"),
    path("api/entities/", api.entities, name="api_entities"),
]
