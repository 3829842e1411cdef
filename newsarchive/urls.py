from django.contrib import admin
from django.urls import include, path

from articles.web.views import favicon

urlpatterns = [
    # Browsers ask for /favicon.ico whatever the page links: send them to the static icon.
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    # Readers sign in with Django's own views (login, logout, password change/reset) to save searches.
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("articles.urls")),
]

# A database outage outside a view (in a middleware) still answers 503, not a bare 500.
handler500 = "articles.web.outage.server_error"
