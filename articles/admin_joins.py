"""Admin of automatic joins (entities_consolidate): why two spellings are one entity, and the split."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles.models import EntityJoin


class EntityJoinInline(admin.TabularInline):
    """On the entity page: each spelling joined to it automatically, by which rule and score."""

    model = EntityJoin
    fk_name = "entity"
    fields = ["name", "rule", "score", "article_count", "created_at", "split_at", "split_link"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("automatic joins (why these spellings are this entity)")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("split"))
    def split_link(self, obj: EntityJoin) -> str:
        if obj.split_at or not obj.pk:
            return ""
        url = reverse("admin:articles_entityjoin_changelist") + f"?id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("split it off…"))


@admin.register(EntityJoin)
class EntityJoinAdmin(admin.ModelAdmin):
    list_display = ["name", "entity", "kind", "rule", "score", "article_count", "created_at", "split_at"]
    list_filter = ["rule", "kind", ("split_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "key", "target_key", "entity__name"]
    readonly_fields = [f.name for f in EntityJoin._meta.fields]
    list_select_related = ["entity"]
    actions = ["split_joins"]

    def has_add_permission(self, request) -> bool:
        return False  # joins are made by entities_consolidate; an editor merges entities instead

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the audit trail stays; splitting is the undo

    @admin.action(description=_("Split the selected spellings off into their own entities"), permissions=["change"])
    def split_joins(self, request, queryset):
        from articles.enrich.consolidate import entity_join_split

        done = 0
        for join in queryset.filter(split_at__isnull=True).select_related("entity"):
            entity_join_split(join=join, user=request.user)
            done += 1
        self.message_user(
            request,
            ngettext(
                "%d spelling is its own entity again; consolidation will not join it back.",
                "%d spellings are their own entities again; consolidation will not join them back.",
                done,
            )
            % done,
            messages.SUCCESS,
        )
