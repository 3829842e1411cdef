"""The editors' admin: adding and uploading clippings, curating entities, topics and sources.

Admin classes only wire forms to services (articles.admin_upload, articles.enrich.*_service);
every write that matters for the archive goes through those.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles import admin_upload
from articles.admin_joins import entity_joins_html
from articles.forms import ArticleAdminForm, EntityAliasFormSet, MentionInlineForm, MergeForm
from articles.models import Article, BlockedEntity, Entity, EntityAlias, IngestRun, Mention, Source, Topic
from articles.runs import run_progress, runs_reconcile
from articles.text import search_key

admin.site.site_header = _("News-clipping archive administration")
admin.site.site_title = _("News-clipping archive")
admin.site.index_title = _("Editing the archive")


def _count_of(model, fk: str) -> Subquery:
    """Rows of ``model`` pointing at the outer row. A correlated subquery runs for the listed page
    only, where annotate(Count()) would group the whole table first."""
    rows = model.objects.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows), 0)


def _merge_view(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, merge, *, note: str
) -> HttpResponse | None:
    """Shared intermediate page of the merge actions: pick the one to keep, then ``merge(target, others)``."""
    objects = list(queryset)
    if len(objects) < 2:
        modeladmin.message_user(request, _("Select at least two to merge."), messages.WARNING)
        return None
    form = MergeForm(request.POST if "apply" in request.POST else None, objects=objects)
    if form.is_valid():
        target = next(o for o in objects if o.pk == form.cleaned_data["target"])
        others = [o for o in objects if o.pk != target.pk]
        names = ", ".join(str(o) for o in others)
        merge(target, others)
        modeladmin.log_change(request, target, f"Merged into this: {names}")
        modeladmin.message_user(request, _("Merged %(names)s into %(target)s.") % {"names": names, "target": target})
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": _("Merge %(name)s") % {"name": modeladmin.model._meta.verbose_name_plural},
        "objects": objects,
        "form": form,
        "note": note,
        "action": request.POST.get("action"),
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/articles/merge.html", context)


# --- sources and topics ----------------------------------------------------------------------------


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "article_count", "country", "created_at"]
    search_fields = ["name", "key"]
    # The key stays: dumps that spell the source the old way still land here after a rename.
    readonly_fields = ["key", "slug", "created_at"]
    fields = ["name", "url", "country", "key", "slug", "created_at"]
    actions = ["merge_sources"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_articles=_count_of(Article, "source"))

    @admin.display(description=_("articles"), ordering="n_articles")
    def article_count(self, obj: Source) -> int:
        return obj.n_articles

    @admin.action(description=_("Merge selected sources into one"), permissions=["change", "delete"])
    def merge_sources(self, request, queryset):
        return _merge_view(
            self,
            request,
            queryset,
            lambda target, others: admin_upload.sources_merge(target=target, others=others),
            note=_("Their articles move to the source you keep; the others are deleted."),
        )


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name_ar", "name_en", "slug"]
    search_fields = ["name_ar", "name_en", "slug"]


# --- entities --------------------------------------------------------------------------------------


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
class EntityAdmin(admin.ModelAdmin):
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
            super().get_queryset(request).annotate(n_mentions=_count_of(Mention, "entity")).prefetch_related("aliases")
        )

    def get_search_results(self, request, queryset, search_term):
        # Also match the normalised keys, so أحمد finds احمد and "putin" finds a Latin alias.
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        key = search_key(search_term)
        if key:
            by_alias = EntityAlias.objects.filter(key__contains=key).values("entity_id")
            results = results | queryset.filter(key__contains=key) | queryset.filter(pk__in=by_alias)
        return results, may_have_duplicates

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

        return _merge_view(
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


# --- articles --------------------------------------------------------------------------------------


class MentionInline(admin.TabularInline):
    model = Mention
    form = MentionInlineForm
    autocomplete_fields = ["entity"]
    extra = 0
    verbose_name_plural = _("entities found in this article")


class ClassifiedFilter(admin.SimpleListFilter):
    title = _("classification")
    parameter_name = "classified"

    def lookups(self, request, model_admin):
        return [
            ("no", _("unclassified")),
            ("auto", _("classified automatically")),
            ("source", _("topic from the source's category")),
            ("locked", _("topic locked by an editor")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "no":
                return queryset.filter(topic__isnull=True)
            case "auto":
                return queryset.filter(topic__isnull=False, topic_locked=False, topic_origin=Article.TopicOrigin.MODEL)
            case "source":
                return queryset.filter(topic_locked=False, topic_origin=Article.TopicOrigin.SOURCE)
            case "locked":
                return queryset.filter(topic_locked=True)
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = ["title_rtl", "source", "published_on", "topic", "confidence", "topic_locked"]
    list_select_related = ["source", "topic"]
    # Plain related filters list the (few) sources and runs; the "related only" kind would scan
    # every article on each page load. No date_hierarchy for the same reason.
    list_filter = [ClassifiedFilter, "topic", "source", "published_on", "ingest_run"]
    search_fields = ["title"]  # shows the search box; get_search_results uses the archive's search
    autocomplete_fields = ["source"]
    # One COUNT(*) over the filtered rows instead of two over the whole archive.
    show_full_result_count = False
    actions = ["reextract_entities", "reclassify_topics"]

    def get_search_results(self, request, queryset, search_term):
        # The public search's index and query syntax: Arabic spelling variants match, and no
        # LIKE scan over every body.
        from articles.search import query_parse, search_filter

        query = query_parse(search_term)
        if query.is_empty:
            return queryset, False
        return search_filter(queryset, query), False

    def get_fieldsets(self, request, obj=None):
        text = (None, {"fields": ["title", "body"]})
        origin = (_("Where it appeared"), {"fields": ["source", "new_source_name", "published_on", "url"]})
        if obj is None:
            return [text, origin, (_("Topic"), {"fields": ["topic"]})]
        topic = (
            _("Topic"),
            {
                "fields": [
                    "topic",
                    "topic_origin",
                    "source_category",
                    "topic_confidence",
                    "topic_locked",
                    "topic_confirmed",
                ]
            },
        )
        found = (
            _("What was found"),
            {"fields": ["entities_found", "entities_extracted_at", "ingest_run", "public_link"]},
        )
        return [text, origin, topic, found]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "topic_origin",
            "source_category",
            "topic_confidence",
            "topic_confirmed",
            "entities_found",
            "entities_extracted_at",
            "ingest_run",
            "public_link",
        ]

    def get_inlines(self, request, obj):
        return [MentionInline] if obj is not None else []  # a new article's mentions come from extraction

    @admin.display(description=_("title"), ordering="title")
    def title_rtl(self, obj: Article) -> str:
        return format_html('<span dir="rtl" lang="ar">{}</span>', obj.title[:120])

    @admin.display(description=_("confidence"), ordering="topic_confidence")
    def confidence(self, obj: Article) -> str:
        return "" if obj.topic_confidence is None else f"{obj.topic_confidence:.0%}"

    @admin.display(description=_("entities"))
    def entities_found(self, obj: Article) -> str:
        mentions = obj.mentions.select_related("entity").order_by("entity__kind", "entity__name")
        entities = {m.entity_id: m.entity for m in mentions}.values()
        if not entities:
            return _("none found")
        return format_html_join(
            "، ",
            '<a href="{}" dir="rtl" lang="ar">{}</a> <small>({})</small>',
            ((reverse("admin:articles_entity_change", args=[e.pk]), e.name, e.get_kind_display()) for e in entities),
        )

    @admin.display(description=_("on the site"))
    def public_link(self, obj: Article) -> str:
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("view on the public site"))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "url":
            field.widget.attrs["dir"] = "ltr"
        if db_field.name == "source":  # new sources come from "or a new source"; merges from the source list
            field.widget.can_add_related = field.widget.can_delete_related = False
        return field

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            admin_upload.article_edit_save(
                obj,
                fingerprint=form.fingerprint if form.text_changed else "",
                new_source_name=data.get("new_source_name", ""),
                topic_chosen="topic" in form.changed_data,
            )
            return
        outcome = admin_upload.article_add(
            title=data["title"],
            body=data["body"],
            source=data.get("source"),
            new_source_name=data.get("new_source_name", ""),
            published_on=data.get("published_on"),
            url=data.get("url", ""),
            topic=data.get("topic"),
        )
        stored = outcome.article or outcome.duplicate_of
        # The admin goes on with the stored row (log entry, redirect to its change form).
        obj.pk = stored.pk
        obj.refresh_from_db()
        obj._duplicate = outcome.article is None  # stored meanwhile by another editor or ingest

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            admin_upload.article_refresh(form.instance, text_changed=form.text_changed)

    def log_addition(self, request, obj, message):
        if not getattr(obj, "_duplicate", False):
            return super().log_addition(request, obj, message)
        return None

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(obj, "_duplicate", False):
            self.message_user(request, _("This clipping is already in the archive: here it is."), messages.WARNING)
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[obj.pk]))
        if "_addanother" in request.POST or IS_POPUP_VAR in request.POST:
            return super().response_add(request, obj, post_url_continue)
        # Straight to the change form: the editor sees the entities and topic that were found.
        self.message_user(request, _("The article was stored. Below: the entities and the topic that were found."))
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[obj.pk]))

    @admin.action(description=_("Re-run entity extraction"), permissions=["change"])
    def reextract_entities(self, request, queryset):
        count, failed = admin_upload.articles_reextract(queryset)
        self.message_user(
            request,
            ngettext("Entities extracted again for %d article.", "Entities extracted again for %d articles.", count)
            % count,
        )
        if failed:
            self.message_user(
                request,
                _("Extraction failed for the articles %(ids)s (see the server log).")
                % {"ids": ", ".join(map(str, failed[:20]))},
                messages.ERROR,
            )

    @admin.action(description=_("Re-run topic classification (locked topics are kept)"), permissions=["change"])
    def reclassify_topics(self, request, queryset):
        from articles.enrich.topic_service import articles_classify

        count = articles_classify(queryset, batch_size=200, progress=None)
        self.message_user(
            request,
            ngettext(
                "Topic classified again for %d article; topics locked by an editor were kept.",
                "Topics classified again for %d articles; topics locked by an editor were kept.",
                count,
            )
            % count,
        )


# --- ingest runs and the upload page ---------------------------------------------------------------


@admin.register(IngestRun)
class IngestRunAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "status",
        "created_count",
        "duplicate_count",
        "rejected_count",
        "records_read",
        "created_by",
        "started_at",
    ]
    list_filter = ["status", "created_by"]
    list_select_related = ["created_by"]
    search_fields = ["file_name", "sha256"]
    fields = [
        "file_name",
        "status",
        "articles_link",
        "created_count",
        "duplicate_count",
        "rejected_count",
        "error_list",
        "warning_count",
        "warning_list",
        "failure_reason",
        "records_read",
        "records_total",
        "defer_enrichment",
        "resumed_from",
        "created_by",
        "started_at",
        "finished_at",
        "heartbeat_at",
        "worker_host",
        "worker_pid",
        "sha256",
    ]
    readonly_fields = fields

    def get_urls(self):
        upload = self.admin_site.admin_view(admin_upload.upload_view_make(self))
        confirm = self.admin_site.admin_view(admin_upload.confirm_view_make(self))
        resume = self.admin_site.admin_view(admin_upload.resume_view_make(self))
        progress = self.admin_site.admin_view(admin_upload.progress_view_make(self))
        return [
            path("upload/", upload, name="articles_ingestrun_upload"),
            path("upload/confirm/", confirm, name="articles_ingestrun_upload_confirm"),
            path("<path:object_id>/resume/", resume, name="articles_ingestrun_resume"),
            path("<path:object_id>/progress/", progress, name="articles_ingestrun_progress"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        runs_reconcile()  # a killed run shows as interrupted, not "running" forever
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        runs_reconcile()
        run = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), "progress": run_progress(run) if run else None}
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request) -> bool:
        return False  # runs are made by uploads and the ingest command

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # an audit row

    @admin.display(description=_("articles created"))
    def articles_link(self, obj: IngestRun) -> str:
        url = reverse("admin:articles_article_changelist") + f"?ingest_run__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("the %(n)d articles of this run") % {"n": obj.created_count})

    @admin.display(description=_("rejected records"))
    def error_list(self, obj: IngestRun) -> str:
        return _message_list(obj.errors)

    @admin.display(description=_("records stored with a warning"))
    def warning_list(self, obj: IngestRun) -> str:
        return _message_list(obj.warnings)


def _message_list(messages: list[str]) -> str:
    """The run's "line N: ..." messages as an escaped list, or a dash."""
    if not messages:
        return "—"
    return format_html("<ul>{}</ul>", format_html_join("", '<li dir="auto">{}</li>', ((m,) for m in messages)))


# Saved searches' admin lives with them (articles/alerts/); importing registers it.
from articles.alerts import admin as _alerts_admin  # noqa: E402, F401
