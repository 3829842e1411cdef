from django.urls import path

from articles import views

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<int:pk>/", views.article_detail, name="article_detail"),
    path("sources/<str:slug>/", views.source_detail, name="source_detail"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic_detail"),
    path("entities/<str:slug>/", views.entity_detail, name="entity_detail"),
]
