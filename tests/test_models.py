"""Model constraints the rest of the archive relies on."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from articles.models import Article, Entity, EntityAlias, Source, Topic


@pytest.fixture
def source(db) -> Source:
    return Source.objects.create(name="مصدر", key="مصدر", slug="masdar")


def test_fingerprint_is_unique(source):
    Article.objects.create(title="a", body="b", source=source, fingerprint="f" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(title="c", body="d", source=source, fingerprint="f" * 64)


def test_source_key_and_slug_unique(source):
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(name="مصدر آخر", key="مصدر", slug="other")
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(name="مصدر آخر", key="other", slug="masdar")


def test_entity_key_unique_per_kind_only(db):
    Entity.objects.create(name="الأردن", kind="LOC", key="الاردن", slug="jordan-loc")
    Entity.objects.create(name="الأردن", kind="ORG", key="الاردن", slug="jordan-org")
    with pytest.raises(IntegrityError), transaction.atomic():
        Entity.objects.create(name="الاردن", kind="LOC", key="الاردن", slug="jordan-2")


def test_alias_unique_per_entity(db):
    entity = Entity.objects.create(name="بوتين", kind="PERS", key="بوتين", slug="putin")
    EntityAlias.objects.create(entity=entity, name="Putin", key="putin")
    with pytest.raises(IntegrityError), transaction.atomic():
        EntityAlias.objects.create(entity=entity, name="PUTIN", key="putin")


def test_taxonomy_migration_created_the_six_topics(db):
    assert set(Topic.objects.values_list("slug", flat=True)) >= {
        "international", "middle-east", "economy", "sport", "technology", "culture",
    }
    assert Topic.objects.get(slug="sport").name_ar == "رياضة"


def test_deleting_a_source_with_articles_is_refused(source):
    from django.db.models import ProtectedError

    Article.objects.create(title="a", body="b", source=source, fingerprint="1" * 64)
    with pytest.raises(ProtectedError):
        source.delete()
