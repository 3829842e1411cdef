"""Clipping readers against the clipping test set: character error rate per form, side by side with Tesseract
alone and the plain text extractors on the same files in the same run, and OCR pages per second.

    DEBUG=1 .venv/bin/python bench/bench_ocr.py /work/clipset/dev --vocab-from 3000
    DEBUG=1 .venv/bin/python bench/bench_ocr.py /work/clipset/test --json /work/clipset/test_result.json

DIR is a set made by bench/clippings/make_set.py (its files and ``truth.jsonl``). For each file:

* the archive's reader (``articles.ingest.readers.{image,pdf,html,docx}``), without and (scans, photos,
  TIFF, PDFs) with a post-correction vocabulary built from ``--vocab-from`` ANT articles of the middle 60%
  of the file (none of them in a dev or test set; they stand in for the archive's stored articles);
* Tesseract alone: ``pytesseract.image_to_string(img, lang="ara")`` on the raw image or PDF page rendered at
  300 dpi, no preprocessing, layout or correction;
* the plain extractors: pdftotext, pdfminer.six ``extract_text`` and raw pypdfium2 ``get_text_range`` for
  PDFs; lxml ``text_content()`` of ``<body>`` and trafilatura for web pages; python-docx paragraphs for Word.

CER is ``articles.ingest.ocr.cer.cer`` (Levenshtein / reference length after collapsing whitespace), raw: the
archive stores text as published, so no search normalisation is applied (a normalised body CER is shown
beside it only to tell spelling-level misses from lost text). Body and title CER need a method that tells
the headline from the body (the archive's readers, trafilatura); "text CER" compares a method's whole output
with headline + body and is the side-by-side figure. Tesseract runs with ``OMP_THREAD_LIMIT=1`` so one
process is one core; pages per second is measured on one process and on two processes in parallel (each
taking half of the OCR files). Prints Markdown tables and writes a JSON result (``--json``).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # before anything starts Tesseract: one process, one core

import argparse
import datetime as dt
import importlib
import io
import json
import multiprocessing as mp
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")

from clippings.make_set import FORMS  # noqa: E402

from articles.ingest.ocr.cer import cer  # noqa: E402
from articles.text import collapse_spaces, normalize  # noqa: E402

OCR_FORMS = ["scan", "photo", "tiff", "scanned_pdf"]  # forms whose text only OCR can give
VOCAB_FORMS = [*OCR_FORMS, "text_pdf"]  # forms whose reader takes a vocabulary
PDF_FORMS = ["scanned_pdf", "text_pdf"]
BAD_CER = 0.12
RENDER_DPI = 300

# The product's targets (docs/ocr.md): body CER mean over the OCR group, none above BAD_CER; per-form means.
TARGET_OCR_MEAN = 0.05
TARGET_BODY = {"text_pdf": 0.02, "html": 0.01, "docx": 0.01}
TARGET_TITLE_OCR, TARGET_TITLE_OTHER = 0.10, 0.02

READER_OF = {
    "scan": ("articles.ingest.readers.image", "read_image"),
    "photo": ("articles.ingest.readers.image", "read_image"),
    "tiff": ("articles.ingest.readers.image", "read_image"),
    "scanned_pdf": ("articles.ingest.readers.pdf", "read_pdf"),
    "text_pdf": ("articles.ingest.readers.pdf", "read_pdf"),
    "html": ("articles.ingest.readers.html", "read_html"),
    "docx": ("articles.ingest.readers.docx", "read_docx"),
}


@dataclass
class Hyp:
    """What a method read from one file. ``title``/``body`` are ``None`` for methods that give one text."""

    text: str
    title: str | None = None
    body: str | None = None
    source: str | None = None
    published_on: dt.date | None = None
    pages: int = 1
    seconds: float = 0.0
    error: str = ""
    extra: dict = field(default_factory=dict)


def setup_django() -> None:
    """Readers are pure modules, but the archive's package may need settings on import; set them up once."""
    try:
        import django

        django.setup()
    except Exception as exc:  # the bench still runs the baselines without Django
        print(f"note: django.setup() failed ({exc}); readers are imported without it", file=sys.stderr)


def load_reader(form: str) -> tuple[Callable | None, str]:
    """The archive's reader function of a form, or ``None`` and why ("reader not available yet: ...")."""
    module, name = READER_OF[form]
    try:
        return getattr(importlib.import_module(module), name), ""
    except (ImportError, AttributeError) as exc:
        return None, f"reader not available yet ({module}.{name}: {exc})"


def load_vocabulary(count: int) -> tuple[object | None, str, float]:
    """The post-correction vocabulary from ``count`` articles of the middle 60% of ANT, the reason when there
    is none, and the seconds it took to build."""
    if count <= 0:
        return None, "--vocab-from 0", 0.0
    try:
        from articles.ingest.ocr.correct import Vocabulary
    except ImportError as exc:
        return None, f"vocabulary not available yet ({exc})", 0.0
    from clippings.ant import load_records, vocabulary_texts

    texts = vocabulary_texts(load_records(), count)
    started = time.perf_counter()
    vocab = Vocabulary.from_texts(texts) if hasattr(Vocabulary, "from_texts") else Vocabulary(texts)
    return vocab, "", time.perf_counter() - started


def run_reader(reader: Callable, form: str, path: Path, vocabulary: object | None = None) -> Hyp:
    """One file through the archive's reader."""
    data = path.read_bytes()
    started = time.perf_counter()
    try:
        if form == "html":
            doc = reader(data, name=path.name)
        elif form == "docx":
            doc = reader(data)
        else:
            doc = reader(data, vocabulary=vocabulary)
    except Exception as exc:
        return Hyp(
            text="",
            title="",
            body="",
            seconds=time.perf_counter() - started,
            error=f"{type(exc).__name__}: {exc}"[:300],
        )
    seconds = time.perf_counter() - started
    return Hyp(
        text=f"{doc.title}\n{doc.body}",
        title=doc.title,
        body=doc.body,
        source=doc.source,
        published_on=doc.published_on,
        pages=doc.pages,
        seconds=seconds,
        extra={"origin": doc.origin, "confidence": doc.confidence, "warnings": list(doc.warnings)[:5]},
    )


def page_images(form: str, path: Path) -> list:
    """The pages of an image or PDF file as PIL images (PDF pages rendered at 300 dpi by pdfium)."""
    from PIL import Image, ImageSequence

    if form in PDF_FORMS:
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(path.read_bytes())
        try:
            return [pdf[i].render(scale=RENDER_DPI / 72).to_pil() for i in range(len(pdf))]
        finally:
            pdf.close()
    image = Image.open(path)
    return [frame.convert("RGB") for frame in ImageSequence.Iterator(image)]


def tesseract_alone(form: str, path: Path) -> Hyp:
    """Tesseract on the raw page images, nothing else (rendering time excluded)."""
    import pytesseract

    pages = page_images(form, path)
    started = time.perf_counter()
    text = "\n".join(pytesseract.image_to_string(page, lang="ara") for page in pages)
    return Hyp(text=text, pages=len(pages), seconds=time.perf_counter() - started)


def pdftotext(path: Path) -> Hyp:
    started = time.perf_counter()
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=False)
    return Hyp(
        text=out.stdout.decode("utf-8", "replace"),
        seconds=time.perf_counter() - started,
        error=out.stderr.decode("utf-8", "replace")[:200] if out.returncode else "",
    )


def pdfminer_text(path: Path) -> Hyp:
    try:
        from pdfminer.high_level import extract_text
    except ImportError:
        return Hyp(text="", error="pdfminer.six not installed (bench-only: .venv/bin/pip install pdfminer.six)")
    started = time.perf_counter()
    return Hyp(text=extract_text(str(path)), seconds=time.perf_counter() - started)


def pdfium_text(path: Path) -> Hyp:
    import pypdfium2 as pdfium

    started = time.perf_counter()
    pdf = pdfium.PdfDocument(path.read_bytes())
    try:
        text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()
    return Hyp(text=text, seconds=time.perf_counter() - started)


def lxml_body(path: Path) -> Hyp:
    import lxml.html

    started = time.perf_counter()
    root = lxml.html.fromstring(path.read_bytes())
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    body = root.find("body")
    return Hyp(text=(body if body is not None else root).text_content(), seconds=time.perf_counter() - started)


def trafilatura_page(path: Path) -> Hyp:
    import trafilatura

    started = time.perf_counter()
    html = path.read_text(encoding="utf-8")
    found = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    doc = (found.as_dict() if hasattr(found, "as_dict") else found) or {}
    seconds = time.perf_counter() - started
    title, body = doc.get("title") or "", doc.get("text") or ""
    try:
        date = dt.date.fromisoformat((doc.get("date") or "")[:10])
    except ValueError:
        date = None
    return Hyp(
        text=f"{title}\n{body}",
        title=title,
        body=body,
        source=doc.get("sitename") or "",
        published_on=date,
        seconds=seconds,
    )


def docx_paragraphs(path: Path) -> Hyp:
    from docx import Document as WordDocument

    started = time.perf_counter()
    text = "\n".join(p.text for p in WordDocument(io.BytesIO(path.read_bytes())).paragraphs)
    return Hyp(text=text, seconds=time.perf_counter() - started)


BASELINES: dict[str, tuple[list[str], Callable[[str, Path], Hyp]]] = {
    "tesseract": ([*OCR_FORMS, "text_pdf"], tesseract_alone),
    "pdftotext": (PDF_FORMS, lambda form, path: pdftotext(path)),
    "pdfminer": (PDF_FORMS, lambda form, path: pdfminer_text(path)),
    "pypdfium2": (PDF_FORMS, lambda form, path: pdfium_text(path)),
    "lxml": (["html"], lambda form, path: lxml_body(path)),
    "trafilatura": (["html"], lambda form, path: trafilatura_page(path)),
    "python-docx": (["docx"], lambda form, path: docx_paragraphs(path)),
}
METHODS = ["reader", "reader+vocab", *BASELINES]


def tesseract_version() -> str:
    out = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else "tesseract ?"


def same_source(found: str | None, truth: str) -> bool:
    return collapse_spaces(found or "").casefold() == collapse_spaces(truth).casefold()


def score(hyp: Hyp, truth: dict) -> dict:
    """CERs (raw; body also after normalize()) and, where the method gives them, source and date hits."""
    reference = f"{truth['title']}\n{truth['body']}"
    row = {"text_cer": cer(reference, hyp.text), "seconds": round(hyp.seconds, 3), "pages": hyp.pages}
    if hyp.error:
        row["error"] = hyp.error
    if hyp.body is not None:
        row["body_cer"] = cer(truth["body"], hyp.body)
        row["body_cer_normalized"] = cer(normalize(truth["body"]), normalize(hyp.body))
        row["title_cer"] = cer(truth["title"], hyp.title or "")
    if truth["form"] == "html" and hyp.body is not None:
        row["source_ok"] = same_source(hyp.source, truth["source"])
        row["date_ok"] = hyp.published_on == dt.date.fromisoformat(truth["date"])
        row["source_found"], row["date_found"] = hyp.source, str(hyp.published_on or "")
    row.update({k: v for k, v in hyp.extra.items() if v not in (None, [], "")})
    return row


def _timed_worker(form_paths: list[tuple[str, str]], barrier, queue) -> None:
    """A scaling worker: read its files with the archive's readers after both workers are ready."""
    setup_django()
    readers = {form: load_reader(form)[0] for form, _ in form_paths}
    barrier.wait()
    started, pages = time.time(), 0
    for form, path in form_paths:
        pages += run_reader(readers[form], form, Path(path)).pages
    queue.put((started, time.time(), pages))


def scaling(files: list[tuple[str, Path]], workers: int) -> dict:
    """Pages per second of the archive's OCR readers with ``workers`` processes, each taking its share."""
    ctx = mp.get_context("spawn")
    load_before = os.getloadavg()[0]
    barrier, queue = ctx.Barrier(workers), ctx.Queue()
    shares = [[(form, str(path)) for form, path in files[i::workers]] for i in range(workers)]
    procs = [ctx.Process(target=_timed_worker, args=(share, barrier, queue)) for share in shares]
    for proc in procs:
        proc.start()
    results = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    wall = max(end for _, end, _ in results) - min(start for start, _, _ in results)
    pages = sum(p for _, _, p in results)
    return {
        "processes": workers,
        "pages": pages,
        "seconds": round(wall, 2),
        "pages_per_s": round(pages / wall, 3),
        "load_1min_before": round(load_before, 2),
        "load_1min_after": round(os.getloadavg()[0], 2),
    }


def summarise(rows: list[dict], key: str) -> dict | None:
    values = [r[key] for r in rows if key in r]
    if not values:
        return None
    return {
        "mean": round(statistics.fmean(values), 4),
        "max": round(max(values), 4),
        "over": sum(v > BAD_CER for v in values),
        "n": len(values),
    }


def fmt(stat: dict | None, *, over: bool = False) -> str:
    if stat is None:
        return "—"
    text = f"{stat['mean']:.3f} ({stat['max']:.3f})"
    return f"{text} [{stat['over']}]" if over else text


def share(rows: list[dict], key: str) -> str:
    hits = [r[key] for r in rows if key in r]
    return f"{sum(hits)}/{len(hits)}" if hits else "—"


def markdown(result: dict) -> str:
    """The result as Markdown tables (readers per form; side by side; throughput; targets)."""
    lines = [
        f"Set `{result['set']}` ({result['files']} files), run {result['run_at']}, {result['machine']}.",
        "",
        "Archive readers — raw CER mean (max); [files with body CER > 0.12]:",
        "",
        "| form | files | reader | body CER | title CER | body CER normalised | + vocab body CER | "
        "+ vocab title CER | source | date | s/page |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for form, block in result["forms"].items():
        reader = block["methods"].get("reader", {})
        vocab = block["methods"].get("reader+vocab", {})
        status = block["reader_status"] or "ok"
        if reader.get("errors"):
            status += f", {reader['errors']} errors"
        lines.append(
            f"| {form} | {block['files']} | {status} | {fmt(reader.get('body_cer'), over=True)} | "
            f"{fmt(reader.get('title_cer'))} | {fmt(reader.get('body_cer_normalized'))} | "
            f"{fmt(vocab.get('body_cer'), over=True)} | {fmt(vocab.get('title_cer'))} | "
            f"{reader.get('source', '—')} | {reader.get('date', '—')} | {reader.get('s_per_page', '—')} |"
        )
    lines += [
        "",
        "Side by side on the same files — text CER (headline + body) mean (max):",
        "",
        "| form | " + " | ".join(METHODS) + " |",
        "|---|" + "---|" * len(METHODS),
    ]
    for form, block in result["forms"].items():
        cells = [fmt(block["methods"].get(m, {}).get("text_cer")) for m in METHODS]
        lines.append(f"| {form} | " + " | ".join(cells) + " |")
    traf = {f: b["methods"].get("trafilatura") for f, b in result["forms"].items() if b["methods"].get("trafilatura")}
    for form, stats in traf.items():
        lines.append(
            f"\ntrafilatura on {form}: body CER {fmt(stats.get('body_cer'), over=True)}, title CER "
            f"{fmt(stats.get('title_cer'))}, source {stats.get('source', '—')}, date {stats.get('date', '—')}"
        )
    if result["throughput"]:
        lines += [
            "",
            "OCR pages per second (Tesseract with OMP_THREAD_LIMIT=1):",
            "",
            "| method | processes | pages | seconds | pages/s | load avg before/after |",
            "|---|---|---|---|---|---|",
        ]
    for item in result["throughput"]:
        load = f"{item['load_1min_before']} / {item['load_1min_after']}" if "load_1min_before" in item else "—"
        lines.append(
            f"| {item['method']} | {item['processes']} | {item['pages']} | {item['seconds']} | "
            f"{item['pages_per_s']} | {load} |"
        )
    lines += ["", "Targets:", ""] + [f"- {t}" for t in result["targets"]]
    return "\n".join(lines)


def targets(forms: dict) -> list[str]:
    """The product's targets against the archive readers' figures (without vocabulary and with it)."""
    out = []
    for method in ("reader", "reader+vocab"):
        group = [r for f in OCR_FORMS if f in forms for r in forms[f]["rows"].get(method, []) if "body_cer" in r]
        if group:
            mean = statistics.fmean(r["body_cer"] for r in group)
            over = sum(r["body_cer"] > BAD_CER for r in group)
            ok = "met" if mean <= TARGET_OCR_MEAN and over == 0 else "MISSED"
            out.append(
                f"{method}: scans/photos/TIFF/scanned PDFs body CER mean {mean:.3f} (≤ {TARGET_OCR_MEAN}), "
                f"{over}/{len(group)} above {BAD_CER} (none allowed): {ok}"
            )
    for form, limit in TARGET_BODY.items():
        stat = forms.get(form, {}).get("methods", {}).get("reader", {}).get("body_cer")
        if stat:
            out.append(
                f"reader: {form} body CER mean {stat['mean']:.3f} (≤ {limit}): "
                f"{'met' if stat['mean'] <= limit else 'MISSED'}"
            )
    for form, block in forms.items():
        stat = block["methods"].get("reader", {}).get("title_cer")
        if stat:
            limit = TARGET_TITLE_OCR if form in OCR_FORMS else TARGET_TITLE_OTHER
            out.append(
                f"reader: {form} title CER mean {stat['mean']:.3f} (≤ {limit}): "
                f"{'met' if stat['mean'] <= limit else 'MISSED'}"
            )
    return out or ["no archive reader available yet"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--forms", nargs="+", choices=FORMS, default=FORMS)
    parser.add_argument(
        "--vocab-from",
        type=int,
        default=3000,
        help="ANT articles (middle 60%%) for the post-correction vocabulary; 0: no vocabulary run",
    )
    parser.add_argument(
        "--scaling-files",
        type=int,
        default=16,
        help="OCR files for the 1- and 2-process throughput runs (0: skip them)",
    )
    parser.add_argument("--no-baselines", action="store_true", help="only the archive's readers")
    parser.add_argument("--json", type=Path, help="where to write the result (default DIR/bench_result.json)")
    args = parser.parse_args(argv)

    truth = [json.loads(line) for line in (args.dir / "truth.jsonl").read_text(encoding="utf-8").splitlines() if line]
    truth = [t for t in truth if t["form"] in args.forms]
    setup_django()
    readers = {form: load_reader(form) for form in args.forms}
    vocab, vocab_note, vocab_seconds = load_vocabulary(args.vocab_from)
    if vocab_note:
        print(f"note: {vocab_note}", file=sys.stderr)

    forms: dict[str, dict] = {}
    for item in truth:
        form, path = item["form"], args.dir / item["file"]
        block = forms.setdefault(form, {"files": 0, "reader_status": readers[form][1], "rows": {}, "methods": {}})
        block["files"] += 1
        results: dict[str, Hyp] = {}
        reader = readers[form][0]
        if reader is not None:
            results["reader"] = run_reader(reader, form, path)
            if vocab is not None and form in VOCAB_FORMS:
                results["reader+vocab"] = run_reader(reader, form, path, vocab)
        if not args.no_baselines:
            for name, (covered, method) in BASELINES.items():
                if form in covered:
                    results[name] = method(form, path)
        for name, hyp in results.items():
            block["rows"].setdefault(name, []).append({"file": item["file"]} | score(hyp, item))
        brief = " ".join(f"{n}={block['rows'][n][-1]['text_cer']:.3f}" for n in results)
        print(f"{item['file']}: {brief}", file=sys.stderr, flush=True)

    for block in forms.values():
        for name, rows in block["rows"].items():
            stats: dict = {k: summarise(rows, k) for k in ("text_cer", "body_cer", "body_cer_normalized", "title_cer")}
            stats = {k: v for k, v in stats.items() if v is not None}
            stats["errors"] = sum(1 for r in rows if r.get("error"))
            if any("source_ok" in r for r in rows):
                stats["source"], stats["date"] = share(rows, "source_ok"), share(rows, "date_ok")
            pages, seconds = sum(r["pages"] for r in rows), sum(r["seconds"] for r in rows)
            stats["s_per_page"] = round(seconds / pages, 2) if pages else None
            block["methods"][name] = stats

    throughput = []
    for name in ("reader", "tesseract"):
        rows = [r for f in OCR_FORMS if f in forms for r in forms[f]["rows"].get(name, [])]
        pages, seconds = sum(r["pages"] for r in rows), sum(r["seconds"] for r in rows)
        if pages and seconds:
            throughput.append(
                {
                    "method": f"{name} (main pass, sequential)",
                    "processes": 1,
                    "pages": pages,
                    "seconds": round(seconds, 1),
                    "pages_per_s": round(pages / seconds, 3),
                }
            )
    ocr_files = [
        (t["form"], args.dir / t["file"]) for t in truth if t["form"] in OCR_FORMS and readers[t["form"]][0] is not None
    ][: args.scaling_files]
    if ocr_files:
        for workers in (1, 2):
            throughput.append({"method": f"reader ({len(ocr_files)} OCR files)"} | scaling(ocr_files, workers))

    result = {
        "set": str(args.dir),
        "files": len(truth),
        "run_at": dt.datetime.now().isoformat(timespec="minutes"),
        "machine": f"{os.cpu_count()} cores (shared, noisy), Python {platform.python_version()}, {tesseract_version()}",
        "omp_thread_limit": os.environ.get("OMP_THREAD_LIMIT"),
        "vocabulary": {
            "articles": args.vocab_from if vocab is not None else 0,
            "note": vocab_note,
            "build_seconds": round(vocab_seconds, 2),
        },
        "forms": forms,
        "throughput": throughput,
        "targets": targets(forms),
    }
    out = args.json or args.dir / "bench_result.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    print(markdown(result))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
