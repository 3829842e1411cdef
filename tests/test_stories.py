"""Stories: near-duplicates grouped at ingest, shown once in listings, API and feeds, with a story page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from articles.enrich.pipeline import Enrichment
from articles.ingest.service import article_store
from articles.ingest.store import source_get_or_create
from articles.models import Article, Story, StoryBand
from articles.stories import signature as sig
from articles.stories.selectors import words_diff
from articles.stories.service import story_assign
from tests.story_data import OTHER_TITLE, WIRE_BODY, WIRE_TITLE, story_world


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("عاجل | انفجار في المرفأ", "انفجار في المرفا"),
        ("فيديو: انفجار في المرفأ", "انفجار في المرفا"),
        ("انفجار في المرفأ (فيديو)", "انفجار في المرفا"),
        ("انفجار في المرفأ - وكالة الأنباء السعودية", "انفجار في المرفا"),
        ("انفجار في المرفأ | سكاي نيوز عربية", "انفجار في المرفا"),
        # Not decorations: a dateline and a title that starts with a marker word.
        ("سوسة: حادث مرور", "سوسه: حادث مرور"),
        ("تقرير يكشف الأرقام", "تقرير يكشف الارقام"),
    ],
)
def test_title_decorations_are_stripped_for_comparison(title, expected):
    assert sig.title_undecorated(title) == expected


def test_signatures_are_deterministic_and_near_copies_are_similar():
    a = sig.signature_compute(WIRE_TITLE, WIRE_BODY)
    b = sig.signature_compute(f"عاجل | {WIRE_TITLE}", WIRE_BODY)
    c = sig.signature_compute(OTHER_TITLE, "نص مختلف تماما عن أسعار النفط والأسواق")
    assert len(sig.signature_bytes(a)) == sig.NUM_PERM * 4
    assert sig.band_hashes(a) == sig.band_hashes(sig.signature_from_bytes(sig.signature_bytes(a)))
    assert sig.similarity_estimate(a.hashvalues, b.hashvalues) == 1.0
    assert sig.similarity_estimate(a.hashvalues, c.hashvalues) < 0.2
    assert all(-(2**63) <= h < 2**63 for h in sig.band_hashes(a))


@pytest.mark.django_db
def test_ingest_groups_copies_and_keeps_rejecting_exact_duplicates():
    world = story_world()
    run = world["run"]
    assert (run.created_count, run.duplicate_count) == (4, 1)
    wire = Story.objects.get(size=3)
    copies = list(wire.articles.order_by("published_on"))
    assert [a.source.name for a in copies] == ["bbc", "skynews", "france24"]
    assert wire.lead_id == copies[0].pk and wire.source_count == 3
    assert [a.story_lead for a in copies] == [True, False, False]
    other = Article.objects.get(title=OTHER_TITLE)
    assert other.story.size == 1 and other.story_lead
    assert StoryBand.objects.filter(article=other).count() == sig.BANDS


@pytest.mark.django_db
def test_an_earlier_copy_arriving_later_becomes_the_lead():
    story_world()
    late = article_store(
        title=f"{WIRE_TITLE} - وكالة الأنباء",
        body=WIRE_BODY,
        source=source_get_or_create("wire"),
        published_on=dt.date(2018, 7, 1),
        enrichment=Enrichment(),
    ).article
    story_assign(articles=[late])
    late.refresh_from_db()
    assert late.story.size == 4 and late.story.lead_id == late.pk and late.story_lead
    assert Article.objects.filter(story=late.story, story_lead=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_deleting_the_lead_promotes_the_next_copy():
    story_world()
    wire = Story.objects.get(size=3)
    Article.objects.get(pk=wire.lead_id).delete()
    wire.refresh_from_db()
    assert wire.size == 2 and wire.lead.source.name == "skynews" and wire.lead.story_lead


@pytest.mark.django_db
def test_search_shows_a_story_once_with_its_copies(client):
    story_world()
    html = client.get(reverse("search"), {"q": "درعا"}).content.decode()
    assert html.count('class="result"') == 1
    assert 'class="story-copies"' in html
    assert "skynews" in html and "france24" in html  # the copies are listed
    assert 'class="note facet-unit"' in html
    every = client.get(reverse("search"), {"q": "درعا", "group": "none"}).content.decode()
    assert every.count('class="result"') == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [{"q": "وعشرين"}, {"q": "درعا", "source": "france24"}],
    ids=["word-only-in-a-later-copy", "filter-only-a-later-copy-meets"],
)
def test_grouping_never_hides_a_story_matched_only_by_a_later_copy(client, params):
    story_world()
    data = client.get(reverse("api_articles"), params).json()
    assert data["count"] == 1 and data["counts"] == "stories"
    assert data["results"][0]["source"]["slug"] == "france24" and data["results"][0]["story"]["size"] == 3
    html = client.get(reverse("search"), params).content.decode()
    assert html.count('class="result"') == 1


@pytest.mark.django_db
def test_api_gives_story_objects_and_groups_by_default(client):
    story_world()
    data = client.get(reverse("api_articles"), {"q": "درعا"}).json()
    assert data["count"] == 1 and data["counts"] == "stories"
    assert data["results"][0]["story"]["size"] == 3
    assert data["facets"]["source"] == [{"slug": "bbc", "name": "bbc", "count": 1}]
    every = client.get(reverse("api_articles"), {"q": "درعا", "group": "none"}).json()
    assert every["count"] == 3 and every["counts"] == "articles"
    assert {r["story"]["id"] for r in every["results"]} == {data["results"][0]["story"]["id"]}
    bad = client.get(reverse("api_articles"), {"group": "all"})
    assert bad.status_code == 400 and bad.json()["parameter"] == "group"


@pytest.mark.django_db
def test_feed_and_home_show_a_story_once(client):
    story_world()
    feed = client.get(reverse("search_feed")).content.decode()
    assert feed.count("<entry>") == 2
    home = client.get(reverse("home")).content.decode()
    assert home.count('class="result"') == 2
    assert "bbc" in home  # busiest sources of the archive's last weeks


@pytest.mark.django_db
def test_story_page_shows_spread_and_escaped_word_diff(client):
    story_world()
    wire = Story.objects.get(size=3)
    html = client.get(wire.get_absolute_url()).content.decode()
    assert html.index("bbc") < html.index("skynews") < html.index("france24")
    assert re.search(r"<ins>\s*وعشرين\s*</ins>", html)
    assert "(فيديو)" in html  # the title as published, its decoration shown as an insertion
    assert client.get("/stories/999999/").status_code == 404


def test_words_diff_escapes_both_sides():
    out = str(words_diff("<b>قديم</b> نص", "<i>جديد</i> نص"))
    assert "<b>" not in out and "<i>" not in out
    assert "<del>&lt;b&gt;قديم&lt;/b&gt;</del>" in out and "<ins>&lt;i&gt;جديد&lt;/i&gt;</ins>" in out
    assert out.endswith(" نص")


@pytest.mark.django_db
def test_stories_rebuild_regroups_the_archive():
    story_world()
    Article.objects.update(story=None, story_lead=True, story_signature=None)
    StoryBand.objects.all().delete()
    Story.objects.all().delete()
    call_command("stories_rebuild", "--batch-size", "2", stdout=open("/dev/null", "w"))
    assert sorted(Story.objects.values_list("size", flat=True)) == [1, 3]
    assert Article.objects.filter(story_lead=True).count() == 2


def _reference_signature(title: str, body: str) -> bytes:
    """The signature as first defined: shingles of the whole-text search keys, a fresh MinHash."""
    from datasketch import MinHash

    from articles.text import search_key

    tokens = f"{search_key(sig.title_undecorated(title))} {search_key(body)}".split()
    if len(tokens) <= sig.SHINGLE_SIZE:
        shingles = {" ".join(tokens).encode()} if tokens else set()
    else:
        shingles = {" ".join(tokens[i : i + sig.SHINGLE_SIZE]).encode() for i in range(len(tokens) - 2)}
    minhash = MinHash(num_perm=sig.NUM_PERM, seed=sig.SEED)
    minhash.update_batch(list(shingles))
    return sig.signature_bytes(minhash.hashvalues)


def test_signatures_from_the_stores_words_equal_the_reference_on_real_news(shared_data):
    import gzip
    import itertools
    import json

    from articles.search.keys import key_words

    path = shared_data / "ant" / "ant_multisource_v2.1.train.jsonl.gz"
    if not path.exists():
        pytest.skip(f"{path} not found")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in itertools.islice(handle, 300)]
    records += [{"title": "عاجل | فيديو: انفجار", "text": ""}, {"title": "", "text": "كلمة"}]  # short and empty
    for record in records:
        title, body = record["title"], record["text"]
        expected = _reference_signature(title, body)
        assert sig.signature_bytes(sig.signature_of_words(sig.title_words(title), key_words(body))) == expected
        assert sig.signature_bytes(sig.signature_compute(title, body)) == expected
