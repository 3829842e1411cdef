"""Topic services and commands against the database: locks, thresholds, retraining from the
archive, and the train/evaluate/classify commands. Models are small ones the tests train."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.enrich import topic_service
from articles.enrich.topics.classifier import TopicClassifier, clear_cache
from articles.enrich.topics.train import train
from articles.models import Article, Source, Topic
from tests.test_topics_model import VOCAB, synthetic_records, write_jsonl

SPORT = ("المنتخب يفوز في المباراة", "سجل اللاعب الهدف الأول للفريق في الملعب وقال المدرب إن الدوري صعب")
ECONOMY = ("ارتفاع أسعار النفط", "قال المصرف إن التضخم ارتفع وإن البورصة تراجعت مع الاستثمار بالدولار")
TECH = ("تطبيق جديد للهاتف", "أطلقت الشركة تطبيقا للذكاء الاصطناعي على الحاسوب والهاتف عبر الانترنت")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("topic-model")
    train(synthetic_records()).save(path)
    return path


@pytest.fixture
def model(model_dir: Path, settings) -> TopicClassifier:
    settings.TOPIC_MODEL_PATH = str(model_dir)
    clear_cache()
    classifier = TopicClassifier.load(model_dir)
    classifier.threshold = 0.0  # the module-scoped model is shared: tests set their own cut
    return classifier


@pytest.fixture
def topics(db) -> dict[str, Topic]:
    # The migrations seed the starting taxonomy; "technology" is removed on purpose: a predicted
    # slug without a Topic row must stay unclassified.
    Topic.objects.filter(slug="technology").delete()
    return {
        slug: Topic.objects.get_or_create(slug=slug, defaults={"name_ar": slug, "name_en": slug})[0]
        for slug in ("sport", "economy")
    }


_counter = iter(range(10**6))


def make_article(title: str, body: str, **fields) -> Article:
    source, _ = Source.objects.get_or_create(key="test", defaults={"name": "test", "slug": "test"})
    return Article.objects.create(title=title, body=body, source=source, fingerprint=f"fp-{next(_counter)}", **fields)


def test_article_classify_sets_topic_and_confidence(model, topics) -> None:
    article = make_article(*SPORT)
    slug, confidence = topic_service.article_classify(article)
    article.refresh_from_db()
    assert slug == "sport"
    assert article.topic == topics["sport"]
    assert article.topic_confidence == pytest.approx(confidence)


def test_locked_topic_is_never_changed(model, topics) -> None:
    locked = make_article(*SPORT, topic=topics["economy"], topic_locked=True, topic_confirmed=True)
    assert topic_service.article_classify(locked) is None
    assert topic_service.article_topic_apply(locked, "sport", 0.99) is False
    free = make_article(*SPORT)
    written = topic_service.articles_classify(Article.objects.all(), batch_size=1)
    assert written == 1
    locked.refresh_from_db()
    free.refresh_from_db()
    assert (locked.topic, locked.topic_confidence, locked.topic_locked) == (topics["economy"], None, True)
    assert free.topic == topics["sport"]


def test_below_threshold_or_unknown_topic_is_left_unclassified(model, topics) -> None:
    unknown = make_article(*TECH)  # "technology" has no Topic row
    unsure = make_article(*ECONOMY, topic=topics["sport"])
    slug, _ = topic_service.article_classify(unknown, classifier=model)
    assert slug == "technology"
    unknown.refresh_from_db()
    assert unknown.topic is None and unknown.topic_confidence is not None
    assert not Topic.objects.filter(slug="technology").exists(), "the classifier never creates topics"

    model.threshold = 1.01  # nothing is sure enough
    topic_service.article_classify(unsure, classifier=model)
    unsure.refresh_from_db()
    assert unsure.topic is None and 0 < unsure.topic_confidence <= 1


def test_classify_topics_command(model, topics) -> None:
    done = make_article(*SPORT, topic=topics["economy"], topic_confidence=0.9)  # classified before
    fresh = make_article(*ECONOMY)
    locked = make_article(*SPORT, topic=topics["economy"], topic_locked=True)
    out = io.StringIO()
    call_command("classify_topics", stdout=out)
    assert "classified 1 articles" in out.getvalue()
    for a in (done, fresh, locked):
        a.refresh_from_db()
    assert fresh.topic == topics["economy"]
    assert done.topic == topics["economy"], "without --all, classified articles are left alone"

    call_command("classify_topics", "--all", "--batch-size", "1", stdout=io.StringIO())
    done.refresh_from_db()
    locked.refresh_from_db()
    assert done.topic == topics["sport"]
    assert locked.topic == topics["economy"] and locked.topic_confidence is None


def test_train_from_archive_learns_editor_topics(db, tmp_path: Path, settings) -> None:
    # Editors created two topics of their own and confirmed a handful of articles.
    vocab = {
        "health": ["المستشفى", "الطبيب", "اللقاح", "المرض", "والعلاج", "الصحة"],
        "local-politics": ["البلدية", "المجلس", "الانتخابات", "النائب", "والحكومة", "اللائحة"],
    }
    created = {slug: Topic.objects.create(slug=slug, name_ar=slug, name_en=slug) for slug in vocab}
    for rec in synthetic_records(vocab, per_label=8, seed=2):
        make_article(rec["title"], rec["text"], topic=created[rec["label"]], topic_locked=True, topic_confirmed=True)
    # Unconfirmed classifier output is not training data.
    make_article("مباراة", "هدف اللاعب", topic=created["health"], topic_confirmed=False)
    data = write_jsonl(tmp_path / "extra.jsonl", synthetic_records(per_label=8, seed=4))

    out_dir = tmp_path / "model"
    out = io.StringIO()
    call_command("train_topics", "--data", str(data), "--from-archive", "--out", str(out_dir), stdout=out)
    assert "16 editor-confirmed articles" in out.getvalue()
    model = TopicClassifier.load(out_dir)
    assert model.labels == sorted([*vocab, *VOCAB])
    assert model.meta["trained_on"] == 16 + 24

    retrained = TopicClassifier.load(out_dir)
    retrained.threshold = 0.0
    article = make_article("حملة اللقاح", "قال الطبيب في المستشفى إن العلاج والصحة أولوية")
    slug, _ = topic_service.article_classify(article, classifier=retrained)
    assert slug == "health"
    article.refresh_from_db()
    assert article.topic == created["health"]
    assert retrained.predict(*SPORT)[0] == "sport", "the --data topics are learnt alongside"


def test_train_command_needs_data(db, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no labelled records"):
        call_command("train_topics", "--from-archive", "--out", str(tmp_path / "m"), stdout=io.StringIO())
    with pytest.raises(CommandError, match="no such file"):
        call_command("train_topics", "--data", str(tmp_path / "missing.jsonl"), stdout=io.StringIO())


def test_evaluate_topics_command(model_dir: Path, tmp_path: Path, settings) -> None:
    settings.TOPIC_MODEL_PATH = str(model_dir)
    clear_cache()
    path = write_jsonl(tmp_path / "eval.jsonl", synthetic_records(per_label=6, seed=9))
    out = io.StringIO()
    call_command("evaluate_topics", str(path), stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[0] == "articles 18"
    assert re.fullmatch(r"macro-F1 (\d\.\d{4})", lines[-1])
    assert float(lines[-1].split()[1]) > 0.8
    assert any(line.startswith("confusion matrix") for line in lines)


# --- the source's category (JSON Lines ``category``) -------------------------------------------


def test_source_category_decides_and_is_marked(model, topics) -> None:
    given = make_article(*ECONOMY, source_category="sport")  # the classifier would say economy
    topic_service.article_classify(given, classifier=model)
    given.refresh_from_db()
    assert (given.topic, given.topic_origin) == (topics["sport"], Article.TopicOrigin.SOURCE)
    # ANT's category names and a topic's Arabic name map too; an unknown category leaves it to the model.
    assert topic_service.topic_for_category("middleEast").slug == "middle-east"
    assert topic_service.topic_for_category("internationalNews").slug == "international"
    assert topic_service.topic_for_category("الشرق الأوسط").slug == "middle-east"
    assert topic_service.topic_for_category("localNews") is None
    assert topic_service.topic_for_category("") is None
    unknown = make_article(*SPORT, source_category="localNews")
    topic_service.article_classify(unknown, classifier=model)
    unknown.refresh_from_db()
    assert (unknown.topic, unknown.topic_origin) == (topics["sport"], Article.TopicOrigin.MODEL)


def test_classifier_never_overwrites_the_source_and_editor_wins(model, topics) -> None:
    given = make_article(*ECONOMY, source_category="sport")
    topic_service.article_topic_apply(given, "economy", 0.99)
    call_command("classify_topics", "--all", stdout=io.StringIO())
    given.refresh_from_db()
    assert (given.topic, given.topic_origin) == (topics["sport"], Article.TopicOrigin.SOURCE)
    # An editor's choice still wins over the source.
    edited = make_article(*SPORT, source_category="sport", topic=topics["economy"], topic_locked=True)
    assert topic_service.article_topic_apply(edited, "sport", 0.99) is False
    call_command("classify_topics", "--all", stdout=io.StringIO())
    edited.refresh_from_db()
    assert edited.topic == topics["economy"]


def test_ingest_stores_the_category_and_warns_on_unknown(model, topics) -> None:
    import json

    from articles.ingest.service import ingest_stream

    lines = [
        {"title": ECONOMY[0], "text": ECONOMY[1], "source": "ANT", "category": "sport"},
        {"title": SPORT[0], "text": SPORT[1], "source": "ANT", "category": "localNews"},
        {"title": TECH[0], "text": TECH[1], "source": "ANT"},
    ]
    data = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode()
    run = ingest_stream(io.BytesIO(data), name="ant.jsonl", workers=0)
    assert run.created_count == 3
    by_title = {a.title: a for a in Article.objects.all()}
    first = by_title[ECONOMY[0]]
    assert (first.source_category, first.topic, first.topic_origin) == ("sport", topics["sport"], "source")
    second = by_title[SPORT[0]]
    assert second.source_category == "localNews" and second.topic_origin == Article.TopicOrigin.MODEL
    assert run.warning_count == 1 and "line 2" in run.warnings[0] and "localNews" in run.warnings[0]
