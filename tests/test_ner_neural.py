"""The neural NER backend (ONNX BiLSTM-CRF) with the committed model: loading, seed entities, batching, fork.

Pure Python (no database). The shared-data test skips without ../shared.
"""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path

import numpy as np
import pytest

from articles.enrich.ner import get_backend
from articles.enrich.ner.conll import bio_spans, evaluate, read_conll
from articles.enrich.ner.neural import DEFAULT_NEURAL_DIR, NeuralBackend
from articles.enrich.ner.neural_tags import TAGS, allowed_transitions, viterbi, viterbi_batch

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "fixtures" / "seed_dump.txt"


@pytest.fixture(scope="module")
def neural() -> NeuralBackend:
    if not (DEFAULT_NEURAL_DIR / "encoder.onnx").exists():
        pytest.fail(f"the shipped neural model is missing from {DEFAULT_NEURAL_DIR}")
    return get_backend("neural")


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def test_model_files_are_small_enough() -> None:
    files = {p.name: p.stat().st_size for p in DEFAULT_NEURAL_DIR.iterdir() if p.is_file()}
    assert {"encoder.onnx", "vectors.npz", "vocab.txt.gz", "meta.json"} <= set(files)
    assert all(0 < size < 20 * 1024 * 1024 for size in files.values()), files


def test_backend_is_cached_and_never_imports_torch(neural) -> None:
    neural.tag_tokens([["زار", "بوتين", "الصين"]])
    assert get_backend("neural") is neural
    assert "torch" not in sys.modules


def test_seed_entities(neural, seed_text: str) -> None:
    spans = neural.extract(seed_text)
    found = {(s.text, s.kind) for s in spans}
    # What the committed model gets on the seed; docs/ner.md lists what it still misses (التيار الوطني
    # الحر, المتن on its own, and بريكس typed ORG in only half of its mentions).
    expected = {
        ("فلاديمير بوتين", "PERS"),
        ("جبران باسيل", "PERS"),
        ("الياس المر", "PERS"),
        ("ميرنا المر", "PERS"),
        ("سبيربنك", "ORG"),
        ("بريكس", "ORG"),
        ("روسيا", "LOC"),
        ("موسكو", "LOC"),
        ("الصين", "LOC"),
    }
    assert not expected - found, f"missed {expected - found}; found {sorted(found)}"
    assert not {t for t, _ in found} & {"في", "من", "على", "الذي", "أن", "مع"}
    for s in spans:
        assert seed_text[s.start : s.end] == s.text
        assert s.text == s.text.strip() and s.kind in {"PERS", "LOC", "ORG", "MISC"}


def test_offsets_survive_bom_crlf_and_marks(neural, seed_text: str) -> None:
    text = "\ufeff" + seed_text.replace("\n", "\r\n").replace("بوتين", "بو\u0640تين", 1) + "\u200f"
    spans = neural.extract(text)
    assert len(spans) > 20
    assert all(text[s.start : s.end] == s.text for s in spans)
    assert spans == sorted(spans, key=lambda s: s.start)


def test_tags_are_well_formed_bio(neural, seed_text: str) -> None:
    from articles.enrich.ner.segment import sentences_with_offsets

    sents = [[t for t, _ in s] for s in sentences_with_offsets(seed_text)]
    for tags in neural.tag_tokens(sents):
        for prev, cur in zip(["O", *tags], tags, strict=False):
            if cur.startswith("I-"):
                assert prev[2:] == cur[2:], (prev, cur)


def test_batched_equals_unbatched(neural, seed_text: str) -> None:
    from articles.enrich.ner.segment import sentences_with_offsets

    sents = [[t for t, _ in s] for s in sentences_with_offsets(seed_text)]
    sents += [[], ["."], sents[0][:3]]
    batched = neural.tag_tokens(sents)
    # One sentence per onnxruntime call: padding inside a batch must change nothing.
    assert batched == neural.tag_tokens(sents, batch_tokens=1)
    assert [len(t) for t in batched] == [len(s) for s in sents]


def _child_tags(sents):
    return get_backend("neural").tag_tokens(sents)


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")
def test_forked_worker_tags_like_the_parent(neural) -> None:
    # The ingest pool forks after loading the model: the child must build its own session and agree.
    sents = [["زار", "الرئيس", "فلاديمير", "بوتين", "موسكو"]]
    expected = neural.tag_tokens(sents)
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(_child_tags, (sents,)) == expected


def test_viterbi_respects_bio_constraints() -> None:
    allowed, start = allowed_transitions()
    trans = np.where(allowed, 0.0, -1e4)
    starts = np.where(start, 0.0, -1e4)
    # Emissions that favour an I- tag first and an I-ORG after B-PERS: decoding must repair both.
    em = np.zeros((3, len(TAGS)))
    em[0, TAGS.index("I-PERS")] = 5
    em[1, TAGS.index("B-PERS")] = 1
    em[2, TAGS.index("I-ORG")] = 5
    path = [TAGS[i] for i in viterbi(em, trans, starts)]
    assert bio_spans(path) and not path[0].startswith("I-")
    assert not (path[1] == "B-PERS" and path[2] == "I-ORG")
    # A padded batch decodes each sentence as if alone.
    em2 = np.random.default_rng(0).normal(size=(2, 5, len(TAGS)))
    alone = viterbi(em2[1, :2], trans, starts)
    assert viterbi_batch(em2, np.array([5, 2]), trans, starts)[1] == alone


@pytest.mark.shared_data
def test_neural_scores_on_an_anercorp_slice(neural, shared_data: Path) -> None:
    """Sanity on real text: a slice of the final-test part (the last tenth of train.txt). The shipped model
    is retrained on the whole file, so this is not a held-out figure (those are in docs/ner.md); a low
    score means run-time inputs no longer match training (neural_features.py changed without a retrain)."""
    path = shared_data / "anercorp" / "train.txt"
    if not path.exists():
        pytest.skip(f"ANERcorp not found at {path}")
    sents = read_conll(path)[-200:]
    pred = neural.tag_tokens([[t for t, _ in s] for s in sents])
    assert evaluate([[g for _, g in s] for s in sents], pred)["ALL"].f1 >= 0.8
