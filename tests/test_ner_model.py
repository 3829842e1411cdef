"""NER: evaluation maths, the shipped CRF model, offsets, and the optional camel backend.

Pure Python (no database). Tests that need the ANERcorp data under ../shared skip when absent.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from articles.enrich.ner import EntitySpan, get_backend
from articles.enrich.ner.conll import bio_spans, evaluate, format_report, read_conll, split_dev
from articles.enrich.ner.files import DEFAULT_MODEL_DIR, MODEL_FILE
from articles.enrich.ner.segment import sentences_with_offsets

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "fixtures" / "seed_dump.txt"


@pytest.fixture
def anercorp(shared_data: Path) -> Path:
    path = shared_data / "anercorp" / "train.txt"
    if not path.exists():
        pytest.skip(f"ANERcorp not found at {path}")
    return path


GOLD_CONLL = """\
أعلن O
الرئيس O
فلاديمير B-PERS
بوتين I-PERS
في O
موسكو B-LOC

قال O
بنك B-ORG
سبيربنك I-ORG
إن O
الصين B-LOC
"""
# Predicted: the person right, موسكو missed, ORG boundary wrong (FP + FN), الصين typed ORG (FP + FN),
# and a spurious MISC.
PRED_TAGS = [
    ["O", "O", "B-PERS", "I-PERS", "O", "O"],
    ["B-MISC", "O", "B-ORG", "O", "B-ORG"],
]


@pytest.fixture(scope="module")
def crf():
    if not (DEFAULT_MODEL_DIR / MODEL_FILE).exists():
        pytest.fail(f"the shipped model is missing from {DEFAULT_MODEL_DIR}")
    return get_backend("crf")


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


# -- evaluation maths ---------------------------------------------------------------------------
def test_read_conll_and_evaluate(tmp_path: Path) -> None:
    path = tmp_path / "gold.conll"
    path.write_text(GOLD_CONLL, encoding="utf-8")  # no trailing blank line: last sentence still read
    sents = read_conll(path)
    assert [len(s) for s in sents] == [6, 5]
    gold = [[t for _, t in s] for s in sents]
    scores = evaluate(gold, PRED_TAGS)
    assert (scores["PERS"].tp, scores["PERS"].fp, scores["PERS"].fn) == (1, 0, 0)
    assert (scores["LOC"].tp, scores["LOC"].fp, scores["LOC"].fn) == (0, 0, 2)
    assert (scores["ORG"].tp, scores["ORG"].fp, scores["ORG"].fn) == (0, 2, 1)
    assert (scores["MISC"].tp, scores["MISC"].fp, scores["MISC"].fn) == (0, 1, 0)
    overall = scores["ALL"]
    assert (overall.tp, overall.fp, overall.fn) == (1, 3, 3)
    assert overall.precision == pytest.approx(0.25)
    assert overall.recall == pytest.approx(0.25)
    assert overall.f1 == pytest.approx(0.25)
    report = format_report(scores)
    assert report.splitlines()[-1] == "micro-F1 0.2500"
    assert evaluate(gold, gold)["ALL"].f1 == 1.0


def test_bio_spans_conlleval_rules() -> None:
    # A stray I- starts an entity; a type change inside I- splits it.
    assert bio_spans(["I-LOC", "I-LOC", "O", "B-PERS", "I-ORG"]) == [(0, 2, "LOC"), (3, 4, "PERS"), (4, 5, "ORG")]
    assert bio_spans(["B-PERS", "B-PERS"]) == [(0, 1, "PERS"), (1, 2, "PERS")]


def test_evaluate_rejects_misaligned_input() -> None:
    with pytest.raises(ValueError):
        evaluate([["O", "B-LOC"]], [["O"]])


def test_dev_split_is_a_fixed_tail() -> None:
    sents = [[(str(i), "O")] for i in range(100)]
    train, dev = split_dev(sents, 0.1)
    assert [s[0][0] for s in dev] == [str(i) for i in range(90, 100)]
    assert len(train) == 90


# -- shipped model ----------------------------------------------------------------------------
def test_model_files_are_small_enough() -> None:
    names = {p.name for p in DEFAULT_MODEL_DIR.iterdir() if p.is_file()}
    assert {"model.crfsuite", "model2.crfsuite", "clusters.tsv.gz", "gazetteer.json.gz", "meta.json"} <= names
    total = sum(p.stat().st_size for p in DEFAULT_MODEL_DIR.iterdir() if p.is_file())
    assert 0 < total < 20 * 1024 * 1024


def test_backend_is_loaded_once(crf) -> None:
    assert get_backend("crf") is crf
    with pytest.raises(ValueError):
        get_backend("nope")


def test_offsets_map_back_exactly(crf, seed_text: str) -> None:
    # CRLF, a BOM, a bidi mark and tatweel must not shift offsets.
    text = "\ufeff" + seed_text.replace("\n", "\r\n").replace("بوتين", "بو\u0640تين", 1) + "\u200f"
    spans = crf.extract(text)
    assert len(spans) > 20
    for s in spans:
        assert isinstance(s, EntitySpan)
        assert text[s.start : s.end] == s.text
        assert s.text == s.text.strip() and s.kind in {"PERS", "LOC", "ORG", "MISC"}
    assert spans == sorted(spans, key=lambda s: s.start)


def test_sentence_offsets_cover_tokens() -> None:
    text = "قال بوتين. ثم  غادر\nموسكو؟ نعم"
    sents = sentences_with_offsets(text)
    assert [[t for t, _ in s] for s in sents] == [["قال", "بوتين", "."], ["ثم", "غادر"], ["موسكو", "؟"], ["نعم"]]
    for sent in sents:
        for tok, at in sent:
            assert text[at : at + len(tok)] == tok


def test_seed_article_entities(crf, seed_text: str) -> None:
    found = {(s.text, s.kind) for s in crf.extract(seed_text)}
    expected = {
        ("فلاديمير بوتين", "PERS"),
        ("بوتين", "PERS"),
        ("روسيا", "LOC"),
        ("موسكو", "LOC"),
        ("الصين", "LOC"),
        ("الولايات المتحدة", "LOC"),
        ("جبران باسيل", "PERS"),
        ("الياس المر", "PERS"),
    }
    missing = expected - found
    assert not missing, f"missed {missing}; found {sorted(found)}"
    # No common function word is ever reported as an entity.
    assert not {t for t, _ in found} & {"في", "من", "على", "الذي", "أن", "مع"}


def test_proclitic_trimmed_from_reported_span(crf) -> None:
    # A glued conjunction/preposition is cut from the span only when the bare word is far commoner:
    # the ب of بموسكو goes, the ب of بريكس (part of the name) stays.
    text = "وقال الرئيس فلاديمير بوتين إن وفدا سيزور بموسكو مقر مجموعة بريكس."
    spans = {s.text: s for s in crf.extract(text)}
    assert spans["فلاديمير بوتين"].kind == "PERS"
    assert "موسكو" in spans and "بموسكو" not in spans
    assert text[spans["موسكو"].start - 1] == "ب"
    assert crf._proclitic_len("بريكس") == 0
    assert crf._proclitic_len("وبوتين") == 1
    assert crf._proclitic_len("والصين") == 1
    assert crf._proclitic_len("والتر") == 0


def test_tag_tokens_shape(crf) -> None:
    sents = [["زار", "بوتين", "الصين"], [], ["."]]
    tags = crf.tag_tokens(sents)
    assert [len(t) for t in tags] == [3, 0, 1]
    assert tags[0][1] == "B-PERS" and tags[0][2] == "B-LOC"


@pytest.mark.shared_data
def test_shipped_model_fits_its_training_data(crf, anercorp: Path) -> None:
    """Sanity, not generalisation: the shipped model is trained on the whole file, so a low score here
    means run-time features no longer match the ones it was trained with (features.py changed
    without a retrain). Held-out figures are in docs/ner.md."""
    sents = read_conll(anercorp)[::4]
    pred = crf.tag_tokens([[t for t, _ in s] for s in sents])
    assert evaluate([[g for _, g in s] for s in sents], pred)["ALL"].f1 >= 0.9


@pytest.mark.shared_data
def test_train_round_trip(tmp_path: Path, anercorp: Path) -> None:
    """Training code end to end on a slice (no clusters): the model it writes is loadable and learns."""
    from articles.enrich.ner.conll import write_conll
    from articles.enrich.ner.crf import CrfBackend
    from articles.enrich.ner.train import train

    sents = read_conll(anercorp)
    write_conll(sents[:600], tmp_path / "tr.conll")
    write_conll(sents[600:700], tmp_path / "dv.conll")
    # Two passes, so the cross-fold first-pass tagging and the second model are exercised too.
    report = train(
        tmp_path / "tr.conll", tmp_path / "dv.conll", tmp_path / "m", params={"max_iterations": 30}, log=lambda m: None
    )
    assert (tmp_path / "m" / "model2.crfsuite").exists()
    assert report is not None and report.splitlines()[-1].startswith("micro-F1 ")
    assert float(report.splitlines()[-1].split()[1]) > 0.3
    assert CrfBackend(tmp_path / "m").tag_tokens([["في", "لبنان"]])[0][0] == "O"


def test_evaluate_ner_command(tmp_path: Path) -> None:
    import io
    import re

    from django.core.management import call_command

    path = tmp_path / "gold.conll"
    path.write_text(GOLD_CONLL, encoding="utf-8")
    out = io.StringIO()
    call_command("evaluate_ner", str(path), stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert re.fullmatch(r"micro-F1 [01]\.\d{4}", lines[-1])
    assert any(line.startswith("PERS ") for line in lines)
    # The shipped model gets the unambiguous names of this tiny text.
    assert float(lines[-1].split()[1]) >= 0.5


# -- camel backend (optional dependency) -----------------------------------------------------
@pytest.mark.skipif(importlib.util.find_spec("transformers") is None, reason="transformers not installed")
def test_camel_backend_wiring(tmp_path: Path) -> None:
    import torch
    from transformers import BertConfig, BertForTokenClassification, BertTokenizer

    labels = ["B-LOC", "B-ORG", "B-PERS", "B-MISC", "I-LOC", "I-ORG", "I-PERS", "I-MISC", "O"]
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "بوتين", "موسكو", "في"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizer(str(tmp_path / "vocab.txt"), do_lower_case=False).save_pretrained(tmp_path)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={lab: i for i, lab in enumerate(labels)},
    )
    model = BertForTokenClassification(config)
    with torch.no_grad():  # make the tiny model's answer certain: every token is B-LOC
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
        model.classifier.bias[labels.index("B-LOC")] = 10.0
    model.save_pretrained(tmp_path)

    backend = get_backend("camel", model_path=tmp_path)
    assert backend.tag_tokens([["بوتين", "في", "موسكو"]]) == [["B-LOC", "B-LOC", "B-LOC"]]
    text = "بوتين في موسكو"
    spans = backend.extract(text)
    assert [s.text for s in spans] == ["بوتين", "في", "موسكو"]
    assert all(text[s.start : s.end] == s.text for s in spans)
