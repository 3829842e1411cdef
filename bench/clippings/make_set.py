"""Make a clipping test set from ANT Corpus articles: scans, phone photos, 2-page TIFFs, scanned and text PDFs,
saved web pages and Word files, each with its ground truth.

    DEBUG=1 .venv/bin/python bench/clippings/make_set.py --split dev --out /work/clipset/dev --per-form 8 --seed 1
    DEBUG=1 .venv/bin/python bench/clippings/make_set.py --split test --out /work/clipset/test --per-form 15 --seed 2

Every clipping is a different article of the chosen pool (dev: the first 20% of the ANT records, test: the
last 20%; see clippings/ant.py). Writes the files and ``truth.jsonl`` (one line per file: file, form, title,
body, source, date, url, font, layout, degradations) into ``--out``. The TEST split holds out one font
(KacstBook) and uses four site templates the DEV split never has. Pages are laid out in HTML/CSS and
rendered by one headless Chromium (Playwright driving Debian's /usr/bin/chromium): screenshots at 300 dpi
(device scale 3.125) for scans, print-to-PDF for text PDFs. Generated sets hold text derived from
../shared and are never committed: write them under /tmp or /work/clipset.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from clippings.ant import Article, load_records, pool_articles
from clippings.templates import DEV_TEMPLATES, TEST_TEMPLATES

FORMS = ["scan", "photo", "tiff", "scanned_pdf", "text_pdf", "html", "docx"]
EXTENSIONS = {
    "scan": "png",
    "photo": "jpg",
    "tiff": "tif",
    "scanned_pdf": "pdf",
    "text_pdf": "pdf",
    "html": "html",
    "docx": "docx",
}
DEV_FONTS = ["Noto Naskh Arabic", "Amiri", "KacstOne", "Noto Sans Arabic"]
TEST_FONTS = [*DEV_FONTS, "KacstBook"]  # KacstBook is held out for TEST
HELD_OUT_FONTS = {"KacstBook"}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]
SCAN_DPI = 300
CSS_DPI = 96
PAPERS = ["#ffffff", "#fbf8f1", "#f7f3e8", "#fdfcf7"]
PAPER_NAMES = ["الأهرام", "الحياة", "الشرق الأوسط", "النهار", "الخليج", "القدس العربي", "الصباح", "الوطن"]


@dataclass(frozen=True)
class Layout:
    """How a clipping is set: the font, sizes in CSS px (1/96 in), columns and the page furniture."""

    font: str
    title_px: int
    body_px: int
    line_height: float
    columns: int
    width_in: float
    align: str
    running_head: bool
    page_number: bool
    rule: bool
    column_rule: bool
    paper: str

    def as_truth(self) -> dict:
        return {
            "columns": self.columns,
            "width_in": self.width_in,
            "title_px": self.title_px,
            "body_px": self.body_px,
            "line_height": self.line_height,
            "align": self.align,
            "running_head": self.running_head,
            "page_number": self.page_number,
            "rule": self.rule,
            "column_rule": self.column_rule,
            "paper": self.paper,
        }


def pick_layout(rng: random.Random, font: str) -> Layout:
    """A random newspaper-cutting layout in ``font``: 1 or 2 columns, headline 22-34 px, body 13-17 px (10-13 pt)."""
    cols = rng.choice([1, 2])
    return Layout(
        font=font,
        title_px=rng.randint(22, 34),
        body_px=rng.randint(13, 17),
        line_height=rng.choice([1.5, 1.6, 1.7, 1.8]),
        columns=cols,
        width_in=round(rng.uniform(3.0, 3.6) if cols == 1 else rng.uniform(5.2, 6.2), 2),
        align=rng.choice(["justify", "right"]),
        running_head=rng.random() < 0.5,
        page_number=rng.random() < 0.5,
        rule=rng.random() < 0.6,
        column_rule=cols == 2 and rng.random() < 0.5,
        paper=rng.choice(PAPERS),
    )


def clipping_html(title: str, paragraphs: list[str], layout: Layout, *, head: str, page_no: int, printed: bool) -> str:
    """The cutting as one HTML page: running head, headline, rule, body in columns (RTL: right one first),
    page number. ``title`` may be empty (a continuation page). ``printed`` sizes it for print-to-PDF."""
    width = round(layout.width_in * CSS_DPI)
    cols = (
        (
            f"column-count:{layout.columns};column-gap:22px;"
            + ("column-rule:1px solid #888;" if layout.column_rule else "")
        )
        if layout.columns > 1
        else ""
    )
    parts = []
    if layout.running_head:
        parts.append(
            f'<div class="rh"><span>{escape(head)}</span><span>{escape(str(page_no))}</span></div>'
            if not layout.page_number
            else f'<div class="rh"><span>{escape(head)}</span></div>'
        )
    if title:
        parts.append(f"<h1>{escape(title)}</h1>")
    if layout.rule:
        parts.append("<hr>")
    parts.append('<div class="body">' + "".join(f"<p>{escape(p)}</p>" for p in paragraphs) + "</div>")
    if layout.page_number:
        parts.append(f'<div class="pno">{page_no}</div>')
    page_css = "@page{size:A4;margin:18mm}" if printed else ""
    return f"""<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><style>
{page_css}
html,body{{margin:0;padding:0;background:{"#fff" if printed else layout.paper}}}
#clip{{font-feature-settings:'locl' 0;width:{width}px;padding:{0 if printed else 24}px;color:#161616;
  font-family:'{layout.font}';background:{"#fff" if printed else layout.paper}}}
.rh{{display:flex;justify-content:space-between;font-size:11px;border-bottom:1px solid #333;padding-bottom:3px;
  margin-bottom:8px}}
h1{{font-size:{layout.title_px}px;line-height:1.35;margin:4px 0 10px;font-weight:bold}}
hr{{border:0;border-top:2px solid #222;margin:0 0 10px}}
.body{{font-size:{layout.body_px}px;line-height:{layout.line_height};text-align:{layout.align};{cols}}}
p{{margin:0 0 {round(layout.body_px * 0.5)}px}}
.pno{{text-align:center;font-size:11px;margin-top:10px}}
</style></head><body><div id="clip">{"".join(parts)}</div></body></html>"""


class Renderer:
    """One headless Chromium for the whole set: screenshots at 300 dpi and print-to-PDF."""

    def __init__(self, browser) -> None:
        scale = SCAN_DPI / CSS_DPI
        self._shot = browser.new_context(device_scale_factor=scale, viewport={"width": 800, "height": 600}).new_page()
        self._print = browser.new_context().new_page()

    def scan(self, html: str) -> Image.Image:
        """The cutting as a 300-dpi RGB image."""
        self._shot.set_content(html, wait_until="load")
        self._shot.evaluate("document.fonts.ready.then(() => true)")
        png = self._shot.locator("#clip").screenshot(type="png")
        return Image.open(io.BytesIO(png)).convert("RGB")

    def pdf(self, html: str) -> bytes:
        """The page printed to PDF by Chromium (A4, text layer with embedded fonts)."""
        self._print.set_content(html, wait_until="load")
        self._print.evaluate("document.fonts.ready.then(() => true)")
        return self._print.pdf(format="A4", print_background=True, prefer_css_page_size=True)


@contextmanager
def chromium() -> Iterator[Renderer]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield Renderer(browser)
        finally:
            browser.close()


def degrade_photo(image: Image.Image, rng: random.Random) -> tuple[bytes, dict]:
    """A phone photo of the scan: lower resolution (150-200 dpi), a table around it, rotation 1-4 degrees,
    slight perspective, uneven light, blur, noise, JPEG quality 60-85. Returns the JPEG and the parameters."""
    nprng = np.random.default_rng(rng.randrange(2**32))
    dpi = rng.randint(150, 200)
    img = np.asarray(image, dtype=np.uint8)[:, :, ::-1]  # BGR
    scale = dpi / SCAN_DPI
    img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = img.shape[:2]
    margin = int(max(h, w) * rng.uniform(0.04, 0.08))
    table = tuple(int(c) for c in nprng.integers(60, 140, 3))
    img = cv2.copyMakeBorder(img, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=table)
    h, w = img.shape[:2]
    angle = rng.uniform(1.0, 4.0) * rng.choice([-1, 1])
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    img = cv2.warpAffine(img, rot, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=table)
    skew = rng.uniform(0.005, 0.02)
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    jitter = nprng.uniform(-skew, skew, (4, 2)) * np.float32([w, h])
    persp = cv2.getPerspectiveTransform(src, (src + jitter).astype(np.float32))
    img = cv2.warpPerspective(
        img, persp, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=table
    )
    direction = rng.uniform(0, 2 * np.pi)
    low = rng.uniform(0.6, 0.85)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = np.cos(direction) * xx / w + np.sin(direction) * yy / h
    ramp = (ramp - ramp.min()) / max(1e-6, float(ramp.max() - ramp.min()))
    light = low + (1.0 - low) * ramp
    img = np.clip(img.astype(np.float32) * light[:, :, None], 0, 255)
    sigma = rng.uniform(0.5, 1.2)
    img = cv2.GaussianBlur(img, (0, 0), sigma)
    noise = rng.uniform(3.0, 8.0)
    img = np.clip(img + nprng.normal(0, noise, img.shape), 0, 255).astype(np.uint8)
    quality = rng.randint(60, 85)
    ok, jpeg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    params = {
        "dpi": dpi,
        "rotation_deg": round(angle, 2),
        "perspective": round(skew, 4),
        "light_low": round(low, 2),
        "blur_sigma": round(sigma, 2),
        "noise_sigma": round(noise, 1),
        "jpeg_quality": quality,
        "table_margin_px": margin,
    }
    return jpeg.tobytes(), params


def split_pages(article: Article) -> tuple[list[str], list[str]]:
    """The article's paragraphs over two pages (by words, the first page never empty)."""
    paragraphs = article.paragraphs
    if len(paragraphs) == 1:
        words = paragraphs[0].split()
        half = len(words) // 2
        return [" ".join(words[:half])], [" ".join(words[half:])]
    total = sum(len(p.split()) for p in paragraphs)
    count = 0
    for i, paragraph in enumerate(paragraphs):
        count += len(paragraph.split())
        if count >= total / 2 and i + 1 < len(paragraphs):
            return paragraphs[: i + 1], paragraphs[i + 1 :]
    return paragraphs[:-1], paragraphs[-1:]


def docx_bytes(article: Article, heading: str, rng: random.Random) -> tuple[bytes, dict]:
    """A Word file: the headline as a Title (or Heading 1) paragraph, then the body paragraphs, right to left."""
    from docx import Document as WordDocument
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.shared import Pt

    word = WordDocument()
    font = rng.choice(["Arial", "Simplified Arabic", "Traditional Arabic", "Times New Roman"])
    size = rng.choice([12, 13, 14])
    empty_lines = heading == "Heading 1" and rng.random() < 0.5

    def rtl(paragraph) -> None:
        paragraph._p.get_or_add_pPr().append(OxmlElement("w:bidi"))
        for run in paragraph.runs:
            run._r.get_or_add_rPr().append(OxmlElement("w:rtl"))

    rtl(word.add_paragraph(article.title, style=heading))
    for paragraph in article.paragraphs:
        if empty_lines:
            word.add_paragraph("")
        para = word.add_paragraph(paragraph)
        para.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY if rng.random() < 0.5 else WD_ALIGN_PARAGRAPH.RIGHT
        for run in para.runs:
            run.font.name, run.font.size = font, Pt(size)
        rtl(para)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue(), {"heading_style": heading, "font": font, "size_pt": size, "empty_lines": empty_lines}


def running_head(article: Article, rng: random.Random) -> str:
    return f"صحيفة {rng.choice(PAPER_NAMES)} — العدد {rng.randint(100, 19999)}"


def save_tiff(pages: list[Image.Image], bilevel: bool) -> bytes:
    out = io.BytesIO()
    frames = [p.convert("1") if bilevel else p.convert("L") for p in pages]
    frames[0].save(
        out,
        "TIFF",
        save_all=True,
        append_images=frames[1:],
        dpi=(SCAN_DPI, SCAN_DPI),
        compression="group4" if bilevel else "tiff_lzw",
    )
    return out.getvalue()


def save_pdf(pages: list[Image.Image]) -> bytes:
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=float(SCAN_DPI), save_all=True, append_images=pages[1:])
    return out.getvalue()


def make_clipping(
    form: str, article: Article, renderer: Renderer, rng: random.Random, split: str, slot: int
) -> tuple[bytes, dict]:
    """The file of one article in one form and what the truth records about how it was made. ``slot``
    (the clipping's number in the whole set) deals fonts and site templates round-robin, so each is used
    about equally often."""
    fonts = TEST_FONTS if split == "test" else DEV_FONTS
    info: dict = {"font": "", "layout": {}, "degradations": {}}
    head = running_head(article, rng)
    if form in ("scan", "photo", "scanned_pdf", "tiff", "text_pdf"):
        layout = pick_layout(rng, fonts[slot % len(fonts)])
        info["font"] = layout.font
        info["layout"] = layout.as_truth() | ({"running_head_text": head} if layout.running_head else {})
        page_no = rng.randint(2, 24)
        two_pages = form == "tiff" or (form == "scanned_pdf" and rng.random() < 0.3)
        if form == "text_pdf":
            html = clipping_html(article.title, article.paragraphs, layout, head=head, page_no=page_no, printed=True)
            info["layout"]["pages"] = 1
            return renderer.pdf(html), info
        if two_pages:
            first, second = split_pages(article)
            pages = [
                renderer.scan(clipping_html(article.title, first, layout, head=head, page_no=page_no, printed=False)),
                renderer.scan(clipping_html("", second, layout, head=head, page_no=page_no + 1, printed=False)),
            ]
        else:
            pages = [
                renderer.scan(
                    clipping_html(article.title, article.paragraphs, layout, head=head, page_no=page_no, printed=False)
                )
            ]
        info["layout"]["pages"] = len(pages)
        if form == "scan":
            out = io.BytesIO()
            pages[0].save(out, "PNG", dpi=(SCAN_DPI, SCAN_DPI))
            return out.getvalue(), info
        if form == "photo":
            data, info["degradations"] = degrade_photo(pages[0], rng)
            return data, info
        if form == "tiff":
            bilevel = rng.random() < 0.5
            info["degradations"] = {"bilevel_group4": bilevel}
            return save_tiff(pages, bilevel), info
        return save_pdf(pages), info
    if form == "html":
        templates = TEST_TEMPLATES if split == "test" else DEV_TEMPLATES
        name = sorted(templates)[slot % len(templates)]
        info["layout"] = {"template": name, "held_out_template": split == "test"}
        return templates[name](article, rng).encode("utf-8"), info
    if form == "docx":
        heading = "Heading 1" if split == "test" and rng.random() < 0.5 else "Title"
        data, info["layout"] = docx_bytes(article, heading, rng)
        return data, info
    raise ValueError(f"unknown form {form}")


def choose_articles(split: str, count: int, seed: int) -> list[Article]:
    """``count`` different clipping-sized articles of the pool, in a seeded random order."""
    articles = list(pool_articles(load_records(), split))
    random.Random(seed).shuffle(articles)
    if len(articles) < count:
        raise SystemExit(f"only {len(articles)} fitting articles in the {split} pool")
    return articles[:count]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["dev", "test"], required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-form", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--forms", nargs="+", choices=FORMS, default=FORMS)
    args = parser.parse_args(argv)

    args.out.mkdir(parents=True, exist_ok=True)
    articles = choose_articles(args.split, args.per_form * len(args.forms), args.seed)
    rng = random.Random(args.seed * 7919 + (1 if args.split == "test" else 0))
    started = time.perf_counter()
    with chromium() as renderer, open(args.out / "truth.jsonl", "w", encoding="utf-8") as truth:
        for f_index, form in enumerate(args.forms):
            for i in range(args.per_form):
                article = articles[f_index * args.per_form + i]
                data, info = make_clipping(form, article, renderer, rng, args.split, f_index * args.per_form + i)
                name = f"{form}_{i:02d}_{article.docno}.{EXTENSIONS[form]}"
                (args.out / name).write_bytes(data)
                row = {
                    "file": name,
                    "form": form,
                    "split": args.split,
                    "record": article.index,
                    "docno": article.docno,
                    "title": article.title,
                    "body": article.body,
                    "source": article.site_name,
                    "source_code": article.source_code,
                    "date": article.date.isoformat(),
                    "url": article.url,
                    "font": info["font"],
                    "held_out_font": info["font"] in HELD_OUT_FONTS,
                    "layout": info["layout"],
                    "degradations": info["degradations"],
                }
                truth.write(json.dumps(row, ensure_ascii=False) + "\n")
            print(f"{form}: {args.per_form} files ({time.perf_counter() - started:.0f}s)", flush=True)
    print(f"wrote {args.per_form * len(args.forms)} clippings and truth.jsonl to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
