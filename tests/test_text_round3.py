"""Issue 23 (Arabic text, round 3) on whichever database the suite runs on: a spelling never changes
the results, a name is not a preposition, edge format characters leave one-line fields, and text from
PDFs/OCR reads like typed text. Each kind has the issue's example, then members found in Lucene's /
Elasticsearch's Arabic normalisers, camel-tools, pyarabic, charabia and the Unicode tables."""

from __future__ import annotations

import importlib
import io
import json
import unicodedata

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from articles.enrich.entity_service import entity_alias_add, entity_rename
from articles.enrich.pipeline import Enrichment
from articles.enrich.resolve import mention_form
from articles.ingest import service as ingest_module
from articles.ingest.service import ingest_stream
from articles.models import Article, Source
from articles.search.highlight import highlight, snippet
from articles.search.query import query_parse
from articles.text import clean_line, edge_trim
from tests.search_data import article_make, entity_make
from tests.test_admin import add_form_data, stub_enrichment  # noqa: F401 - the fixture
from tests.test_search import ids, ranked

pytestmark = pytest.mark.django_db


def _none(*args) -> Enrichment:
    return Enrichment()


def ingest_jsonl(monkeypatch, *records: dict):
    monkeypatch.setattr(ingest_module, "enrichment_compute", _none)
    monkeypatch.setattr(ingest_module, "enrichment_compute_pair", _none)
    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()
    return ingest_stream(io.BufferedReader(io.BytesIO(data)), name="x.jsonl", workers=0)


# --- 1. Both spellings of a word give the same article set ---------------------------------------------
# (ة spelling, ه spelling, inflected forms the ة spelling finds). The issue's nisba, then other nisbas,
# nouns with ات plurals and a suffixed ت, and a plain noun: every rule keyed on ة must reach the ه spelling.
PAIRS = [
    ("السعودية", "السعوديه", ["العاصمة السعودية", "الوزير السعودي", "الطلاب السعوديين", "مع السعوديه"]),
    ("الأمريكية", "الامريكيه", ["الخارجية الأمريكية", "الجيش الأمريكي", "المسؤولين الأمريكيين", "الإدارة الامريكيه"]),
    ("الاقتصادية", "الاقتصاديه", ["الأزمة الاقتصادية", "الوضع الاقتصادي", "الأوضاع الاقتصاديه"]),
    ("الحكومة", "الحكومه", ["أعلنت الحكومة", "قال رئيس الحكومه", "حكومتها الجديدة", "والحكومة"]),
    ("القاهرة", "القاهره", ["في القاهرة", "إلى القاهره", "بالقاهرة"]),
    ("المدرسة", "المدرسه", ["في المدرسة", "طلاب المدرسه", "مدرسة البنات"]),
    # Rarer than the lexicon's evidence threshold: a definite word's final ه is still a ة.
    ("الجيبوتية", "الجيبوتيه", ["الحكومة الجيبوتية", "الوفد الجيبوتي", "العاصمة الجيبوتيه"]),
]



@pytest.mark.parametrize(("with_teh", "with_heh", "texts"), PAIRS)
def test_both_spellings_give_the_same_articles(with_teh, with_heh, texts):
    made = {article_make("خبر", f"{text} اليوم").pk for text in texts}
    article_make("خبر آخر", "لا علاقة له بالموضوع")
    found = ids(with_teh)
    assert found == ids(with_heh)
    assert found == made
    assert set(ranked(with_teh)) == set(ranked(with_heh))


def test_the_issue_four_articles_are_found_by_both_spellings():
    texts = ("العاصمة السعودية", "الوزير السعودي", "الطلاب السعوديين", "مع السعوديه")
    made = {article_make("خبر", t).pk for t in texts}
    assert ids("السعودية") == ids("السعوديه") == made


def test_reading_a_final_heh_as_teh_never_adds_its_pronoun_stem():
    currency = article_make("خبر", "انخفضت العملة المحلية")
    typed_with_heh = article_make("خبر آخر", "انخفضت العمله المحلية")
    work = article_make("خبر ثالث", "بدأ العمل في المصنع")  # عمل: the stem of عمله "his work", not of العملة
    assert ids("العملة") == ids("العمله") == {currency.pk, typed_with_heh.pk}
    assert work.pk not in ids("العمله")


@pytest.mark.parametrize(
    ("stored", "query"),
    [("مصطفى", "مصطفي"), ("موسى", "موسي"), ("ليلى", "ليلي"), ("مستشفى", "مستشفي"), ("يحيى", "يحيي")],
)
def test_names_and_nouns_with_final_alef_maksura_meet_both_ways(stored, query):
    one, other = article_make("خبر", f"قال {stored} أمس"), article_make("خبر آخر", f"قال {query} أمس")
    assert {one.pk, other.pk} == ids(stored) == ids(query) == ids(f'"قال {query}"')


# Members from public bug reports of other search tools: MoroccoAPI#2 (NFD-decomposed آ, diacritics),
# Nominatim#3718 (kashida in a place name), webtrees#5262 (ٲ wavy hamza, ٱ wasla), RATQ#287 (الدورى/الدوري),
# charabia#204 (dagger alef, small high sukun).
REPORTED = [
    ("آسفي", unicodedata.normalize("NFD", "آسفي")),
    ("مراكش", "مَرَّاكُش"),
    ("شـابوص", "شابوص"),
    ("ٲحمد", "أحمد"),
    ("ٱلقدس", "القدس"),
    ("الدورى", "الدوري"),
    ("ٱلۡعَٰلَمِينَ", "العالمين"),
]


@pytest.mark.parametrize(("stored", "query"), REPORTED)
def test_spellings_from_other_tools_bug_reports_meet_both_ways(stored, query):
    one, other = article_make("خبر", f"زار {stored} أمس"), article_make("خبر آخر", f"زار {query} أمس")
    assert ids(stored) == ids(query) == {one.pk, other.pk}
    assert "<mark>" in highlight(one.body, query_parse(query))


# --- 2. A name is not a preposition ------------------------------------------------------------------------
# (name or word, the function word its ي spelling collides with, a sentence using the function word).
NAMES_AND_FUNCTION_WORDS = [
    ("علي", "على", "ارتفاع على الأسعار"),
    ("علي", "على", "وعلى الحكومة أن تقرر"),
    ("الي", "إلى", "وصل الوفد إلى العاصمة"),  # آلي (automatic) after the alef fold
    ("لدي", "لدى", "السفير لدى الأمم المتحدة"),  # لديّ (I have)
    ("سوي", "سوى", "لم يبق سوى يومين"),  # سويّ (even, normal)
    ("اني", "أنى", "أنى لهم ذلك"),  # إني (indeed I)
]


@pytest.mark.parametrize(("name", "word", "sentence"), NAMES_AND_FUNCTION_WORDS)
def test_a_name_query_does_not_return_the_function_word(name, word, sentence):
    only_word = article_make("خبر", sentence)
    with_name = article_make("خبر آخر", f"قال {name} حسن أمس")
    assert ids(name) == {with_name.pk}
    assert only_word.pk in ids(word)
    assert "<mark>" not in highlight(sentence, query_parse(name))


def test_the_issue_minister_query():
    minister = article_make("الوزير علي حسن يزور القاهرة", "صرح الوزير علي حسن")
    prices = article_make("ارتفاع على الأسعار", "ارتفاع على الأسعار هذا الشهر")
    assert ids("علي") == {minister.pk}
    assert ids('"علي حسن"') == {minister.pk}
    assert prices.pk not in ids("علي حسن")


def test_a_function_word_query_finds_both_spellings_literal_first():
    literal = article_make("خبر", "ارتفاع على الأسعار")
    written_with_yeh = article_make("خبر آخر", "ارتفاع علي الأسعار")  # outlets write على as علي
    assert ids("على") == {literal.pk, written_with_yeh.pk}
    assert ids('"على الأسعار"') == {literal.pk, written_with_yeh.pk}
    assert ranked("على")[0] == literal.pk


@pytest.mark.parametrize(("maksura", "yeh"), [("حتى", "حتي"), ("متى", "متي"), ("مدى", "مدي"), ("وحتى", "وحتي")])
def test_a_function_word_whose_yeh_spelling_is_no_other_word_meets_both_ways(maksura, yeh):
    one, other = article_make("خبر", f"لم يتقرر {maksura} الآن"), article_make("خبر آخر", f"لم يتقرر {yeh} الآن")
    assert ids(maksura) == ids(yeh) == {one.pk, other.pk}
    assert ids(f'"{maksura} الآن"') == ids(f'"{yeh} الآن"') == {one.pk, other.pk}


# --- 3. Edge format characters ---------------------------------------------------------------------------
# RLM and LRM (the issue), then ALM, BOM, zero-width space/non-joiner/joiner, word joiner, soft hyphen,
# invisible separator, combining grapheme joiner, Hangul filler, Mongolian vowel separator, a tag.
EDGE = ["\u200f", "\u200e", "\u061c", "\ufeff", "\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\u2063",
        "\u034f", "\u3164", "\u180e", "\U000e0020"]


@pytest.mark.parametrize("mark", EDGE)
def test_titles_and_source_names_lose_edge_format_characters(monkeypatch, mark):
    run = ingest_jsonl(monkeypatch, {
        "title": f"{mark} الرئيس يزور بغداد{mark}", "source": f"{mark}الأهرام {mark}",
        "text": f"{mark}نص الخبر{mark}", "date": "2024-01-02",
    })
    assert run.created_count == 1
    article = Article.objects.get()
    assert article.title == "الرئيس يزور بغداد"
    assert Source.objects.get().name == "الأهرام"
    assert article.body == f"{mark}نص الخبر{mark}"  # bodies stay as published
    assert ids('"الرئيس يزور بغداد"') == {article.pk}


@pytest.mark.usefixtures("stub_enrichment")
def test_the_admin_stores_titles_and_source_names_without_edge_format_characters(admin_client):
    data = add_form_data(title="\u200fالرئيس يزور بغداد\ufeff", new_source_name="\u200bلبنان 24\u200e",
                         body="\u200fنص الخبر كما نشر")
    admin_client.post(reverse("admin:articles_article_add"), data)
    article = Article.objects.get()
    assert (article.title, article.source.name) == ("الرئيس يزور بغداد", "لبنان 24")
    assert article.body == "\u200fنص الخبر كما نشر"
    source = article.source
    change = {"name": "\u2060لبنان 24 الإخباري\u200f", "url": "", "country": ""}
    admin_client.post(reverse("admin:articles_source_change", args=[source.pk]), change)
    source.refresh_from_db()
    assert source.name == "لبنان 24 الإخباري"


@pytest.mark.parametrize("mark", ["\u200f", "\ufeff", "\u200b", "\u2066"])
def test_dump_titles_and_source_lines_lose_edge_format_characters(monkeypatch, mark):
    monkeypatch.setattr(ingest_module, "enrichment_compute", _none)
    monkeypatch.setattr(ingest_module, "enrichment_compute_pair", _none)
    text = f"{mark}الدولار يرتفع{mark}\n{mark}بلغ المؤشر 10{mark}\nالمصدر: {mark}وكالة الأنباء{mark}\n"
    ingest_stream(io.BufferedReader(io.BytesIO(text.encode())), name="x.txt", workers=0)
    article = Article.objects.get()
    assert (article.title, article.source.name) == ("الدولار يرتفع", "وكالة الأنباء")


def test_edge_trim_keeps_inner_and_visible_format_characters():
    assert edge_trim("\u200fمی\u200cخواهم\u200e") == "می\u200cخواهم"
    assert edge_trim("\u0600١٢٣") == "\u0600١٢٣"  # ARABIC NUMBER SIGN is drawn around the digits
    assert clean_line(" \ufeffعنوان\u202e ") == "عنوان"


def test_entity_names_and_aliases_lose_edge_format_characters():
    entity = entity_make("بغداد", kind="LOC")
    alias = entity_alias_add(entity=entity, name="\u200fبغداد العاصمة\u200b")
    assert alias.name == "بغداد العاصمة"
    assert entity_rename(entity=entity, name="\ufeffمدينة بغداد\u200e").name == "مدينة بغداد"
    form = mention_form("\u200fبغداد", "LOC")
    assert form is not None and form.name == "بغداد"


def test_migration_trims_existing_rows_and_reindexes():
    article = article_make("\u200fعنوان قديم\u200e", "نص فيه على الأسعار")
    Source.objects.filter(pk=article.source_id).update(name="\ufeffمأرب برس")
    Article.objects.filter(pk=article.pk).update(title="\u200fعنوان قديم\u200e")
    importlib.import_module("articles.migrations.0014_text_round3")._forwards(django_apps, None)
    article.refresh_from_db()
    assert article.title == "عنوان قديم"
    assert Source.objects.get(pk=article.source_id).name == "مأرب برس"
    assert ids("على") == {article.pk} and not ids("علي")


# --- 4. Text from PDFs and OCR ------------------------------------------------------------------------------
# (as the file said, the plain spelling a reader types)
FROM_FILES = [
    ("ﺍﻟﺮﺋﻴﺲ ﺍﻟﺴﻮﺭﻱ", "الرئيس السوري"),  # presentation forms B (pdfminer)
    ("ﻻﺟﺌﻴﻦ", "لاجئين"),  # lam-alef ligature
    ("ﷲ", "الله"),  # presentation forms A
    ("عام ۲۰۲۴", "عام 2024"),  # Persian digits
    ("عام ٢٠٢٤", "عام 2024"),  # Arabic-Indic digits
    ("عام 2024", "عام ٢٠٢٤"),  # and the other way
    ("الرئـــــيس", "الرئيس"),  # kashida for justification
    ("الرئ\u200cيس", "الرئيس"),  # ZWNJ (Tesseract, Persian keyboards)
    ("قال الوزير, إن", "قال الوزير، إن"),  # Latin comma for the Arabic one
    ("هل ينجح الاتفاق?", "هل ينجح الاتفاق؟"),
    ("ﻣﺼﺮ؛ ﺍﻷﺭﺩﻥ", "مصر الأردن"),
    ("\uff21\uff22\uff23 news", "abc news"),  # full-width Latin
    ("عام ２０２４", "عام 2024"),  # full-width digits
    ("نمو 3٫5 بالمئة", "نمو 3.5 بالمئة"),  # Arabic decimal separator
    ("الرئ\u00adيس", "الرئيس"),  # a PDF's soft hyphen inside a word
    ("الرئ\u200bيس", "الرئيس"),  # zero-width space (OCR)
    ("الرئ\u2060يس", "الرئيس"),  # word joiner
    ("ﺑﻐﺪﺍﺩ\u200f", "بغداد"),  # presentation forms and an RLM
]


@pytest.mark.parametrize(("as_filed", "typed"), FROM_FILES)
def test_text_from_files_is_found_and_highlighted_by_its_plain_spelling(as_filed, typed):
    article = article_make("خبر", f"نص: {as_filed} انتهى")
    assert article.pk in ids(typed)
    assert article.pk in ids(f'"{typed}"')
    assert Article.objects.get(pk=article.pk).body == f"نص: {as_filed} انتهى"  # stored as the file said
    assert "<mark>" in snippet(article.body, query_parse(typed))


@pytest.mark.parametrize(
    ("as_filed", "shown"),
    [
        ("ﺍﻟﺮﺋﻴﺲ ﺍﻟﺴﻮﺭﻱ", "الرئيس السوري"),
        ("ﻻﺟﺌﻴﻦ", "لاجئين"),
        ("قال الوزير, إن", "قال الوزير، إن"),
        ("هل ينجح الاتفاق?", "هل ينجح الاتفاق؟"),
        ("مصر; الأردن", "مصر؛ الأردن"),
    ],
)
def test_text_from_files_is_shown_like_typed_text(client, as_filed, shown):
    article = article_make(f"عنوان {as_filed}", f"نص {as_filed} انتهى")
    page = client.get(f"/articles/{article.pk}/").content.decode()
    assert f"نص {shown} انتهى" in page and f"عنوان {shown}" in page
    marked = str(highlight(article.body, query_parse(shown.split()[0])))
    assert "<mark>" in marked and as_filed not in marked
    assert Article.objects.get(pk=article.pk).body == f"نص {as_filed} انتهى"


def test_display_keeps_numbers_latin_text_and_word_ligatures():
    for text in ("1,5 مليون", "Is it? yes, no; maybe", "ﷺ", "عام ٢٠٢٤ ـ عام ۲۰۲۴"):
        assert str(snippet(text, None)) == text


def test_text_from_files_is_found_through_the_ingest_path(monkeypatch):
    """The bulk ingest keys words token by token (articles.search.keys): the same results as typed text."""
    records = [
        {"title": f"خبر {i}", "text": f"نص: {as_filed} انتهى", "source": "الأهرام", "date": "2024-01-02"}
        for i, (as_filed, _) in enumerate(FROM_FILES)
    ]
    run = ingest_jsonl(monkeypatch, *records)
    assert run.created_count == len(FROM_FILES)
    by_title = dict(Article.objects.values_list("title", "pk"))
    for i, (as_filed, typed) in enumerate(FROM_FILES):
        assert by_title[f"خبر {i}"] in ids(typed), (as_filed, typed)


def test_spellings_and_function_words_hold_through_the_ingest_path(monkeypatch):
    texts = ["العاصمة السعودية", "الوزير السعودي", "الطلاب السعوديين", "مع السعوديه", "ارتفاع على الأسعار",
             "الوزير علي حسن", "لم يتقرر حتي الآن"]
    run = ingest_jsonl(monkeypatch, *(
        {"title": f"خبر {i}", "text": text, "source": "الأهرام", "date": "2024-01-02"} for i, text in enumerate(texts)
    ))
    assert run.created_count == len(texts)
    pk = {body: pk for pk, body in Article.objects.values_list("pk", "body")}
    assert ids("السعوديه") == ids("السعودية") == {pk[t] for t in texts[:4]}
    assert ids("علي") == {pk["الوزير علي حسن"]}
    assert ids("على") == {pk["ارتفاع على الأسعار"], pk["الوزير علي حسن"]}
    assert ids("حتى") == ids("حتي") == {pk["لم يتقرر حتي الآن"]}


def test_every_template_can_show_stored_text_in_display_form():
    from django.template import Context, Template

    rendered = Template("{{ title|display }}|{{ n|display }}").render(Context({"title": "ﺍﻟﺮﺋﻴﺲ, <b>", "n": 3}))
    assert rendered == "الرئيس، &lt;b&gt;|3"  # still autoescaped; non-strings pass through
