"""Article/entity builders for the search, page, API and feed tests (ORM only: no NER, no topic model)."""

from __future__ import annotations

import datetime as dt
import uuid

from articles.enrich.entity_service import alias_phonetic, entities_recount
from articles.models import Article, Entity, EntityAlias, Mention, Source, Topic
from articles.search.backend import article_index
from articles.text import search_key


def source_make(name: str = "مأرب برس", slug: str = "marib") -> Source:
    source, _ = Source.objects.get_or_create(key=search_key(name), defaults={"name": name, "slug": slug})
    return source


def topic_get(slug: str = "international") -> Topic:
    topic, _ = Topic.objects.get_or_create(slug=slug, defaults={"name_ar": slug, "name_en": slug})
    return topic


def entity_make(name: str, *, kind: str = "PERS", slug: str | None = None, aliases: tuple[str, ...] = ()) -> Entity:
    entity = Entity.objects.create(name=name, kind=kind, key=search_key(name), slug=slug or search_key(name))
    for alias in (name, *aliases):
        key = alias.lower() if alias.isascii() else search_key(alias)
        EntityAlias.objects.get_or_create(entity=entity, key=key, defaults={"name": alias, **alias_phonetic(alias)})
    return entity


def article_make(
    title: str,
    body: str = "نص الخبر.",
    *,
    source: Source | None = None,
    published_on: dt.date | None = dt.date(2024, 12, 12),
    topic: Topic | None = None,
    entities: tuple[Entity, ...] = (),
) -> Article:
    """An indexed article; each entity gets a mention at its first occurrence (title, else body)."""
    article = Article.objects.create(
        title=title,
        body=body,
        source=source or source_make(),
        published_on=published_on,
        topic=topic,
        fingerprint=uuid.uuid4().hex,
    )
    for entity in entities:
        in_title = entity.name in title
        text = title if in_title else body
        start = max(text.find(entity.name), 0)
        Mention.objects.create(
            article=article,
            entity=entity,
            surface=entity.name,
            in_title=in_title,
            start=start,
            end=start + len(entity.name),
        )
    entities_recount([e.pk for e in entities])  # as the entity service keeps it
    article_index(article)
    return article


def world_make() -> dict:
    """Three entities, two sources, two topics and four articles (one undated) for page tests."""
    putin = entity_make("بوتين", slug="putin", aliases=("فلاديمير بوتين", "Putin"))
    moscow = entity_make("موسكو", kind="LOC", slug="moscow")
    xi = entity_make("شي جين بينغ", slug="xi")
    marib = source_make("مأرب برس", "marib")
    lebanon = source_make("لبنان 24", "lebanon24")
    intl, eco = topic_get("international"), topic_get("economy")
    articles = [
        article_make(
            "بوتين في موسكو",
            "استقبل بوتين ضيوفه في موسكو.",
            source=marib,
            topic=intl,
            published_on=dt.date(2024, 1, 5),
            entities=(putin, moscow),
        ),
        article_make(
            "قمة اقتصادية",
            "التقى شي جين بينغ وبوتين لبحث الاقتصاد.",
            source=lebanon,
            topic=eco,
            published_on=dt.date(2024, 3, 9),
            entities=(xi, putin),
        ),
        article_make(
            "أسواق موسكو",
            "ارتفعت الأسهم في موسكو.",
            source=lebanon,
            topic=eco,
            published_on=dt.date(2024, 3, 20),
            entities=(moscow,),
        ),
        article_make(
            "خبر بلا تاريخ",
            "لبوتين رسالة <script>alert(1)</script> جديدة.",
            source=marib,
            published_on=None,
            entities=(putin,),
        ),
    ]
    return {"putin": putin, "moscow": moscow, "xi": xi, "articles": articles}
