"""Topic classifier: training, prediction, persistence, evaluation report and threshold.

Pure Python (no database). The dev-data test skips without ../shared/data.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from articles.enrich.topics.classifier import DEFAULT_MODEL_DIR, MODEL_FILE, TopicClassifier, clear_cache, doc_hashes
from articles.enrich.topics.train import (
    ANT_CATEGORY_TO_SLUG,
    DEFAULT_PARAMS,
    choose_threshold,
    dev_split,
    evaluate,
    format_report,
    load_records,
    train,
)
from articles.ingest.readers.base import clippings
from articles.ingest.readers.formats import parse_path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "fixtures" / "seed_dump.txt"

# Distinct vocabularies per topic, with clitics and spelling variants (أ/ا, ة/ه) mixed in so the
# normalisation and clitic stripping are exercised, plus shared filler words.
VOCAB = {
    "sport": ["مباراة", "الهدف", "اللاعب", "والدوري", "المنتخب", "بالملعب", "المدرب", "الفريق"],
    "economy": ["النفط", "الأسعار", "البورصة", "والاقتصاد", "التضخم", "بالدولار", "الاستثمار", "المصرف"],
    "technology": ["الهاتف", "التطبيق", "الإنترنت", "والذكاء", "الاصطناعي", "البرمجيات", "الشريحة", "الحاسوب"],
}
FILLER = ["قال", "في", "من", "على", "إن", "الذي", "اليوم", "أمس", "خلال", "بعد", "كما", "وأضاف"]


def synthetic_records(vocab: dict[str, list[str]] = VOCAB, per_label: int = 30, seed: int = 0) -> list[dict[str, str]]:
    rng = random.Random(seed)
    records = []
    for label, topic_words in vocab.items():
        for _ in range(per_label):
            body = [rng.choice(topic_words if rng.random() < 0.4 else FILLER) for _ in range(40)]
            title = [rng.choice(topic_words), rng.choice(FILLER), rng.choice(topic_words)]
            records.append({"title": " ".join(title), "text": " ".join(body), "label": label})
    rng.shuffle(records)
    return records


def write_jsonl(path: Path, records: list[dict]) -> Path:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="module")
def small_model() -> TopicClassifier:
    return train(synthetic_records())


def test_train_and_predict(small_model: TopicClassifier) -> None:
    assert small_model.labels == ["economy", "sport", "technology"]
    cases = {
        "sport": ("المنتخب يفوز في المباراة", "سجل اللاعب الهدف الأول للفريق في الملعب وقال المدرب إن الدوري صعب"),
        "economy": ("ارتفاع أسعار النفط", "قال المصرف إن التضخم ارتفع وإن البورصة تراجعت مع الاستثمار بالدولار"),
        "technology": ("تطبيق جديد للهاتف", "أطلقت الشركة تطبيقا للذكاء الاصطناعي على الحاسوب والهاتف عبر الانترنت"),
    }
    for label, (title, text) in cases.items():
        slug, confidence = small_model.predict(title, text, threshold=0.0)
        assert slug == label, (label, slug, confidence)
        assert 1 / len(small_model.labels) < confidence <= 1.0
    batch = small_model.predict_many(list(cases.values()), threshold=0.0)
    assert [slug for slug, _ in batch] == list(cases)
    assert [c for _, c in batch] == pytest.approx(
        [small_model.predict(t, x, threshold=0.0)[1] for t, x in cases.values()]
    )


def test_normalised_variants_share_features() -> None:
    # Hamza/teh-marbuta spelling and a proclitic must not change the word features.
    a, _ = doc_hashes("", "الأسعار مرتفعة", DEFAULT_PARAMS)
    b, _ = doc_hashes("", "والاسعار مرتفعه", DEFAULT_PARAMS)
    assert sorted(a.tolist()) == sorted(b.tolist())
    title_words, _ = doc_hashes("الأسعار", "", DEFAULT_PARAMS)
    assert not set(title_words.tolist()) & set(a.tolist()), "title words live in their own namespace"


def test_hashes_are_stable_across_processes() -> None:
    # The model stores hashes, so they must not depend on Python's per-process string salt.
    code = (
        "from articles.enrich.topics.classifier import doc_hashes, DEFAULT_PARAMS;"
        "w, c = doc_hashes('عنوان الخبر', 'نص الخبر في بيروت', DEFAULT_PARAMS);"
        "print(int(w.sum() % 1000003), int(c.sum() % 1000003), w.size, c.size)"
    )
    outputs = set()
    for seed in ("1", "2"):
        run = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
            check=True,
        )
        outputs.add(run.stdout)
    assert len(outputs) == 1


def test_save_load_roundtrip(small_model: TopicClassifier, tmp_path: Path) -> None:
    small_model.save(tmp_path / "m")
    clear_cache()
    loaded = TopicClassifier.load(tmp_path / "m")
    assert TopicClassifier.load(tmp_path / "m") is loaded, "loading is cached per process"
    assert loaded.labels == small_model.labels
    assert loaded.threshold == pytest.approx(small_model.threshold)
    assert loaded.temperature == pytest.approx(small_model.temperature)
    items = [(r["title"], r["text"]) for r in synthetic_records(per_label=5, seed=7)]
    # float16 storage: probabilities agree to a few decimals, decisions exactly.
    np.testing.assert_allclose(loaded.predict_proba(items), small_model.predict_proba(items), atol=5e-3)
    assert [s for s, _ in loaded.predict_many(items)] == [s for s, _ in small_model.predict_many(items)]
    meta = json.loads((tmp_path / "m" / "meta.json").read_text(encoding="utf-8"))
    assert meta["labels"] == small_model.labels and "threshold" in meta


def test_evaluate_report(small_model: TopicClassifier, tmp_path: Path) -> None:
    held_out = synthetic_records(per_label=10, seed=3)
    # A file with an ANT category and a line without a label (skipped) goes through the reader too.
    extra = {"title": "مباراة المنتخب", "text": "سجل اللاعب الهدف", "category": "sport"}
    path = write_jsonl(tmp_path / "dev.jsonl.gz", [*held_out, extra, {"title": "x", "text": "y"}])
    records = load_records([path])
    assert len(records) == len(held_out) + 1
    result = evaluate(small_model, records)
    assert sum(map(sum, result["confusion"])) == len(records)
    assert result["accuracy"] > 0.8
    report = format_report(result)
    last = report.splitlines()[-1]
    assert re.fullmatch(r"macro-F1 \d\.\d{4}", last), last
    assert float(last.split()[1]) == pytest.approx(result["macro_f1"], abs=1e-4)


def test_evaluate_counts_unknown_gold_labels_as_errors(small_model: TopicClassifier) -> None:
    records = [{"title": "أمطار", "text": "طقس ممطر", "label": "weather"}]
    result = evaluate(small_model, records)
    assert "weather" in result["labels"]
    assert result["per_topic"]["weather"]["recall"] == 0.0
    assert result["accuracy"] == 0.0


def test_training_accepts_new_labels() -> None:
    vocab = {
        "health": ["المستشفى", "الطبيب", "اللقاح", "المرض", "والعلاج", "الصحة"],
        "local-politics": ["البلدية", "المجلس", "الانتخابات", "النائب", "والحكومة", "اللائحة"],
    }
    model = train(synthetic_records(vocab, per_label=12, seed=5))
    assert model.labels == ["health", "local-politics"]
    assert model.predict("اللقاح في المستشفى", "قال الطبيب إن اللقاح يحمي من المرض", threshold=0)[0] == "health"
    assert model.predict("انتخابات البلدية", "المجلس واللائحة والنائب", threshold=0)[0] == "local-politics"
    with pytest.raises(ValueError):
        train([{"title": "a", "text": "b", "label": "only-one"}] * 3)


def test_threshold_leaves_unsure_articles_unclassified(small_model: TopicClassifier) -> None:
    title, text = "خبر", "قال اليوم في خلال بعد"  # filler only: no topic evidence
    slug, confidence = small_model.predict(title, text, threshold=0.0)
    assert slug in small_model.labels
    assert small_model.predict(title, text, threshold=confidence + 1e-6) == (None, pytest.approx(confidence))
    assert small_model.predict(title, text, threshold=confidence)[0] == slug
    # The model's stored threshold is the default cut.
    old = small_model.threshold
    try:
        small_model.threshold = 1.01
        assert small_model.predict("المنتخب", "اللاعب والهدف")[0] is None
    finally:
        small_model.threshold = old


def test_choose_threshold_policy() -> None:
    conf = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.35, 0.3])
    correct = np.array([1, 1, 1, 1, 1, 1, 0, 1, 0, 0], dtype=bool)
    # Top 6 are all right: the cut keeps them (coverage 0.6 allowed).
    assert choose_threshold(conf, correct, target_precision=1.0, min_coverage=0.5) == pytest.approx(0.6)
    # A coverage floor wins over the precision target.
    assert choose_threshold(conf, correct, target_precision=1.0, min_coverage=0.8) == pytest.approx(0.4)
    # Everything meets the target: nothing is left out.
    assert choose_threshold(conf, np.ones(10, dtype=bool), target_precision=0.9, min_coverage=0.5) == 0.0


def test_trained_threshold_keeps_min_coverage() -> None:
    records = synthetic_records(per_label=20, seed=11)
    model = train(records, min_coverage=0.9, target_precision=1.0)
    assert 0.0 <= model.threshold < 1.0
    assert model.meta["calibration"].endswith("out-of-fold")
    covered = [c >= model.threshold for _, c in model.predict_many([(r["title"], r["text"]) for r in records])]
    # On the training data the model is at least as sure as out of fold.
    assert sum(covered) / len(covered) >= 0.9


def test_dev_split_is_balanced_and_deterministic() -> None:
    records = [dict(r, id=f"doc-{i}") for i, r in enumerate(synthetic_records(per_label=20))]
    train_idx, dev_idx = dev_split(records, per_class=5)
    assert sorted(train_idx + dev_idx) == list(range(len(records)))
    assert {lab: [records[i]["label"] for i in dev_idx].count(lab) for lab in VOCAB} == dict.fromkeys(VOCAB, 5)
    # The choice hangs on the ids, not on the order of the file.
    ids = {records[i]["id"] for i in dev_idx}
    rev = list(reversed(records))
    assert {rev[i]["id"] for i in dev_split(rev, per_class=5)[1]} == ids


# --- the shipped model --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> TopicClassifier:
    assert (DEFAULT_MODEL_DIR / MODEL_FILE).exists(), f"shipped topic model missing in {DEFAULT_MODEL_DIR}"
    return TopicClassifier.load()


def test_shipped_model_is_small_and_complete(shipped: TopicClassifier) -> None:
    size = sum(p.stat().st_size for p in DEFAULT_MODEL_DIR.iterdir() if p.is_file())
    assert size < 20 * 1024 * 1024
    assert set(shipped.labels) == set(ANT_CATEGORY_TO_SLUG.values())
    assert 0.0 < shipped.threshold < 1.0


def _seed() -> list[tuple[str, str]]:
    seed = clippings(parse_path(SEED))
    assert len(seed) == 2
    return [(c.title, c.body) for c in seed]


# The two seed clippings (2024, a Lebanese outlet) are out of the ANT 2018 domain. The shipped
# model ranks the wanted topic second on both (Putin/BRICS AI alliance: economy 0.43 >
# technology 0.32; Lebanese local elections: international 0.51 > middle-east 0.25), so top-1 is a
# known failure, kept visible as xfail rather than loosened. See docs/topics.md, "Caveats".
@pytest.mark.xfail(reason="known: out-of-domain seeds get the wanted topic second, not first", strict=False)
def test_shipped_model_top1_on_seed_articles(shipped: TopicClassifier) -> None:
    (putin, lebanon) = _seed()
    assert shipped.predict(*putin, threshold=0.0)[0] in {"technology", "international"}
    assert shipped.predict(*lebanon, threshold=0.0)[0] == "middle-east"


def test_shipped_model_on_seed_articles_is_not_confidently_wrong(shipped: TopicClassifier) -> None:
    """What the archive stores for the seeds: the wanted topic, or nothing (below threshold);
    and the wanted topic is among the model's two best guesses."""
    wanted = [{"technology", "international"}, {"middle-east"}]
    for (title, body), good in zip(_seed(), wanted, strict=True):
        slug, confidence = shipped.predict(title, body)
        assert slug is None or slug in good, (slug, confidence)
        proba = shipped.predict_proba([(title, body)])[0]
        top2 = {shipped.labels[i] for i in np.argsort(-proba)[:2]}
        assert top2 & good, (top2, good)


@pytest.mark.shared_data
def test_ant_file_reads_and_splits(shared_data: Path) -> None:
    path = shared_data / "ant" / "ant_multisource_v2.1.train.jsonl.gz"
    if not path.exists():
        pytest.skip(f"ANT training file not found at {path}")
    records = load_records([path])
    assert len(records) == 29725
    assert {r["label"] for r in records} == set(ANT_CATEGORY_TO_SLUG.values())
    _, dev_idx = dev_split(records)
    labels = [records[i]["label"] for i in dev_idx]
    assert all(labels.count(lab) == 300 for lab in ANT_CATEGORY_TO_SLUG.values())
