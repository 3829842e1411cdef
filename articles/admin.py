"""Admin registration (the curating tools build on these)."""

from django.contrib import admin

from articles.models import Article, BlockedEntity, Entity, EntityAlias, IngestRun, Mention, Source, Topic

admin.site.register([Source, Topic, IngestRun, Entity, EntityAlias, Mention, BlockedEntity])


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "source", "published_on", "topic"]
    list_select_related = ["source", "topic"]
    list_filter = ["topic", "published_on"]
    search_fields = ["title"]
    raw_id_fields = ["source", "ingest_run"]
