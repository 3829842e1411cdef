"""Editor screens of the entity lists: the list and its edit screen (entries picked from the entities),
the CSV upload (as ``manage.py entities_import``) and the CSV export. Saving a list scans the archive
for its aliases: here on a small archive, as a background task (progress on the list) on a large one."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from articles.models import Article, EntityList

# Errors shown after an upload (the rest are counted): a 5,000-line file with a wrong column is one fix.
MAX_SHOWN_ERRORS = 30
UPLOAD_MAX_BYTES = 5 * 1024 * 1024


class EntityListUploadForm(forms.Form):
    name = forms.CharField(label=_("list name"), max_length=200, help_text=_("an existing list is added to"))
    file = forms.FileField(label=_("CSV file (name,kind,aliases; aliases separated by |)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("The file is over 5 MB."))
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("Not UTF-8 text (byte %(n)s).") % {"n": exc.start}) from exc


def list_scan_start(request: HttpRequest | None, entity_list: EntityList) -> str:
    """Scan the archive for the list: inline up to ``ENTITY_LIST_SCAN_INLINE`` articles, else queued.
    Returns what happened, for a message."""
    from articles.enrich.list_service import entity_list_scan
    from articles.enrich.tasks import entity_list_scan_task

    if Article.objects.count() <= settings.ENTITY_LIST_SCAN_INLINE:
        added = entity_list_scan(entity_list=entity_list)
        return _("Archive scanned: %(n)s list mentions added.") % {"n": added}
    EntityList.objects.filter(pk=entity_list.pk).update(scan_status=EntityList.Scan.QUEUED)
    entity_list_scan_task.enqueue(entity_list.pk)
    return _("The archive scan runs in the background; its progress shows on the list.")


@admin.register(EntityList)
class EntityListAdmin(admin.ModelAdmin):
    list_display = ["name", "entry_count", "scan_status", "scan_progress", "scan_added", "updated_at"]
    search_fields = ["name"]
    fields = ["name", "description", "entities", "scan_status", "scan_progress", "scan_added", "scan_error"]
    readonly_fields = ["scan_status", "scan_progress", "scan_added", "scan_error"]
    autocomplete_fields = ["entities"]
    actions = ["export_csv", "rescan"]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(n_entries=Count("entities"))

    @admin.display(description=_("entries"), ordering="n_entries")
    def entry_count(self, obj: EntityList) -> int:
        return obj.n_entries

    @admin.display(description=_("scan progress"))
    def scan_progress(self, obj: EntityList) -> str:
        return f"{obj.scan_done:,} / {obj.scan_total:,}" if obj.scan_total else "–"

    def get_urls(self):
        upload = self.admin_site.admin_view(self.upload_view)
        return [path("import/", upload, name="articles_entitylist_import"), *super().get_urls()]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "entities" in form.changed_data:  # new entries: their articles get the mentions
            self.message_user(request, list_scan_start(request, form.instance))

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        from articles.enrich.list_service import entity_list_import

        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        form = EntityListUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            entity_list, _created = EntityList.objects.get_or_create(name=form.cleaned_data["name"].strip())
            try:
                report = entity_list_import(entity_list=entity_list, text=form.cleaned_data["file"])
            except ValueError as exc:
                form.add_error("file", str(exc))
            else:
                for error in report.errors[:MAX_SHOWN_ERRORS]:
                    self.message_user(request, error, messages.ERROR)
                if len(report.errors) > MAX_SHOWN_ERRORS:
                    more = len(report.errors) - MAX_SHOWN_ERRORS
                    self.message_user(request, _("… and %(n)s more errors.") % {"n": more}, messages.ERROR)
                self.message_user(
                    request,
                    _("%(created)s entities created, %(merged)s merged into existing ones.")
                    % {"created": report.created, "merged": report.merged},
                )
                self.message_user(request, list_scan_start(request, entity_list))
                return HttpResponseRedirect(reverse("admin:articles_entitylist_change", args=[entity_list.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import an entity list"),
            "form": form,
        }
        return TemplateResponse(request, "admin/articles/entitylist/import.html", context)

    @admin.action(description=_("Export as CSV (name,kind,aliases)"), permissions=["view"])
    def export_csv(self, request, queryset):
        from articles.enrich.list_service import entity_list_export

        lists = list(queryset)
        if len(lists) != 1:
            self.message_user(request, _("Select one list to export."), messages.WARNING)
            return None
        response = HttpResponse(entity_list_export(entity_list=lists[0]), content_type="text/csv; charset=utf-8")
        name = slugify(lists[0].name, allow_unicode=True) or "list"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}.csv"
        return response

    @admin.action(description=_("Scan the archive again"), permissions=["change"])
    def rescan(self, request, queryset):
        for entity_list in queryset:
            self.message_user(request, f"{entity_list.name}: {list_scan_start(request, entity_list)}")


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
