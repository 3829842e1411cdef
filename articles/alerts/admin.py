"""Saved searches in the admin: administrators can see and remove them (readers manage their own)."""

from django.contrib import admin

from articles.alerts.models import SavedSearch


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "email_digest", "created_at", "last_seen_at"]
    list_filter = ["email_digest"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username"]
    readonly_fields = ["user", "query", "created_at", "last_seen_at", "digest_checked_at"]
    exclude = ["feed_token"]  # a credential: not shown, not editable
