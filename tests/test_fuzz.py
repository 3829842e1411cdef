"""Property-based fuzzing (hypothesis), bounded to seconds: the dump and JSON Lines parsers, the ingest
service's accounting, the query parser, every feed and both exports. docs/RELIABILITY.md has the figures and
the long runs (HYPOTHESIS_PROFILE=long; fuzz/fuzz_parsers.py with atheris)."""

from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET
from contextlib import contextmanager

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.ingest.readers.base import Clipping, RecordError
from articles.ingest.readers.dump import parse_dump
from articles.ingest.readers.formats import parse_stream
from articles.ingest.readers.jsonl import parse_jsonl
from articles.search.query import query_parse

# Bounded in CI; `HYPOTHESIS_PROFILE=long` runs each property 50x longer.
settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
settings.register_profile("long", max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
DB_EXAMPLES = 15 if os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci" else 500

# Every code point, surrogates included (JSON can carry them as \\ud800 escapes).
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)
arabic = st.text(st.sampled_from("ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإؤئةى ًٌٍَُِّْـ٠١٢٣،؛؟"), min_size=1, max_size=40)
structural = st.sampled_from(
    ["المصدر: مأرب برس", "إقرأ أيضاً:", "اقرا ايضا", "تاريخ النشر: 12th, December 2024 GMT", "تاريخ النشر: ٢٠٢٤/٠١/٠٢",
     "", "   ", "\ufeff", "\u202eعنوان", "المصدر شدد على أن", "المصدر:" + "x" * 120]
)
dump_line = st.one_of(structural, arabic, any_text.filter(lambda s: "\n" not in s and "\r" not in s))


def _encode(lines: list[str | bytes]) -> bytes:
    return b"\n".join(x if isinstance(x, bytes) else x.encode("utf-8", "surrogatepass") for x in lines)


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)
json_record = st.fixed_dictionaries(
    {},
    optional={
        "title": st.one_of(arabic, any_text, json_value),
        "text": st.one_of(arabic, any_text, json_value),
        "source": st.one_of(arabic, any_text, json_value),
        "date": st.one_of(st.just("2024-01-02"), any_text, json_value),
        "url": st.one_of(st.just("https://example.org/x"), st.just("javascript:alert(1)"), any_text),
    },
)
json_line = st.one_of(
    json_record.map(lambda d: json.dumps(d, ensure_ascii=True).encode()),
    json_record.map(lambda d: json.dumps(d, ensure_ascii=False).encode("utf-8", "surrogatepass")),
    st.integers(1, 3000).map(lambda n: b"[" * n),
    st.integers(4300, 6000).map(lambda n: b"1" * n),
    st.binary(max_size=80).filter(lambda b: b"\n" not in b),
)


@given(st.lists(st.one_of(dump_line, st.binary(max_size=40).filter(lambda b: b"\n" not in b)), max_size=40))
def test_dump_parser_never_raises_and_yields_records_in_order(lines):
    items = list(parse_dump(io.BytesIO(_encode(lines))))
    assert all(isinstance(i, Clipping | RecordError) for i in items)
    numbers = [i.line for i in items]
    assert numbers == sorted(numbers) and all(1 <= n <= max(len(lines), 1) for n in numbers)
    for item in items:
        if isinstance(item, Clipping):
            assert item.title and item.source and item.paragraphs


@given(st.lists(json_line, max_size=25))
def test_jsonl_parser_gives_one_item_per_record_line(lines):
    data = b"\n".join(lines)
    items = list(parse_jsonl(io.BytesIO(data)))
    assert all(isinstance(i, Clipping | RecordError) for i in items)
    numbers = [i.line for i in items]
    assert numbers == sorted(set(numbers)) and all(1 <= n <= len(lines) for n in numbers)
    for number, raw in enumerate(lines, 1):
        if b"\x00" in raw:
            assert number in numbers  # binary data is a rejected record, never skipped silently
            continue
        try:
            json.loads(raw)
        except (ValueError, RecursionError):
            continue
        assert number in numbers  # every JSON value is a record: stored or rejected, never lost


@given(st.binary(max_size=3000), st.sampled_from(["x.txt", "x.jsonl"]))
def test_any_bytes_are_refused_up_front_or_parsed(data, name):
    from articles.ingest.readers.base import NotUtf8Error

    try:
        items = list(parse_stream(io.BufferedReader(io.BytesIO(data)), name))
    except NotUtf8Error:
        return
    assert all(isinstance(i, Clipping | RecordError) for i in items)


@pytest.mark.parametrize("head", [b"\x1f\x8b", b"\x1f\x8b\x08\x00", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage"])
def test_a_broken_gzip_header_is_one_error_naming_the_file(head):
    # Found by the fuzz test above: a gzip signature followed by a cut header raised EOFError out of the reader.
    items = list(parse_stream(io.BufferedReader(io.BytesIO(head)), "x.jsonl.gz"))
    assert len(items) == 1 and isinstance(items[0], RecordError) and items[0].file == "x.jsonl.gz", items


def test_a_gzip_cut_short_keeps_the_records_before_the_cut():
    import gzip

    lines = [json.dumps({"title": f"عنوان {i}", "text": "نص الخبر " * 40, "source": "مأرب برس"}) for i in range(400)]
    packed = gzip.compress(("\n".join(lines) + "\n").encode())
    items = list(parse_stream(io.BufferedReader(io.BytesIO(packed[: len(packed) // 2])), "x.jsonl.gz"))
    assert isinstance(items[-1], RecordError) and "cut short" in items[-1].message, items[-1]
    assert any(isinstance(i, Clipping) for i in items[:-1])


@given(st.one_of(any_text, st.text(st.sampled_from('"-|() أوORand ابت'), max_size=60)))
def test_query_parser_never_raises(raw):
    parsed = query_parse(raw)
    assert parsed is not None


# --- with the database ------------------------------------------------------------------------------------


@pytest.mark.django_db
@settings(max_examples=DB_EXAMPLES)
@given(st.lists(json_line, min_size=1, max_size=8))
def test_ingest_stores_or_rejects_every_record(lines):
    """stored + duplicates + rejected = records; the run always finishes."""
    from articles.ingest.readers.base import NotUtf8Error
    from articles.ingest.service import ingest_stream
    from articles.models import IngestRun

    data = b"\n".join(lines) + b"\n"
    records = len(list(parse_jsonl(io.BytesIO(data))))
    # Examples share the test's transaction: compare with what earlier examples left, not with nothing.
    runs_before = IngestRun.objects.count()
    try:
        run = ingest_stream(io.BufferedReader(io.BytesIO(data)), name="fuzz.jsonl", workers=0)
    except NotUtf8Error:  # mostly binary: refused whole, before any run or row is written
        assert IngestRun.objects.count() == runs_before
        return
    assert run.status == IngestRun.Status.SUCCEEDED, run.failure_reason
    assert run.created_count + run.duplicate_count + run.rejected_count == records


@contextmanager
def rolled_back():
    """Each example starts from the same database: its rows are rolled back after it."""
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


hostile_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=40)


# What a URL can carry: a lone surrogate cannot be UTF-8 encoded, so the test client's urlencode would
# raise before any view runs.
url_text = st.text(st.characters(codec="utf-8"), max_size=60)


@pytest.mark.django_db
@settings(max_examples=DB_EXAMPLES)
@given(title=hostile_text, body=hostile_text, source=hostile_text, q=url_text)
def test_every_feed_is_well_formed_xml_whatever_the_text(client, title, body, source, q):
    from tests.search_data import article_make, entity_make, source_make, topic_get

    with rolled_back():
        entity = entity_make(source[:30] or "x", slug="fuzz-entity")
        article_make(title, body, source=source_make(source, "fuzz-source"), topic=topic_get("economy"),
                     entities=(entity,))
        urls = [
            (reverse("search_feed"), {"q": q}),
            (reverse("search_feed"), {}),
            (reverse("source_feed", args=["fuzz-source"]), {}),
            (reverse("topic_feed", args=["economy"]), {}),
            (reverse("entity_feed", args=["fuzz-entity"]), {}),
        ]
        for url, params in urls:
            response = client.get(url, params)
            assert response.status_code in (200, 400), (url, response.status_code)
            if response.status_code == 200:
                ET.fromstring(response.content)  # noqa: S314 - our own feed


@pytest.mark.django_db
@settings(max_examples=DB_EXAMPLES)
@given(titles=st.lists(hostile_text, min_size=1, max_size=4), q=url_text)
def test_exports_parse_back_whatever_the_text(client, titles, q):
    from articles.models import Article
    from tests.search_data import article_make

    with rolled_back():
        for t in titles:
            article_make(t)
        for params in ({}, {"q": q}):
            response = client.get(reverse("search_export_json"), params)
            assert response.status_code in (200, 400)
            if response.status_code == 200:
                rows = json.loads(b"".join(response.streaming_content))
                assert all(isinstance(r["title"], str) for r in rows)
            response = client.get(reverse("search_export_csv"), params)
            assert response.status_code in (200, 400)
            if response.status_code == 200:
                body = b"".join(response.streaming_content).decode("utf-8-sig")
                rows = list(csv.reader(io.StringIO(body, newline="")))
                assert rows[0][0] == "id" and not any(r and r[0] == "#ERROR" for r in rows)
        rows = json.loads(b"".join(client.get(reverse("search_export_json")).streaming_content))
        assert sorted(r["title"] for r in rows) == sorted(a.title for a in Article.objects.all())
