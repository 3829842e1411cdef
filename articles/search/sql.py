"""SQL expressions shared by the search backends and the read side."""

from __future__ import annotations

from django.db import connections, router
from django.db.models import BooleanField, Expression, Field


def rows_read(sql: str, params: list) -> list[tuple]:
    """Rows of a raw read query about articles, on the database the router reads them from (a
    replica on read-only pages)."""
    from articles.models import Article

    with connections[router.db_for_read(Article)].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class TableSQL(Expression):
    """Raw SQL about the queryset's own article row: ``{t}`` becomes the table's alias.

    Unlike RawSQL, it follows the alias when Django relabels the query as a subquery (facets), and
    unlike ``pk IN (SELECT ...)`` it lets the planner use the GIN index on the row itself.
    """

    def __init__(self, sql: str, params: list, output_field: Field, alias: str | None = None) -> None:
        super().__init__(output_field=output_field)
        self.sql, self.params, self.alias = sql, params, alias

    @property
    def conditional(self) -> bool:
        return isinstance(self.output_field, BooleanField)

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        clone = self.copy()
        clone.alias = query.get_initial_alias()
        return clone

    def relabeled_clone(self, change_map):
        clone = self.copy()
        clone.alias = change_map.get(self.alias, self.alias)
        return clone

    def get_group_by_cols(self):
        return [self]

    def as_sql(self, compiler, connection):
        return self.sql.replace("{t}", compiler.quote_name(self.alias)), list(self.params)
