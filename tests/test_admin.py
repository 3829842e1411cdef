"""The editors' admin: the article form, curating entities and sources, the editors group."""

from __future__ import annotations

import importlib
import sys
import types

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse

from articles.enrich.pipeline import Enrichment
from articles.ingest.store import fingerprint_compute, source_get_or_create
from articles.models import Article, BlockedEntity, Entity, EntityAlias, Mention, Source, Topic

BODY = "قال الرئيس الروسي فلاديمير بوتين في موسكو إن التعاون مع الصين سيستمر.\nوأضاف أن مجموعة بريكس تتوسع."
TITLE = "بوتين يلتقي وفدا صينيا في موسكو"


# --- fixtures shared with test_admin_upload.py -------------------------------------------------------


def _noop(*args, **kwargs):
    return None


# Modules other agents write; a stand-in is installed only while they are missing.
_STAND_INS = {
    "articles.search.backend": {"article_index": _noop},
    "articles.enrich.entity_service": {
        "article_mentions_replace": _noop,
        "article_entities_extract": _noop,
        "articles_entities_extract": lambda articles: [],
    },
    "articles.enrich.topic_service": {
        "article_topic_apply": _noop,
        "article_classify": _noop,
        "articles_classify": lambda *args, **kwargs: 0,
    },
}


def real_pipeline_reason() -> str | None:
    """Why the real enrichment cannot run here (models or services missing), or None when it can."""
    try:
        for name, attrs in _STAND_INS.items():
            module = importlib.import_module(name)
            if missing := [a for a in attrs if not hasattr(module, a)]:
                raise ImportError(f"{name} has no {', '.join(missing)}")
        from articles.enrich.pipeline import enrichment_compute

        enrichment_compute(TITLE, BODY)
    except Exception as exc:  # a missing model file, module or dependency
        return f"real enrichment pipeline unavailable: {type(exc).__name__}: {exc}"
    return None


@pytest.fixture
def stub_enrichment(monkeypatch):
    """No NER/topic models needed: enrichment finds nothing; missing services get stand-ins."""
    monkeypatch.setattr("articles.ingest.service.enrichment_compute", lambda title, body: Enrichment())
    monkeypatch.setattr("articles.enrich.pipeline.enrichment_compute", lambda title, body: Enrichment())
    for name, attrs in _STAND_INS.items():
        try:
            module = importlib.import_module(name)
        except ImportError:
            module = types.ModuleType(name)
            monkeypatch.setitem(sys.modules, name, module)
        for attr, value in attrs.items():
            if not hasattr(module, attr):
                monkeypatch.setattr(module, attr, value, raising=False)


@pytest.fixture(autouse=True)
def english(settings):
    """Assertions read the English source strings, whatever Arabic catalog is installed."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def upload_dir(tmp_path, settings):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    return settings.UPLOAD_DIR


def article_make(title: str = TITLE, body: str = BODY, source: str = "مأرب برس", **fields) -> Article:
    return Article.objects.create(
        title=title,
        body=body,
        source=source_get_or_create(source),
        fingerprint=fingerprint_compute(title, body),
        **fields,
    )


def add_form_data(**overrides) -> dict:
    data = {"title": TITLE, "body": BODY, "source": "", "new_source_name": "مأرب برس", "published_on": "2024-12-12"}
    data.update({"url": "", "topic": ""}, **overrides)
    return data


# --- access --------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/", "/admin/articles/article/", "/admin/articles/ingestrun/upload/"])
def test_anonymous_gets_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_editors_group_has_exactly_the_curating_permissions():
    codenames = set(Group.objects.get(name="editors").permissions.values_list("codename", flat=True))
    assert codenames == {
        *(f"{a}_article" for a in ("add", "change", "delete", "view")),
        "add_ingestrun",
        "view_ingestrun",
        *(f"{a}_mention" for a in ("add", "change", "delete", "view")),
        "change_source",
        "delete_source",
        "view_source",
        "view_topic",
        "change_entity",
        "delete_entity",
        "view_entity",
        *(f"{a}_entityalias" for a in ("add", "change", "delete", "view")),
        "view_entityjoin",  # automatic joins: see why, and split (change)
        "change_entityjoin",
        "delete_blockedentity",
        "view_blockedentity",
        # Sign-in attempts (django-axes): see them, unlock by deleting one.
        "view_accessattempt",
        "delete_accessattempt",
        "view_accesslog",
    }
    outside = Permission.objects.filter(group__name="editors").exclude(content_type__app_label="articles")
    assert set(outside.values_list("content_type__app_label", flat=True)) == {"axes"}


@pytest.mark.django_db
def test_editor_can_curate_but_not_manage_users(editor_client, editor, stub_enrichment):
    pages = (
        "articles_article_add",
        "articles_ingestrun_upload",
        "articles_entity_changelist",
        "articles_source_changelist",
    )
    for name in (*pages, "index", "articles_blockedentity_changelist", "articles_ingestrun_changelist"):
        assert editor_client.get(reverse(f"admin:{name}")).status_code == 200, name
    upload_link = f'href="{reverse("admin:articles_ingestrun_upload")}"'
    for name in ("index", "articles_article_changelist", "articles_ingestrun_changelist"):
        assert upload_link in editor_client.get(reverse(f"admin:{name}")).content.decode(), name
    assert editor_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    delete_url = reverse("admin:auth_user_delete", args=[editor.pk])
    assert editor_client.get(delete_url).status_code == 403
    assert editor_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=editor.pk).exists()


@pytest.mark.django_db
def test_staff_without_group_cannot_add_articles(client):
    user = User.objects.create_user("staff", password="a-long-test-passphrase", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:articles_article_add")).status_code == 403
    assert client.get(reverse("admin:articles_ingestrun_upload")).status_code == 403


@pytest.mark.django_db
def test_admin_speaks_arabic_and_text_areas_are_rtl(admin_client):
    response = admin_client.get(reverse("admin:articles_article_add"), HTTP_ACCEPT_LANGUAGE="ar")
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert html.count('dir="rtl"') >= 2 and 'lang="ar"' in html
    assert 'name="title"' in html and 'name="new_source_name"' in html


# --- adding and editing an article ---------------------------------------------------------------


@pytest.mark.django_db
def test_add_article_goes_through_the_ingest_service(editor_client, editor, stub_enrichment):
    topic = Topic.objects.get(slug="international")
    response = editor_client.post(reverse("admin:articles_article_add"), add_form_data(topic=topic.pk))
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:articles_article_change", args=[article.pk])
    assert article.fingerprint == fingerprint_compute(TITLE, BODY)
    assert article.source.name == "مأرب برس"
    assert (article.topic, article.topic_locked, article.topic_confirmed) == (topic, True, True)
    assert article.entities_extracted_at is not None
    assert LogEntry.objects.filter(user=editor, object_id=str(article.pk), action_flag=ADDITION).exists()
    page = editor_client.get(response["Location"]).content.decode()
    assert "topic_confidence" in page or "confidence" in page.lower()


@pytest.mark.django_db
def test_add_article_with_an_existing_source(admin_client, stub_enrichment):
    source = source_get_or_create("لبنان 24")
    admin_client.post(reverse("admin:articles_article_add"), add_form_data(source=source.pk, new_source_name=""))
    assert Article.objects.get().source == source
    assert Source.objects.count() == 1


@pytest.mark.django_db
def test_add_article_needs_a_source(admin_client, stub_enrichment):
    response = admin_client.post(reverse("admin:articles_article_add"), add_form_data(new_source_name=""))
    assert response.status_code == 200
    assert "Choose a source" in response.content.decode() or response.context["adminform"].form.errors
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_duplicate_clipping_is_refused_with_a_link(editor_client, stub_enrichment):
    existing = article_make()
    # Another spelling of the same text (hamza, ta marbuta): the fingerprint is on the normal form.
    data = add_form_data(title=TITLE.replace("وفدا", "وفداً"), new_source_name="لبنان 24")
    response = editor_client.post(reverse("admin:articles_article_add"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "already in the archive" in html
    assert f'href="{reverse("admin:articles_article_change", args=[existing.pk])}"' in html
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_editing_text_reextracts_and_reindexes(admin_client, monkeypatch, stub_enrichment):
    article = article_make()
    calls = []
    entity_service = importlib.import_module("articles.enrich.entity_service")
    topic_service = importlib.import_module("articles.enrich.topic_service")
    search = importlib.import_module("articles.search.backend")
    monkeypatch.setattr(entity_service, "article_entities_extract", lambda a: calls.append(("extract", a.pk)))
    monkeypatch.setattr(topic_service, "article_classify", lambda a, **kw: calls.append(("classify", a.pk)))
    monkeypatch.setattr(search, "article_index", lambda a: calls.append(("index", a.pk)))
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = _change_form_data(article, body=BODY + "\nفقرة جديدة.")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    article.refresh_from_db()
    assert article.body.endswith("فقرة جديدة.")
    assert article.fingerprint == fingerprint_compute(article.title, article.body)
    assert calls == [("extract", article.pk), ("classify", article.pk), ("index", article.pk)]

    calls.clear()  # the index holds only the text: a date change leaves it alone
    admin_client.post(url, _change_form_data(article, published_on="2025-01-02"))
    assert calls == []


@pytest.mark.django_db
def test_choosing_a_topic_on_the_change_form_locks_it(admin_client, stub_enrichment):
    article = article_make(topic_confidence=0.4)
    topic = Topic.objects.get(slug="economy")
    url = reverse("admin:articles_article_change", args=[article.pk])
    admin_client.post(url, _change_form_data(article, topic=topic.pk))
    article.refresh_from_db()
    assert (article.topic, article.topic_locked, article.topic_confirmed) == (topic, True, True)
    assert LogEntry.objects.filter(object_id=str(article.pk), action_flag=CHANGE).exists()


@pytest.mark.django_db
def test_mention_added_inline_finds_its_offsets_and_is_locked(editor_client, stub_enrichment):
    article = article_make()
    entity = Entity.objects.create(name="بوتين", kind="PERS", key="بوتين", slug="بوتين")
    data = _change_form_data(article)
    data.update({"mentions-TOTAL_FORMS": "1", "mentions-0-entity": entity.pk, "mentions-0-surface": "بوتين"})
    data.update({"mentions-0-locked": "on"})
    response = editor_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    mention = Mention.objects.get()
    assert article.body[mention.start : mention.end] == "بوتين"
    assert mention.locked and not mention.in_title


def _change_form_data(article: Article, **overrides) -> dict:
    data = {
        "title": article.title,
        "body": article.body,
        "source": article.source_id,
        "new_source_name": "",
        "published_on": article.published_on.isoformat() if article.published_on else "",
        "url": article.url,
        "topic": article.topic_id or "",
        "mentions-TOTAL_FORMS": "0",
        "mentions-INITIAL_FORMS": "0",
        "mentions-MIN_NUM_FORMS": "0",
        "mentions-MAX_NUM_FORMS": "1000",
        "_save": "1",
    }
    if article.topic_locked:
        data["topic_locked"] = "on"
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_article_search_uses_the_archive_index(admin_client, stub_enrichment):
    admin_client.post(reverse("admin:articles_article_add"), add_form_data())
    changelist = reverse("admin:articles_article_changelist")
    assert len(admin_client.get(changelist, {"q": "موسكو"}).context["cl"].result_list) == 1
    assert len(admin_client.get(changelist, {"q": "باريس"}).context["cl"].result_list) == 0


# --- article list --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_unclassified_filter_and_run_filter(admin_client, stub_enrichment):
    topic = Topic.objects.get(slug="sport")
    classified = article_make(topic=topic)
    unclassified = article_make(title="عنوان آخر", body="نص آخر مختلف تماما.")
    changelist = reverse("admin:articles_article_changelist")
    response = admin_client.get(changelist, {"classified": "no"})
    assert list(response.context["cl"].result_list) == [unclassified]
    response = admin_client.get(changelist, {"topic__id__exact": topic.pk})
    assert list(response.context["cl"].result_list) == [classified]


@pytest.mark.django_db
def test_bulk_actions_call_the_services(editor_client, monkeypatch, stub_enrichment):
    articles = [article_make(), article_make(title="عنوان آخر", body="نص آخر مختلف تماما.")]
    entity_service = importlib.import_module("articles.enrich.entity_service")
    topic_service = importlib.import_module("articles.enrich.topic_service")
    extracted, classified = [], []

    def extract(batch) -> list[int]:
        extracted.extend(a.pk for a in batch)
        return []

    monkeypatch.setattr(entity_service, "articles_entities_extract", extract)

    def classify(queryset, **kwargs) -> int:
        classified.extend(queryset.values_list("pk", flat=True))
        return queryset.count()

    monkeypatch.setattr(topic_service, "articles_classify", classify)
    changelist = reverse("admin:articles_article_changelist")
    selected = [a.pk for a in articles]
    editor_client.post(changelist, {"action": "reextract_entities", "_selected_action": selected})
    editor_client.post(changelist, {"action": "reclassify_topics", "_selected_action": selected})
    assert sorted(extracted) == sorted(selected)
    assert sorted(classified) == sorted(selected)


# --- sources -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_source_merge_moves_articles(editor_client, editor, stub_enrichment):
    first = article_make(source="لبنان 24")
    second = article_make(title="عنوان آخر", body="نص آخر مختلف تماما.", source="لبنان ٢٤ نيوز")
    target, other = first.source, second.source
    changelist = reverse("admin:articles_source_changelist")
    selected = {"action": "merge_sources", "_selected_action": [target.pk, other.pk]}
    page = editor_client.post(changelist, selected)
    assert page.status_code == 200 and "لبنان 24" in page.content.decode()  # the choose-a-target page
    response = editor_client.post(changelist, {**selected, "apply": "1", "target": target.pk})
    assert response.status_code == 302
    assert list(Source.objects.all()) == [target]
    assert set(target.articles.all()) == {first, second}
    log = LogEntry.objects.get(object_id=str(target.pk), action_flag=CHANGE)
    assert log.user == editor and "لبنان ٢٤ نيوز" in log.change_message


@pytest.mark.django_db
def test_source_rename_keeps_the_key(admin_client, stub_enrichment):
    source = source_get_or_create("لبنان 24")
    url = reverse("admin:articles_source_change", args=[source.pk])
    admin_client.post(url, {"name": "موقع لبنان 24", "url": "", "country": "لبنان"})
    source.refresh_from_db()
    assert source.name == "موقع لبنان 24"
    assert source_get_or_create("لبنان 24") == source  # dumps spelling the old name still land here


# --- entities ------------------------------------------------------------------------------------


def _entity(name: str, kind: str = "PERS") -> Entity:
    from articles.text import search_key

    entity = Entity.objects.create(name=name, kind=kind, key=search_key(name), slug=f"{search_key(name)}-{kind}")
    # As the entity service makes them: every entity has an alias for its own key (the look-up's words).
    EntityAlias.objects.create(entity=entity, name=name, key=entity.key)
    return entity


@pytest.mark.django_db
def test_entity_search_by_normalised_name_and_latin_alias(admin_client, stub_enrichment):
    entity = _entity("أحمد الشرع")
    EntityAlias.objects.create(entity=entity, name="Ahmed al-Sharaa", key="ahmed al sharaa", origin="editor")
    _entity("بريكس", "ORG")
    changelist = reverse("admin:articles_entity_changelist")
    for term in ("احمد", "Sharaa", "أحمد"):
        assert list(admin_client.get(changelist, {"q": term}).context["cl"].result_list) == [entity], term
    response = admin_client.get(changelist, {"kind__exact": "ORG"})
    assert [e.name for e in response.context["cl"].result_list] == ["بريكس"]


def _entity_form_data(entity: Entity, aliases: list[EntityAlias] = (), **overrides) -> dict:
    data = {
        "name": entity.name,
        "kind": entity.kind,
        "aliases-TOTAL_FORMS": str(len(aliases) + 1),
        "aliases-INITIAL_FORMS": str(len(aliases)),
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
    }
    for i, alias in enumerate(aliases):
        data.update({f"aliases-{i}-id": alias.pk, f"aliases-{i}-entity": entity.pk, f"aliases-{i}-name": alias.name})
    data.update(overrides)
    return data


@pytest.fixture
def entity_service():
    return pytest.importorskip("articles.enrich.entity_service", reason="entity service not written yet")


@pytest.mark.django_db
def test_aliases_added_and_removed_inline(editor_client, entity_service, stub_enrichment):
    entity = _entity("بوتين")
    url = reverse("admin:articles_entity_change", args=[entity.pk])
    response = editor_client.post(url, _entity_form_data(entity, **{"aliases-0-name": "Putin"}))
    assert response.status_code == 302
    alias = entity.aliases.get(name="Putin")
    assert alias.origin == EntityAlias.Origin.EDITOR and alias.key
    response = editor_client.post(url, _entity_form_data(entity, [alias], **{"aliases-0-DELETE": "on"}))
    assert response.status_code == 302
    assert not entity.aliases.filter(name="Putin").exists()


@pytest.fixture
def own_alias_post(admin_client, entity_service, stub_enrichment):
    """An entity with its own-name alias, and a function posting its change form with overrides."""
    entity = _entity("بوتين")
    own = EntityAlias.objects.get(entity=entity, key=entity.key)
    url = reverse("admin:articles_entity_change", args=[entity.pk])

    def post(**overrides):
        return admin_client.post(url, _entity_form_data(entity, [own], **overrides))

    return entity, own, post


@pytest.mark.django_db
def test_the_entity_own_name_alias_cannot_be_removed(own_alias_post):
    entity, own, post = own_alias_post
    response = post(**{"aliases-0-DELETE": "on"})
    assert response.status_code == 200 and "own name" in response.content.decode()
    assert entity.aliases.filter(pk=own.pk).exists()


@pytest.mark.django_db
def test_renaming_the_own_name_alias_keeps_it_and_adds_the_new_spelling(own_alias_post):
    entity, own, post = own_alias_post
    response = post(**{"aliases-0-name": "بوتن"})
    assert response.status_code == 302
    assert entity.aliases.filter(pk=own.pk).exists()
    assert entity.aliases.filter(name="بوتن").exists()


@pytest.mark.django_db
def test_unblocking_from_the_block_list(editor_client, entity_service, stub_enrichment):
    blocked = entity_service.entity_block(entity=_entity("الخبر"))
    editor_client.post(reverse("admin:articles_blockedentity_delete", args=[blocked.pk]), {"post": "yes"})
    assert not BlockedEntity.objects.exists()


@pytest.mark.django_db
def test_entity_kind_change(editor_client, entity_service, stub_enrichment):
    entity = _entity("بريكس", "PERS")
    url = reverse("admin:articles_entity_change", args=[entity.pk])
    editor_client.post(url, _entity_form_data(entity, kind="ORG"))
    assert Entity.objects.filter(key=entity.key, kind="ORG").exists()
    assert not Entity.objects.filter(key=entity.key, kind="PERS").exists()


@pytest.mark.django_db
def test_deleting_an_entity_blocks_it(editor_client, entity_service, stub_enrichment):
    single, first, second = _entity("الخبر"), _entity("أمس", "MISC"), _entity("اليوم", "MISC")
    editor_client.post(reverse("admin:articles_entity_delete", args=[single.pk]), {"post": "yes"})
    changelist = reverse("admin:articles_entity_changelist")
    editor_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"}
    )
    assert not Entity.objects.exists()
    assert set(BlockedEntity.objects.values_list("key", "kind")) == {(e.key, e.kind) for e in (single, first, second)}


@pytest.mark.django_db
def test_entity_merge_survives_reextraction(editor_client, editor, entity_service, monkeypatch, stub_enrichment):
    """Two spellings become two entities; merged in the admin, re-extraction keeps them one."""
    from articles.enrich.ner.base import EntitySpan

    names = ("بوتين", "بوتن")  # the second a common misspelling

    class FakeNer:
        def extract(self, text: str) -> list[EntitySpan]:
            return [
                EntitySpan(start, start + len(name), "PERS", name)
                for name in names
                for start in [text.find(name)]
                if start >= 0 and text[start : start + len(name) + 1].strip() == name
            ]

    monkeypatch.setattr("articles.enrich.entity_service.get_backend", lambda *a, **kw: FakeNer())
    first = article_make(title="لقاء في موسكو", body="التقى بوتين وفدا صينيا في موسكو.")
    second = article_make(title="تصريح من الكرملين", body="قال بوتن إن التعاون مستمر.")
    for article in (first, second):
        entity_service.article_entities_extract(article)
    target, other = Entity.objects.get(name="بوتين"), Entity.objects.get(name="بوتن")

    changelist = reverse("admin:articles_entity_changelist")
    action = {"action": "merge_entities", "_selected_action": [target.pk, other.pk]}
    assert "بوتن" in editor_client.post(changelist, action).content.decode()  # choose the target
    response = editor_client.post(changelist, {**action, "apply": "1", "target": target.pk})
    assert response.status_code == 302
    assert list(Entity.objects.filter(kind="PERS")) == [target]
    log = LogEntry.objects.get(user=editor, object_id=str(target.pk), action_flag=CHANGE)
    assert "بوتن" in log.change_message

    articles = reverse("admin:articles_article_changelist")
    editor_client.post(articles, {"action": "reextract_entities", "_selected_action": [first.pk, second.pk]})
    assert list(Entity.objects.filter(kind="PERS")) == [target]
    assert sorted(Mention.objects.values_list("article_id", "entity_id")) == [
        (first.pk, target.pk),
        (second.pk, target.pk),
    ]
