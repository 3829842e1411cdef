"""``manage.py migrate``: Django's, with the search index check deferred while it runs its checks.

The check (articles.search.checks) reports a missing FTS trigger or index, which migrate re-creates
(post_migrate, articles.apps): refusing migrate for them would leave no way to repair them short of
``--skip-checks``. Every other check still runs.
"""

from __future__ import annotations

from django.core.management.commands import migrate

from articles.search.checks import search_index_check_deferred


class Command(migrate.Command):
    def check(self, *args, **kwargs):
        with search_index_check_deferred():
            return super().check(*args, **kwargs)
