"""Raw text -> tokenised sentences with character offsets, and BIO tags -> ``EntitySpan``s."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from articles.enrich.ner.base import EntitySpan
from articles.enrich.ner.conll import bio_spans
from articles.text import tokenize

# Sentence ends: . ! ? ؟ followed by space, or a line break. A CRF needs no perfect splitting,
# only bounded lengths; splitting mid-sentence costs little.
_SENT_RE = re.compile(r"[^\n.!?؟]*(?:[.!?؟]+(?=\s|$)|\n|$)")
MAX_TOKENS = 150

Token = tuple[str, int]  # (token, start offset in the original text)


def sentences_with_offsets(text: str, max_tokens: int = MAX_TOKENS) -> list[list[Token]]:
    """Tokenised sentences of raw text, each token with its start offset in ``text``."""
    out: list[list[Token]] = []
    for m in _SENT_RE.finditer(text):
        chunk = m.group()
        if not chunk.strip():
            continue
        base, pos = m.start(), 0
        sent: list[Token] = []
        for tok in tokenize(chunk):
            at = chunk.find(tok, pos)
            if at < 0:  # the tokenizer never rewrites text, but never emit a wrong offset
                continue
            sent.append((tok, base + at))
            pos = at + len(tok)
            if len(sent) >= max_tokens:
                out.append(sent)
                sent = []
        if sent:
            out.append(sent)
    return out


def spans_from_tags(
    text: str,
    sents: Sequence[Sequence[Token]],
    tags: Sequence[Sequence[str]],
    lead_trim: Callable[[str], int] | None = None,
) -> list[EntitySpan]:
    """Entity spans over the original text; ``lead_trim(first_token)`` chars are cut from the left."""
    spans: list[EntitySpan] = []
    for sent, stags in zip(sents, tags, strict=True):
        for s, e, kind in bio_spans(stags):
            start = sent[s][1] + (lead_trim(sent[s][0]) if lead_trim else 0)
            end = sent[e - 1][1] + len(sent[e - 1][0])
            if start < end:
                spans.append(EntitySpan(start, end, kind, text[start:end]))
    return spans
