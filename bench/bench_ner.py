"""Tokens/second of a shipped NER backend (crf or neural) on one core.

    .venv/bin/python bench/bench_ner.py [--backend neural] [--conll ../shared/data/anercorp/train.txt] [--model-dir DIR]

Without --conll it tags the seed fixture repeated. Reports CPU time (process_time, one thread:
the neural backend's onnxruntime session runs with intra_op_num_threads=1), so a busy shared machine
does not distort the figure much; model loading is excluded.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from articles.enrich.ner.conll import read_conll  # noqa: E402
from articles.enrich.ner.crf import CrfBackend  # noqa: E402
from articles.enrich.ner.neural import NeuralBackend  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--conll", help="CoNLL file whose tokens are tagged (default: seed fixture x 200)")
    ap.add_argument("--model-dir", default=None)
    ap.add_argument("--backend", choices=("crf", "neural"), default="crf")
    args = ap.parse_args()

    backend = CrfBackend(args.model_dir) if args.backend == "crf" else NeuralBackend(args.model_dir, threads=1)
    t = time.perf_counter()
    backend.tag_tokens([["تحميل"]])
    print(f"model load: {time.perf_counter() - t:.2f}s")

    if args.conll:
        sents = [[tok for tok, _ in s] for s in read_conll(args.conll)]
        text = "\n".join(" ".join(s) for s in sents)
    else:
        text = (ROOT / "fixtures" / "seed_dump.txt").read_text(encoding="utf-8")
        text = "\n".join([text] * 200)
        from articles.enrich.ner.segment import sentences_with_offsets

        sents = [[tok for tok, _ in s] for s in sentences_with_offsets(text)]
    n = sum(len(s) for s in sents)

    for label in ("tag_tokens (cold cache)", "tag_tokens (warm cache)"):
        t = time.process_time()
        tags = backend.tag_tokens(sents)
        dt = time.process_time() - t
        print(f"{label}: {n:,} tokens in {dt:.2f}s CPU = {n / dt:,.0f} tokens/s")
    # The round-3 steps after the tagger, timed alone on the same tags (their share of tag_tokens above).
    from articles.enrich.ner.consistency import propagate_tags
    from articles.enrich.ner.known import apply_house_rules

    for label, step in (
        ("consistency step", lambda: propagate_tags(sents, tags)),
        (
            "known names + patterns (extract only)",
            lambda: [apply_house_rules(s, g) for s, g in zip(sents, tags, strict=True)],
        ),
    ):
        t = time.process_time()
        step()
        ds = time.process_time() - t
        print(f"{label}: {n / ds:,.0f} tokens/s, {ds / dt:.1%} of the warm tag_tokens time")
    t = time.process_time()
    spans = backend.extract(text)
    dt = time.process_time() - t
    print(f"extract (raw text: split, tokenise, tag, offsets): {n / dt:,.0f} tokens/s, {len(spans):,} entities")


if __name__ == "__main__":
    main()
