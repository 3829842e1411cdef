"""Editor screens for articles: add, edit (text, source, topic, mentions), re-extract."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles.admin.forms import ArticleAdminForm, MentionInlineForm
from articles.admin.history import HistoryAdmin
from articles.ingest import editing
from articles.ingest.models import ArticlePages
from articles.models import Article, Mention
from articles.search.scans import LOW_WORD_CONFIDENCE, article_scan_pages

# An article read from a clipping file: the pages beside the text box, unsure OCR words marked, the OCR output.
CLIPPING_FIELDS = ["text_origin", "ocr_confidence", "clipping_pages", "ocr_words_marked", "ocr_output", "original_link"]


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
class ArticleAdmin(HistoryAdmin):
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
        from articles.search.backend import search_filter
        from articles.search.query import query_parse

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
        if obj.original_id is None and obj.text_origin == Article.TextOrigin.TYPED:
            return [text, origin, topic, found]
        # A clipping file: the scan beside the text box, low-confidence OCR words marked, the OCR output kept.
        clipping = (
            _("The clipping file"),
            {"fields": CLIPPING_FIELDS},
        )
        return [text, clipping, origin, topic, found]

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
            *CLIPPING_FIELDS,
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

    @admin.display(description=_("pages"))
    def clipping_pages(self, obj: Article) -> str:
        pages = article_scan_pages(article=obj)
        if not pages:
            return "—"
        return format_html_join(
            "",
            '<a href="{0}" target="_blank" rel="noopener">'
            '<img class="clipping-page" src="{0}" width="{1}" alt="{2}"></a>',
            ((p.url, min(p.width, 700), _("page %(n)d") % {"n": p.number + 1}) for p in pages),
        )

    @admin.display(description=_("OCR words to check"))
    def ocr_words_marked(self, obj: Article) -> str:
        """The OCR words in reading order, those Tesseract was unsure of marked (below LOW_WORD_CONFIDENCE)."""
        pages = ArticlePages.objects.filter(article=obj).first()
        if pages is None or not pages.words:
            return "—"
        return format_html(
            '<p dir="rtl" lang="ar" class="ocr-words">{}</p>',
            format_html_join(
                " ",
                '<span class="{}" title="{}">{}</span>',
                (
                    ("ocr-low" if conf < LOW_WORD_CONFIDENCE else "ocr-ok", f"{conf:.0f}", text)
                    for _page, _l, _t, _w, _h, conf, text in pages.words
                ),
            ),
        )

    @admin.display(description=_("OCR output (before any correction)"))
    def ocr_output(self, obj: Article) -> str:
        pages = ArticlePages.objects.filter(article=obj).first()
        if pages is None or not pages.ocr_text:
            return "—"
        return format_html('<pre dir="rtl" lang="ar" class="ocr-output">{}</pre>', pages.ocr_text)

    @admin.display(description=_("original file"))
    def original_link(self, obj: Article) -> str:
        if obj.original is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> ({}, {} bytes)',
            reverse("article_original", args=[obj.pk]),
            obj.original.name,
            obj.original.get_kind_display(),
            obj.original.size,
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
            editing.article_edit_save(
                obj,
                fingerprint=form.fingerprint if form.text_changed else "",
                new_source_name=data.get("new_source_name", ""),
                topic_chosen="topic" in form.changed_data,
            )
            return
        outcome = editing.article_add(
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
            editing.article_refresh(form.instance, text_changed=form.text_changed)

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
        count, failed = editing.articles_reextract(queryset)
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
