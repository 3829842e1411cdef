"""Admin forms: the article form (RTL text, source picked or created, de-duplication), the mention
inline form, the dump upload form and the merge-target form. Validation only: writes live in services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from articles.ingest.store import fingerprint_compute
from articles.ingest.validation import RecordInvalid, source_name_check, text_clean, url_check
from articles.models import Article, Mention
from articles.text import edge_trim

RTL_ATTRS = {"dir": "rtl", "lang": "ar"}


def rtl_textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={**RTL_ATTRS, "rows": rows, "class": "vLargeTextField rtl-text"})


def size_display(n_bytes: int) -> str:
    """Bytes as a short human size (MB with one decimal above 1 MB)."""
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):.1f} MB"
    if n_bytes >= 1024:
        return f"{n_bytes / 1024:.0f} KB"
    return f"{n_bytes} B"


class ArticleAdminForm(forms.ModelForm):
    new_source_name = forms.CharField(
        label=_("or a new source"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={**RTL_ATTRS, "class": "vTextField"}),
        help_text=_("Type a source name when it is not in the list; an existing source of that name is reused."),
    )

    class Meta:
        model = Article
        fields = ["title", "body", "source", "new_source_name", "published_on", "url", "topic", "topic_locked"]
        widgets = {"title": rtl_textarea(2), "body": rtl_textarea(18)}
        help_texts = {"topic": _("Choosing a topic locks it: automatic classification will not change it.")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Either an existing source or a new name: the check is in clean().
        self.fields["source"].required = False
        self.fingerprint = ""

    def clean(self) -> dict:
        data = super().clean()
        self._clean_like_ingest(data)
        source, new_name = data.get("source"), (data.get("new_source_name") or "").strip()
        if source and new_name:
            raise forms.ValidationError(_("Choose an existing source or type a new one, not both."))
        if not source and not new_name:
            self.add_error("source", _("Choose a source or type the name of a new one."))
        title, body = data.get("title"), data.get("body")
        if title and body:
            self.fingerprint = fingerprint_compute(title, body)
            existing = Article.objects.filter(fingerprint=self.fingerprint).exclude(pk=self.instance.pk).first()
            if existing is not None:
                raise forms.ValidationError(duplicate_message(existing))
        return data

    def _clean_like_ingest(self, data: dict) -> None:
        """The ingest's record checks (articles.ingest.validation), so typed text is stored like ingested text."""
        for name in ("title", "body", "new_source_name"):
            if data.get(name):
                data[name] = text_clean(data[name], field=name, line=name != "body")[0]
        if data.get("new_source_name"):
            try:
                source_name_check(data["new_source_name"])
            except RecordInvalid:
                self.add_error("new_source_name", _("The source name is too long."))
        if len(data.get("body") or "") > settings.ARTICLE_MAX_CHARS:
            self.add_error(
                "body",
                _("The text is longer than the limit of %(limit)s characters.")
                % {"limit": f"{settings.ARTICLE_MAX_CHARS:,}"},
            )
        if data.get("url"):
            try:
                data["url"] = url_check(data["url"])
            except RecordInvalid:
                self.add_error("url", _("Only web addresses starting with http:// or https:// are accepted."))

    @property
    def text_changed(self) -> bool:
        return bool({"title", "body"} & set(self.changed_data))


def duplicate_message(existing: Article):
    url = reverse("admin:articles_article_change", args=[existing.pk])
    return format_html(
        '{} <a href="{}" dir="rtl" lang="ar">{}</a>',
        _("This clipping is already in the archive:"),
        url,
        existing.title,
    )


class MentionInlineForm(forms.ModelForm):
    """A mention typed by an editor: offsets are found from the surface form when left empty."""

    class Meta:
        model = Mention
        fields = ["entity", "surface", "in_title", "start", "end", "locked"]
        widgets = {"surface": forms.TextInput(attrs={**RTL_ATTRS, "size": 24})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start"].required = False
        self.fields["end"].required = False
        if self.instance.pk is None:
            self.fields["locked"].initial = True  # an editor's mention survives re-extraction

    def clean(self) -> dict:
        data = super().clean()
        surface = data.get("surface")
        article = self.instance.article if self.instance.article_id else None
        if not surface or article is None or data.get("DELETE"):
            return data
        if self.instance.pk and "entity" in self.changed_data:
            data["locked"] = True  # an editor's correction survives re-extraction
        text = article.title if data.get("in_title") else article.body
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            found = text.find(surface)
            if found < 0:
                raise forms.ValidationError(_("“%(surface)s” does not occur in the text."), params={"surface": surface})
            data["start"], data["end"] = found, found + len(surface)
        elif not 0 <= start < end <= len(text):
            raise forms.ValidationError(_("The offsets are outside the text."))
        return data


class EntityAliasFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        for form in self.deleted_forms:
            alias = form.instance
            if alias.pk and alias.key == self.instance.key:
                raise forms.ValidationError(
                    _("“%(name)s” is the entity's own name: rename or merge the entity instead of removing it."),
                    params={"name": alias.name},
                )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the pattern of Django's "Uploading multiple files" how-to)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class DumpUploadForm(forms.Form):
    dump = MultipleFileField(label=_("Files"))
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs=RTL_ATTRS),
        help_text=_(
            "For scans, PDFs and Word files that do not say where they appeared (web pages say it themselves)."
        ),
    )
    published_on = forms.DateField(
        label=_("Publication date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For files that give no date."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Read per request, not at import, so the limit follows the settings in force.
        self.fields["dump"].help_text = _(
            "Clipping dumps (.txt), JSON Lines (.jsonl), scans and photos (PNG, JPEG, TIFF, WebP), PDFs, saved web "
            "pages (.html), Word files (.docx) or a zip of them; several at once; at most %(size)s in all."
        ) % {"size": size_display(settings.UPLOAD_MAX_BYTES)}

    def clean_dump(self):
        uploads = self.cleaned_data["dump"]
        limit = settings.UPLOAD_MAX_BYTES
        total = sum(upload.size for upload in uploads)
        if total > limit:
            raise forms.ValidationError(too_large_message(total, limit))
        for upload in uploads:
            if upload.name.lower().endswith(".gz"):
                raise forms.ValidationError(
                    _("Compressed files are not accepted here: upload the uncompressed file (or a zip).")
                )
        return uploads

    def clean_source(self):
        name = edge_trim(self.cleaned_data["source"])
        if name:
            try:
                source_name_check(name)
            except RecordInvalid as exc:
                raise forms.ValidationError(str(exc)) from None
        return name


def too_large_message(size: int | None, limit: int) -> str:
    if size is None:
        return _("The file is larger than the limit of %(limit)s. Split it, or use the ingest command.") % {
            "limit": size_display(limit)
        }
    return _("The file is %(size)s, above the limit of %(limit)s. Split it, or use the ingest command.") % {
        "size": size_display(size),
        "limit": size_display(limit),
    }


class MergeForm(forms.Form):
    """The target of a merge, chosen among the selected objects."""

    target = forms.TypedChoiceField(label=_("Keep this one"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, objects, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [(obj.pk, str(obj)) for obj in objects]
