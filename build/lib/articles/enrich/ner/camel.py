"""Backend wrapping CAMeL Tools' BERT NER (``camel_tools.ner.NERecognizer``).

Optional: needs transformers + torch, which the project does not install. ``camel_tools.ner``
is imported only when this backend is constructed, so selecting "crf" never pulls them in.
"""

from __future__ import annotations

from pathlib import Path

from articles.enrich.ner.base import KINDS, EntitySpan, NerBackend
from articles.enrich.ner.segment import sentences_with_offsets, spans_from_tags


def _clean(tag: str) -> str:
    """Map a model label to our BIO set; anything unknown (e.g. B-PER vs B-PERS aside) is O."""
    prefix, _, kind = tag.partition("-")
    kind = {"PER": "PERS"}.get(kind, kind)
    return f"{prefix}-{kind}" if prefix in ("B", "I") and kind in KINDS else "O"


class CamelBackend(NerBackend):
    def __init__(self, model_path: str | Path | None = None, use_gpu: bool = False, batch_size: int = 32) -> None:
        """``model_path``: a fine-tuned BERT token-classification directory; None = camel's default
        pretrained model (must already be installed with ``camel_data``)."""
        from camel_tools.ner import NERecognizer

        if model_path is None:
            self._rec = NERecognizer.pretrained(use_gpu=use_gpu)
        else:
            self._rec = NERecognizer(str(model_path), use_gpu=use_gpu)
        self.batch_size = batch_size

    def tag_tokens(self, tokens: list[list[str]]) -> list[list[str]]:
        preds = self._rec.predict(tokens, batch_size=self.batch_size) if tokens else []
        out: list[list[str]] = []
        for sent, tags in zip(tokens, preds, strict=True):
            # Words the word-piece tokenizer drops get no label: pad so lengths always match.
            tags = [_clean(t) for t in tags[: len(sent)]]
            out.append(tags + ["O"] * (len(sent) - len(tags)))
        return out

    def extract(self, text: str) -> list[EntitySpan]:
        sents = sentences_with_offsets(text)
        return spans_from_tags(text, sents, self.tag_tokens([[t for t, _ in s] for s in sents]))
