"""Issue 11 §1, §4, §5: clippings are stored as published; a bad date line or garbled text costs only
what it must. Each test runs the real ingest path on whichever database the suite runs on."""

from __future__ import annotations

import io
import json
import unicodedata

import pytest

from articles.enrich.pipeline import Enrichment
from articles.ingest import service as ingest_module
from articles.ingest.readers.base import NotUtf8Error
from articles.ingest.readers.lines import check_utf8
from articles.ingest.service import ingest_stream
from articles.ingest.store import fingerprint_compute
from articles.models import Article

pytestmark = pytest.mark.django_db


def _none(*args) -> Enrichment:
    return Enrichment()


@pytest.fixture(autouse=True)
def plain(monkeypatch):
    monkeypatch.setattr(ingest_module, "enrichment_compute", _none)
    monkeypatch.setattr(ingest_module, "enrichment_compute_pair", _none)


def ingest_jsonl(*records: dict):
    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()
    return ingest_stream(io.BufferedReader(io.BytesIO(data)), name="x.jsonl", workers=0)


def ingest_dump(text: str):
    return ingest_stream(io.BufferedReader(io.BytesIO(text.encode())), name="x.txt", workers=0)


# §1 — the examples and two more members (a Quranic verse with its marks, a presentation-form
# ligature ﻻ from a PDF copy, an RLM/ZWNJ that shape the text) — stored exactly as given, NFC applied.
PUBLISHED = [
    ("الدولار يرتفع لـ 50 جنيها", "بلغ المؤشر 10² … بزيادة ½ نقطة … ﷺ"),
    ("عنوان  بمسافتين\nوسطر ثان", "فقرة أولى\n\nفقرة بعد سطر فارغ"),
    ("قال تعالى: ﴿ إِنَّ ٱللَّهَ مَعَ ٱلصَّٰبِرِينَ ۝ ﴾", "ذَٰلِكَ ٱلۡكِتَٰبُ لَا رَيۡبَۛ فِيهِۛ"),
    ("ﻻ تفاوض", "نص\u200f. می\u200cخواهم"),
]


@pytest.mark.parametrize(("title", "body"), PUBLISHED)
def test_jsonl_text_is_stored_as_published(title, body):
    run = ingest_jsonl({"title": title, "text": body, "source": "مصدر"})
    assert run.created_count == 1
    article = Article.objects.get()
    assert article.title == unicodedata.normalize("NFC", title)
    assert article.body == unicodedata.normalize("NFC", body)


def test_decomposed_input_is_stored_nfc():
    title = unicodedata.normalize("NFD", "إيران تُعلن")
    ingest_jsonl({"title": title, "text": "نص", "source": "مصدر"})
    assert Article.objects.get().title == unicodedata.normalize("NFC", title) != title


def test_dump_lines_are_stored_as_published():
    ingest_dump("الدولار يرتفع لـ 50  جنيها\nبلغ المؤشر 10² … بزيادة ½ نقطة … ﷺ\nالمصدر: وكالة\n")
    article = Article.objects.get()
    assert article.title == "الدولار يرتفع لـ 50  جنيها"
    assert article.body == "بلغ المؤشر 10² … بزيادة ½ نقطة … ﷺ"


def test_only_spoofing_controls_are_removed():
    ingest_jsonl({"title": "عنوان\u202e مقلوب\u2066x\u2069", "text": "نص\u200f", "source": "مصدر"})
    article = Article.objects.get()
    assert article.title == "عنوان مقلوبx" and article.body == "نص\u200f"


def test_normalisation_lives_in_the_keys_only():
    # Tatweel, presentation forms and superscripts: the fingerprint sees through them, the text keeps them.
    assert fingerprint_compute("الدولار يرتفع لـ 50", "ﻻ") == fingerprint_compute("الدولار يرتفع ل 50", "لا")
    assert fingerprint_compute("المؤشر 10²", "x") != fingerprint_compute("المؤشر 102", "x")


# §4 — unreadable dates never drop the record; the readable families are read.
def test_unreadable_date_line_stores_the_article_undated_with_a_warning():
    run = ingest_dump("عنوان\nتاريخ النشر: قبل أسبوعين تقريبا\nنص الخبر.\nالمصدر: وكالة\n")
    assert run.created_count == 1 and run.rejected_count == 0
    assert Article.objects.get().published_on is None
    assert run.warning_count == 1 and "line 2" in run.warnings[0] and "without a date" in run.warnings[0]


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("12 كانون 1 2024", "2024-12-12"),  # the examples
        ("الخميس 12 ديسمبر 2024م", "2024-12-12"),
        ("الخميس 11 جمادى الآخرة 1446هـ الموافق 12 ديسمبر 2024م", "2024-12-12"),
        ("12 دجنبر 2024", "2024-12-12"),
        ("5 غشت 2023", "2023-08-05"),
        ("3 يوليوز 2022", "2022-07-03"),
        ("12 ت2 2018", "2018-11-12"),  # members found here: the Lebanese abbreviation
        ("الأول من كانون الثاني/يناير 2025", "2025-01-01"),  # ordinal + month/month pair
        ("12 جويلية 2019", "2019-07-12"),  # Algerian/Tunisian
        ("11 جمادى الآخرة 1446 هـ", "2024-12-12"),  # Hijri alone, converted (Umm al-Qura)
        ("12ديسمبر2024", "2024-12-12"),
        ("12-ديسمبر-2024", "2024-12-12"),
        ("Dec. 12, 2024", "2024-12-12"),
        ("الحادي عشر من تشرين الثاني 2023", "2023-11-11"),
    ],
)
def test_date_families_are_read(line, iso):
    run = ingest_dump(f"عنوان\nتاريخ النشر: {line}\nنص الخبر.\nالمصدر: وكالة\n")
    assert run.warning_count == 0
    assert Article.objects.get().published_on.isoformat() == iso


def test_jsonl_date_in_arabic_is_read_and_a_bad_one_is_a_warning():
    run = ingest_jsonl(
        {"title": "أ", "text": "نص أ", "source": "م", "date": "12 كانون الأول 2024"},
        {"title": "ب", "text": "نص ب", "source": "م", "date": "غدا"},
    )
    assert run.created_count == 2 and run.rejected_count == 0 and run.warning_count == 1
    assert sorted(str(a.published_on) for a in Article.objects.all()) == ["2024-12-12", "None"]


# §5 — mojibake and UTF-16.
# ف is D9 81 in UTF-8 and 0x81 has no Windows-1252 character: that byte is lost, no repair is certain.
GARBLED = "في فرنسا".encode().decode("cp1252", errors="replace")
MOJIBAKE_1252 = "Ø§Ù„Ø±Ø¦ÙŠØ³ Ø§Ù„Ù…ØµØ±ÙŠ"
MOJIBAKE_1256 = "الرئيس المصري".encode().decode("cp1256")


@pytest.mark.parametrize("garbled", [MOJIBAKE_1252, MOJIBAKE_1256])
def test_certain_mojibake_is_repaired_with_a_warning(garbled):
    run = ingest_jsonl({"title": garbled, "text": garbled, "source": "مصدر"})
    assert run.created_count == 1 and run.warning_count == 2
    assert "double-encoded" in run.warnings[0]
    assert Article.objects.get().title == "الرئيس المصري"


def test_uncertain_mojibake_is_rejected_naming_the_problem():
    run = ingest_jsonl(
        {"title": GARBLED, "text": "نص", "source": "مصدر"}, {"title": "سليم", "text": "نص", "source": "م"}
    )
    assert run.created_count == 1 and run.rejected_count == 1
    assert "mojibake" in run.errors[0] and run.errors[0].startswith("line 1:")


def test_partly_garbled_cp1256_text_is_rejected():
    run = ingest_jsonl({"title": "خبر", "text": MOJIBAKE_1256 + " نص سليم", "source": "مصدر"})
    assert run.created_count == 0 and "Windows-1256" in run.errors[0]


def test_mojibake_in_dump_format_is_named_not_no_source_line():
    text = "الرئيس المصري\nنص الخبر.\nالمصدر: وكالة\n".encode().decode("cp1252", errors="replace")
    run = ingest_dump(text)
    assert run.created_count == 0 and run.rejected_count == 1
    assert "mojibake" in run.errors[0] and "no source line (" not in run.errors[0]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_refused_as_utf16_with_a_conversion_command(encoding):
    data = "عنوان\nنص\nالمصدر: وكالة\n".encode(encoding)
    with pytest.raises(NotUtf8Error) as info:
        check_utf8(data)
    assert "UTF-16" in str(info.value) and "iconv -f UTF-16" in str(info.value)


def test_refingerprint_brings_an_old_archive_up_to_date():
    from django.core.management import call_command

    from articles.models import Source

    # An archive written by the old rules: ی/ک kept apart, so two sources and two "different" articles.
    persian = Source.objects.create(name="کرة", key="کره", slug="kura-fa")
    arabic = Source.objects.create(name="كرة", key="كره", slug="kura")
    Article.objects.create(title="الرئیس", body="نص", source=persian, fingerprint="old-1")
    Article.objects.create(title="الرئيس", body="نص", source=arabic, fingerprint="old-2")
    out = io.StringIO()
    call_command("search_reindex", "--refingerprint", stdout=out)
    assert Source.objects.count() == 1 and "merged" in out.getvalue()
    first, second = Article.objects.order_by("pk")
    assert first.fingerprint == fingerprint_compute("الرئيس", "نص")
    assert second.fingerprint == "old-2"
    assert f"article {second.pk} is a duplicate of article {first.pk}" in out.getvalue()
    assert first.title == "الرئیس"  # stored text untouched


def test_arabic_heavy_in_the_mojibake_lead_letters_is_not_taken_for_mojibake():
    text = "طعم ظعن عطر غطاء، عظيم؟ طيب؛ غطس عطش"
    run = ingest_jsonl({"title": text, "text": text, "source": "مصدر"})
    assert run.created_count == 1 and run.warning_count == 0
    assert Article.objects.get().title == text
