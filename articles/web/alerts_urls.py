from django.urls import path

from articles.web import alerts as views
from articles.web.ratelimits import rate_limit

urlpatterns = [
    path("", views.saved_search_list, name="saved_search_list"),
    path("new/", views.saved_search_create, name="saved_search_create"),
    path("<int:pk>/", views.saved_search_detail, name="saved_search_detail"),
    path("<int:pk>/update/", views.saved_search_update, name="saved_search_update"),
    path("feed/<str:token>/", rate_limit("feed")(views.SavedSearchFeed()), name="saved_search_feed"),
]
