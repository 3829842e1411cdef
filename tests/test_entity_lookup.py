"""The main person first (issue 21, point 2): a look-up by any word of a name, exact and most-mentioned
first, relatives and namesakes after; a bare surname in a relative's article goes to the main person."""

from __future__ import annotations

import pytest

from articles.enrich.ner import base as ner_base
from articles.enrich.selectors import entity_search
from articles.models import Entity, EntityAlias, EntityAliasTail, Mention
from articles.text import has_junior_marker, key_tails
from tests.test_entities import DictNer, _store, no_topics  # noqa: F401 - fixtures used by name

FATHER = "دونالد ترامب"
SON = "ترامب جي أر"


@pytest.fixture
def names(monkeypatch, settings, no_topics):  # noqa: F811
    """A stand-in tagger for the names each test sets (the shipped model is not what is tested)."""
    backend = DictNer({"@@no-name@@": "MISC"})

    def use(table: dict[str, str]) -> None:
        backend.__init__(table or {"@@no-name@@": "MISC"})  # empty: a tagger that finds nothing

    monkeypatch.setitem(ner_base._BACKENDS, "dict", ("tests.test_entities", "DictNer"))
    monkeypatch.setitem(ner_base._CACHE, ("dict", ()), backend)
    settings.NER_BACKEND = "dict"
    return use


def test_key_tails_and_kin():
    assert key_tails("دونالد ترامب") == [("دونالد ترامب", False), ("ترامب", False)]
    assert ("حريري", False) in key_tails("سعد الحريري")  # a typed «حريري» or «الحريري» meets it
    assert ("سلمان", True) in key_tails("محمد بن سلمان")  # the father's name inside the son's
    assert has_junior_marker("دونالد ترامب جي ار") and has_junior_marker("جورج بوش الابن")
    assert not has_junior_marker("دونالد ترامب") and not has_junior_marker("جي ار")


def _api(client, q: str) -> list[str]:
    return [r["name"] for r in client.get("/api/entities/", {"q": q}).json()["results"]]


@pytest.mark.django_db
def test_small_archive_surname_finds_the_father_first(names, client):
    """The issue's case: three articles say «دونالد ترامب», one «ترامب جي أر» and, in it, «ترامب»
    (the father). ?q=ترامب gave only the son: the father comes first now, and his mention in the
    son's article is his."""
    names({FATHER: "PERS", SON: "PERS", "ترامب": "PERS"})
    for n in range(3):
        _store(title=f"خبر {n}", body=f"قال الرئيس {FATHER} في خطاب رقم {n} إن الاقتصاد بخير.")
    son_article = _store(title="مقابلة", body=f"قال {SON} إن والده ترامب سيترشح مرة أخرى.")
    assert _api(client, "ترامب") == [FATHER, SON]
    father = Entity.objects.get(name=FATHER)
    surname = Mention.objects.get(article=son_article, surface="ترامب")
    assert surname.entity == father
    assert father.article_count == 4
    assert Entity.objects.get(name=SON).article_count == 1


@pytest.mark.django_db
def test_relative_ranks_after_the_main_person_even_when_more_mentioned(names, client):
    names({FATHER: "PERS", "دونالد ترامب جي أر": "PERS"})
    _store(title="أ", body=f"صرح {FATHER} اليوم.")
    for n in range(3):
        _store(title=f"ب {n}", body=f"قال دونالد ترامب جي أر في المقابلة {n} كلاما.")
    assert _api(client, "ترامب") == [FATHER, "دونالد ترامب جي أر"]
    # Typing the son's full name finds him first.
    assert _api(client, "دونالد ترامب جي أر")[0] == "دونالد ترامب جي أر"


@pytest.mark.django_db
def test_any_word_of_a_name_and_namesakes(names, client):
    names({"سعد الحريري": "PERS", "بيت مري": "LOC", "محمد بن سلمان": "PERS", "سلمان بن عبد العزيز": "PERS"})
    _store(title="أ", body="التقى سعد الحريري وفدا في بيت مري.")
    for n in range(4):
        _store(title=f"ب {n}", body=f"قال ولي العهد محمد بن سلمان في لقاء {n} إن الرياض ستستثمر.")
    _store(title="ج", body="استقبل سلمان بن عبد العزيز الوفد.")
    assert _api(client, "الحريري") == ["سعد الحريري"]
    assert _api(client, "حريري") == ["سعد الحريري"]
    assert _api(client, "مري") == ["بيت مري"]  # a place's second word
    assert _api(client, "الحرير") == ["سعد الحريري"]  # a word's beginning, as typed
    # «سلمان» is the king; in «محمد بن سلمان» it names the son's father: the son comes after.
    assert _api(client, "سلمان") == ["سلمان بن عبد العزيز", "محمد بن سلمان"]


@pytest.mark.django_db
def test_tails_follow_alias_changes(names):
    names({"بيت مري": "LOC"})
    _store(title="أ", body="في بيت مري اليوم.")
    entity = Entity.objects.get(name="بيت مري")
    from articles.enrich.entity_service import entities_merge, entity_alias_add, entity_alias_remove

    alias = entity_alias_add(entity=entity, name="بيت مري المتن")
    assert [h.entity for h in entity_search(q="المتن")] == [entity]
    entity_alias_remove(alias=alias)
    assert entity_search(q="المتن") == []
    other = Entity.objects.create(kind="LOC", key="مري", name="مري", slug="mry")
    EntityAlias.objects.create(entity=other, key="برمانا", name="برمانا")  # a plain create keeps them too
    assert [h.entity for h in entity_search(q="برمانا", show_all=True)] == [other]
    entities_merge(target=entity, others=[other])
    assert [h.entity for h in entity_search(q="برمانا", show_all=True)] == [entity]
    assert EntityAliasTail.rebuild() == EntityAliasTail.objects.count()
