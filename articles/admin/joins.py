"""Admin of automatic joins (entities_consolidate): why two spellings are one entity, and the split."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles.models import EntityJoin


def entity_joins_html(entity) -> str:
    """The entity's automatic joins as a small table (rule, score, articles, split link): why these
    spellings are this entity. Read-only, so the entity form posts no extra formset."""
    rows = [
        format_html(
            '<tr><td dir="auto">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            join.name,
            join.get_rule_display(),
            f"{join.score:.0f}",
            join.article_count,
            format_html('<a href="{}">{}</a>', _split_url(join), _("split it off…"))
            if not join.split_at
            else _("split %(when)s") % {"when": join.split_at.date().isoformat()},
        )
        for join in entity.joins.all()
    ]
    if not rows:
        return _("none")
    head = format_html(
        "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr>",
        _("spelling"),
        _("rule"),
        _("score"),
        _("articles"),
    )
    return format_html("<table>{}{}</table>", head, format_html_join("", "{}", ((r,) for r in rows)))


def _split_url(join: EntityJoin) -> str:
    return reverse("admin:articles_entityjoin_changelist") + f"?id__exact={join.pk}"


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
