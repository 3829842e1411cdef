"""The Django admin: editor screens split by what the editor works on. Importing this package (Django's
admin autodiscovery does) registers every screen. Admin classes only wire forms to services
(:mod:`articles.ingest.editing`, :mod:`articles.enrich.entity_service`, ...); they hold no business rules.
"""

from articles.admin import articles, common, entities, lists, runs, sources  # noqa: F401  (registers the screens)

# Saved searches' admin lives with them (articles/alerts/); importing registers it.
from articles.alerts import admin as _alerts_admin  # noqa: F401
