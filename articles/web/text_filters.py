"""Template filters for stored text, installed as a builtin library (settings.TEMPLATES ``builtins``).

``{{ article.title|display }}``: the text in :func:`articles.text.display_form` (a PDF's presentation-form
glyphs as letters, Latin , ; ? after Arabic as ، ؛ ؟), still autoescaped; the stored text is unchanged.
"""

from __future__ import annotations

from django import template

from articles.text import display_form

register = template.Library()


@register.filter
def display(value: object) -> object:
    """Stored text as typed text reads; anything that is not a string passes through."""
    return display_form(value) if isinstance(value, str) else value
