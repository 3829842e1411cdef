"""Ingest runs (the audit row of each file read) and clipping files kept beside their articles: the
original bytes (stored once by SHA-256 through Django's storage API, so a deployment can keep them in
object storage) and the pages as read (OCR word boxes, page images, the OCR output before an editor's
correction).

Registered with the app by :mod:`articles.models` (imported at its end), like the saved searches.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils.translation import gettext_lazy as _


def originals_storage():
    """The storage of ``STORAGES["originals"]`` (settings; a local folder unless a deployment says otherwise)."""
    return storages["originals"]


class OriginalFile(models.Model):
    """One clipping file as it arrived, byte for byte; several articles never share one (one file, one
    clipping), but a file ingested twice is stored once (its SHA-256)."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("image")
        PDF = "pdf", _("PDF")
        HTML = "html", _("saved web page")
        DOCX = "docx", _("Word file")

    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    # Named originals/<aa>/<sha256>: never the uploaded name, so no name from a file reaches a path.
    file = models.FileField(_("file"), storage=originals_storage, max_length=200)
    name = models.CharField(_("file name"), max_length=500)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    media_type = models.CharField(_("media type"), max_length=100)
    size = models.BigIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("original file")
        verbose_name_plural = _("original files")

    def __str__(self) -> str:
        return f"{self.name} ({self.sha256[:12]})"


class ArticlePages(models.Model):
    """The pages of a clipping file as the reader saw them.

    ``words``: one ``[page, left, top, width, height, conf, text]`` list per word, boxes in pixels of that
    page's image (``page_sizes[page]`` = ``[width, height]``), ``conf`` 0-100 (100 for a text layer).
    ``page_images``: storage names of PNG renderings (PDF and TIFF pages); empty when the original image
    itself is shown. ``ocr_text``: the OCR output before post-correction and before any editor's
    correction, kept so it stays retrievable.
    """

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, related_name="pages", verbose_name=_("article")
    )
    words = models.JSONField(_("word boxes"), default=list, blank=True)
    page_sizes = models.JSONField(_("page sizes"), default=list, blank=True)
    page_images = models.JSONField(_("page images"), default=list, blank=True)
    ocr_text = models.TextField(_("OCR output"), blank=True)

    class Meta:
        verbose_name = _("article pages")
        verbose_name_plural = _("article pages")

    def __str__(self) -> str:
        return f"pages of article {self.article_id}"


class IngestRun(models.Model):
    """Audit row for one ingest (a file, standard input or an admin upload)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")
        # The process died (SIGKILL, power loss): found by ``runs_reconcile`` on the next run or a check.
        INTERRUPTED = "interrupted", _("interrupted")

    file_name = models.CharField(_("file name"), max_length=500)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RUNNING)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    duplicate_count = models.PositiveIntegerField(_("duplicates"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # Records stored despite a problem an editor may want to check ("line N: ..."); capped like errors.
    warning_count = models.PositiveIntegerField(_("warnings"), default=0)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    failure_reason = models.TextField(_("failure reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("by")
    )
    # Progress, saved with each stored batch (same transaction), so a killed run's row is exact
    # up to its last committed batch: records_read is where a resumed run continues.
    records_read = models.PositiveIntegerField(_("records read"), default=0)
    records_total = models.PositiveIntegerField(_("records in the file"), null=True, blank=True)
    # The page a multi-page clipping file (a PDF, a TIFF) is at while its reader works: OCR takes seconds a page.
    # The upload form's source and date, for clipping files that do not say theirs.
    default_source = models.CharField(_("source where the file gives none"), max_length=200, blank=True)
    default_date = models.DateField(_("date where the file gives none"), null=True, blank=True)
    pages_done = models.PositiveIntegerField(_("pages read"), default=0)
    pages_total = models.PositiveIntegerField(_("pages in the file being read"), null=True, blank=True)
    # Liveness: the process storing the run and its last sign of life (see articles.ingest.runs).
    worker_host = models.CharField(_("host"), max_length=200, blank=True)
    worker_pid = models.PositiveIntegerField(_("process id"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    # Stage 2 runs in task workers instead of before the command returns.
    defer_enrichment = models.BooleanField(_("enrichment deferred to workers"), default=False)
    # The kept file of an admin upload (deleted once the run succeeds): a failed run resumes from it.
    upload_path = models.CharField(_("kept upload"), max_length=500, blank=True)
    resumed_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resumed_by",
        verbose_name=_("resumes"),
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("ingest run")
        verbose_name_plural = _("ingest runs")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.started_at:%Y-%m-%d %H:%M})"
