"""Stage 1 (store) and the run lifecycle: keys per word, pending articles searchable at once,
deferred enrichment, interrupted runs, resume, exit status."""

from __future__ import annotations

import gzip
import io
import itertools
import json
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from articles.enrich.pipeline import Enrichment
from articles.enrich.stage import articles_enrich
from articles.ingest import service as ingest_module
from articles.ingest.readers.formats import parse_stream
from articles.ingest.runs import run_progress, runs_reconcile
from articles.ingest.service import file_sha256, ingest_stream
from articles.models import Article, IngestRun
from articles.search.arabic import key_words as spelled_key_words
from articles.search.backend import search_filter
from articles.search.keys import index_words, key_words
from articles.search.query import query_parse
from articles.text import search_key

ARTICLE = "عنوان {n}\nفقرة أولى عن موضوع {n} في بيروت.\nالمصدر: وكالة الأنباء\n"


def dump_of(*numbers: int) -> bytes:
    return "إقرأ أيضاً:\n".join(ARTICLE.format(n=n) for n in numbers).encode()


@pytest.fixture
def plain(monkeypatch):
    monkeypatch.setattr("articles.ingest.service.enrichment_compute", lambda title, body: Enrichment())
    monkeypatch.setattr("articles.enrich.pipeline.enrichment_compute", lambda title, body: Enrichment())


def found(q: str) -> set[int]:
    return set(search_filter(Article.objects.all(), query_parse(q)).values_list("pk", flat=True))


TRICKY = [
    "عبدالله وعبد الرحمن بوظبي أبوظبي مسؤول سئل رئيس شيء",
    "إنتخابات\u00a0الرئاسة — ٢٠٢٤، (بيروت)",
    "كلمة\u200bمتصلة و\u200fعلامة ﻻ ﷲ",
    "Hello_World COVID-19 ٣٫٥٪ ـــتطويل",
    "مُحَمَّد\tو\nعلي  \u202eمقلوب",
]


@pytest.mark.parametrize("text", TRICKY)
def test_per_word_keys_equal_the_whole_text_key(text):
    assert key_words(text) == search_key(text).split()
    assert index_words(text) == spelled_key_words(text)


def test_per_word_keys_equal_the_whole_text_key_on_real_news(shared_data):
    path = shared_data / "ant" / "ant_multisource_v2.1.train.jsonl.gz"
    if not path.exists():
        pytest.skip(f"{path} not found")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in itertools.islice(handle, 300):
            record = json.loads(line)
            for text in (record["title"], record["text"]):
                assert key_words(text) == search_key(text).split()
                assert index_words(text) == spelled_key_words(text)


@pytest.mark.django_db
def test_deferred_ingest_is_searchable_at_once_and_queues_enrichment(plain, tmp_path, capsys):
    from django_tasks_db.models import DBTaskResult

    path = tmp_path / "d.txt"
    path.write_bytes(dump_of(*range(1, 6)))
    call_command("ingest", str(path), "--defer-enrichment")
    assert "enrichment queued" in capsys.readouterr().out
    run = IngestRun.objects.get()
    assert run.status == IngestRun.Status.SUCCEEDED and run.defer_enrichment
    assert Article.objects.filter(enrichment=Article.Enrichment.PENDING).count() == 5
    assert len(found("بيروت")) == 5  # searchable before any enrichment
    tasks = list(DBTaskResult.objects.all())
    assert len(tasks) == 1 and sorted(tasks[0].args_kwargs["args"][0]) == sorted(
        Article.objects.values_list("pk", flat=True)
    )
    progress = run_progress(run)
    assert (progress.created, progress.pending, progress.enriched, progress.finished) == (5, 5, 0, False)
    outcome = articles_enrich(ids=tasks[0].args_kwargs["args"][0])
    assert (outcome.done, outcome.failed) == (5, 0)
    again = articles_enrich(ids=tasks[0].args_kwargs["args"][0])  # a task run twice does nothing
    assert (again.done, again.skipped) == (0, 5)
    progress = run_progress(run)
    assert (progress.enriched, progress.pending, progress.finished) == (5, 0, True)


@pytest.mark.django_db
def test_store_hooks_get_each_batch_inside_its_transaction(plain, settings):
    settings.INGEST_STORE_HOOKS = ["tests.test_store.hook_record"]
    HOOKED.clear()
    ingest_stream(io.BufferedReader(io.BytesIO(dump_of(1, 2, 1))), name="h.txt", workers=0)
    assert len(HOOKED) == 1 and len(HOOKED[0]) == 2
    assert {s.id for s in HOOKED[0]} == set(Article.objects.values_list("pk", flat=True))
    assert all(s.title_words and s.fingerprint for s in HOOKED[0])


HOOKED: list = []


def hook_record(stored) -> None:
    HOOKED.append(list(stored))


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


@pytest.mark.django_db
def test_killed_run_is_marked_interrupted_and_a_rerun_resumes_it(plain, tmp_path, capsys):
    path = tmp_path / "d.txt"
    path.write_bytes(dump_of(*range(1, 7)))
    # What a SIGKILL after the first batch leaves: 3 records read and stored (pending), row "running".
    killed = IngestRun.objects.create(file_name=str(path), sha256=file_sha256(str(path)))
    monkey_batch = ingest_module.BATCH_SIZE
    ingest_module.BATCH_SIZE = 3
    try:
        with open(path, "rb") as handle:
            items = itertools.islice(parse_stream(handle, str(path)), 3)
            ingest_module.ingest_items(items, run=killed, defer_enrichment=True)
    finally:
        ingest_module.BATCH_SIZE = monkey_batch
    IngestRun.objects.filter(pk=killed.pk).update(
        status=IngestRun.Status.RUNNING, worker_pid=_dead_pid(), created_count=1, finished_at=None
    )
    call_command("ingest", str(path), "--workers", "0")
    out = capsys.readouterr().out
    killed.refresh_from_db()
    assert killed.status == IngestRun.Status.INTERRUPTED
    assert killed.created_count == 3  # reconciled from its articles, not the stale row
    rerun = IngestRun.objects.exclude(pk=killed.pk).get()
    assert rerun.resumed_from == killed
    assert f"resumed run {killed.pk}" in out and "3 records read were skipped" in out
    assert (rerun.created_count, rerun.duplicate_count) == (3, 0)
    assert Article.objects.count() == 6
    assert not Article.objects.exclude(enrichment=Article.Enrichment.DONE).exists()


@pytest.mark.django_db
def test_a_live_run_is_not_marked_interrupted(plain):
    from articles.ingest.runs import this_worker

    host, pid = this_worker()
    run = IngestRun.objects.create(file_name="x", worker_pid=pid, worker_host=host)
    assert runs_reconcile() == []
    run.refresh_from_db()
    assert run.status == IngestRun.Status.RUNNING


@pytest.mark.django_db
def test_command_exits_non_zero_with_one_line_when_the_database_goes_away(plain, tmp_path, monkeypatch):
    def gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly\n\tThis probably means ...")

    monkeypatch.setattr(ingest_module, "articles_store_batch", gone)
    path = tmp_path / "d.txt"
    path.write_bytes(dump_of(1, 2))
    with pytest.raises(CommandError) as info:
        call_command("ingest", str(path))
    message = str(info.value)
    assert "did not finish" in message and "server closed the connection" in message and "\n" not in message
    assert IngestRun.objects.get().status == IngestRun.Status.FAILED


@pytest.mark.django_db
def test_rerun_of_a_finished_file_resumes_nothing(plain, tmp_path, capsys):
    path = tmp_path / "d.txt"
    path.write_bytes(dump_of(1, 2))
    call_command("ingest", str(path))
    call_command("ingest", str(path))
    assert "resumed" not in capsys.readouterr().out
    second = IngestRun.objects.order_by("-pk").first()
    assert (second.created_count, second.duplicate_count, second.resumed_from) == (0, 2, None)


@pytest.mark.django_db
def test_pages_say_entities_pending_and_facets_leave_pending_articles_out(plain, client, settings):
    settings.LANGUAGE_CODE = "en"
    ingest_stream(io.BufferedReader(io.BytesIO(dump_of(1, 2))), name="p.txt", defer_enrichment=True)
    first, second = Article.objects.order_by("pk")
    articles_enrich(ids=[first.pk])
    page = client.get(second.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Entities pending" in page
    assert "Entities pending" not in client.get(first.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    response = client.get("/search/", {"q": "بيروت"}, HTTP_ACCEPT_LANGUAGE="en")
    result = response.context["result"]
    assert result.pending == 1
    assert sum(value.count for value in result.facets["topic"]) == 1  # the enriched one, "unclassified"
    assert "1 matching article is still pending" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_rows_another_ingest_stored_meanwhile_are_duplicates_and_the_rest_is_grouped(plain, monkeypatch):
    """PostgreSQL reserves ids and creates stories before the INSERT: when the INSERT skips a row
    (stored by a concurrent ingest after the duplicate check), the batch redoes that work without it,
    and the commit (deferred foreign keys checked) succeeds."""
    from django.db import connection

    from articles.ingest import store
    from articles.models import Story, StoryBand
    from articles.stories.signature import BANDS

    if connection.vendor != "postgresql":
        pytest.skip("the reserve-then-insert path is PostgreSQL's")
    real_insert, calls = store._insert, []

    def racing_insert(rows, **kwargs):
        inserted = real_insert(rows, **kwargs)
        calls.append(len(rows))
        if len(calls) == 1:  # as if another ingest had stored the first row: the INSERT skipped it
            inserted.pop(rows[0].fingerprint)
        return inserted

    monkeypatch.setattr(store, "_insert", racing_insert)
    run = ingest_stream(io.BufferedReader(io.BytesIO(dump_of(1, 2, 3))), name="r.txt", defer_enrichment=True)
    assert calls == [3, 2]
    assert (run.created_count, run.duplicate_count) == (2, 1)
    articles = list(Article.objects.order_by("pk"))
    assert len(articles) == 2 and all(a.story_id and a.story_lead and a.story_signature for a in articles)
    assert set(Story.objects.values_list("lead_id", flat=True)) == {a.pk for a in articles}
    assert StoryBand.objects.count() == 2 * BANDS


def _reference_vectors(title: list[str], body: list[str]) -> tuple[str, str]:
    """The tsvector literals word by word, as first written: positions from 2 (title, weight A), a gap,
    then the body (weight B), capped at 16383; a lexeme's marks in the order its words first occur,
    at most 256 of them."""
    from articles.search.arabic import candidates, fold
    from articles.search.postgres import _quote

    stemmed: dict[str, list[str]] = {}
    exact: dict[str, list[str]] = {}
    by_word: dict[str, list[str]] = {}
    position = 0
    for words, weight in ((title, "A"), (body, "B")):
        position += 1
        for word in words:
            position = min(position + 1, 16383)
            by_word.setdefault(word, []).append(f"{position}{weight}")
    for word, marks in by_word.items():
        exact.setdefault(_quote(fold(word)), []).extend(marks)
        for form in sorted(candidates(word)):
            stemmed.setdefault(_quote(form), []).extend(marks)
    return tuple(" ".join(f"{lexeme}:{','.join(marks[:256])}" for lexeme, marks in merged.items())
                 for merged in (stemmed, exact))  # fmt: skip


def test_search_vectors_equal_the_word_by_word_reference(shared_data):
    from articles.search.base import IndexDoc
    from articles.search.postgres import vectors

    docs = [
        # Two words sharing lexemes (الحكومة, حكومة) past the 256-position cap, and positions past 16383.
        IndexDoc(id=0, title=["الحكومة", "حكومة"], body=["حكومة", "الحكومة", "في"] * 200 + ["كلمة"] * 17_000),
        IndexDoc(id=0, title=[], body=[]),
    ]
    path = shared_data / "ant" / "ant_multisource_v2.1.train.jsonl.gz"
    if path.exists():
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in itertools.islice(handle, 300):
                record = json.loads(line)
                docs.append(IndexDoc.from_text(id=0, title=record["title"], body=record["text"]))
    for doc in docs:
        assert vectors(doc) == _reference_vectors(doc.title, doc.body)


def test_text_keys_are_the_key_words_and_the_index_words():
    from articles.search.keys import text_keys

    for text in TRICKY:
        assert text_keys(text) == (search_key(text).split(), spelled_key_words(text))
