"""First pages: home and article render the seed articles, RTL and escaped."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from articles.enrich.pipeline import Enrichment
from articles.ingest.service import article_store
from articles.ingest.store import source_get_or_create
from articles.models import Article


@pytest.mark.django_db
def test_home_lists_seed_articles_rtl(client, ingested_seed):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "بوتين يعلن إطلاق تحالف دولي" in html
    assert "بداية تحالف متني في الانتخابات" in html
    assert "مأرب برس" in html and "لبنان 24" in html


@pytest.mark.django_db
def test_article_page_renders_every_paragraph(client, ingested_seed):
    article = Article.objects.get(source__name="مأرب برس")
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    # Mentions are linked inside paragraphs: compare the visible text.
    text = unescape(re.sub(r"<[^>]+>", "", html))
    for paragraph in article.paragraphs:
        assert paragraph in text
    assert 'datetime="2024-12-12"' in html


@pytest.mark.django_db
def test_html_in_article_text_is_escaped(client):
    outcome = article_store(
        title="<script>alert(1)</script> عنوان",
        body="<b>نص</b> <img src=x onerror=alert(2)>",
        source=source_get_or_create("مصدر"),
        enrichment=Enrichment(),
    )
    html = client.get(outcome.article.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html


@pytest.mark.django_db
def test_missing_article_is_404_and_bad_page_number_is_harmless(client, ingested_seed):
    assert client.get("/articles/999999/").status_code == 404
    assert client.get(reverse("home"), {"page": "abc"}).status_code == 200
    assert client.get(reverse("home"), {"page": "99999"}).status_code == 200


@pytest.mark.django_db
def test_static_css_served_without_cdn(client):
    html = client.get(reverse("home")).content.decode()
    assert "http://" not in html.replace('xmlns="http://www.w3.org', "") and "https://" not in html
