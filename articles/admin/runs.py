"""Editor screens for ingest runs: queued uploads with live progress, resume, errors and warnings."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from articles.admin.common import message_list
from articles.admin.uploads import confirm_view_make, progress_view_make, resume_view_make, upload_view_make
from articles.ingest.runs import run_progress, runs_reconcile
from articles.models import IngestRun


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
        upload = self.admin_site.admin_view(upload_view_make(self))
        confirm = self.admin_site.admin_view(confirm_view_make(self))
        resume = self.admin_site.admin_view(resume_view_make(self))
        progress = self.admin_site.admin_view(progress_view_make(self))
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
        return message_list(obj.errors)

    @admin.display(description=_("records stored with a warning"))
    def warning_list(self, obj: IngestRun) -> str:
        return message_list(obj.warnings)
