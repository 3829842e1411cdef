"""Saved news web pages for the clipping set: eight site templates, four for DEV and four held out for TEST.

Each template takes an :class:`~clippings.ant.Article` and a random generator and returns the page's HTML
with the article's own outlet as site name and its own date. The pages carry the clutter of real sites
(menus, tickers, share buttons, "اقرأ أيضاً" blocks, sidebars, comments, footers) around the article, and say
where the article came from in a different way each: JSON-LD (flat or in ``@graph``), OpenGraph, microdata,
``<meta name="date">`` or only a visible Arabic date line.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from html import escape

from clippings.ant import Article

MONTHS = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"]
LEVANT = [
    "كانون الثاني",
    "شباط",
    "آذار",
    "نيسان",
    "أيار",
    "حزيران",
    "تموز",
    "آب",
    "أيلول",
    "تشرين الأول",
    "تشرين الثاني",
    "كانون الأول",
]
WEEKDAYS = ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]
MENU = ["الرئيسية", "سياسة", "اقتصاد", "رياضة", "ثقافة", "تكنولوجيا", "صحة", "منوعات", "فيديو", "اتصل بنا"]
TEASERS = [
    "ارتفاع أسعار النفط وسط توقعات بتراجع المخزونات الأمريكية",
    "منتخب مصر يستعد لمواجهة ودية قبل كأس العالم",
    "الأمم المتحدة تدعو إلى هدنة إنسانية عاجلة",
    "دراسة: النوم المبكر يحسن الذاكرة لدى الأطفال",
    "افتتاح معرض الكتاب بمشاركة أكثر من 600 دار نشر",
    "البنك المركزي يبقي على أسعار الفائدة دون تغيير",
    "مهرجان للأفلام القصيرة يحتفي بالمواهب الشابة",
    "انطلاق موسم الحج وسط إجراءات تنظيمية جديدة",
]
COMMENTS = [
    ("أبو محمد", "مقال رائع، شكراً على المعلومات القيمة."),
    ("سارة", "نتمنى أن تتابعوا هذا الموضوع في تقارير قادمة."),
    ("خالد العلي", "الخبر منقوص ولا يذكر رأي الطرف الآخر."),
]
SHARE = (
    '<div class="share"><a href="#">فيسبوك</a> <a href="#">تويتر</a> <a href="#">واتساب</a> '
    '<a href="#">نسخ الرابط</a></div>'
)


def _arabic_date(article: Article) -> str:
    d = article.date
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def _paras(article: Article) -> str:
    return "\n".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)


def _teasers(rng: random.Random, count: int, cls: str = "related") -> str:
    items = "".join(
        f'<li><a href="/news/{rng.randint(1000, 99999)}">{escape(t)}</a></li>' for t in rng.sample(TEASERS, count)
    )
    return f'<ul class="{cls}">{items}</ul>'


def _menu() -> str:
    return "<nav><ul>" + "".join(f'<li><a href="#">{m}</a></li>' for m in MENU) + "</ul></nav>"


def _comments() -> str:
    items = "".join(f'<li class="comment"><b>{escape(who)}</b><p>{escape(what)}</p></li>' for who, what in COMMENTS)
    return (
        f'<section id="comments"><h3>التعليقات (3)</h3><ol>{items}</ol><form><textarea></textarea>'
        f"<button>أضف تعليقك</button></form></section>"
    )


def _page(head: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="ar" dir="rtl"><head><meta charset="utf-8">{head}</head>'
        f"<body>{body}</body></html>\n"
    )


def wordpress(article: Article, rng: random.Random) -> str:
    """WordPress-like: menu, sidebar widgets, entry meta with <time>, an "اقرأ أيضاً" block, comments."""
    site, title = escape(article.site_name), escape(article.title)
    head = f"<title>{title} | {site}</title><link rel='stylesheet' href='/wp-content/themes/news/style.css'>"
    body = (
        f'<header class="site-header"><div class="site-title"><a href="/">{site}</a></div>{_menu()}</header>'
        f'<div id="content"><main id="main"><article class="post type-post">'
        f'<h1 class="entry-title">{title}</h1>'
        f'<div class="entry-meta">بتاريخ <time class="entry-date published" '
        f'datetime="{article.date.isoformat()}T10:00:00+00:00">'
        f'{_arabic_date(article)}</time> في <a href="#">{escape(article.category)}</a></div>'
        f'<div class="entry-content">{_paras(article)}</div>'
        f'<div class="related-posts"><h3>اقرأ أيضاً</h3>{_teasers(rng, 3)}</div></article>{_comments()}</main>'
        f'<aside id="secondary" class="widget-area"><section class="widget"><h2>الأكثر قراءة</h2>'
        f'{_teasers(rng, 4, "popular")}</section><section class="widget"><h2>النشرة البريدية</h2>'
        f"<p>اشترك ليصلك كل جديد</p></section></aside></div>"
        f'<footer class="site-footer">جميع الحقوق محفوظة © {article.date.year} {site}</footer>'
    )
    return _page(head, body)


def jsonld_flat(article: Article, rng: random.Random) -> str:
    """JSON-LD NewsArticle with publisher and datePublished, a breaking-news ticker and share buttons."""
    site, title = escape(article.site_name), escape(article.title)
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": f"{article.date.isoformat()}T08:30:00+03:00",
        "url": article.url,
        "publisher": {"@type": "Organization", "name": article.site_name},
        "author": {"@type": "Person", "name": article.author or "المحرر"},
    }
    head = (
        f"<title>{title} - {site}</title>"
        f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
    )
    ticker = "".join(f"<span>{escape(t)}</span> • " for t in rng.sample(TEASERS, 4))
    body = (
        f'<div class="ticker"><b>عاجل:</b> {ticker}</div><header><a class="logo" href="/">{site}</a>{_menu()}</header>'
        f'<main><div class="article"><h1>{title}</h1>{SHARE}'
        f'<div class="article-body">{_paras(article)}</div>{SHARE}</div>'
        f'<div class="more"><h4>أخبار ذات صلة</h4>{_teasers(rng, 3)}</div></main>'
        f"<footer><p>{site}</p><p>سياسة الخصوصية | شروط الاستخدام | أعلن معنا</p></footer>"
    )
    return _page(head, body)


def opengraph(article: Article, rng: random.Random) -> str:
    """OpenGraph only (og:site_name, og:title, article:published_time); no visible date."""
    site, title = escape(article.site_name), escape(article.title)
    head = (
        f"<title>{title} | {site}</title>"
        f'<meta property="og:site_name" content="{site}"><meta property="og:title" content="{title}">'
        f'<meta property="og:type" content="article"><meta property="og:url" content="{escape(article.url)}">'
        f'<meta property="article:published_time" content="{article.date.isoformat()}T12:15:00Z">'
    )
    body = (
        f'<div class="top-bar"><a href="#">تسجيل الدخول</a> <a href="#">English</a></div>'
        f'<header><h2 class="brand">{site}</h2>{_menu()}</header>'
        f'<div class="container"><div class="main-col"><h1 class="headline">{title}</h1>'
        f'<figure><img src="/img/{rng.randint(1, 999)}.jpg" alt=""><figcaption>صورة أرشيفية</figcaption></figure>'
        f'<div class="story">{_paras(article)}</div>{SHARE}</div>'
        f'<div class="side-col"><h3>فيديو</h3>{_teasers(rng, 3, "videos")}</div></div>'
        f"<footer><nav>{''.join(f'<a href=#>{m}</a> ' for m in MENU[:6])}</nav><small>© {site}</small></footer>"
    )
    return _page(head, body)


def dateline(article: Article, rng: random.Random) -> str:
    """Only a visible Arabic date line ("نشر في 12 مارس 2018") and the site name in the logo and the title."""
    site, title = escape(article.site_name), escape(article.title)
    head = f"<title>{title} | {site}</title>"
    body = (
        f'<div id="header"><div id="logo">{site}</div>{_menu()}</div>'
        f'<div id="wrap"><div class="post"><h1>{title}</h1><div class="date">نشر في {_arabic_date(article)}</div>'
        f'<div class="text">{_paras(article)}</div>'
        f'<div class="tags">الكلمات الدالة: <a href="#">{escape(article.category)}</a></div></div>'
        f'<div class="box"><h3>اقرأ أيضاً</h3>{_teasers(rng, 4)}</div>{_comments()}</div>'
        f'<div id="footer">{site} © {article.date.year}</div>'
    )
    return _page(head, body)


def jsonld_graph(article: Article, rng: random.Random) -> str:
    """JSON-LD in an ``@graph`` (WebPage, Organization by @id, NewsArticle), breadcrumbs and comments."""
    site, title = escape(article.site_name), escape(article.title)
    data = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Organization", "@id": "/#org", "name": article.site_name, "logo": "/logo.png"},
            {"@type": "WebPage", "@id": article.url + "#webpage", "name": article.title},
            {"@type": "BreadcrumbList", "itemListElement": [{"@type": "ListItem", "position": 1, "name": "الرئيسية"}]},
            {
                "@type": "NewsArticle",
                "headline": article.title,
                "isPartOf": {"@id": article.url + "#webpage"},
                "publisher": {"@id": "/#org"},
                "datePublished": f"{article.date.isoformat()}T06:00:00+02:00",
                "dateModified": f"{article.date.isoformat()}T09:45:00+02:00",
            },
        ],
    }
    head = (
        f"<title>{title} - {site}</title>"
        f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
    )
    body = (
        f'<header class="masthead"><span class="name">{site}</span>{_menu()}</header>'
        f'<ol class="breadcrumb"><li>الرئيسية</li><li>{escape(article.category)}</li></ol>'
        f'<article><header><h1 itemprop="headline">{title}</h1></header>'
        f'<section class="content">{_paras(article)}</section></article>'
        f"{_comments()}<aside><h3>الأكثر مشاهدة</h3>{_teasers(rng, 5, 'most')}</aside>"
        f"<footer>{site} — جميع الحقوق محفوظة</footer>"
    )
    return _page(head, body)


def weekday_line(article: Article, rng: random.Random) -> str:
    """A visible weekday date line ("الأحد 18 فبراير 2018 - 09:35 م"), ticker, share buttons, related block,
    and the site name only in the logo, the copyright line and the title."""
    site, title = escape(article.site_name), escape(article.title)
    d = article.date
    head = f"<title>{title} | {site}</title>"
    body = (
        f'<div class="breaking">{"".join(f"<marquee>{escape(t)}</marquee>" for t in rng.sample(TEASERS, 2))}</div>'
        f'<div class="logo-bar"><img src="/logo.svg" alt="{site}"> <span>{site}</span></div>{_menu()}'
        f'<div class="page"><h1 class="title">{title}</h1>'
        f'<p class="meta">{WEEKDAYS[d.weekday()]} {d.day} {MONTHS[d.month - 1]} {d.year} - 09:35 م</p>{SHARE}'
        f'<div class="body">{_paras(article)}</div>'
        f'<div class="read-also"><strong>اقرأ أيضاً:</strong>{_teasers(rng, 2)}</div>{SHARE}</div>'
        f'<div class="copy">© {d.year} {site}. جميع الحقوق محفوظة.</div>'
    )
    return _page(head, body)


def microdata(article: Article, rng: random.Random) -> str:
    """OpenGraph site name plus schema.org microdata (itemprop datePublished), a Levantine date line,
    a "most read" sidebar and comments."""
    site, title = escape(article.site_name), escape(article.title)
    d = article.date
    head = f'<title>{title} - {site}</title><meta property="og:site_name" content="{site}">'
    body = (
        f'<header><div class="brand">{site}</div>{_menu()}</header>'
        f'<div class="layout"><div itemscope itemtype="https://schema.org/NewsArticle" class="main">'
        f'<h1 itemprop="headline">{title}</h1>'
        f'<span class="when"><meta itemprop="datePublished" content="{d.isoformat()}">'
        f"{d.day} {LEVANT[d.month - 1]} {d.year}</span>"
        f'<div itemprop="articleBody">{_paras(article)}</div></div>'
        f'<div class="sidebar"><h3>الأكثر قراءة</h3>{_teasers(rng, 5, "top")}<div class="ad">إعلان</div></div></div>'
        f"{_comments()}<footer>{site}</footer>"
    )
    return _page(head, body)


def portal(article: Article, rng: random.Random) -> str:
    """A portal page: ``<title>Site | headline</title>`` (site first), ``<meta name="date">``, og:site_name,
    teaser grid, inline advert and caption inside the story, newsletter box."""
    site, title = escape(article.site_name), escape(article.title)
    head = (
        f'<title>{site} | {title}</title><meta name="date" content="{article.date.isoformat()}">'
        f'<meta property="og:site_name" content="{site}">'
    )
    middle = len(article.paragraphs) // 2 or 1
    first = "".join(f"<p>{escape(p)}</p>" for p in article.paragraphs[:middle])
    rest = "".join(f"<p>{escape(p)}</p>" for p in article.paragraphs[middle:])
    body = (
        f'<table class="top"><tr><td>{site}</td><td>{_menu()}</td></tr></table>'
        f'<div class="grid">{_teasers(rng, 4, "grid")}</div>'
        f'<div class="story-wrap"><h1>{title}</h1><div class="story-text">{first}'
        f'<div class="inline-ad">— إعلان —</div>{rest}</div>'
        f'<div class="newsletter">اشترك في نشرتنا اليومية</div></div>'
        f'<div class="foot">{site} © {article.date.year}</div>'
    )
    return _page(head, body)


Template = Callable[[Article, random.Random], str]
DEV_TEMPLATES: dict[str, Template] = {
    "wordpress": wordpress,
    "jsonld_flat": jsonld_flat,
    "opengraph": opengraph,
    "dateline": dateline,
}
TEST_TEMPLATES: dict[str, Template] = {
    "jsonld_graph": jsonld_graph,
    "weekday_line": weekday_line,
    "microdata": microdata,
    "portal": portal,
}
