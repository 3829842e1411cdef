"""The admin's clipping upload: size cap while receiving, UTF-8 check, safe keeping between preview and
confirm, preview, and queueing the ingest (:mod:`articles.ingest.upload`).

The uploaded file is kept under ``UPLOAD_DIR`` (default ``var/uploads``) named by its SHA-256; the
session remembers which hashes this user uploaded, so the confirm step never takes a path from the client.
"""

from __future__ import annotations

import codecs
import hashlib
import itertools
import os
import re
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import batched
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from articles.admin.forms import DumpUploadForm, too_large_message
from articles.ingest.readers.base import Clipping, NotUtf8Error, RecordError
from articles.ingest.readers.formats import format_sniff, parse_stream
from articles.ingest.readers.lines import SNIFF_BYTES, check_utf8
from articles.ingest.runs import run_progress, run_resumable
from articles.ingest.store import fingerprint_compute
from articles.ingest.upload import upload_run_queue, upload_run_resume
from articles.ingest.validation import records_validate
from articles.models import Article, IngestRun

SESSION_KEY = "admin_uploads"


UPLOAD_PERMS = ("articles.add_article", "articles.add_ingestrun")


# The preview lists at most this many records of each kind; the counts stay exact.
PREVIEW_LIMIT = 200


# Multipart framing and the CSRF field around the file.
FORM_OVERHEAD_BYTES = 64 * 1024


# A preview abandoned for this long is deleted on the next upload.
STALE_SECONDS = 24 * 3600


_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def upload_dir() -> Path:
    return Path(settings.UPLOAD_DIR)


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops reading an upload as soon as it passes the limit, so an oversized file never lands
    in memory or on disk; the view then reports ``exceeded``."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.exceeded = False
        self.content_length: int | None = None

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.content_length = content_length
        return None  # let the regular handlers parse

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        if self.content_length and self.content_length > self.limit + FORM_OVERHEAD_BYTES:
            self._stop()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self._stop()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def _stop(self) -> None:
        self.exceeded = True
        # connection_reset=False: drain the body so the browser gets our message, not a reset.
        raise StopUpload(connection_reset=False)


@dataclass(frozen=True)
class StoredUpload:
    sha256: str
    name: str

    @property
    def path(self) -> Path:
        return upload_dir() / self.sha256


def _utf8_problem(exc: NotUtf8Error) -> str:
    """A translatable message for check_utf8's verdict."""
    reason = str(exc)
    if "binary" in reason:
        return _(
            "This is a binary file of a kind the archive does not read. Upload a text dump or JSON Lines (UTF-8), "
            "a scan or photo, a PDF, a saved web page, a Word .docx file, or a zip of them."
        )
    if "1256" in reason:
        return _(
            "The file is not UTF-8: it looks like a Windows-1256 (Arabic Windows) export. "
            "Re-save it as UTF-8 and upload it again."
        )
    return _("The file is not UTF-8 text. Re-save it as UTF-8 and upload it again.")


def _checked_chunks(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Pass chunks through, raising NotUtf8Error at the first byte that is not UTF-8 text.
    The whole file is checked, not just its head; check_utf8 words the verdict."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    for chunk in chunks:
        if b"\x00" in chunk:
            check_utf8(chunk)
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            check_utf8(chunk)  # raises with a hint, unless the bad byte sits at the chunk's very end
            raise NotUtf8Error("the file is not UTF-8") from exc
        yield chunk
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise NotUtf8Error("the file is not UTF-8 (it ends inside a character)") from exc


def upload_store(upload: UploadedFile) -> StoredUpload:
    """Check and keep an uploaded file; raises NotUtf8Error (and keeps nothing) for non-UTF-8 input."""
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    _prune(directory)
    digest = hashlib.sha256()
    chunks = iter(upload.chunks())
    first = next(chunks, b"")
    kind = format_sniff(first[:SNIFF_BYTES], upload.name or "")
    both = itertools.chain([first], chunks)
    # Text dumps are checked for UTF-8 as they arrive; clipping files (images, PDFs, pages, Word) are binary.
    checked = _checked_chunks(both) if kind in ("jsonl", "dump") else both
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".partial-", delete=False) as tmp:
        try:
            for chunk in checked:
                digest.update(chunk)
                tmp.write(chunk)
        except BaseException:
            tmp.close()
            os.unlink(tmp.name)
            raise
    stored = StoredUpload(sha256=digest.hexdigest(), name=_safe_name(upload.name or "upload.txt"))
    os.replace(tmp.name, stored.path)
    return stored


def _safe_name(name: str) -> str:
    """The client's file name, used only for the run's label and to tell JSON Lines from a dump."""
    return os.path.basename(name.replace("\\", "/"))[:200] or "upload.txt"


def _prune(directory: Path) -> None:
    cutoff = time.time() - STALE_SECONDS
    for path in directory.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass  # another request removed it


def session_remember(request: HttpRequest, stored: StoredUpload) -> None:
    uploads = dict(request.session.get(SESSION_KEY, {}))
    uploads[stored.sha256] = stored.name
    request.session[SESSION_KEY] = uploads


def session_upload(request: HttpRequest, sha256: str) -> StoredUpload | None:
    """The upload this session made with that hash, if its file is still there."""
    name = request.session.get(SESSION_KEY, {}).get(sha256)
    if not name or not _SHA256_RE.match(sha256):
        return None
    stored = StoredUpload(sha256=sha256, name=name)
    return stored if stored.path.is_file() else None


def session_forget(request: HttpRequest, stored: StoredUpload) -> None:
    uploads = dict(request.session.get(SESSION_KEY, {}))
    uploads.pop(stored.sha256, None)
    request.session[SESSION_KEY] = uploads
    stored.path.unlink(missing_ok=True)


@dataclass
class Preview:
    found: list[Clipping] = field(default_factory=list)
    # (clipping, the archived article it duplicates, or None when it repeats an earlier record of the file)
    duplicates: list[tuple[Clipping, Article | None]] = field(default_factory=list)
    rejected: list[RecordError] = field(default_factory=list)
    found_count: int = 0
    duplicate_count: int = 0
    rejected_count: int = 0


def upload_preview(stored: StoredUpload) -> Preview:
    """What confirming would do, without storing anything."""
    preview = Preview()
    seen: set[str] = set()
    with open(stored.path, "rb") as handle:
        # Validated like the ingest itself, so the preview's rejections are the ones confirming would make.
        for batch in batched(records_validate(parse_stream(handle, stored.name)), 500):
            pairs = [(item, fingerprint_compute(item.title, item.body)) for item in batch if isinstance(item, Clipping)]
            archived = {
                a.fingerprint: a
                for a in Article.objects.filter(fingerprint__in=[fp for _, fp in pairs]).only(
                    "pk", "title", "fingerprint"
                )
            }
            for item in batch:
                if isinstance(item, RecordError):
                    preview.rejected_count += 1
                    if len(preview.rejected) < PREVIEW_LIMIT:
                        preview.rejected.append(item)
            for clipping, fp in pairs:
                if fp in archived or fp in seen:
                    preview.duplicate_count += 1
                    if len(preview.duplicates) < PREVIEW_LIMIT:
                        preview.duplicates.append((clipping, archived.get(fp)))
                else:
                    seen.add(fp)
                    preview.found_count += 1
                    if len(preview.found) < PREVIEW_LIMIT:
                        preview.found.append(clipping)
    return preview


def upload_ingest(stored: StoredUpload, *, user) -> IngestRun:
    """Queue the ingest of a kept upload for a task worker (articles.ingest.upload); returns the run
    as it is now (queued, or finished already where tasks run immediately)."""
    run = upload_run_queue(path=stored.path, name=stored.name, sha256=stored.sha256, user=user)
    run.refresh_from_db()
    return run


def _check_upload_perms(request: HttpRequest) -> None:
    if not request.user.has_perms(UPLOAD_PERMS):
        raise PermissionDenied


def upload_view_make(model_admin):
    """The upload page (GET form, POST file -> preview). CSRF-exempt only so the size-limiting
    handler can be installed before the body is parsed; the inner view is CSRF-protected."""

    @csrf_exempt
    def view(request: HttpRequest) -> HttpResponse:
        _check_upload_perms(request)
        limiter = SizeLimitUploadHandler(request, settings.UPLOAD_MAX_BYTES)
        request.upload_handlers.insert(0, limiter)
        return _upload(request, model_admin, limiter)

    return view


@csrf_protect
def _upload(request: HttpRequest, model_admin, limiter: SizeLimitUploadHandler) -> HttpResponse:
    form = DumpUploadForm(request.POST or None, request.FILES or None)
    preview = stored = refusal = None
    if request.method == "POST":
        if limiter.exceeded:  # the file was never received: nothing to bind the form to
            form = DumpUploadForm()
            refusal = too_large_message(None, settings.UPLOAD_MAX_BYTES)
        elif form.is_valid():
            uploads = form.cleaned_data["dump"]
            if len(uploads) > 1 or not _is_text_dump(uploads[0]):
                # Clipping files and several files go straight to the queue: reading them (OCR) is the
                # workers' job, never this request's; each file is a run with its own live progress.
                return _queue_files(request, uploads, form.cleaned_data)
            try:
                stored = upload_store(uploads[0])
            except NotUtf8Error as exc:
                form.add_error("dump", _utf8_problem(exc))
            else:
                session_remember(request, stored)
                preview = upload_preview(stored)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Upload a dump") if preview is None else _("Check the upload"),
        "form": form,
        "refusal": refusal,
        "preview": preview,
        "stored": stored,
        "limit": settings.UPLOAD_MAX_BYTES,
    }
    return TemplateResponse(request, "admin/articles/ingestrun/upload.html", context)


def _is_text_dump(upload: UploadedFile) -> bool:
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return format_sniff(head, upload.name or "") in ("jsonl", "dump")


def _queue_files(request: HttpRequest, uploads: list[UploadedFile], data: dict) -> HttpResponse:
    """Keep each file and queue a run for it; a text file that is not UTF-8 is refused alone."""
    queued, refused = [], []
    for upload in uploads:
        try:
            stored = upload_store(upload)
        except NotUtf8Error as exc:
            refused.append(f"{upload.name}: {_utf8_problem(exc)}")
            continue
        queued.append(
            upload_run_queue(
                path=stored.path,
                name=stored.name,
                sha256=stored.sha256,
                user=request.user,
                source=data.get("source") or "",
                published_on=data.get("published_on"),
            )
        )
    for message in refused:
        messages.error(request, message)
    if len(queued) == 1:
        _run_message(request, queued[0])
        return HttpResponseRedirect(reverse("admin:articles_ingestrun_change", args=[queued[0].pk]))
    if queued:
        messages.success(
            request,
            _("%(n)d files are queued for ingest, one run each; each run's page shows its progress.")
            % {"n": len(queued)},
        )
    return HttpResponseRedirect(reverse("admin:articles_ingestrun_changelist"))


def confirm_view_make(model_admin):
    def view(request: HttpRequest) -> HttpResponse:
        _check_upload_perms(request)
        if request.method != "POST":
            return redirect("admin:articles_ingestrun_upload")
        stored = session_upload(request, request.POST.get("sha256", ""))
        if stored is None:
            messages.error(request, _("That upload has expired or was already ingested. Upload the file again."))
            return redirect("admin:articles_ingestrun_upload")
        try:
            run = upload_ingest(stored, user=request.user)
        finally:
            session_forget(request, stored)
        _run_message(request, run)
        return HttpResponseRedirect(reverse("admin:articles_ingestrun_change", args=[run.pk]))

    return view


def _run_message(request: HttpRequest, run: IngestRun) -> None:
    if run.status in (IngestRun.Status.FAILED, IngestRun.Status.INTERRUPTED):
        messages.error(
            request,
            _("The ingest stopped: %(reason)s. The %(n)d articles stored before it are kept.")
            % {"reason": run.failure_reason, "n": run.created_count},
        )
    elif run.status == IngestRun.Status.SUCCEEDED:
        messages.success(
            request,
            _("Stored %(created)d articles; %(dup)d duplicates skipped, %(rej)d records rejected.")
            % {"created": run.created_count, "dup": run.duplicate_count, "rej": run.rejected_count},
        )
    else:
        messages.success(request, _("The file is queued for ingest; this page shows its progress."))


def resume_view_make(model_admin):
    """POST: resume a failed or interrupted run from its kept file (a new queued run)."""

    def view(request: HttpRequest, object_id: str) -> HttpResponse:
        _check_upload_perms(request)
        run = get_object_or_404(IngestRun, pk=object_id)
        if request.method != "POST" or not run_resumable(run):
            messages.error(request, _("This run cannot be resumed."))
            return redirect("admin:articles_ingestrun_change", run.pk)
        resumed = upload_run_resume(run, user=request.user)
        resumed.refresh_from_db()
        _run_message(request, resumed)
        return redirect("admin:articles_ingestrun_change", resumed.pk)

    return view


def progress_view_make(model_admin):
    """GET: the run's progress as JSON, polled by static/js/run_progress.js."""

    def view(request: HttpRequest, object_id: str) -> HttpResponse:
        if not model_admin.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(IngestRun, pk=object_id)
        return JsonResponse(run_progress(run).as_dict())

    return view
