"""The admin's dump upload: checks before storing, the preview, confirming, and failures."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.urls import reverse

from articles.admin.forms import DumpUploadForm
from articles.models import Article, IngestRun
from tests import test_admin as shared
from tests.test_admin import real_pipeline_reason

# Fixtures shared with test_admin.py (editor and editor_client come from tests/conftest.py).
english, stub_enrichment, upload_dir = shared.english, shared.stub_enrichment, shared.upload_dir

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def tasks_inline(settings):
    """The upload's ingest task (and its enrichment tasks) run in the request, so a test sees the
    finished run; tests/test_pipeline_workers.py runs them in real worker processes."""
    settings.TASKS = IMMEDIATE


UPLOAD = reverse("admin:articles_ingestrun_upload")
CONFIRM = reverse("admin:articles_ingestrun_upload_confirm")

GOOD_1 = (
    "اجتماع وزراء الخارجية العرب في القاهرة\nتاريخ النشر: 2024-12-12\n"
    "اجتمع وزراء الخارجية العرب اليوم في القاهرة.\nالمصدر: الأهرام\n"
)
# No source line before the separator: rejected, with its line number (line 6).
BAD = "خبر بلا مصدر\nهذا نص خبر لا يذكر مصدره.\n"
GOOD_2 = "افتتاح معرض الكتاب في الرياض\nافتتح معرض الكتاب الدولي أبوابه للزوار.\nالمصدر: الرياض\n"
DUMP = f"{GOOD_1}إقرأ أيضاً:\n{BAD}إقرأ أيضاً:\n{GOOD_2}"


def _file(content: str | bytes, name: str = "dump.txt") -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/plain")


def _preview(client, content, name="dump.txt"):
    return client.post(UPLOAD, {"dump": _file(content, name)})


def _nothing_stored(upload_dir) -> bool:
    kept = [p for p in upload_dir.iterdir()] if upload_dir.exists() else []
    return not Article.objects.exists() and not IngestRun.objects.exists() and not kept


@pytest.mark.django_db
def test_preview_lists_found_and_rejected_then_confirm_stores_the_good_ones(
    admin_client, admin_user, upload_dir, stub_enrichment
):
    response = _preview(admin_client, DUMP)
    html = response.content.decode()
    assert response.status_code == 200
    preview = response.context["preview"]
    assert (preview.found_count, preview.duplicate_count, preview.rejected_count) == (2, 0, 1)
    titles = [c.title for c in preview.found]
    assert titles == ["اجتماع وزراء الخارجية العرب في القاهرة", "افتتاح معرض الكتاب في الرياض"]
    assert preview.rejected[0].line == 6
    assert '<td class="num">6</td>' in html and "no source line" in html
    assert not Article.objects.exists() and not IngestRun.objects.exists()  # nothing stored yet

    sha256 = response.context["stored"].sha256
    response = admin_client.post(CONFIRM, {"sha256": sha256})
    run = IngestRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:articles_ingestrun_change", args=[run.pk])
    assert (run.status, run.created_count, run.rejected_count) == ("succeeded", 2, 1)
    assert run.created_by == admin_user and run.sha256 == sha256 and run.file_name == "dump.txt"
    assert "line 6" in run.errors[0]
    assert set(Article.objects.values_list("ingest_run", flat=True)) == {run.pk}
    assert not [p for p in upload_dir.rglob("*") if p.is_file()]  # the kept file is gone once ingested

    page = admin_client.get(response["Location"]).content.decode()
    assert f"?ingest_run__id__exact={run.pk}" in page and "line 6" in page
    listing = admin_client.get(reverse("admin:articles_article_changelist"), {"ingest_run__id__exact": run.pk})
    assert len(listing.context["cl"].result_list) == 2

    # Confirming twice does nothing: the upload is no longer in the session.
    again = admin_client.post(CONFIRM, {"sha256": sha256}, follow=True)
    assert IngestRun.objects.count() == 1 and "expired" in again.content.decode()


@pytest.mark.django_db
def test_editor_uploads_json_lines(editor_client, editor, upload_dir, stub_enrichment):
    lines = [
        json.dumps({"title": "عنوان أول", "text": "نص الخبر الأول.", "source": "الجزيرة", "date": "2024-05-01"}),
        "{not json",
        json.dumps({"title": "عنوان ثان", "text": "نص الخبر الثاني.", "source": "الجزيرة"}),
    ]
    response = _preview(editor_client, "\n".join(lines) + "\n", name="export.jsonl")
    preview = response.context["preview"]
    assert (preview.found_count, preview.rejected_count, preview.rejected[0].line) == (2, 1, 2)
    editor_client.post(CONFIRM, {"sha256": response.context["stored"].sha256})
    run = IngestRun.objects.get()
    assert (run.created_count, run.rejected_count, run.created_by) == (2, 1, editor)


@pytest.mark.django_db
def test_preview_shows_duplicates_with_links(admin_client, upload_dir, stub_enrichment, seed_path):
    from articles.ingest.service import ingest_stream

    with open(seed_path, "rb") as handle:
        ingest_stream(handle, name="seed", workers=0)
    response = _preview(admin_client, seed_path.read_bytes(), name="seed_dump.txt")
    preview = response.context["preview"]
    assert (preview.found_count, preview.duplicate_count) == (0, 2)
    html = response.content.decode()
    for article in Article.objects.all():
        assert reverse("admin:articles_article_change", args=[article.pk]) in html
    assert "Nothing new to store" in html


@pytest.mark.django_db
def test_oversized_file_is_refused_before_reading_it(admin_client, settings, upload_dir, stub_enrichment):
    settings.UPLOAD_MAX_BYTES = 1000
    response = _preview(admin_client, DUMP * 20)
    html = response.content.decode()
    assert response.status_code == 200
    assert "larger than the limit of 1000 B" in html
    assert response.context["preview"] is None
    assert _nothing_stored(upload_dir)


@pytest.mark.django_db
def test_size_limit_handler_stops_mid_stream(settings, upload_dir, stub_enrichment, admin_client):
    """Without a Content-Length over the limit (e.g. small framing), the chunk counter still stops it."""
    from articles.admin.uploads import SizeLimitUploadHandler

    handler = SizeLimitUploadHandler(None, limit=10)
    handler.handle_raw_input(None, {}, 5, b"", None)
    handler.new_file("dump", "dump.txt", "text/plain", 5)
    assert handler.receive_data_chunk(b"12345", 0) == b"12345"
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"678901", 5)
    assert handler.exceeded


def test_form_refuses_a_file_over_the_limit(settings):
    settings.UPLOAD_MAX_BYTES = 10
    form = DumpUploadForm(files={"dump": _file("x" * 2048)})
    assert not form.is_valid()
    assert "2 KB, above the limit of 10 B" in str(form.errors)


@pytest.mark.django_db
def test_windows_1256_file_is_refused(admin_client, upload_dir, stub_enrichment):
    response = _preview(admin_client, DUMP.encode("cp1256"))
    html = response.content.decode()
    assert "Windows-1256" in html and "UTF-8" in html
    assert response.context["preview"] is None
    assert _nothing_stored(upload_dir)


@pytest.mark.django_db
def test_non_utf8_past_the_head_is_refused_too(admin_client, upload_dir, stub_enrichment):
    """The whole upload is checked, not just the parser's 64 KB sniff window."""
    content = DUMP.encode() * 400 + "إقرأ أيضاً:\n".encode() + BAD.encode("cp1256") + GOOD_2.encode()
    assert len(content) > 128 * 1024
    response = _preview(admin_client, content)
    assert "not UTF-8" in response.content.decode()
    assert _nothing_stored(upload_dir)


@pytest.mark.django_db
def test_binary_file_is_refused(admin_client, upload_dir, stub_enrichment):
    # A binary file of no format the archive reads (a PNG is a clipping now: tests/test_clippings.py).
    response = _preview(admin_client, b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)), name="photo.txt")
    assert "binary file" in response.content.decode()
    assert _nothing_stored(upload_dir)


@pytest.mark.django_db
def test_confirm_never_takes_a_path_from_the_client(admin_client, upload_dir, stub_enrichment, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(DUMP)
    for value in ("../secret.txt", str(secret), "0" * 64, ""):
        response = admin_client.post(CONFIRM, {"sha256": value})
        assert response.status_code == 302 and response["Location"] == UPLOAD
    assert not IngestRun.objects.exists()


@pytest.mark.django_db
def test_failure_half_way_keeps_stored_articles_and_marks_the_run_failed(
    admin_client, upload_dir, monkeypatch, stub_enrichment
):
    import articles.ingest.service

    real_store = articles.ingest.service.articles_store_batch
    calls = []

    def failing_store(clippings, **kwargs):
        if not clippings:  # a batch of one rejected record
            return real_store(clippings, **kwargs)
        calls.append(clippings[0].title)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_store(clippings, **kwargs)

    response = _preview(admin_client, DUMP)
    monkeypatch.setattr(articles.ingest.service, "BATCH_SIZE", 1)
    monkeypatch.setattr(articles.ingest.service, "articles_store_batch", failing_store)
    response = admin_client.post(CONFIRM, {"sha256": response.context["stored"].sha256}, follow=True)
    run = IngestRun.objects.get()
    assert run.status == IngestRun.Status.FAILED and "disk full" in run.failure_reason
    assert run.finished_at is not None
    assert list(Article.objects.values_list("title", flat=True)) == [calls[0]]
    assert "disk full" in response.content.decode()
    # One click resumes it from the kept file: no second upload, nothing stored twice.
    assert 'id="run-resume-button"' in response.content.decode()
    monkeypatch.setattr(articles.ingest.service, "articles_store_batch", real_store)
    resume = reverse("admin:articles_ingestrun_resume", args=[run.pk])
    response = admin_client.post(resume, follow=True)
    resumed = IngestRun.objects.get(resumed_from=run)
    assert resumed.status == IngestRun.Status.SUCCEEDED
    assert (resumed.created_count, resumed.duplicate_count) == (1, 0)
    assert Article.objects.count() == 2
    assert not [p for p in upload_dir.rglob("*") if p.is_file()]  # kept until the run succeeded
    run.refresh_from_db()
    assert not run.upload_path  # its resume button is gone
    assert admin_client.post(resume).status_code == 302 and IngestRun.objects.count() == 2


@pytest.mark.django_db
def test_confirm_returns_at_once_with_a_queued_run_and_its_progress(admin_client, upload_dir, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    response = _preview(admin_client, DUMP)
    response = admin_client.post(CONFIRM, {"sha256": response.context["stored"].sha256}, follow=True)
    run = IngestRun.objects.get()
    assert run.status == IngestRun.Status.QUEUED and not Article.objects.exists()
    task = DBTaskResult.objects.get()
    assert task.task_path == "articles.ingest.upload.ingest_run_task" and task.args_kwargs["args"] == [run.pk]
    html = response.content.decode()
    assert 'id="run-progress"' in html and "js/run_progress.js" in html and "<script>" not in html
    progress = admin_client.get(reverse("admin:articles_ingestrun_progress", args=[run.pk])).json()
    assert progress["status"] == "queued" and progress["finished"] is False
    # A worker picks it up: the same task body, then the progress says what happened.
    from articles.ingest.upload import upload_run_execute

    assert upload_run_execute(run_id=run.pk) == "succeeded"
    assert upload_run_execute(run_id=run.pk) == "not queued"  # a task run twice does nothing
    progress = admin_client.get(reverse("admin:articles_ingestrun_progress", args=[run.pk])).json()
    assert (progress["records_read"], progress["records_total"], progress["created"], progress["rejected"]) == (
        3,
        3,
        2,
        1,
    )
    assert progress["pending"] == 2 and progress["enriched"] == 0 and progress["finished"] is False


def test_progress_is_staff_only(client, db):
    run = IngestRun.objects.create(file_name="x")
    response = client.get(reverse("admin:articles_ingestrun_progress", args=[run.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.django_db
def test_upload_through_the_real_pipeline(admin_client, upload_dir, seed_path):
    if reason := real_pipeline_reason():
        pytest.skip(reason)
    response = _preview(admin_client, seed_path.read_bytes(), name="seed_dump.txt")
    admin_client.post(CONFIRM, {"sha256": response.context["stored"].sha256})
    run = IngestRun.objects.get()
    assert run.created_count == 2, run.errors
    article = Article.objects.get(title__startswith="بوتين")
    assert article.mentions.exists() and article.entities_extracted_at is not None
    page = admin_client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert reverse("admin:articles_entity_change", args=[article.mentions.first().entity_id]) in page


@pytest.mark.django_db
def test_upload_still_checks_csrf(admin_user, upload_dir, stub_enrichment):
    """The upload view is csrf_exempt only to install the size limit first; its inner view checks the token."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(UPLOAD, {"dump": _file(DUMP)}).status_code == 403
    assert client.post(CONFIRM, {"sha256": "0" * 64}).status_code == 403
    assert _nothing_stored(upload_dir)
