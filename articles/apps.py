from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    # The admin shows this on its index and breadcrumbs: in the reader's language.
    verbose_name = _("Archive")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from articles.history import history_register
        from articles.stories import signals  # noqa: F401 - connects the receivers

        history_register()  # the editors' history (django-reversion): which models keep versions
