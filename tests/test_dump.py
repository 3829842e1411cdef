"""The dump parser: the golden seed, the variants real dumps have, and malformed input."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import tracemalloc

import pytest

from articles.ingest.dates import DateParseError, parse_date
from articles.ingest.readers.base import Clipping, NotUtf8Error, RecordError
from articles.ingest.readers.dump import parse_dump
from articles.ingest.readers.formats import parse_path, parse_stream
from articles.ingest.readers.lines import check_utf8


def parse_text(text: str, encoding: str = "utf-8") -> list:
    return list(parse_dump(io.BytesIO(text.encode(encoding))))


def test_seed_dump_golden(seed_path):
    items = list(parse_path(seed_path))
    assert [type(i) for i in items] == [Clipping, Clipping]
    first, second = items
    assert first.title.startswith("بوتين يعلن إطلاق تحالف دولي")
    assert first.source == "مأرب برس"
    assert first.published_on == dt.date(2024, 12, 12)
    assert len(first.paragraphs) == 9
    assert first.paragraphs[0].startswith("أعلن الرئيس الروسي فلاديمير بوتين")
    assert first.paragraphs[-1].endswith("وسط سباق عالمي محموم على تقنيات المستقبل")
    assert second.title == "بداية تحالف متني في الانتخابات والعين على الاتحاد"
    assert second.source == "لبنان 24"
    assert second.published_on is None
    assert len(second.paragraphs) == 4
    assert second.paragraphs[2].startswith("المصدر شدد على أن التحالف سيكون كاملا")
    for item in items:
        assert all("أيضاً" not in p for p in item.paragraphs)
        assert "المصدر:" not in item.body
    assert (first.line, second.line) == (1, 14)


ARTICLE = "عنوان الخبر\n{date}فقرة أولى من الخبر.\nفقرة ثانية.\nالمصدر: وكالة الأنباء\n"


@pytest.mark.parametrize(
    "separator",
    ["إقرأ أيضاً:", "اقرأ أيضا:", "إقرأ أيضاً", "اقرا ايضا", "  إقرأ أيضًا :  ", "\u200fإقرأ أيضاً:"],
)
def test_separator_spellings(separator):
    text = ARTICLE.format(date="") + separator + "\n" + ARTICLE.format(date="").replace("عنوان", "خبر")
    items = parse_text(text)
    assert [type(i) for i in items] == [Clipping, Clipping]
    assert all(len(i.paragraphs) == 2 for i in items)


def test_bom_crlf_blank_lines_and_direction_marks():
    text = "\ufeff" + ARTICLE.format(date="").replace("\n", "\r\n\r\n").replace("عنوان", "\u200fعنوان\u200e")
    (item,) = parse_text(text)
    # Stored as published: the marks stay in the text (only spoofing controls are removed), the BOM goes.
    assert item.title == "\u200fعنوان\u200e الخبر"
    assert item.paragraphs == ["فقرة أولى من الخبر.", "فقرة ثانية."]
    assert item.source == "وكالة الأنباء"


def test_no_trailing_newline_and_no_separator_between_records():
    text = ARTICLE.format(date="") + ARTICLE.format(date="").replace("عنوان", "خبر").rstrip("\n")
    assert [type(i) for i in parse_text(text)] == [Clipping, Clipping]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12th, December 2024 GMT", dt.date(2024, 12, 12)),
        ("2024-12-12", dt.date(2024, 12, 12)),
        ("2024-12-12T08:30:00+03:00", dt.date(2024, 12, 12)),
        ("12/12/2024", dt.date(2024, 12, 12)),
        ("03/04/2023", dt.date(2023, 4, 3)),
        ("12 ديسمبر 2024", dt.date(2024, 12, 12)),
        ("١٢ ديسمبر ٢٠٢٤", dt.date(2024, 12, 12)),
        ("١٢ كانون الأول ٢٠٢٤", dt.date(2024, 12, 12)),
        ("الخميس 5 أيار 2022", dt.date(2022, 5, 5)),
        ("1 تشرين الثاني 2021", dt.date(2021, 11, 1)),
        ("٣ آب ٢٠٢٣", dt.date(2023, 8, 3)),
        ("3rd, May 2020", dt.date(2020, 5, 3)),
    ],
)
def test_date_variants(raw, expected):
    assert parse_date(raw) == expected
    (item,) = parse_text(ARTICLE.format(date=f"تاريخ النشر: {raw}\n"))
    assert item.published_on == expected


@pytest.mark.parametrize("raw", ["غدا", "31/02/2024", "13th, Smarch 2024", "2024-13-40"])
def test_bad_dates_raise(raw):
    with pytest.raises(DateParseError):
        parse_date(raw)


def test_malformed_records_are_reported_with_line_and_neighbours_survive():
    good = ARTICLE.format(date="")
    no_source = "عنوان بلا مصدر\nفقرة.\n"
    no_body = "عنوان بلا نص\nالمصدر: أحد\n"
    bad_date = "عنوان بتاريخ سيء\nتاريخ النشر: يوم ما\nفقرة.\nالمصدر: أحد\n"
    sep = "إقرأ أيضاً:\n"
    text = good + sep + no_source + sep + good.replace("عنوان", "ثاني") + sep + no_body + sep + bad_date + sep + good
    items = parse_text(text)
    kinds = [type(i).__name__ for i in items]
    # An unreadable date costs the record its date, not the record (issue 11 §4).
    assert kinds == ["Clipping", "RecordError", "Clipping", "RecordError", "Clipping", "Clipping"]
    errors = [i for i in items if isinstance(i, RecordError)]
    assert errors[0].line == 6 and "source" in errors[0].message
    assert errors[1].line == 14 and "body" in errors[1].message
    undated = items[4]
    assert undated.published_on is None and undated.line == 17
    assert undated.warnings == [
        "date on line 18 could not be read (unrecognised date: 'يوم ما'); stored without a date"
    ]
    assert str(errors[0]).startswith("line 6:")


def test_truncated_file_reports_last_record():
    text = ARTICLE.format(date="") + "إقرأ أيضاً:\nعنوان مقطوع\nفقرة لم تكتمل"
    items = parse_text(text)
    assert isinstance(items[0], Clipping)
    assert isinstance(items[1], RecordError) and items[1].line == 6


def test_body_line_starting_with_source_word_is_body():
    text = "عنوان\nفقرة.\nالمصدر شدد على أن الأمر: جاد وكبير\nالمصدر: صحيفة\n"
    (item,) = parse_text(text)
    assert item.paragraphs[-1] == "المصدر شدد على أن الأمر: جاد وكبير"
    assert item.source == "صحيفة"


def test_windows_1256_is_refused_with_a_hint():
    data = ARTICLE.format(date="").encode("cp1256")
    with pytest.raises(NotUtf8Error, match="Windows-1256"):
        check_utf8(data)
    with pytest.raises(NotUtf8Error):
        parse_stream(io.BufferedReader(io.BytesIO(data)), "dump.txt")


def test_binary_garbage_is_refused():
    with pytest.raises(NotUtf8Error, match="binary"):
        check_utf8(bytes(range(256)) * 10)


def test_invalid_utf8_line_rejects_only_its_record():
    data = ARTICLE.format(date="").encode() + "إقرأ أيضاً:\nعنوان\n".encode() + b"\xff\xfe bad\n"
    data += "المصدر: أحد\nإقرأ أيضاً:\n".encode() + ARTICLE.format(date="").replace("عنوان", "آخر").encode()
    items = list(parse_dump(io.BytesIO(data)))
    assert [type(i).__name__ for i in items] == ["Clipping", "RecordError", "Clipping"]
    assert items[1].line == 7


def test_jsonl_good_and_bad_lines(tmp_path):
    lines = [
        json.dumps({"title": "عنوان", "text": "نص.\nفقرة.", "source": "مصدر", "date": "2020-01-02", "url": "https://x.test/a"}),
        "{not json",
        json.dumps({"title": "بلا نص", "source": "مصدر"}),
        json.dumps({"title": "تاريخ", "body": "نص", "source": "مصدر", "date": "yesterday"}),
        json.dumps(["a list"]),
        "",
        json.dumps({"title": "ثان", "body": "نص آخر", "source": "مصدر", "category": "sport"}),
    ]
    path = tmp_path / "dump.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    items = list(parse_path(path))
    kinds = [type(i).__name__ for i in items]
    # The unreadable date ("yesterday") is a warning on a stored record, not a rejection.
    assert kinds == ["Clipping", "RecordError", "RecordError", "Clipping", "RecordError", "Clipping"]
    assert items[0].paragraphs == ["نص.", "فقرة."] and items[0].published_on == dt.date(2020, 1, 2)
    assert [e.line for e in items[1:5]] == [2, 3, 4, 5]
    assert "text" in items[2].message
    assert items[3].published_on is None and "date on line 4 could not be read" in items[3].warnings[0]
    assert items[5].category == "sport" and items[5].line == 7


def test_fifty_megabyte_dump_streams_in_flat_memory(tmp_path):
    record = ARTICLE.format(date="تاريخ النشر: 2024-01-01\n").replace("فقرة ثانية.", "فقرة ثانية. " * 40)
    block = (record + "إقرأ أيضاً:\n").encode()
    path = tmp_path / "big.txt"
    copies = 50 * 1024 * 1024 // len(block) + 1
    with open(path, "wb") as handle:
        for _ in range(copies):
            handle.write(block)
    assert path.stat().st_size >= 50 * 1024 * 1024
    tracemalloc.start()
    count = sum(1 for item in parse_path(path) if isinstance(item, Clipping))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == copies
    assert peak < 10 * 1024 * 1024, f"peak {peak} bytes: the parser must stream"
