"""Editor screens for entities: aliases, kind and name changes, blocking, merges."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from articles.admin.common import count_of, merge_view
from articles.admin.forms import EntityAliasFormSet
from articles.admin.history import HistoryAdmin
from articles.admin.joins import entity_joins_html
from articles.enrich.resolve import name_key
from articles.models import BlockedEntity, Entity, EntityAlias, EntityAliasTail, Mention
from articles.text import search_key


class EntityAliasInline(admin.TabularInline):
    model = EntityAlias
    formset = EntityAliasFormSet
    fields = ["name", "origin"]
    readonly_fields = ["origin"]
    extra = 1

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "name":
            field.widget.attrs["dir"] = "auto"  # Arabic and Latin spellings alike
        return field


@admin.register(Entity)
class EntityAdmin(HistoryAdmin):
    list_display = ["name", "kind", "article_count", "mention_count", "confidence", "alias_list"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases__name"]
    readonly_fields = ["key", "slug", "article_count", "confidence", "created_at", "automatic_joins"]
    fields = ["name", "kind", "key", "slug", "article_count", "confidence", "created_at", "automatic_joins"]
    inlines = [EntityAliasInline]
    actions = ["merge_entities"]
    delete_confirmation_template = "admin/articles/entity/delete_confirmation.html"
    delete_selected_confirmation_template = "admin/articles/entity/delete_selected_confirmation.html"

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(n_mentions=count_of(Mention, "entity")).prefetch_related("aliases")
        )

    def get_search_results(self, request, queryset, search_term):
        # Any word of a name by its normalised key, as the reader's look-up does (the indexed alias
        # words: a surname finds the full name, أحمد finds احمد, "putin" a Latin alias), or its
        # canonical name containing the text as typed.
        keys = {k for k in (search_key(search_term), name_key(search_term)) if k}
        if not keys:
            return super().get_search_results(request, queryset, search_term)
        words = Q()
        for key in keys:
            words |= Q(tail__startswith=key)
        by_word = EntityAliasTail.objects.filter(words).values("alias__entity_id")
        by_latin = EntityAlias.objects.filter(key__startswith=search_term.strip().lower()).values("entity_id")
        found = Q(pk__in=by_word) | Q(pk__in=by_latin) | Q(name__icontains=search_term.strip())
        return queryset.filter(found), False

    def has_add_permission(self, request) -> bool:
        return False  # entities come from the text; editors add mentions on the article

    @admin.display(description=_("mentions"), ordering="n_mentions")
    def mention_count(self, obj: Entity) -> int:
        return obj.n_mentions

    @admin.display(description=_("automatic joins (why these spellings are this entity)"))
    def automatic_joins(self, obj: Entity) -> str:
        return entity_joins_html(obj)

    @admin.display(description=_("aliases"))
    def alias_list(self, obj: Entity) -> str:
        return "، ".join(a.name for a in obj.aliases.all()[:8])

    def save_model(self, request, obj, form, change):
        from articles.enrich.entity_service import entity_kind_change, entity_rename

        if not change:
            return super().save_model(request, obj, form, change)
        # The services make the edits: a rename keeps the old name as an alias; a kind change may
        # meet an entity of that kind and key, and then merges into it.
        name, kind = obj.name, obj.kind
        obj.name, obj.kind = form.initial["name"], form.initial["kind"]
        if "name" in form.changed_data:
            entity_rename(entity=obj, name=name)
        if "kind" in form.changed_data:
            kept = entity_kind_change(entity=obj, kind=kind)
            if kept.pk != obj.pk:
                obj.merged_into = kept
        return None

    def save_related(self, request, form, formsets, change):
        if getattr(form.instance, "merged_into", None) is None:
            super().save_related(request, form, formsets, change)

    def response_change(self, request, obj):
        if (kept := getattr(obj, "merged_into", None)) is not None:
            self.message_user(
                request, _("An entity of that kind and name existed: %(name)s was merged into it.") % {"name": obj.name}
            )
            return HttpResponseRedirect(reverse("admin:articles_entity_change", args=[kept.pk]))
        return super().response_change(request, obj)

    def save_formset(self, request, form, formset, change):
        """Aliases go through the entity service (it computes keys and keeps resolution in step)."""
        from articles.enrich.entity_service import entity_alias_add, entity_alias_remove

        if formset.model is not EntityAlias:
            return super().save_formset(request, form, formset, change)
        entity = form.instance
        for alias_form in formset.deleted_forms:
            if alias_form.instance.pk:
                entity_alias_remove(alias=alias_form.instance)
        for alias_form in formset.forms:
            if alias_form in formset.deleted_forms or not alias_form.has_changed():
                continue
            name = alias_form.cleaned_data.get("name")
            if not name:
                continue
            if alias_form.instance.pk:  # renamed: the old spelling goes (unless it is the canonical key)
                old = EntityAlias.objects.select_related("entity").get(pk=alias_form.instance.pk)
                if old.key != old.entity.key:
                    entity_alias_remove(alias=old)
            entity_alias_add(entity=entity, name=name, origin=EntityAlias.Origin.EDITOR)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    # Deleting an entity blocks it: re-extraction never brings it back.
    def delete_model(self, request, obj):
        from articles.enrich.entity_service import entity_block

        entity_block(entity=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        from articles.enrich.entity_service import entity_block

        for entity in queryset:
            entity_block(entity=entity, user=request.user)

    @admin.action(description=_("Merge selected entities into one"), permissions=["change"])
    def merge_entities(self, request, queryset):
        from articles.enrich.entity_service import entities_merge

        return merge_view(
            self,
            request,
            queryset,
            lambda target, others: entities_merge(target=target, others=others, user=request.user),
            note=_(
                "Their mentions move to the entity you keep and their names become its aliases, "
                "so extraction run again keeps them merged."
            ),
        )


@admin.register(BlockedEntity)
class BlockedEntityAdmin(admin.ModelAdmin):
    """The block list; deleting a row unblocks the name for future extraction."""

    list_display = ["name", "kind", "created_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "key"]
    readonly_fields = ["name", "kind", "key", "created_by", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False  # blocking happens by deleting the entity

    def delete_model(self, request, obj):
        from articles.enrich.entity_service import entity_unblock

        entity_unblock(blocked=obj)

    def delete_queryset(self, request, queryset):
        from articles.enrich.entity_service import entity_unblock

        for blocked in queryset:
            entity_unblock(blocked=blocked)
