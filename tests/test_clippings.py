"""Clipping files end to end: format chosen by content, zips and folders, `manage.py ingest FILE --source --date`,
the original kept byte for byte and served safely, the scan shown with the searched words boxed, the admin
upload of several files, and bad files that cost only themselves."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from PIL import Image, ImageDraw, ImageFont, features

from articles.ingest.models import ArticlePages, OriginalFile, originals_storage
from articles.ingest.ocr.tesseract import tesseract_available
from articles.ingest.originals import Written, blobs_discard, original_keep
from articles.ingest.readers.base import Clipping, RecordError
from articles.ingest.readers.formats import ReadOptions, format_sniff, parse_stream
from articles.models import Article, IngestRun

pytestmark = pytest.mark.django_db

NASKH = "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf"
NASKH_BOLD = "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Bold.ttf"
TITLE = "افتتاح معرض الكتاب في بيروت"
LINES = [
    "افتتح وزير الثقافة معرض الكتاب العربي",
    "في بيروت بمشاركة مئتي دار نشر من",
    "لبنان والدول العربية ويستمر المعرض",
    "عشرة أيام ويضم ندوات ولقاءات مع الكتاب",
]
HTML = (
    '<!DOCTYPE html><html lang="ar"><head><meta charset="utf-8"><title>' + TITLE + " | جريدة المدينة</title>"
    '<meta property="og:site_name" content="جريدة المدينة">'
    '<meta property="article:published_time" content="2018-03-04T10:00:00+00:00">'
    '<link rel="canonical" href="https://example.org/news/1"></head><body>'
    '<nav><a href="/">الرئيسية</a> <a href="/sport">رياضة</a></nav>'
    "<article><h1>" + TITLE + "</h1>" + "".join(f"<p>{line}.</p>" for line in LINES) + "</article>"
    '<script>alert("x")</script><footer>جميع الحقوق محفوظة</footer></body></html>'
)
needs_ocr = pytest.mark.skipif(
    not tesseract_available() or not features.check("raqm") or not Path(NASKH).exists(),
    reason="needs Tesseract with Arabic (apt-get install tesseract-ocr tesseract-ocr-ara), libraqm and Noto Naskh",
)


def scan_png(title: str = TITLE, lines: list[str] = LINES) -> bytes:
    """A one-column clipping at about 300 dpi: the headline in large type, then the body."""
    image = Image.new("L", (1800, 300 + 110 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    head = ImageFont.truetype(NASKH_BOLD, 96, layout_engine=ImageFont.Layout.RAQM)
    body = ImageFont.truetype(NASKH, 58, layout_engine=ImageFont.Layout.RAQM)
    draw.text((1700, 60), title, font=head, fill=0, anchor="ra", direction="rtl")
    for number, line in enumerate(lines):
        draw.text((1700, 260 + 110 * number), line, font=body, fill=0, anchor="ra", direction="rtl")
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(300, 300))
    return out.getvalue()


def _zip(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _items(data: bytes, name: str, **options) -> list:
    return list(parse_stream(io.BytesIO(data), name, ReadOptions(**options)))


# --- the format is told from the content ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "scan.txt", "image"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 20, "photo.pdf", "image"),
        (b"%PDF-1.7\n", "clipping.png", "pdf"),
        (b"<!DOCTYPE html><html>", "page.txt", "html"),
        (b"PK\x03\x04", "x.jsonl", "zip"),
        (b'{"title": "x"}\n', "export.txt", "jsonl"),
        ("عنوان\nنص\nالمصدر: س\n".encode(), "dump.html", "dump"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old.docx", "doc"),
    ],
)
def test_the_reader_is_chosen_by_content_not_by_name(data, name, kind):
    assert format_sniff(data, name) == kind


def test_a_web_page_is_one_article_with_its_own_source_date_and_url():
    (item,) = _items(HTML.encode(), "page.html")
    assert isinstance(item, Clipping), item
    assert item.title == TITLE and item.source == "جريدة المدينة"
    assert item.published_on.isoformat() == "2018-03-04" and item.url == "https://example.org/news/1"
    assert "الرئيسية" not in item.body and "alert" not in item.body and "محفوظة" not in item.body
    assert item.original.data == HTML.encode() and item.original.kind == "html"


def test_a_legacy_word_file_gets_a_message_saying_what_to_do():
    (item,) = _items(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.doc", source="س")
    assert isinstance(item, RecordError) and "save it as .docx" in str(item) and str(item).startswith("old.doc:")


# --- zips -------------------------------------------------------------------------------------------------


def test_a_zip_is_read_member_by_member_and_bad_members_cost_only_themselves():
    dump = "عنوان الخبر الأول\nنص الخبر الأول عن الاقتصاد.\nالمصدر: وكالة الأنباء\n".encode()
    data = _zip(
        {"a/page.html": HTML.encode(), "b/dump.txt": dump, "../evil.html": HTML.encode(), "inner.zip": _zip({})}
    )
    items = _items(data, "batch.zip")
    clippings = [i for i in items if isinstance(i, Clipping)]
    errors = {str(i) for i in items if isinstance(i, RecordError)}
    assert sorted(c.title for c in clippings) == sorted([TITLE, "عنوان الخبر الأول"])
    assert any(e.startswith("batch.zip:../evil.html:") and "leaves the archive" in e for e in errors), errors
    assert any(e.startswith("batch.zip:inner.zip:") and "not opened" in e for e in errors), errors


def test_a_zip_bomb_is_refused_without_unpacking_it():
    data = _zip({"bomb.txt": b"\0" * (50 * 1024 * 1024)})  # 50 MB of zeros pack into ~50 KB
    assert len(data) < 200_000
    (item,) = _items(data, "bomb.zip")
    assert isinstance(item, RecordError) and ("zip bomb" in item.message or "limit" in item.message)


def test_a_zip_with_too_many_members_stops_at_the_limit():
    data = _zip({f"{n}.txt": f"عنوان {n}\nنص {n}\nالمصدر: س\n".encode() for n in range(5)})
    items = _items(data, "many.zip", zip_max_members=3)
    assert sum(isinstance(i, Clipping) for i in items) == 3
    assert "more than 3 clippings" in str(items[-1])


def test_a_file_over_the_size_limit_is_refused_naming_it():
    (item,) = _items(HTML.encode(), "big.html", max_bytes=100)
    assert isinstance(item, RecordError) and str(item).startswith("big.html:") and "limit" in item.message


# --- manage.py ingest FILE --source --date ------------------------------------------------------------------


def _ingest(*args: str, **kwargs) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("ingest", *args, workers=0, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def test_a_saved_web_page_ingests_without_options_and_its_original_is_kept_byte_for_byte(tmp_path, client):
    path = tmp_path / "page.html"
    path.write_bytes(HTML.encode())
    _ingest(str(path))
    article = Article.objects.get()
    assert (article.title, article.source.name, str(article.published_on)) == (TITLE, "جريدة المدينة", "2018-03-04")
    assert article.text_origin == Article.TextOrigin.TYPED and article.url == "https://example.org/news/1"
    response = client.get(reverse("article_original", args=[article.pk]))
    assert b"".join(response.streaming_content) == HTML.encode()
    # Never served as HTML from the archive's origin: a download, sandboxed, not sniffed.
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
    page = client.get(article.get_absolute_url()).content.decode()
    assert reverse("article_original", args=[article.pk]) in page


def test_a_file_that_names_no_source_needs_the_option_and_the_command_fails(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(
        HTML.replace('<meta property="og:site_name" content="جريدة المدينة">', "")
        .replace(" | جريدة المدينة", "")
        .encode()
    )
    with pytest.raises(CommandError):
        _ingest(str(path))
    assert not Article.objects.exists()
    run = IngestRun.objects.get()
    assert run.rejected_count == 1 and "--source" in run.errors[0] and run.errors[0].startswith(str(path))
    _ingest(str(path), source="جريدة الغد", date="2018-05-06")
    article = Article.objects.get()
    assert article.source.name == "جريدة الغد" and str(article.published_on) == "2018-03-04"  # the page's own date


def test_a_folder_is_read_recursively_a_run_per_file(tmp_path):
    (tmp_path / "web" / "deep").mkdir(parents=True)
    (tmp_path / "web" / "deep" / "one.html").write_bytes(HTML.encode())
    (tmp_path / "dump.txt").write_text("عنوان آخر تماما\nنص مختلف عن موضوع آخر.\nالمصدر: وكالة\n", encoding="utf-8")
    (tmp_path / ".hidden.html").write_bytes(HTML.encode())
    _ingest(str(tmp_path))
    assert Article.objects.count() == 2 and IngestRun.objects.count() == 2


@needs_ocr
def test_a_scan_ingests_with_ocr_and_the_searched_words_are_boxed_on_it(tmp_path, client):
    data = scan_png()
    path = tmp_path / "scan.png"
    path.write_bytes(data)
    _ingest(str(path), source="جريدة المدينة", date="2018-03-04")
    article = Article.objects.get()
    assert article.text_origin == Article.TextOrigin.OCR and article.ocr_confidence > 50
    assert "معرض" in article.title and "بيروت" in article.body
    assert article.source.name == "جريدة المدينة" and str(article.published_on) == "2018-03-04"
    original = OriginalFile.objects.get()
    assert originals_storage().open(original.file.name).read() == data and original.media_type == "image/png"
    pages = ArticlePages.objects.get(article=article)
    assert pages.words and pages.page_sizes == [list(Image.open(io.BytesIO(data)).size)]
    page = client.get(article.get_absolute_url(), {"q": "بيروت"}).content.decode()
    assert "text-ocr" in page  # the "text from OCR" note (in the reader's language)
    assert 'class="scan-hit"' in page and reverse("article_page_image", args=[article.pk, 0]) in page
    plain = client.get(article.get_absolute_url()).content.decode()
    assert 'class="scan-hit"' not in plain
    image = client.get(reverse("article_page_image", args=[article.pk, 0]))
    assert image["Content-Type"] == "image/png" and b"".join(image.streaming_content) == data
    # The same scan again is a duplicate: no second article, no second copy of the file.
    _ingest(str(path), source="جريدة المدينة")
    assert Article.objects.count() == 1 and OriginalFile.objects.count() == 1


def test_without_tesseract_images_get_a_message_naming_the_packages_and_other_formats_still_work(tmp_path, monkeypatch):
    from articles.ingest.ocr import tesseract

    monkeypatch.setattr(tesseract, "tesseract_available", lambda: False)
    monkeypatch.setattr(tesseract.pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "no-tesseract"))
    image = tmp_path / "scan.png"
    image.write_bytes(scan_png() if features.check("raqm") else b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    page = tmp_path / "page.html"
    page.write_bytes(HTML.encode())
    with pytest.raises(CommandError):
        _ingest(str(image), str(page), source="س")
    assert list(Article.objects.values_list("title", flat=True)) == [TITLE]
    errors = IngestRun.objects.get(file_name=str(image)).errors
    assert any("tesseract-ocr" in e for e in errors), errors


# --- nothing half-stored ------------------------------------------------------------------------------------


def test_a_rolled_back_batch_leaves_no_file_behind():
    written = Written()
    kept = original_keep(
        name="x.png", data=b"bytes", sha256="ab" * 32, kind="image", media_type="image/png", written=written
    )
    assert originals_storage().exists(kept.file.name) and written.names == [kept.file.name]
    blobs_discard(written)
    assert not originals_storage().exists(kept.file.name)


# --- the admin upload of several files ------------------------------------------------------------------------


def test_several_files_uploaded_at_once_are_queued_a_run_each(admin_client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.UPLOAD_DIR = tmp_path / "uploads"
    other = HTML.replace(TITLE, "ختام معرض الكتاب في بيروت").replace(LINES[0], "اختتم معرض الكتاب العربي دورته")
    files = [
        SimpleUploadedFile("one.html", HTML.encode(), content_type="text/html"),
        SimpleUploadedFile("two.html", other.encode(), content_type="text/html"),
    ]
    response = admin_client.post(
        reverse("admin:articles_ingestrun_upload"), {"dump": files, "source": "", "published_on": ""}
    )
    assert response.status_code == 302
    assert IngestRun.objects.count() == 2 and Article.objects.count() == 2
    assert all(run.status == IngestRun.Status.SUCCEEDED for run in IngestRun.objects.all())
    assert OriginalFile.objects.count() == 2


def test_ocr_runs_for_real_where_ci_requires_it():
    """CI (.ci/run) installs Tesseract and sets OCR_TEST_REQUIRED: there the OCR tests must run, not skip."""
    import os

    if not os.environ.get("OCR_TEST_REQUIRED"):
        pytest.skip("OCR_TEST_REQUIRED is not set (only CI requires Tesseract)")
    assert tesseract_available(), "Tesseract with its Arabic model is missing: apt-get install tesseract-ocr-ara"
    assert features.check("raqm") and Path(NASKH).exists()


def test_the_editor_sees_the_scan_the_unsure_words_and_the_ocr_output_and_corrects_the_text(admin_client, tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(HTML.encode())
    _ingest(str(path))
    article = Article.objects.get()
    Article.objects.filter(pk=article.pk).update(text_origin=Article.TextOrigin.OCR, ocr_confidence=70.0)
    ArticlePages.objects.create(
        article=article,
        words=[[0, 10, 10, 50, 20, 95.0, "افتتح"], [0, 70, 10, 50, 20, 31.0, "وزبر"]],
        page_sizes=[[800, 600]],
        ocr_text="افتتح وزبر الثقافة",
    )
    page = admin_client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert '<span class="ocr-low" title="31">وزبر</span>' in page
    assert '<span class="ocr-ok" title="95">افتتح</span>' in page
    assert "افتتح وزبر الثقافة" in page  # the OCR output, kept beside the corrected text
    assert reverse("article_original", args=[article.pk]) in page
