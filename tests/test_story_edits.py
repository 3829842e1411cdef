"""Stories kept consistent after edits: a changed title or body regroups its article (any save path),
and stories whose leads become near-duplicates merge through ``story_merge``."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re

import pytest
from django.urls import reverse

from articles.enrich.pipeline import Enrichment
from articles.ingest.service import article_store
from articles.ingest.store import fingerprint_compute, source_get_or_create
from articles.models import Article, Story, StoryBand
from articles.search.keys import key_words
from articles.stories import signature as sig
from articles.stories.service import story_assign, story_merge, story_merged, story_recompute
from tests import test_admin as shared
from tests.conftest import ROOT
from tests.story_data import OTHER_BODY, OTHER_TITLE, WIRE_TITLE, story_world

english, stub_enrichment = shared.english, shared.stub_enrichment  # fixtures shared with test_admin.py
pytestmark = pytest.mark.django_db


def _story_of(article: Article) -> Story:
    article.refresh_from_db()
    return article.story


def _assert_consistent() -> None:
    """Every story's size, outlet count and lead agree with its members; one lead flag per story."""
    for story in Story.objects.all():
        members = list(story.articles.order_by("published_on", "pk"))
        assert members, f"{story} has no copies"
        assert story.size == len(members) and story.source_count == len({a.source_id for a in members})
        assert story.lead_id == members[0].pk
        assert [a.story_lead for a in members] == [True] + [False] * (len(members) - 1)
    assert not Article.objects.filter(story__isnull=True, story_signature__isnull=False).exists()


def _bands_follow_the_text(article: Article) -> None:
    article.refresh_from_db()
    values = sig.signature_of_words(sig.title_words(article.title), key_words(article.body))
    assert bytes(article.story_signature) == sig.signature_bytes(values)
    stored = set(StoryBand.objects.filter(article=article).values_list("band", flat=True))
    assert stored == set(sig.band_hashes(values))


def test_an_admin_edit_moves_a_copy_out_of_its_story(admin_client, stub_enrichment):
    story_world()
    wire = Story.objects.get(size=3)
    copy = wire.articles.get(source__name="france24")
    data = shared._change_form_data(copy, title=OTHER_TITLE + " اليوم", body=OTHER_BODY + " وتراجع الدولار.")
    response = admin_client.post(reverse("admin:articles_article_change", args=[copy.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    wire.refresh_from_db()
    assert (wire.size, wire.source_count) == (2, 2)
    moved = _story_of(copy)
    other = Article.objects.get(title=OTHER_TITLE)
    # Now a copy of the oil report (bbc, 5 July): it joins that story, which keeps its lead.
    assert moved == other.story and moved.size == 2 and moved.lead_id == other.pk
    _bands_follow_the_text(copy)
    _assert_consistent()


def test_editing_the_lead_away_promotes_the_next_copy_and_keeps_a_lone_storys_id(admin_client, stub_enrichment):
    story_world()
    wire = Story.objects.get(size=3)
    lead = wire.lead
    unrelated = "انطلقت اليوم في العاصمة فعاليات معرض الكتاب الدولي بمشاركة مئات دور النشر من عشرين دولة عربية."
    data = shared._change_form_data(lead, title="افتتاح معرض الكتاب الدولي", body=unrelated)
    assert admin_client.post(reverse("admin:articles_article_change", args=[lead.pk]), data).status_code == 302
    wire.refresh_from_db()
    assert wire.size == 2 and wire.lead.source.name == "skynews"
    alone = _story_of(lead)
    assert alone.size == 1 and alone.lead_id == lead.pk
    _assert_consistent()

    # A lone copy edited again stays alone: same story id, so links to the story page stay valid.
    lead.body = unrelated + " ويستمر المعرض عشرة أيام."
    lead.save()
    assert _story_of(lead).pk == alone.pk
    _assert_consistent()


def test_a_save_that_leaves_the_text_alone_regroups_nothing(admin_client, stub_enrichment):
    story_world()
    copy = Story.objects.get(size=3).articles.get(source__name="skynews")
    bands = sorted(StoryBand.objects.filter(article=copy).values_list("pk", flat=True))
    data = shared._change_form_data(copy, published_on="2018-07-03")  # now the earliest copy
    assert admin_client.post(reverse("admin:articles_article_change", args=[copy.pk]), data).status_code == 302
    assert sorted(StoryBand.objects.filter(article=copy).values_list("pk", flat=True)) == bands  # not rewritten
    assert _story_of(copy).size == 3


def test_an_edited_copy_back_to_the_wire_text_rejoins_its_story():
    story_world()
    wire = Story.objects.get(size=3)
    copy = wire.articles.get(source__name="france24")
    original_body = copy.body
    copy.body = OTHER_BODY
    copy.save()  # any save path, not only the admin's
    assert _story_of(copy) != wire
    copy.body = original_body
    copy.save()
    assert _story_of(copy) == wire
    wire.refresh_from_db()
    assert wire.size == 3
    _assert_consistent()


def _sentences(docno: str) -> tuple[str, list[str]]:
    """Title and sentences of one real ANT article from the committed demo sample (fixtures/)."""
    with gzip.open(ROOT / "fixtures" / "ant_demo_sample.jsonl.gz", "rt", encoding="utf-8") as handle:
        row = next(r for r in map(json.loads, handle) if r["docno"] == docno)
    return row["title"], [s for s in re.split(r"(?<=[.!؟])\s+", row["text"]) if len(s.split()) >= 6]


def _store(title: str, body: str, source: str, day: int) -> Article:
    article = article_store(
        title=title,
        body=body,
        source=source_get_or_create(source),
        published_on=dt.date(2013, 7, day),
        enrichment=Enrichment(),
    ).article
    story_assign(articles=[article])
    article.refresh_from_db()
    return article


def test_stories_whose_leads_become_near_duplicates_merge():
    # Three versions of one real report: X (sentences 0-7), Y (4-11) and X' (1-9). X and Y are too far apart
    # to be one story; X' is close to both and closer to X, so it joins X's story at ingest.
    title, s = _sentences("AL-culture-53-20130713")
    x, y, x2 = (" ".join(s[i:j]) for i, j in ((0, 8), (4, 12), (1, 10)))

    def similarity(a: str, b: str) -> float:
        return sig.similarity_estimate(
            sig.signature_compute(title, a).hashvalues, sig.signature_compute(title, b).hashvalues
        )

    assert similarity(x, y) < sig.THRESHOLD <= similarity(x2, y) < similarity(x2, x)  # the premise, measured
    a1 = _store(title, x, "alarabiya", 1)
    b1 = _store(title, y, "bbc", 3)
    a2 = _store(title, x2, "cnn", 2)
    first, second = a1.story, b1.story
    assert first != second and a2.story == first

    # A pasted-over body on the lead of the first story: a1 leaves, a2 leads, and a2's story and b1's are one.
    a1.body = OTHER_BODY
    Article.objects.filter(pk=a1.pk).update(body=a1.body, fingerprint=fingerprint_compute(a1.title, a1.body))
    result = story_recompute(article=a1)  # what every save of a changed text runs (articles.stories.signals)
    a2.refresh_from_db()
    b1.refresh_from_db()
    assert a2.story == b1.story == first  # merged into the story whose lead is earliest (a2, 2 July)
    assert result.merged_ids == [second.pk] and not Story.objects.filter(pk=second.pk).exists()
    assert (Story.objects.get(pk=first.pk).size, a2.story_lead, b1.story_lead) == (2, True, False)
    _assert_consistent()


def test_story_merge_moves_the_copies_and_recomputes_the_lead():
    story_world()
    wire = Story.objects.get(size=3)
    other = Article.objects.get(title=OTHER_TITLE)
    sent = []
    story_merged.connect(lambda sender, **kw: sent.append(kw), weak=False, dispatch_uid="test_story_merged")
    try:
        merged = story_merge(target=other.story, others=[wire, other.story])
    finally:
        story_merged.disconnect(dispatch_uid="test_story_merged")
    assert [(s["target"].pk, s["merged_ids"], len(s["moved_ids"])) for s in sent] == [(merged.pk, [wire.pk], 3)]
    assert merged.size == 4 and merged.source_count == 3
    assert merged.lead.title == WIRE_TITLE and merged.lead.published_on == dt.date(2018, 7, 4)  # the earliest copy
    assert not Story.objects.filter(pk=wire.pk).exists()
    _assert_consistent()
