"""Join neural NER models trained on the same vectors and data into one ensemble directory.

    /work/torchvenv/bin/python training/ner_ensemble.py OUT DIR1 [DIR2 ...] [--crf-weight W --crf-passes P]

The models must share the vocabulary and the character set (same ``--vectors``, ``--max-vocab`` and
training data). OUT gets DIR1's files, DIRn's encoder as ``encoder{n}.onnx``, and the mean of the CRF
transition scores (the backend averages the encoders' emissions). ``--crf-weight W`` (tuned on dev)
makes the backend add W x the log marginal probabilities of the CRF backend (``--crf-passes``: 1 or 2).
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np


def main(out: str, dirs: list[str], crf_weight: float, crf_passes: int) -> None:
    dst = Path(out)
    dst.mkdir(parents=True, exist_ok=True)
    metas = [json.loads((Path(d) / "meta.json").read_text(encoding="utf-8")) for d in dirs]
    vocab = (Path(dirs[0]) / "vocab.txt.gz").read_bytes()
    for d, m in zip(dirs[1:], metas[1:], strict=True):
        if m["chars"] != metas[0]["chars"] or (Path(d) / "vocab.txt.gz").read_bytes() != vocab:
            raise SystemExit(f"{d}: vocabulary or characters differ from {dirs[0]}")
    for name in ("vectors.npz", "vocab.txt.gz"):
        shutil.copyfile(Path(dirs[0]) / name, dst / name)
    for n, d in enumerate(dirs, start=1):
        shutil.copyfile(Path(d) / "encoder.onnx", dst / ("encoder.onnx" if n == 1 else f"encoder{n}.onnx"))
    meta = dict(metas[0])
    meta["transitions"] = np.mean([m["transitions"] for m in metas], axis=0).round(5).tolist()
    meta["start"] = np.mean([m["start"] for m in metas], axis=0).round(5).tolist()
    meta["members"] = [{k: m.get(k) for k in ("settings", "best_epoch", "train_seconds", "dev_report")} for m in metas]
    if crf_weight > 0:
        meta["crf_ensemble"] = {"weight": crf_weight, "passes": crf_passes}
    (dst / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(dirs)} encoders -> {dst}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--crf-weight", type=float, default=0.0)
    ap.add_argument("--crf-passes", type=int, choices=(1, 2), default=2)
    args = ap.parse_args()
    main(args.out, args.dirs, args.crf_weight, args.crf_passes)
