"""Issue 13, ingest side: one bad record costs only itself (line number and reason in the run), URLs are
http/https only, field limits are the same on SQLite and PostgreSQL, bad encodings are found anywhere in the
stream, bidi controls are stripped on both write paths, and ambiguous dumps are flagged."""

from __future__ import annotations

import io
import json

import pytest
from django.test import override_settings
from django.urls import reverse

from articles.ingest.readers.formats import parse_stream
from articles.ingest.service import ingest_stream
from articles.models import Article, IngestRun

pytestmark = pytest.mark.django_db

GOOD = {"title": "عنوان سليم {n}", "text": "نص الخبر رقم {n} عن الاقتصاد.", "source": "مأرب برس"}


def words(n: int, text: str = "عنوان طويل جدا عن الاقتصاد ") -> str:
    """``n`` characters of natural Arabic (a run of one letter looks like mojibake to the repair check)."""
    return (text * (n // len(text) + 1))[:n]


def good(n: int) -> dict:
    return {k: v.format(n=n) for k, v in GOOD.items()}


def jsonl(*records) -> bytes:
    return b"\n".join(r if isinstance(r, bytes) else json.dumps(r).encode() for r in records) + b"\n"


def ingest(data: bytes, name: str = "x.jsonl") -> IngestRun:
    return ingest_stream(io.BufferedReader(io.BytesIO(data)), name=name, workers=0)


def assert_only_bad_lost(run: IngestRun, *, bad_lines: list[int], total: int) -> None:
    """The run finished, rejected exactly ``bad_lines`` (each named with its line) and stored every other."""
    assert run.status == IngestRun.Status.SUCCEEDED, run.failure_reason
    assert run.created_count + run.duplicate_count + run.rejected_count == total
    assert run.rejected_count == len(bad_lines), run.errors
    assert [int(e.split(":")[0].removeprefix("line ")) for e in run.errors] == bad_lines
    assert Article.objects.count() == total - len(bad_lines)


# --- item 1: URLs -------------------------------------------------------------------------------------

UNSAFE_URLS = [
    "javascript:alert(document.domain)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "\tjavascript:alert(1)",
    "java\nscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://example.org/x",
    "//evil.example/x",
    "/relative/path",
    "http://",
    "https://exa mple.org/",
    "http://example.org/" + "a" * 1000,
]


@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_url_that_is_not_http_is_rejected_with_its_line(url):
    run = ingest(jsonl(good(1), {**good(2), "url": url}, good(3)))
    assert_only_bad_lost(run, bad_lines=[2], total=3)
    assert "url" in run.errors[0]


def test_http_urls_are_stored_and_linked(client):
    run = ingest(jsonl({**good(1), "url": "https://example.org/خبر?a=1&b=2"}, {**good(2), "url": "HTTP://EXAMPLE.ORG/x"}))
    assert run.created_count == 2, run.errors
    article = Article.objects.get(title=good(1)["title"])
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'href="https://example.org/خبر?a=1&amp;b=2"' in html


def test_a_stored_javascript_url_is_never_rendered_as_a_link(client):
    """Rows stored before validation (or written around it) are still never links."""
    run = ingest(jsonl(good(1)))
    assert run.created_count == 1
    Article.objects.update(url="javascript:alert(document.domain)")
    html = client.get(Article.objects.get().get_absolute_url()).content.decode()
    assert "javascript:" not in html


# --- item 2: hostile records cost only themselves -------------------------------------------------------

HOSTILE_LINES = [
    b"[" * 100_000,
    b"{" * 50_000,
    b'{"title": "t", "text": "x", "source": "s", "n": ' + b"7" * 5000 + b"}",
    b'{"title": ' + b"1" * 5000 + b', "text": "x", "source": "s"}',
    b"-" + b"9" * 10_000,
    b'{"title": 1e999, "text": "x", "source": "s"}',
    b'{"title": "t", "text": "x", "source": "s", "url": ["http://x"]}',
    b'{"title": "t", "text": ["x"], "source": "s"}',
    b'"just a string"',
    b"null",
    b"\xff\xfe\x00garbage",
    '{"title": "عنوان", "text": "نص", "source": "مصدر"}'.encode("cp1256"),
    b'{"title": "' + words(1001).encode() + b'", "text": "x", "source": "s"}',
    b'{"title": "t", "text": "x", "source": "' + words(201, "مصدر الخبر ").replace(" ", "م").encode() + b'"}',
    # NFKC turns each U+FDFA into 18 letters: the source's normalised key would overflow its column.
    b'{"title": "t", "text": "x", "source": "' + "\ufdfa".encode() * 20 + b'"}',
    b'{"title": "   ", "text": "x", "source": "s"}',
    b'{"title": "\\u202e", "text": "x", "source": "s"}',
]


@pytest.mark.parametrize("line", HOSTILE_LINES, ids=range(len(HOSTILE_LINES)))
def test_hostile_json_line_is_rejected_alone(line):
    run = ingest(jsonl(good(1), line, good(3)))
    assert_only_bad_lost(run, bad_lines=[2], total=3)


@pytest.mark.parametrize(
    ("field", "escaped", "warning"),
    [
        ("title", "\\ud800", "lone surrogates"),
        ("text", "\\udfff\\ud800", "lone surrogates"),
        ("source", "\\ud83d", "lone surrogates"),
        ("title", "\\u0000", "NUL"),
        ("text", "\\u0000", "NUL"),
        ("source", "\\u0000", "NUL"),
    ],
)
def test_unstorable_characters_are_replaced_with_a_warning(field, escaped, warning):
    """A lone surrogate crashed the tagger and PostgreSQL refuses NUL: the record is stored, repaired, flagged."""
    record = good(2)
    record[field] = record[field][:3] + "@@" + record[field][3:]
    line = json.dumps(record, ensure_ascii=True).replace("@@", escaped).encode()
    run = ingest(jsonl(good(1), line, good(3)))
    assert_only_bad_lost(run, bad_lines=[], total=3)
    assert any(w.startswith("line 2:") and warning in w for w in run.warnings), run.warnings
    for article in Article.objects.select_related("source"):
        for text in (article.title, article.body, article.source.name):
            assert "\x00" not in text
            text.encode("utf-8")  # no lone surrogate left


def test_field_limits_are_the_columns_on_every_database():
    source = words(200, "مصدر_الخبر_")  # no spaces: the source name keeps its length
    at_limit = {"title": words(1000), "text": "نص", "source": source, "url": "https://e.org/" + "a" * 986}
    over = [
        {**good(2), "title": words(1001)},
        {**good(3), "source": source + "م"},
        {**good(4), "url": "https://e.org/" + "a" * 987},
    ]
    run = ingest(jsonl(at_limit, *over, good(5)))
    assert_only_bad_lost(run, bad_lines=[2, 3, 4], total=5)
    stored = Article.objects.get(title=words(1000))
    assert len(stored.url) == 1000 and len(stored.source.name) == 200


@override_settings(ARTICLE_MAX_CHARS=5000)
def test_an_over_long_text_is_rejected_with_the_limit_named():
    run = ingest(jsonl(good(1), {**good(2), "text": "كلمة " * 2000}, good(3)))
    assert_only_bad_lost(run, bad_lines=[2], total=3)
    assert "ARTICLE_MAX_CHARS" in run.errors[0]


# --- item 7: the encoding is checked for the whole stream ----------------------------------------------

DUMP_RECORD = (
    "خبر رقم {n}\nتاريخ النشر: 2024-01-0{d}\nنص الخبر رقم {n} في سطر واحد طويل.\nالمصدر: مأرب برس\nإقرأ أيضاً:\n"
)


def dump_records(start: int, count: int) -> bytes:
    return "".join(DUMP_RECORD.format(n=n, d=1 + n % 9) for n in range(start, start + count)).encode()


@pytest.mark.parametrize(
    "bad_section",
    [
        "خبر مكتوب بترميز ويندوز\nنص الخبر\nالمصدر: مأرب برس\nإقرأ أيضاً:\n".encode("cp1256"),
        "خبر فيه بيانات ثنائية\nنص\x00\x00\x01 الخبر\nالمصدر: مأرب برس\nإقرأ أيضاً:\n".encode(),
    ],
    ids=["windows-1256", "NUL"],
)
@pytest.mark.parametrize("offset_records", [1, 60, 800], ids=["head", "after-4KB", "after-64KB"])
def test_bad_encoding_section_anywhere_costs_exactly_its_record(bad_section, offset_records):
    data = dump_records(0, offset_records) + bad_section + dump_records(offset_records, 5)
    bad_line = offset_records * 5 + 1
    items = list(parse_stream(io.BufferedReader(io.BytesIO(data)), "dump.txt"))
    errors = [i for i in items if not hasattr(i, "title")]
    assert len(items) == offset_records + 6
    assert len(errors) == 1 and errors[0].line in (bad_line, bad_line + 1), errors
    assert "UTF-8" in errors[0].message


def test_a_file_wholly_not_utf8_is_still_refused_up_front():
    from articles.ingest.readers.base import NotUtf8Error

    data = dump_records(0, 30).decode().encode("cp1256")
    with pytest.raises(NotUtf8Error, match="Windows-1256"):
        list(parse_stream(io.BufferedReader(io.BytesIO(data)), "dump.txt"))
    assert not IngestRun.objects.exists()


# --- item 11: the admin goes through the same cleaning -------------------------------------------------

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_bidi_controls_are_stripped_on_ingest_and_other_marks_kept():
    title = f"\u202eعنوان{BIDI} مقلوب\u200f"
    run = ingest(jsonl({**good(1), "title": title, "text": f"نص{BIDI} الخبر", "source": f"مأرب{BIDI} برس"}))
    assert run.created_count == 1, run.errors
    article = Article.objects.select_related("source").get()
    for text in (article.title, article.body, article.source.name):
        assert not set(BIDI) & set(text)


@pytest.fixture
def editor_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "e@example.org", "pw-for-tests-only")
    client.force_login(user)
    return client


def _admin_add(client, **fields):
    data = {"title": "عنوان", "body": "نص الخبر", "new_source_name": "مأرب برس", "url": "", "topic": "", **fields}
    return client.post(reverse("admin:articles_article_add"), data)


def test_admin_typed_text_is_cleaned_like_ingest(editor_client):
    title, body = f"\u202eعنوان{BIDI} ﻻ", f"نص {BIDI}الخبر\u200f ﷺ"
    response = _admin_add(editor_client, title=title, body=body)
    assert response.status_code == 302, response.content.decode()[:2000]
    typed = Article.objects.get()
    assert not set(BIDI) & set(typed.title + typed.body)
    typed.delete()
    run = ingest(jsonl({"title": title, "text": body, "source": "مأرب برس"}))
    assert run.created_count == 1, run.errors
    ingested = Article.objects.get()
    assert (typed.title, typed.body) == (ingested.title, ingested.body)  # the same cleaning on both paths


def test_admin_refuses_nul_characters_with_a_form_error(editor_client):
    response = _admin_add(editor_client, body="نص\x00 الخبر")
    assert response.status_code == 200 and not Article.objects.exists()


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "data:text/html,x"])
def test_admin_refuses_urls_that_are_not_http(editor_client, url):
    response = _admin_add(editor_client, url=url)
    assert response.status_code == 200
    assert "http://" in response.content.decode()
    assert not Article.objects.exists()


def test_admin_edit_strips_bidi_controls_too(editor_client):
    ingest(jsonl(good(1)))
    article = Article.objects.get()
    url = reverse("admin:articles_article_change", args=[article.pk])
    form = {
        "title": f"\u202e{article.title}",
        "body": article.body,
        "source": article.source_id,
        "url": "",
        "topic": "",
        "mentions-TOTAL_FORMS": "0",
        "mentions-INITIAL_FORMS": "0",
    }
    response = editor_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    article.refresh_from_db()
    assert "\u202e" not in article.title


# --- item 12: ambiguous dumps are flagged ---------------------------------------------------------------


def test_merged_clippings_are_flagged_with_the_line():
    # The first clipping lost its source line and separator: the parser sees one record.
    data = (
        "الخبر الأول\nتاريخ النشر: 2024-01-01\nنص الخبر الأول.\n"
        "الخبر الثاني\nتاريخ النشر: 2024-01-02\nنص الخبر الثاني.\nالمصدر: مأرب برس\n"
    ).encode()
    run = ingest(data, name="dump.txt")
    assert run.created_count == 1
    assert any(w.startswith("line 1:") and "line 5" in w for w in run.warnings), run.warnings


def test_a_stray_source_line_inside_a_body_is_flagged():
    data = (
        "الخبر\nتاريخ النشر: 2024-01-01\nالفقرة الأولى.\nالمصدر: وكالة\nالفقرة الثانية تكمل الخبر.\n"
        "المصدر: مأرب برس\nإقرأ أيضاً:\nخبر آخر\nنص آخر.\nالمصدر: لبنان 24\n"
    ).encode()
    run = ingest(data, name="dump.txt")
    assert run.created_count == 2 and run.rejected_count == 1  # the split half has no body after its "title"
    flagged = [w for w in run.warnings] + run.errors
    assert any("line 4" in w for w in flagged), flagged


def test_a_well_formed_dump_has_no_warnings(seed_path):
    with open(seed_path, "rb") as handle:
        run = ingest_stream(handle, name=str(seed_path), workers=0)
    assert run.created_count == 2 and run.warnings == []


# --- item 10: one record's cost is bounded ----------------------------------------------------------------


def test_a_line_over_the_parser_limit_is_rejected_unread_and_the_rest_stored(monkeypatch):
    monkeypatch.setattr("articles.ingest.readers.lines.MAX_LINE_BYTES", 64 * 1024)
    huge = json.dumps({"title": "كبير", "text": "كلمة " * 40_000, "source": "مصدر"}).encode()
    run = ingest(jsonl(good(1), huge, good(3)))
    assert_only_bad_lost(run, bad_lines=[2], total=3)
    assert "MAX_LINE_BYTES" in run.errors[0]


def test_a_dump_paragraph_over_the_parser_limit_costs_only_its_record(monkeypatch):
    monkeypatch.setattr("articles.ingest.readers.lines.MAX_LINE_BYTES", 64 * 1024)
    data = dump_records(0, 2) + ("عنوان\n" + "كلمة " * 40_000 + "\nالمصدر: مأرب برس\nإقرأ أيضاً:\n").encode()
    data += dump_records(2, 2)
    run = ingest(data, name="dump.txt")
    assert run.created_count == 4 and run.rejected_count == 1, run.errors
    assert run.errors[0].startswith("line 12:") and "MAX_LINE_BYTES" in run.errors[0]


def test_ner_in_blocks_tags_exactly_as_in_one_piece(monkeypatch):
    """Long texts are tagged TAG_BLOCK sentences at a time (flat memory) with the same result."""
    from articles.enrich.ner import crf
    from articles.enrich.ner.base import get_backend
    from articles.enrich.ner.segment import sentences_with_offsets

    backend = get_backend("crf")
    if not isinstance(backend, crf.CrfBackend):
        pytest.skip("the CRF backend is not the configured one")
    text = " ".join(
        f"قال الرئيس فلاديمير بوتين في موسكو {n}. وزار وفد من الأمم المتحدة مدينة حلب." for n in range(120)
    )
    tokens = [[t for t, _ in s] for s in sentences_with_offsets(text)]
    monkeypatch.setattr(crf, "TAG_BLOCK", 10_000)
    whole = backend.tag_tokens(tokens)
    monkeypatch.setattr(crf, "TAG_BLOCK", 7)
    assert backend.tag_tokens(tokens) == whole
    assert any(t != "O" for sent in whole for t in sent)


def test_the_upload_preview_rejects_what_the_ingest_will_reject(tmp_path, settings):
    from articles.admin.uploads import StoredUpload, upload_preview

    settings.UPLOAD_DIR = tmp_path
    data = jsonl(good(1), {**good(2), "url": "javascript:alert(1)"}, {**good(3), "title": words(1001)})
    (tmp_path / ("0" * 64)).write_bytes(data)
    preview = upload_preview(StoredUpload(sha256="0" * 64, name="x.jsonl"))
    assert (preview.found_count, preview.rejected_count) == (1, 2)
    assert [e.line for e in preview.rejected] == [2, 3]
