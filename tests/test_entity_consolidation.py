"""One entity per name across spellings (entities_consolidate), the audit trail and its split,
search expansion to other spellings, Latin look-up, ranking, hidden junk and keyword in context.

Articles go through the real write path (``article_mentions_replace``) with spans found by a plain
string search, so no NER model is needed.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from articles.enrich.consolidate import entities_consolidate, entity_join_split
from articles.enrich.entity_service import article_mentions_replace
from articles.enrich.ner.base import EntitySpan
from articles.enrich.selectors import entity_search
from articles.models import Entity, EntityAlias, EntityJoin, Mention
from tests.search_data import article_make, source_make

pytestmark = pytest.mark.django_db
_day = itertools.count(1)


def _article(body: str, names: list[tuple[str, str]], title: str = "خبر") -> object:
    """An article whose body mentions ``names`` ((text, kind)), stored through the entity service."""
    article = article_make(
        title, body, source=source_make(), published_on=dt.date(2024, 1, 1) + dt.timedelta(next(_day))
    )
    spans, pos = [], 0
    for text, kind in names:
        start = body.index(text, pos if body.find(text, pos) >= 0 else 0)
        spans.append(EntitySpan(start, start + len(text), kind, text))
        pos = start + len(text)
    article_mention_store(article, spans)
    return article


def article_mention_store(article, spans) -> None:
    article_mentions_replace(article, title_spans=[], body_spans=spans)


def _n_entities(kind: str = "PERS") -> int:
    return Entity.objects.filter(kind=kind).count()


# --- consolidation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("فلاديمير بوتين", "فلاديمير بوتن"),
        ("دونالد ترامب", "دونالد ترمب"),
        ("نتنياهو", "نتانياهو"),
        ("عبد الفتاح السيسي", "عبدالفتاح السيسي"),
        ("عبد الله", "عبدالله"),
        # members of our own: hamza seats, long vowels in other foreign names, compounds
        ("إسرائيل", "إسراييل"),
        ("زيلينسكي", "زيلنسكي"),
        ("هيلاري كلينتون", "هيلاري كلنتون"),
        ("أبو ظبي", "أبوظبي"),
    ],
)
def test_spellings_of_one_name_become_one_entity(first, second):
    kind = "LOC" if first in ("إسرائيل", "أبو ظبي") else "PERS"
    _article(f"قال {first} اليوم.", [(first, kind)])
    _article(f"قال {first} أمس.", [(first, kind)])
    _article(f"وقال {second} كذلك.", [(second, kind)])
    assert _n_entities(kind) == 2
    report, _ = entities_consolidate()
    assert report.joined == 1
    [entity] = Entity.objects.filter(kind=kind)
    assert entity.article_count == 3
    assert {first, second} <= set(entity.aliases.values_list("name", flat=True))
    join = EntityJoin.objects.get()
    assert (join.entity, join.name, join.rule) == (entity, second, EntityJoin.Rule.SPELLING)
    assert join.score > 80


def test_partial_name_joins_the_one_full_name_across_articles():
    _article("التقى رجب طيب أردوغان الوفد.", [("رجب طيب أردوغان", "PERS")])
    _article("قال أردوغان إن الوفد وصل.", [("أردوغان", "PERS")])
    _article("استقبل فلاديمير بوتين الوفد.", [("فلاديمير بوتين", "PERS")])
    _article("قال بوتين إن الوفد وصل.", [("بوتين", "PERS")])
    _article("وقال بوتن كذلك.", [("بوتن", "PERS")])
    entities_consolidate()
    assert set(Entity.objects.values_list("name", flat=True)) == {"رجب طيب أردوغان", "فلاديمير بوتين"}
    putin = Entity.objects.get(name="فلاديمير بوتين")
    assert putin.article_count == 3
    assert set(putin.joins.values_list("name", "rule")) >= {("بوتين", "partial")}


@pytest.mark.parametrize(
    ("names", "kept"),
    [
        # the negatives: different people stay apart
        (["محمد بن سلمان", "محمد بن زايد"], 2),
        (["سلمان", "محمد بن سلمان"], 2),
        # an ambiguous surname shared by two known full names stays unmerged
        (["المر", "الياس المر", "ميرنا المر"], 3),
        # members of our own: vowel-letter names that are other names
        (["حسن نصر الله", "حسين نصر الله"], 2),
        (["محمود عباس", "محمد عباس"], 2),
        (["محمد بن سلمان", "محمد بن سليمان"], 2),
        (["خالد", "خالد مشعل", "خالد الفيصل"], 3),
    ],
)
def test_different_people_are_never_merged(names, kept):
    for name in names:
        _article(f"قال {name} اليوم.", [(name, "PERS")])
    entities_consolidate()
    assert _n_entities() == kept


def test_surname_joins_the_dominant_full_name_only():
    for _ in range(10):
        _article("قال دونالد ترامب اليوم.", [("دونالد ترامب", "PERS")])
    _article("قالت إيفانكا ترامب اليوم.", [("إيفانكا ترامب", "PERS")])
    _article("قال ترمب اليوم.", [("ترمب", "PERS")])
    entities_consolidate()
    trump = Entity.objects.get(name="دونالد ترامب")
    assert trump.article_count == 11
    assert Entity.objects.filter(name="إيفانكا ترامب").exists()


def test_split_survives_reextraction_and_consolidation():
    _article("قال فلاديمير بوتين اليوم.", [("فلاديمير بوتين", "PERS")])
    _article("قال فلاديمير بوتين أمس.", [("فلاديمير بوتين", "PERS")])
    other = _article("وقال فلاديمير بوتن كذلك.", [("فلاديمير بوتن", "PERS")])
    entities_consolidate()
    join = EntityJoin.objects.get()
    editor = get_user_model().objects.create_user("editor", is_staff=True)
    split = entity_join_split(join=join, user=editor)
    assert split.name == "فلاديمير بوتن" and split.article_count == 1
    assert Mention.objects.get(article=other).entity == split
    join.refresh_from_db()
    assert join.split_at and join.split_by == editor
    # re-extraction and another consolidation keep them apart
    article_mention_store(other, [EntitySpan(4, 17, "PERS", "فلاديمير بوتن")])
    assert Mention.objects.get(article=other).entity == split
    report, _ = entities_consolidate()
    assert report.joined == 0
    assert _n_entities() == 2
    with pytest.raises(ValueError, match="already split"):
        entity_join_split(join=join)


def test_join_survives_reextraction():
    _article("قال دونالد ترامب اليوم.", [("دونالد ترامب", "PERS")])
    _article("قال دونالد ترامب غدا.", [("دونالد ترامب", "PERS")])
    other = _article("قال دونالد ترمب أمس.", [("دونالد ترمب", "PERS")])
    entities_consolidate()
    article_mention_store(other, [EntitySpan(4, 15, "PERS", "دونالد ترمب")])
    assert Mention.objects.get(article=other).entity.name == "دونالد ترامب"
    assert _n_entities() == 1


def test_consolidate_command_dry_run_and_run(capsys):
    _article("قال بنيامين نتنياهو اليوم.", [("بنيامين نتنياهو", "PERS")])
    _article("قال بنيامين نتنياهو غدا.", [("بنيامين نتنياهو", "PERS")])
    _article("قال بنيامين نتانياهو أمس.", [("بنيامين نتانياهو", "PERS")])
    call_command("entities_consolidate", "--dry-run", "--show", "5")
    out = capsys.readouterr().out
    assert "would join 1" in out and "بنيامين نتانياهو" in out
    assert _n_entities() == 2
    call_command("entities_consolidate")
    assert "joined 1 (spelling 1)" in capsys.readouterr().out
    assert _n_entities() == 1


# --- search: a known entity's name finds its other spellings ------------------------------------


@pytest.fixture
def putin_spellings():
    a = _article("قال بوتين إن موسكو مستعدة.", [("بوتين", "PERS")])
    b = _article("قال بوتين إن موسكو جاهزة.", [("بوتين", "PERS")])
    c = _article("وقال بوتن إن الاتفاق قريب.", [("بوتن", "PERS")])
    entities_consolidate()
    return a, b, c


def test_search_for_an_entity_name_finds_other_spellings(client, putin_spellings):
    a, b, c = putin_spellings
    body = client.get("/api/articles/", {"q": "بوتين"}).json()
    assert {r["id"] for r in body["results"]} == {a.pk, b.pk, c.pk}
    assert body["expanded"]["spellings"] == ["بوتن"]
    marked = {r["id"]: r["matched_spelling"] for r in body["results"]}
    assert marked == {a.pk: None, b.pk: None, c.pk: "بوتن"}
    page = client.get("/search/", {"q": "بوتين"}).content.decode()
    assert "matched-spelling" in page and "بوتن" in page
    # and the other way round
    body = client.get("/api/articles/", {"q": "بوتن"}).json()
    assert {r["id"] for r in body["results"]} == {a.pk, b.pk, c.pk}


def test_plain_words_are_not_expanded(client, putin_spellings):
    assert client.get("/api/articles/", {"q": "موسكو"}).json()["expanded"] is None
    assert client.get("/api/articles/", {"q": "بوتين -الاتفاق"}).json()["expanded"] is None


# --- Latin look-up, ranking, hidden junk ---------------------------------------------------------

LATIN = [
    ("Putin", "فلاديمير بوتين", "PERS"),
    ("Trump", "دونالد ترامب", "PERS"),
    ("Erdogan", "رجب طيب أردوغان", "PERS"),
    ("Netanyahu", "بنيامين نتنياهو", "PERS"),
    ("Macron", "إيمانويل ماكرون", "PERS"),
    ("Merkel", "أنجيلا ميركل", "PERS"),
    ("Moscow", "موسكو", "LOC"),
    ("Tehran", "طهران", "LOC"),
    ("Sisi", "عبد الفتاح السيسي", "PERS"),
    # members of our own
    ("Biden", "جو بايدن", "PERS"),
    ("Khamenei", "علي خامنئي", "PERS"),
    ("Hezbollah", "حزب الله", "ORG"),
]


@pytest.fixture
def latin_world():
    for _, name, kind in LATIN:
        for _ in range(3):
            _article(f"قال {name} شيئا.", [(name, kind)])
    # decoys that sound alike but matter less
    _article("زار الوفد بوتان.", [("بوتان", "LOC")])
    _article("قالت إيفانكا ترامب شيئا.", [("إيفانكا ترامب", "PERS")])
    _article("وصل الوفد إلى مسقط.", [("مسقط", "LOC")])


@pytest.mark.parametrize(("query", "name", "kind"), LATIN)
def test_latin_query_finds_the_right_entity_first(client, latin_world, query, name, kind):
    assert entity_search(q=query)[0].entity.name == name
    results = client.get("/api/entities/", {"q": query.lower()}).json()["results"]
    assert results[0]["name"] == name
    page = client.get("/entities/", {"q": query}).content.decode()
    assert name in page


def test_internal_phonetic_code_is_never_shown(client, latin_world):
    page = client.get("/entities/", {"q": "Putin"}).content.decode()
    assert "BTN" not in page and "bwtyn" not in page.lower()
    results = client.get("/api/entities/", {"q": "Putin"}).json()["results"]
    assert all(a.isascii() is False for a in results[0]["aliases"])
    assert not EntityAlias.objects.filter(origin=EntityAlias.Origin.TRANSLITERATION).exists()


def test_editor_latin_alias_is_exact_and_first(client, latin_world):
    from articles.enrich.entity_service import entity_alias_add

    bhutan = Entity.objects.get(name="بوتان")
    entity_alias_add(entity=bhutan, name="Bhutan")
    assert entity_search(q="Bhutan")[0].entity == bhutan
    assert "Bhutan" in client.get("/api/entities/", {"q": "bhutan"}).json()["results"][0]["aliases"]


def test_index_ranks_by_importance_and_hides_one_off_junk(client, admin_client):
    for _ in range(3):
        _article("زار الوفد روسيا.", [("روسيا", "LOC")])
    _article("زار الوفد اليابان.", [("اليابان", "LOC")])
    _article("ارتدت العروس فستان أبيض.", [("فستان", "PERS")])  # once, one common-noun word: junk
    names = [r["name"] for r in client.get("/api/entities/").json()["results"]]
    assert names == ["روسيا", "اليابان"]
    assert "فستان" not in client.get("/entities/").content.decode()
    # an editor can show all
    assert "فستان" in admin_client.get("/entities/", {"all": "1"}).content.decode()
    assert "فستان" in [r["name"] for r in admin_client.get("/api/entities/", {"all": "1"}).json()["results"]]
    assert "فستان" not in client.get("/entities/", {"all": "1"}).content.decode()  # readers cannot


def test_hidden_junk_is_kept_out_of_facets_and_related_lists(client):
    for day in range(2):
        _article(f"زار بوتين روسيا {day}.", [("بوتين", "PERS"), ("روسيا", "LOC")])
    _article("زار بوتين روسيا مع فستان.", [("بوتين", "PERS"), ("روسيا", "LOC"), ("فستان", "PERS")])
    facet = [v["name"] for v in client.get("/api/articles/", {"q": "روسيا"}).json()["facets"]["entity"]]
    assert "فستان" not in facet and "بوتين" in facet
    putin = Entity.objects.get(name="بوتين")
    page = client.get(putin.get_absolute_url()).content.decode()
    assert "روسيا" in page and "فستان" not in page.split("Mentioned with")[-1].split("</aside>")[0]


# --- the entity page: keyword in context ---------------------------------------------------------


def test_entity_page_shows_the_sentence_with_the_name_marked(client, django_assert_max_num_queries):
    body = "جملة أولى لا شأن لها. ثم قال بوتين <b>شيئا</b> مهما. وجملة أخيرة."
    for _ in range(25):
        _article(body, [("بوتين", "PERS")], title="عنوان")
    _article("وقال بوتن كذلك.", [("بوتن", "PERS")])
    entities_consolidate()
    putin = Entity.objects.get(name="بوتين")
    with django_assert_max_num_queries(14):  # fixed whatever the page size: no N+1
        page = client.get(putin.get_absolute_url()).content.decode()
    assert "ثم قال <mark>بوتين</mark> &lt;b&gt;شيئا&lt;/b&gt; مهما." in page
    assert "جملة أولى" not in page
    assert "بوتن" in page  # its other spelling is listed
    assert page.count("<mark>") == 20  # one sentence per article on the page


# --- the admin: why two spellings were joined, and the split ---------------------------------------


def test_editor_sees_the_join_and_splits_it_in_the_admin(client, editor):
    from django.urls import reverse

    _article("قال دونالد ترامب اليوم.", [("دونالد ترامب", "PERS")])
    _article("قال دونالد ترامب غدا.", [("دونالد ترامب", "PERS")])
    _article("قال دونالد ترمب أمس.", [("دونالد ترمب", "PERS")])
    entities_consolidate()
    client.force_login(editor)
    trump = Entity.objects.get()
    page = client.get(reverse("admin:articles_entity_change", args=[trump.pk])).content.decode()
    join = EntityJoin.objects.get()
    assert "دونالد ترمب" in page and f"?id__exact={join.pk}" in page  # the joined spelling, a split link
    response = client.post(
        reverse("admin:articles_entityjoin_changelist"),
        {"action": "split_joins", "_selected_action": [join.pk]},
    )
    assert response.status_code == 302
    assert set(Entity.objects.values_list("name", "article_count")) == {("دونالد ترامب", 2), ("دونالد ترمب", 1)}
    join.refresh_from_db()
    assert join.split_by == editor


def test_ingest_joins_a_new_spelling_without_a_manual_command(monkeypatch, settings):
    """A sync ingest ends with consolidation: بوتن stored beside بوتين is one entity once the run is done."""
    import io

    from articles.enrich.pipeline import Enrichment
    from articles.ingest.service import ingest_stream

    monkeypatch.setattr("articles.ingest.service.enrichment_compute", lambda title, body: Enrichment())
    monkeypatch.setattr("articles.enrich.pipeline.enrichment_compute", lambda title, body: Enrichment())
    _article("قال فلاديمير بوتين إن", [("فلاديمير بوتين", "PERS")])
    _article("قال فلاديمير بوتن إن", [("فلاديمير بوتن", "PERS")])
    assert _n_entities() == 2
    settings.ENTITIES_CONSOLIDATE_ON_INGEST = False
    data = "عنوان\nفقرة.\nالمصدر: وكالة\n".encode()
    ingest_stream(io.BufferedReader(io.BytesIO(data)), name="a.txt", workers=0)
    assert _n_entities() == 2  # switched off: nothing joined
    settings.ENTITIES_CONSOLIDATE_ON_INGEST = True
    ingest_stream(io.BufferedReader(io.BytesIO(data.replace("عنوان".encode(), "عنوان آخر".encode()))), name="b.txt",
                  workers=0)
    assert _n_entities() == 1
    assert set(EntityAlias.objects.values_list("name", flat=True)) >= {"فلاديمير بوتين", "فلاديمير بوتن"}
