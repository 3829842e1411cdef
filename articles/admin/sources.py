"""Editor screens for sources and topics (with source merges)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from articles.admin.common import count_of, merge_view
from articles.admin.history import HistoryAdmin
from articles.ingest.editing import sources_merge
from articles.models import Article, Source, Topic
from articles.text import clean_line


@admin.register(Source)
class SourceAdmin(HistoryAdmin):
    list_display = ["name", "article_count", "country", "created_at"]
    search_fields = ["name", "key"]
    # The key stays: dumps that spell the source the old way still land here after a rename.
    readonly_fields = ["key", "slug", "created_at"]
    fields = ["name", "url", "country", "key", "slug", "created_at"]
    actions = ["merge_sources"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_articles=count_of(Article, "source"))

    def save_model(self, request, obj, form, change):
        obj.name = clean_line(obj.name)  # a renamed source is stored like an ingested one (no edge RLM/BOM)
        super().save_model(request, obj, form, change)

    @admin.display(description=_("articles"), ordering="n_articles")
    def article_count(self, obj: Source) -> int:
        return obj.n_articles

    @admin.action(description=_("Merge selected sources into one"), permissions=["change", "delete"])
    def merge_sources(self, request, queryset):
        return merge_view(
            self,
            request,
            queryset,
            lambda target, others: sources_merge(target=target, others=others, user=request.user),
            note=_("Their articles move to the source you keep; the others are deleted."),
        )


@admin.register(Topic)
class TopicAdmin(HistoryAdmin):
    list_display = ["name_ar", "name_en", "slug"]
    search_fields = ["name_ar", "name_en", "slug"]
