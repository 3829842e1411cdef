"""The editors' history (django-reversion): every admin change of articles, sources, topics and entities is
listed beside the object and reverts; an entity merge is one revision that undoes it whole, and so is a split."""

from __future__ import annotations

import importlib
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from reversion.models import Revision, Version

from articles.enrich.consolidate import entity_join_split
from articles.enrich.entity_service import entities_merge, entities_recount, entity_alias_add
from articles.ingest.history import revision_revert
from articles.ingest.store import fingerprint_compute, source_get_or_create
from articles.models import Article, Entity, EntityAlias, EntityAliasTail, EntityJoin, Mention, Source, Topic

TITLE = "بوتين يلتقي وفدا صينيا في موسكو"
BODY = "قال الرئيس الروسي فلاديمير بوتين في موسكو إن التعاون مع الصين سيستمر.\nوأضاف أن مجموعة بريكس تتوسع."
PASTED = "نص ملصوق بالخطأ عن مباراة كرة القدم في الدوحة."


class _Form(HTMLParser):
    """The fields a browser would post from an admin change form (inputs, checked boxes, selects, text areas)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", "on" if a.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


def form_data(html: str) -> dict[str, list[str]]:
    parser = _Form()
    parser.feed(html)
    # Django's textarea widget writes a newline after the opening tag, which browsers drop.
    return {k: [v[1:] if v.startswith("\n") else v for v in vs] for k, vs in parser.data.items()}


@pytest.fixture
def no_models(monkeypatch):
    """Entities and topic of a re-read text come from the models elsewhere; here the index is what counts."""
    entity_service = importlib.import_module("articles.enrich.entity_service")
    topic_service = importlib.import_module("articles.enrich.topic_service")
    monkeypatch.setattr(entity_service, "article_entities_extract", lambda article: [])
    monkeypatch.setattr(topic_service, "article_classify", lambda article, **kw: None)


def article_make(title=TITLE, body=BODY) -> Article:
    from articles.search.backend import article_index

    article = Article.objects.create(
        title=title, body=body, source=source_get_or_create("مأرب برس"), fingerprint=fingerprint_compute(title, body)
    )
    article_index(article)
    return article


def found(text: str) -> set[int]:
    from articles.search.backend import search_filter
    from articles.search.query import query_parse

    return set(search_filter(Article.objects.all(), query_parse(text)).values_list("pk", flat=True))


def post_form(client, url, **changes):
    data = form_data(client.get(url).content.decode())
    data.update({k: [v] for k, v in changes.items()})
    return client.post(url, data)


@pytest.mark.django_db(transaction=True)
def test_a_pasted_over_body_is_reverted_from_its_history(editor_client, no_models):
    article = article_make()
    url = reverse("admin:articles_article_change", args=[article.pk])
    response = post_form(editor_client, url, body=PASTED)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body == PASTED and found("الدوحة") == {article.pk} and found("بريكس") == set()

    history = editor_client.get(reverse("admin:articles_article_history", args=[article.pk])).content.decode()
    versions = list(Version.objects.get_for_object(article).order_by("pk"))
    assert len(versions) == 2  # the state before the first edit, then the edit
    assert versions[1].revision.user.username == "editor" and versions[0].field_dict["body"] == BODY
    revert_url = reverse("admin:articles_article_revision", args=[article.pk, versions[0].pk])
    assert revert_url in history

    page = editor_client.get(revert_url)
    assert page.status_code == 200 and "بريكس" in page.content.decode()
    article.refresh_from_db()
    assert article.body == PASTED  # looking at an old version changes nothing
    response = editor_client.post(revert_url, form_data(page.content.decode()))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body == BODY and article.fingerprint == fingerprint_compute(TITLE, BODY)
    assert found("بريكس") == {article.pk} and found("الدوحة") == set()  # the index follows the revert
    assert Version.objects.get_for_object(article).count() == 3  # the revert is in the history too


@pytest.mark.django_db
def test_source_and_topic_edits_are_in_their_history(admin_client):
    source = source_get_or_create("مأرب برس")
    topic = Topic.objects.get(slug="economy")
    for model, obj, field, value in (("source", source, "country", "اليمن"), ("topic", topic, "name_en", "Money")):
        url = reverse(f"admin:articles_{model}_change", args=[obj.pk])
        before = getattr(obj, field)
        assert post_form(admin_client, url, **{field: value}).status_code == 302
        obj.refresh_from_db()
        assert getattr(obj, field) == value
        first = Version.objects.get_for_object(obj).order_by("pk").first()
        revert_url = reverse(f"admin:articles_{model}_revision", args=[obj.pk, first.pk])
        assert post_form(admin_client, revert_url).status_code == 302
        obj.refresh_from_db()
        assert getattr(obj, field) == before


def entity_make(name: str, key: str | None = None, kind: str = "PERS") -> Entity:
    entity = Entity.objects.create(name=name, kind=kind, key=key or name, slug=f"{key or name}-{kind}".lower())
    entity_alias_add(entity=entity, name=name, origin=EntityAlias.Origin.EXTRACTED)
    return entity


def mention_make(article: Article, entity: Entity, surface: str) -> Mention:
    start = article.body.index(surface)
    end = start + len(surface)
    return Mention.objects.create(article=article, entity=entity, surface=surface, start=start, end=end)


def entity_state() -> dict:
    """Everything a merge touches, by natural values (ids included: an undo gives the same ids back)."""
    return {
        "entities": sorted(Entity.objects.values_list("pk", "name", "kind", "key", "slug", "article_count")),
        "aliases": sorted(EntityAlias.objects.values_list("pk", "entity_id", "key", "origin")),
        "mentions": sorted(Mention.objects.values_list("pk", "entity_id", "article_id", "surface")),
        # the look-up's word tails (a surname finds the entity): derived from the aliases, not versioned
        "tails": sorted(EntityAliasTail.objects.values_list("alias__entity_id", "alias__key", "tail")),
    }


@pytest.mark.django_db
def test_an_admin_merge_is_one_revision_and_reverting_it_undoes_the_merge(editor_client):
    a1 = article_make()
    a2 = article_make("وصول بوتن إلى بكين", "وصل الرئيس بوتن إلى بكين صباح اليوم في زيارة رسمية.")
    putin = entity_make("بوتين")
    other = entity_make("بوتن")
    mention_make(a1, putin, "بوتين")
    mention_make(a2, other, "بوتن")
    entity_alias_add(entity=other, name="Putin")  # an editor's Latin alias on the one merged away
    entities_recount()
    before = entity_state()
    revisions = Revision.objects.count()

    response = editor_client.post(
        reverse("admin:articles_entity_changelist"),
        {"action": "merge_entities", "_selected_action": [putin.pk, other.pk], "apply": "1", "target": putin.pk},
    )
    assert response.status_code == 302
    assert not Entity.objects.filter(pk=other.pk).exists()
    assert Mention.objects.filter(entity=putin).count() == 2
    assert Revision.objects.count() == revisions + 1  # one revision for the whole merge
    revision = Revision.objects.latest("pk")
    assert revision.user.username == "editor" and "بوتن" in revision.comment

    version = Version.objects.get_for_object(putin).get(revision=revision)
    url = reverse("admin:articles_entity_revision", args=[putin.pk, version.pk])
    assert url in editor_client.get(reverse("admin:articles_entity_history", args=[putin.pk])).content.decode()
    assert post_form(editor_client, url).status_code == 302
    assert entity_state() == before  # same ids, aliases, mentions and counts as before the merge


@pytest.mark.django_db
def test_a_merge_by_the_service_reverts_on_its_own(db):
    article = article_make()
    a, b, c = entity_make("بوتين"), entity_make("بوتن"), entity_make("بوتينن")
    for entity, surface in ((a, "بوتين"), (b, "بوتين"), (c, "فلاديمير")):
        mention_make(article, entity, surface)
    entities_recount()
    before = entity_state()
    entities_merge(target=a, others=[b, c])
    assert Entity.objects.count() == 1 and EntityAlias.objects.filter(entity=a).count() >= 3
    revision = Revision.objects.latest("pk")
    revision_revert(revision=revision)
    assert entity_state() == before


@pytest.mark.django_db
def test_a_split_is_one_revision_and_reverting_it_joins_again(db):
    article = article_make("وصول بوتن إلى موسكو", "قال بوتين في موسكو إن بوتن لم يصل.")
    putin = entity_make("بوتين")
    mention_make(article, putin, "بوتين")
    Mention.objects.create(article=article, entity=putin, surface="بوتن", start=article.body.index("بوتن"),
                           end=article.body.index("بوتن") + 4)
    entity_alias_add(entity=putin, name="بوتن", origin=EntityAlias.Origin.MERGED)
    join = EntityJoin.objects.create(entity=putin, kind="PERS", key="بوتن", name="بوتن", target_key="بوتين",
                                     rule=EntityJoin.Rule.FUZZY, score=91.0, article_count=1)
    entities_recount()
    before = entity_state()
    split_off = entity_join_split(join=join)
    assert split_off.pk != putin.pk and Mention.objects.filter(entity=split_off).count() == 1
    revision = Revision.objects.latest("pk")
    assert "بوتن" in revision.comment
    revision_revert(revision=revision)
    assert entity_state() == before  # the split's entity is gone, the mention and alias are back
    join.refresh_from_db()
    assert join.split_at is None


@pytest.mark.django_db
def test_consolidation_writes_no_history(db):
    """Automatic joins are undone by a split; a revision per join would slow every ingest."""
    a, b = entity_make("بوتين"), entity_make("بوتن")
    entities_merge(target=a, others=[b], history=False)
    assert not Revision.objects.exists()


@pytest.mark.django_db
def test_a_source_merge_in_the_admin_is_one_revision_that_undoes_it(admin_client):
    keep = source_get_or_create("مأرب برس")
    article = article_make()
    other = source_get_or_create("مارب برس اونلاين")
    Article.objects.filter(pk=article.pk).update(source=other)
    assert admin_client.get(reverse("admin:articles_source_changelist")).status_code == 200
    assert not Revision.objects.exists()  # a list page itself writes no revision
    response = admin_client.post(
        reverse("admin:articles_source_changelist"),
        {"action": "merge_sources", "_selected_action": [keep.pk, other.pk], "apply": "1", "target": keep.pk},
    )
    assert response.status_code == 302
    assert not Source.objects.filter(pk=other.pk).exists() and Article.objects.get(pk=article.pk).source == keep
    assert Revision.objects.count() == 1
    version = Version.objects.get_for_object(keep).get()
    revert_url = reverse("admin:articles_source_revision", args=[keep.pk, version.pk])
    assert post_form(admin_client, revert_url).status_code == 302
    assert Source.objects.get(pk=other.pk).name == "مارب برس اونلاين"
    assert Article.objects.get(pk=article.pk).source_id == other.pk


@pytest.mark.django_db
def test_a_deleted_article_is_recovered(admin_client, no_models):
    article = article_make()
    pk = article.pk
    response = admin_client.post(reverse("admin:articles_article_delete", args=[pk]), {"post": "yes"})
    assert response.status_code == 302 and not Article.objects.filter(pk=pk).exists()
    version = Version.objects.get_deleted(Article).get(object_id=str(pk))
    recover = reverse("admin:articles_article_recover", args=[version.pk])
    assert recover in admin_client.get(reverse("admin:articles_article_recoverlist")).content.decode()
    assert post_form(admin_client, recover).status_code == 302
    assert Article.objects.get(pk=pk).body == BODY and found("بريكس") == {pk}
