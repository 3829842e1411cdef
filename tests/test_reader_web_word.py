"""The saved-web-page and Word readers on pages and files of several shapes: headline without the site's name,
source and date from whatever the page offers, nothing fetched, bad files refused with a message."""

from __future__ import annotations

import io
import json
import socket
import zipfile

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT

from articles.ingest.readers.document import ReaderError
from articles.ingest.readers.docx import is_docx, read_docx
from articles.ingest.readers.html import read_html

TITLE = "البرلمان يقر موازنة العام المقبل"
BODY = [
    "أقر البرلمان مساء الثلاثاء مشروع موازنة العام المقبل بأغلبية الأعضاء الحاضرين بعد نقاش استمر ثلاثة أيام.",
    "وقال رئيس لجنة المال إن الموازنة تخفض العجز وتزيد الإنفاق على التعليم والصحة في المناطق الريفية.",
    "وعارض نواب من المعارضة بنودا تتعلق بالضرائب على المحروقات وطالبوا بإعادة النظر فيها قبل التطبيق.",
]
PARAS = "".join(f"<p>{p}</p>" for p in BODY)
CHROME = (
    '<header><a href="/">الأخبار</a><nav><a href="/a">سياسة</a> <a href="/b">اقتصاد</a></nav></header>'
    '<div class="ticker">عاجل: انقطاع الكهرباء في العاصمة</div>'
)
RELATED = '<div class="related"><h3>اقرأ أيضاً</h3><ul><li><a href="/x">وزير المال يستقيل من منصبه</a></li></ul></div>'
COMMENTS = '<section id="comments"><h3>التعليقات</h3><p>خالد: هذا الخبر منقوص ولا يذكر رأي الطرف الآخر.</p></section>'
FOOTER = "<footer>جميع الحقوق محفوظة لصحيفة الأخبار</footer>"


def _page(head: str, body: str) -> bytes:
    start = '<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
    return f"{start}{head}</head><body>{body}</body></html>".encode()


PAGES = {
    "jsonld_graph": _page(
        f"<title>{TITLE} - الأخبار</title><script type='application/ld+json'>"
        + json.dumps(
            {
                "@context": "https://schema.org",
                "@graph": [
                    {"@type": "WebSite", "name": "x"},
                    {
                        "@type": "NewsArticle",
                        "headline": TITLE,
                        "datePublished": "2019-11-05T08:00:00+03:00",
                        "publisher": {"@type": "Organization", "name": "الأخبار"},
                        "url": "https://akhbar.example/2019/11/05/budget",
                    },
                ],
            },
            ensure_ascii=False,
        )
        + "</script>",
        CHROME
        + f"<main><article><h1>{TITLE}</h1><div class='share'>شارك: فيسبوك تويتر</div>{PARAS}</article>{RELATED}</main>"
        + COMMENTS
        + FOOTER,
    ),
    "title_suffix_and_visible_date": _page(
        f"<title>{TITLE} | الأخبار</title><link rel='stylesheet' href='https://cdn.example/x.css'>",
        CHROME + f"<div id='wrap'><h1>{TITLE}</h1><div class='date'>نشر في 5 تشرين الثاني 2019</div>"
        f"<div class='text'>{PARAS}</div></div>{RELATED}<img src='https://tracker.example/p.gif'>" + FOOTER,
    ),
    "opengraph_itemprop": _page(
        f'<meta property="og:site_name" content="الأخبار"><meta property="og:title" content="{TITLE}">'
        '<meta property="article:published_time" content="2019-11-05"><meta property="og:url" content="https://akhbar.example/b">',
        CHROME + f"<div itemprop='articleBody'>{PARAS}</div><script>document.write('x')</script>" + COMMENTS,
    ),
}


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a reader tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("template", sorted(PAGES))
def test_web_pages_of_several_templates_give_the_article_alone(template, no_network):
    document = read_html(PAGES[template])
    assert document.title == TITLE
    assert document.paragraphs == BODY
    assert document.source == "الأخبار"
    assert document.published_on.isoformat() == "2019-11-05"
    for chrome in ("عاجل", "اقرأ", "خالد", "محفوظة", "سياسة", "document.write", "شارك"):
        assert chrome not in document.body


def test_the_address_is_the_canonical_one_and_only_http():
    assert read_html(PAGES["jsonld_graph"]).url == "https://akhbar.example/2019/11/05/budget"
    hostile = PAGES["opengraph_itemprop"].replace(b"https://akhbar.example/b", b"javascript:alert(1)")
    assert read_html(hostile).url == ""


def test_a_windows_1256_page_is_read():
    page = PAGES["title_suffix_and_visible_date"].decode().replace('charset="utf-8"', 'charset="windows-1256"')
    assert read_html(page.encode("cp1256")).title == TITLE


def test_a_page_without_article_text_is_refused():
    with pytest.raises(ReaderError, match="no article text"):
        read_html(_page("<title>x</title>", "<nav><a href='/'>الرئيسية</a></nav>"))


def _docx(*, title_style: str | None = "Title", table: bool = False, external_image: bool = False) -> bytes:
    document = docx.Document()
    if title_style:
        document.add_paragraph(TITLE, style=title_style)
    for paragraph in BODY:
        document.add_paragraph(paragraph)
    if table:
        document.add_table(rows=1, cols=2).rows[0].cells[0].text = "الإيرادات: 12 مليار"
    if external_image:
        document.part.relate_to("https://tracker.example/logo.png", RT.IMAGE, is_external=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize("style", ["Title", "Heading 1"])
def test_a_word_file_gives_its_title_paragraph_as_headline(style):
    data = _docx(title_style=style)
    assert is_docx(data[:8], data)
    document = read_docx(data)
    assert document.title == TITLE and document.paragraphs == BODY


def test_a_word_file_without_a_styled_title_takes_its_first_paragraph_and_says_so():
    document = read_docx(_docx(title_style=None))
    assert document.title == BODY[0] and document.paragraphs == BODY[1:] and document.warnings


def test_tables_are_read_and_remote_parts_never_fetched(no_network):
    document = read_docx(_docx(table=True, external_image=True))
    assert document.paragraphs[-1] == "الإيرادات: 12 مليار"


def test_a_zip_bomb_dressed_as_a_word_file_is_refused_unparsed():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b" " * (300 * 1024 * 1024))
    with pytest.raises(ReaderError, match="zip bomb"):
        read_docx(out.getvalue())


def test_a_corrupt_word_file_is_refused():
    data = bytearray(_docx())
    data[200:4000] = b"\0" * 3800
    with pytest.raises(ReaderError, match="could not be read"):
        read_docx(bytes(data))
