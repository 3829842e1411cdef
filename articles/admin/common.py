"""What the editor screens share: the site's titles, counted columns, the merge confirmation view and
run message lists.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from articles.admin.forms import MergeForm

admin.site.site_header = _("News-clipping archive administration")


admin.site.site_title = _("News-clipping archive")


admin.site.index_title = _("Editing the archive")


def count_of(model, fk: str) -> Subquery:
    """Rows of ``model`` pointing at the outer row. A correlated subquery runs for the listed page
    only, where annotate(Count()) would group the whole table first."""
    rows = model.objects.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows), 0)


def merge_view(
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


def message_list(messages: list[str]) -> str:
    """The run's "line N: ..." messages as an escaped list, or a dash."""
    if not messages:
        return "—"
    return format_html("<ul>{}</ul>", format_html_join("", '<li dir="auto">{}</li>', ((m,) for m in messages)))
