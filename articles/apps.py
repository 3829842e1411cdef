from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    # The admin shows this on its index and breadcrumbs: in the reader's language.
    verbose_name = _("Archive")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from articles.history import history_register
        from articles.search import checks  # noqa: F401 - registers the search index check
        from articles.stories import signals  # noqa: F401 - connects the receivers

        history_register()  # the editors' history (django-reversion): which models keep versions

        post_migrate.connect(_fts_trigger_after_migrate, sender=self, dispatch_uid="fts_trigger_after_migrate")


def _fts_trigger_after_migrate(sender, using: str = "default", **kwargs) -> None:
    from django.db import connections

    from articles.search.checks import search_index_objects_ensure

    search_index_objects_ensure(connection=connections[using])
