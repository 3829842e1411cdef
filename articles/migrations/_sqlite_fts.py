"""The SQLite FTS delete trigger of 0003_search, shared by the migrations that must restore it.

Django's migration loader skips modules whose name starts with "_", so this is no migration. SQLite's
schema editor adds a column by rebuilding articles_article (new table, copy, drop, rename), which drops
the table's triggers: every migration that adds an Article column runs :func:`fts_delete_trigger_restore`.
"""

FTS_DELETE_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS article_fts_delete AFTER DELETE ON articles_article "
    "BEGIN DELETE FROM article_fts WHERE rowid = old.id; END"
)


def fts_delete_trigger_restore(apps, schema_editor) -> None:
    """RunPython step: put back the trigger that removes a deleted article's search row (SQLite only)."""
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(FTS_DELETE_TRIGGER)
