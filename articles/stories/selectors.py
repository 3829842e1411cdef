"""Read side of stories: the copies shown under a result, and a story page's spread and word diffs.

Fixed query counts: :func:`stories_attach` is one query for a whole page of results.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.db.models import F
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article, Story

# A result lists its copies inline up to this story size; larger stories link to their page.
COPIES_INLINE_MAX = 12
# A story page shows at most this many copies (the oldest).
STORY_PAGE_MAX = 100
_TOKEN_RE = re.compile(r"\s+|[^\s]+")


def stories_attach(articles: list[Article]) -> list[Article]:
    """Set ``story_copies`` (the other copies, oldest first, with their source) on each article whose
    story has 2..COPIES_INLINE_MAX copies; one query for the whole list."""
    story_ids = {
        a.story_id for a in articles if a.story_id and a.story is not None and 1 < a.story.size <= COPIES_INLINE_MAX
    }
    copies: dict[int, list[Article]] = {}
    if story_ids:
        shown = {a.pk for a in articles}
        for copy in (
            Article.objects.filter(story_id__in=story_ids)
            .exclude(pk__in=shown)
            .select_related("source")
            .only("pk", "title", "published_on", "story_id", "source__name", "source__slug")
            .order_by(F("published_on").asc(nulls_last=True), "pk")
        ):
            copies.setdefault(copy.story_id, []).append(copy)
    for article in articles:
        article.story_copies = copies.get(article.story_id, [])
    return articles


def words_diff(old: str, new: str) -> SafeString:
    """``new`` as a word diff against ``old``: escaped text, removed words in <del>, added in <ins>."""
    a, b = _TOKEN_RE.findall(old), _TOKEN_RE.findall(new)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape("".join(b[j1:j2])))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped above


@dataclass
class StoryCopy:
    article: Article
    first: bool
    same_title: bool
    same_body: bool
    title_diff: SafeString | None = None
    body_diff: SafeString | None = None


@dataclass
class StoryView:
    story: Story
    copies: list[StoryCopy]
    truncated: bool


def story_view(*, story: Story) -> StoryView:
    """The story's copies oldest first (the lead first), each with a word diff of its title and body
    against the first copy."""
    rows = list(
        Article.objects.filter(story=story)
        .select_related("source", "topic")
        .order_by(F("published_on").asc(nulls_last=True), "pk")[: STORY_PAGE_MAX + 1]
    )
    truncated = len(rows) > STORY_PAGE_MAX
    rows = rows[:STORY_PAGE_MAX]
    copies: list[StoryCopy] = []
    if not rows:
        return StoryView(story=story, copies=[], truncated=False)
    first = rows[0]
    copies.append(StoryCopy(article=first, first=True, same_title=True, same_body=True))
    for article in rows[1:]:
        same_title, same_body = article.title == first.title, article.body == first.body
        copies.append(
            StoryCopy(
                article=article,
                first=False,
                same_title=same_title,
                same_body=same_body,
                title_diff=None if same_title else words_diff(first.title, article.title),
                body_diff=None if same_body else words_diff(first.body, article.body),
            )
        )
    return StoryView(story=story, copies=copies, truncated=truncated)
