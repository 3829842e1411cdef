"""The ingest service and command: idempotency, concurrency, atomicity, bad input."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from articles.enrich.pipeline import Enrichment
from articles.ingest import service as ingest_module
from articles.ingest.service import ingest_stream
from articles.ingest.store import fingerprint_compute, source_get_or_create
from articles.models import Article, IngestRun, Source

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = "عنوان {n}\nفقرة أولى عن موضوع {n}.\nالمصدر: وكالة {src}\n"


def dump_of(*numbers: int, src: str = "الأنباء") -> bytes:
    return "إقرأ أيضاً:\n".join(ARTICLE.format(n=n, src=src) for n in numbers).encode()


def _no_enrichment(title: str, body: str) -> Enrichment:
    return Enrichment()


@pytest.fixture
def plain(monkeypatch):
    """Ingest without the NER/topic models, for tests about storage rather than enrichment."""
    monkeypatch.setattr(ingest_module, "enrichment_compute", _no_enrichment)
    monkeypatch.setattr("articles.enrich.pipeline.enrichment_compute", _no_enrichment)


def run_ingest(data: bytes, name: str = "test.txt") -> IngestRun:
    return ingest_stream(io.BufferedReader(io.BytesIO(data)), name=name, workers=0)


@pytest.mark.django_db
def test_ingest_seed_twice_creates_nothing_new(ingested_seed, seed_path):
    assert Article.objects.count() == 2
    first = Article.objects.get(source__name="مأرب برس")
    assert first.published_on.isoformat() == "2024-12-12"
    assert first.ingest_run == ingested_seed
    assert Article.objects.get(source__name="لبنان 24").published_on is None
    with open(seed_path, "rb") as handle:
        again = ingest_stream(handle, name=str(seed_path), workers=0)
    assert (again.created_count, again.duplicate_count, again.rejected_count) == (0, 2, 0)
    assert again.status == IngestRun.Status.SUCCEEDED and again.finished_at
    assert Article.objects.count() == 2


@pytest.mark.django_db
def test_fingerprint_ignores_spelling_variants_and_layout(plain):
    assert fingerprint_compute("إنتخابات", "نص  الخبر") == fingerprint_compute("انتخابات", "نَص الخبر")
    run = run_ingest(dump_of(1) + "إقرأ أيضاً:\n".encode() + ARTICLE.format(n="١", src="الأنباء").encode())
    assert (run.created_count, run.duplicate_count) == (1, 1)


@pytest.mark.django_db
def test_rejected_records_are_counted_with_line_numbers(plain):
    data = dump_of(1) + "إقرأ أيضاً:\nعنوان بلا مصدر\nفقرة\nإقرأ أيضاً:\n".encode() + dump_of(2)
    run = run_ingest(data)
    assert (run.created_count, run.rejected_count) == (2, 1)
    assert run.errors == ["line 5: record has no source line (المصدر: ...)"]


@pytest.mark.django_db
def test_sources_are_unified_by_normalised_name(plain):
    run_ingest(dump_of(1, src="٢٤") + "إقرأ أيضاً:\n".encode() + dump_of(2, src="24"))
    assert Source.objects.count() == 1
    source = Source.objects.get()
    assert source.articles.count() == 2
    assert source_get_or_create("وكالة  ٢٤") == source


@pytest.mark.django_db
def test_failure_midway_keeps_stored_batches_and_marks_run_failed(plain, monkeypatch):
    real_store = ingest_module.articles_store_batch
    calls = {"n": 0}

    def flaky_store(clippings, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk on fire")
        return real_store(clippings, **kwargs)

    monkeypatch.setattr(ingest_module, "BATCH_SIZE", 2)
    monkeypatch.setattr(ingest_module, "articles_store_batch", flaky_store)
    run = run_ingest(dump_of(1, 2, 3, 4))
    assert run.status == IngestRun.Status.FAILED
    assert "disk on fire" in run.failure_reason and "\n" not in run.failure_reason
    # The failed batch rolled back entirely, the row says what is stored, and where to resume.
    assert run.created_count == 2 and run.records_read == 2
    assert Article.objects.count() == 2
    assert IngestRun.objects.get(pk=run.pk).records_read == 2


@pytest.mark.django_db
def test_enrichment_failure_keeps_the_article_unenriched_with_the_reason(plain, monkeypatch):
    def broken_store(article, enrichment):
        from articles.models import Entity, Mention

        entity, _ = Entity.objects.get_or_create(kind="PERS", key="x", defaults={"name": "x", "slug": "x"})
        Mention.objects.create(article=article, entity=entity, surface="x", start=0, end=1)  # half-written
        raise RuntimeError("enrichment broke")

    monkeypatch.setattr("articles.enrich.pipeline.enrichment_store", broken_store)
    run = run_ingest(dump_of(1, 2))
    assert run.status == IngestRun.Status.SUCCEEDED
    assert run.created_count == 2
    for article in Article.objects.all():
        assert article.enrichment == Article.Enrichment.FAILED
        assert "enrichment broke" in article.enrichment_error
        assert not article.mentions.exists()  # the article's own transaction rolled back


@pytest.mark.django_db(transaction=True)
def test_concurrent_ingests_of_one_file_create_no_duplicates(plain):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:memorydb", ":memory:")):
        pytest.skip("in-memory SQLite is one connection; the concurrent case runs on PostgreSQL")
    data = dump_of(*range(30))
    barrier = threading.Barrier(2)
    runs: list[IngestRun] = []

    def worker() -> None:
        barrier.wait()
        try:
            runs.append(run_ingest(data))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Article.objects.count() == 30
    assert sum(r.created_count for r in runs) == 30
    assert sum(r.duplicate_count for r in runs) == 30


@pytest.mark.django_db
def test_command_reports_summary(plain, tmp_path, capsys):
    path = tmp_path / "d.txt"
    path.write_bytes(dump_of(1, 2) + "إقرأ أيضاً:\nعنوان\nالمصدر: أحد\n".encode())
    call_command("ingest", str(path))
    out, err = capsys.readouterr()
    assert "created 2, duplicates 0, rejected 1" in out
    assert "line 9: record has no body text" in err
    run = IngestRun.objects.get()
    assert run.sha256 and run.file_name == str(path)


@pytest.mark.django_db
def test_command_fails_cleanly_when_nothing_readable(plain, tmp_path):
    bad = tmp_path / "cp1256.txt"
    bad.write_bytes(ARTICLE.format(n=1, src="س").encode("cp1256"))
    with pytest.raises(CommandError, match="nothing could be read"):
        call_command("ingest", str(tmp_path / "missing.txt"), str(bad))
    assert Article.objects.count() == 0


def test_command_exit_status_and_one_line_error(tmp_path):
    env = {"DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "manage.py", "ingest", str(tmp_path / "missing.txt")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "No such file or directory" in result.stderr


@pytest.mark.django_db
def test_jsonl_ingest_and_stdin(plain, monkeypatch, capsys):
    line = '{"title": "عنوان", "text": "نص الخبر", "source": "مصدر", "date": "2021-05-06"}\n{"oops"\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(line.encode()))))
    call_command("ingest", "-", "--format", "jsonl", "--workers", "0")
    article = Article.objects.get()
    assert article.published_on.isoformat() == "2021-05-06"
    assert "line 2: invalid JSON" in capsys.readouterr().err


@pytest.mark.django_db
def test_parallel_workers_give_the_same_result(plain):
    run = ingest_stream(io.BufferedReader(io.BytesIO(dump_of(*range(120)))), name="x.txt", workers=2)
    assert run.created_count == 120 and run.status == IngestRun.Status.SUCCEEDED


@pytest.mark.django_db
def test_parser_warnings_are_listed_on_the_run_and_cost_no_record(plain):
    from articles.ingest.readers.base import Clipping
    from articles.ingest.service import ingest_items

    items = [
        Clipping(title="عنوان 1", paragraphs=["فقرة 1"], source="وكالة", line=1, warnings=["date unreadable"]),
        Clipping(title="عنوان 2", paragraphs=["فقرة 2"], source="وكالة", line=9),
    ]
    run = ingest_items(items, run=IngestRun.objects.create(file_name="w"), workers=0)
    run.refresh_from_db()
    assert (run.created_count, run.warning_count) == (2, 1)
    assert run.warnings == ["line 1: date unreadable"]
