"""The neural tagger's tag set, its BIO constraints and Viterbi decoding (numpy; shared by training and run time)."""

from __future__ import annotations

import numpy as np

TAGS = ("O", "B-PERS", "I-PERS", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC")


def allowed_transitions() -> tuple[np.ndarray, np.ndarray]:
    """``(allowed[prev, next], allowed_start[tag])``: ``I-X`` only after ``B-X`` or ``I-X``, never first."""
    n = len(TAGS)
    allowed = np.ones((n, n), dtype=bool)
    for j, tag in enumerate(TAGS):
        if tag.startswith("I-"):
            kind = tag[2:]
            for i, prev in enumerate(TAGS):
                allowed[i, j] = prev in (f"B-{kind}", f"I-{kind}")
    start = np.array([not t.startswith("I-") for t in TAGS])
    return allowed, start


def viterbi_batch(em: np.ndarray, lengths: np.ndarray, trans: np.ndarray, start: np.ndarray) -> list[list[int]]:
    """Best tag index paths of a padded batch of emission scores ``em`` (B, T, n_tags).

    ``trans[i, j]`` scores tag i followed by tag j, ``start`` the first tag; forbidden moves carry a large
    negative score, so every path is well-formed BIO. Sentence ``b`` uses ``em[b, :lengths[b]]`` only.
    """
    b, t, n = em.shape
    score = start[None, :] + em[:, 0]
    back = np.zeros((b, t, n), dtype=np.int64)
    for i in range(1, t):
        cand = score[:, :, None] + trans[None, :, :]  # (B, prev, next)
        best = cand.argmax(1)
        nxt = np.take_along_axis(cand, best[:, None, :], 1)[:, 0, :] + em[:, i]
        live = (i < lengths)[:, None]
        score = np.where(live, nxt, score)
        back[:, i] = best
    paths: list[list[int]] = []
    last = score.argmax(1)
    for k in range(b):
        n_k = int(lengths[k])
        tag = int(last[k])
        path = [tag]
        for i in range(n_k - 1, 0, -1):
            tag = int(back[k, i, tag])
            path.append(tag)
        paths.append(path[::-1])
    return paths


def viterbi(em: np.ndarray, trans: np.ndarray, start: np.ndarray) -> list[int]:
    """Best tag index path of one sentence's emission scores ``em`` (T, n_tags)."""
    return viterbi_batch(em[None], np.array([len(em)]), trans, start)[0]
