"""The editors' history in the admin (django-reversion's VersionAdmin): the History button beside each article,
source, topic and entity lists what changed, who and when, and reverts to any entry.

On top of VersionAdmin: the state before an object's first edit is kept (ingested rows have no version yet);
list actions (merges) run outside a list-wide revision, so each merge is its own revision, the state before it;
after a revert or a recovery, derived data is brought back in step (:mod:`articles.ingest.history`).
"""

from __future__ import annotations

import reversion
from django.contrib import admin
from django.contrib.admin.utils import unquote
from reversion.admin import VersionAdmin
from reversion.models import Version

from articles.history import history_baseline, history_register
from articles.ingest.history import history_revert_finish, history_revert_prepare

history_register()  # before VersionAdmin would register the models itself, without the follows


class HistoryAdmin(VersionAdmin):
    history_latest_first = True
    # The archive's own list template (templates/admin/articles/change_list.html), which adds reversion's
    # "Recover deleted" link to its own tools.
    change_list_template = None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Before VersionAdmin opens the edit's revision (a baseline inside it would be overwritten by the save).
        if request.method == "POST" and not reversion.is_active():
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and self.has_change_permission(request, obj):
                history_baseline(obj=obj, user=request.user)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        # A row deleted from its page can be recovered from "Recover deleted" (it needs a version for that).
        if request.method == "POST" and not reversion.is_active():
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and self.has_delete_permission(request, obj):
                history_baseline(obj=obj, user=request.user)
        return super().delete_view(request, object_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        # No revision around the whole list (VersionAdmin's): a merge action keeps its own undo point.
        context = {
            "has_change_permission": self.has_change_permission(request),
            "has_history": True,
            **(extra_context or {}),
        }
        return admin.ModelAdmin.changelist_view(self, request, context)

    def _reverting(self, request, version_id, view):
        version = Version.objects.filter(pk=version_id).select_related("revision").first()
        if request.method != "POST" or version is None:
            return view()
        state = history_revert_prepare(revision=version.revision)
        response = view()
        if response.status_code == 302:  # reverted (or refused with a message: the finish is harmless then)
            history_revert_finish(revision=version.revision, state=state)
        return response

    def revision_view(self, request, object_id, version_id, extra_context=None):
        return self._reverting(
            request, version_id, lambda: super(HistoryAdmin, self).revision_view(request, object_id, version_id,
                                                                                   extra_context)
        )

    def recover_view(self, request, version_id, extra_context=None):
        return self._reverting(
            request, version_id, lambda: super(HistoryAdmin, self).recover_view(request, version_id, extra_context)
        )
