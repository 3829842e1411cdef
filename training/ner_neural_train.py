"""Train the neural NER tagger (BiLSTM over word vectors + char-CNN + clusters, CRF output) and export ONNX.

Run with the training venv (torch, gensim; the archive itself never imports torch)::

    /work/torchvenv/bin/python training/ner_neural_train.py --train ../shared/data/anercorp/train.txt \
        --vectors /work/nerwork/ft.kv --split 0.8 0.1 --out /tmp/ner-neural-dev

``--split A B``: the first A of the sentences train, the next B are dev (early stopping and every choice),
the rest is the final test, scored only when ``--score-test`` is given. ``--split 1 0`` trains on
everything for a fixed ``--epochs`` (the shipped model). Writes into ``--out``: ``encoder.onnx``,
``vectors.npz`` (int8 word vectors, per-row scale), ``vocab.txt.gz``, ``meta.json`` (chars, tags, CRF
transitions, settings, reports).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from articles.enrich.ner.clusters import load_clusters, word_key  # noqa: E402
from articles.enrich.ner.conll import bio_spans, evaluate, format_report, read_conll  # noqa: E402
from articles.enrich.ner.neural_features import MAX_CHARS, SHAPES, TokenEncoder  # noqa: E402
from articles.enrich.ner.neural_tags import TAGS, allowed_transitions, viterbi  # noqa: E402

CLUSTERS = ROOT / "articles" / "enrich" / "ner" / "model" / "clusters.tsv.gz"


class Encoder(nn.Module):
    """Token inputs -> per-tag emission scores (B, T, len(TAGS)). Word vectors come in precomputed."""

    def __init__(self, n_chars: int, n_clusters: int, args: argparse.Namespace, dim: int) -> None:
        super().__init__()
        self.use_clusters = args.clusters
        self.use_words = args.words
        self.char_emb = nn.Embedding(n_chars + 2, args.char_dim, padding_idx=0)
        self.char_cnn = nn.Conv1d(args.char_dim, args.char_filters, 3, padding=1)
        self.shape_emb = nn.Embedding(len(SHAPES), 8, padding_idx=0)
        self.cluster_emb = nn.Embedding(n_clusters + 2, args.cluster_dim, padding_idx=0)
        d_in = args.char_filters + 8 + (args.cluster_dim if args.clusters else 0) + (dim if args.words else 0)
        self.drop = nn.Dropout(args.dropout)
        self.fwd = nn.LSTM(d_in, args.hidden, batch_first=True)
        self.bwd = nn.LSTM(d_in, args.hidden, batch_first=True)
        self.out = nn.Linear(2 * args.hidden, len(TAGS))

    def forward(self, vectors, chars, shapes, clusters, rev):
        b, t, c = chars.shape
        ce = self.char_emb(chars.reshape(b * t, c)).transpose(1, 2)
        cf = torch.relu(self.char_cnn(ce))
        # Max over positions, padding excluded (a conv over padding is not zero).
        cmask = (chars.reshape(b * t, 1, c) > 0).float()
        cf = (cf * cmask - (1 - cmask) * 1e4).max(2).values * (cmask.max(2).values)
        parts = [cf.reshape(b, t, -1), self.shape_emb(shapes)]
        if self.use_clusters:
            parts.append(self.cluster_emb(clusters))
        if self.use_words:
            parts.append(vectors)
        x = self.drop(torch.cat(parts, -1))
        idx = rev.unsqueeze(-1).expand(b, t, x.shape[-1])
        hf, _ = self.fwd(x)
        hb, _ = self.bwd(torch.gather(x, 1, idx))
        hb = torch.gather(hb, 1, rev.unsqueeze(-1).expand(b, t, hb.shape[-1]))
        return self.out(self.drop(torch.cat([hf, hb], -1)))


class Crf(nn.Module):
    """Linear-chain CRF negative log-likelihood; invalid BIO moves are masked to -1e4."""

    def __init__(self) -> None:
        super().__init__()
        n = len(TAGS)
        self.trans = nn.Parameter(torch.zeros(n, n))
        self.start = nn.Parameter(torch.zeros(n))
        allowed, allowed_start = allowed_transitions()
        self.register_buffer("mask_t", torch.tensor(np.where(allowed, 0.0, -1e4), dtype=torch.float32))
        self.register_buffer("mask_s", torch.tensor(np.where(allowed_start, 0.0, -1e4), dtype=torch.float32))

    def nll(self, em: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        trans = self.trans + self.mask_t
        start = self.start + self.mask_s
        _b, t, _n = em.shape
        # Gold path score.
        emit = em.gather(2, tags.unsqueeze(2)).squeeze(2)  # (B, T)
        steps = trans[tags[:, :-1], tags[:, 1:]]  # (B, T-1)
        score = start[tags[:, 0]] + emit[:, 0] + ((emit[:, 1:] + steps) * mask[:, 1:]).sum(1)
        # Partition function.
        alpha = start + em[:, 0]
        for i in range(1, t):
            nxt = torch.logsumexp(alpha.unsqueeze(2) + trans.unsqueeze(0), 1) + em[:, i]
            m = mask[:, i].unsqueeze(1)
            alpha = nxt * m + alpha * (1 - m)
        return (torch.logsumexp(alpha, 1) - score).sum()


def canonical_bio(sent: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A stray ``I-X`` (after O or another kind) made ``B-X``, as conlleval reads it: the CRF's gold paths
    must be paths it can produce (BIO-invalid moves are masked)."""
    tags = ["O"] * len(sent)
    for s, e, kind in bio_spans([t for _, t in sent]):
        tags[s] = f"B-{kind}"
        for i in range(s + 1, e):
            tags[i] = f"I-{kind}"
    return [(tok, tag) for (tok, _), tag in zip(sent, tags, strict=True)]


def load_vectors(path: str, train_words: set[str], max_vocab: int) -> tuple[list[str], np.ndarray]:
    """Capped vocabulary: the most frequent corpus words, plus every training word the vectors know."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors.load(path)
    vocab = list(kv.index_to_key[:max_vocab])
    seen = set(vocab)
    vocab += sorted(w for w in train_words if w not in seen and w in kv.key_to_index)
    mat = np.stack([kv[w] for w in vocab]).astype(np.float32)
    return vocab, mat


def quantise(mat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scale = np.abs(mat).max(1) / 127.0 + 1e-12
    return np.round(mat / scale[:, None]).astype(np.int8), scale.astype(np.float32)


def tensors(enc: TokenEncoder, table: np.ndarray, sents: list[list[str]], tags: list[list[str]] | None):
    arrs = enc.batch(sents)
    out = {
        "vectors": torch.from_numpy(table[arrs["words"]]),
        "chars": torch.from_numpy(arrs["chars"]),
        "shapes": torch.from_numpy(arrs["shapes"]),
        "clusters": torch.from_numpy(arrs["clusters"]),
        "rev": torch.from_numpy(arrs["rev"]),
        "words": arrs["words"],
    }
    if tags is not None:
        t = np.zeros(arrs["words"].shape, dtype=np.int64)
        m = np.zeros(arrs["words"].shape, dtype=np.float32)
        for i, ts in enumerate(tags):
            t[i, : len(ts)] = [TAGS.index(x) for x in ts]
            m[i, : len(ts)] = 1
        out["tags"], out["mask"] = torch.from_numpy(t), torch.from_numpy(m)
    return out


def predict(model, crf, enc, table, sents, batch=64):
    model.eval()
    trans = (crf.trans + crf.mask_t).detach().numpy()
    start = (crf.start + crf.mask_s).detach().numpy()
    order = sorted(range(len(sents)), key=lambda i: len(sents[i]))
    out: list[list[str]] = [[] for _ in sents]
    with torch.no_grad():
        for k in range(0, len(order), batch):
            idx = order[k : k + batch]
            bs = [sents[i] for i in idx]
            x = tensors(enc, table, bs, None)
            em = model(x["vectors"], x["chars"], x["shapes"], x["clusters"], x["rev"]).numpy()
            for j, i in enumerate(idx):
                out[i] = [TAGS[t] for t in viterbi(em[j, : len(bs[j])], trans, start)]
    return out


def meta_base(args, vocab, chars, n_train, crf) -> dict:
    return {
        "tags": list(TAGS),
        "chars": chars,
        "settings": {k: v for k, v in vars(args).items() if k not in ("train", "vectors", "out")},
        "vocab_size": len(vocab),
        "train_sentences": n_train,
        "transitions": (crf.trans + crf.mask_t).detach().numpy().round(5).tolist(),
        "start": (crf.start + crf.mask_s).detach().numpy().round(5).tolist(),
    }


def export(model, enc, table, q, scale, vocab, meta, out: Path) -> None:
    """Write encoder.onnx, vectors.npz, vocab.txt.gz and meta.json into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    # Export: the ONNX graph takes word vectors (looked up in numpy) and emits scores; Viterbi runs in numpy.
    was_training = model.training
    model.eval()
    x = tensors(enc, table, [["a", "b", "c"], ["d"]], None)
    torch.onnx.export(
        model,
        (x["vectors"], x["chars"], x["shapes"], x["clusters"], x["rev"]),
        str(out / "encoder.onnx"),
        input_names=["vectors", "chars", "shapes", "clusters", "rev"],
        output_names=["emissions"],
        dynamic_axes={n: {0: "batch", 1: "tokens"} for n in ("vectors", "chars", "shapes", "clusters", "rev",
                                                              "emissions")},
        opset_version=17,
        dynamo=False,
    )
    np.savez_compressed(out / "vectors.npz", q=q, scale=scale)
    with gzip.open(out / "vocab.txt.gz", "wt", encoding="utf-8") as fh:
        fh.writelines(w + "\n" for w in vocab)
    meta["max_chars"] = MAX_CHARS
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    model.train(was_training)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--vectors", required=True, help="gensim KeyedVectors from ner_vectors.py")
    ap.add_argument("--out", required=True)
    ap.add_argument("--split", type=float, nargs=2, default=(0.8, 0.1))
    ap.add_argument("--score-test", action="store_true", help="score the final test part (do this ONCE)")
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--patience", type=int, default=8)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--char-dim", type=int, default=32)
    ap.add_argument("--char-filters", type=int, default=64)
    ap.add_argument("--cluster-dim", type=int, default=16)
    ap.add_argument("--dropout", type=float, default=0.5)
    ap.add_argument("--word-dropout", type=float, default=0.05, help="P(word vector -> unknown) in training")
    ap.add_argument("--max-vocab", type=int, default=100_000)
    ap.add_argument("--no-clusters", dest="clusters", action="store_false")
    ap.add_argument("--no-words", dest="words", action="store_false")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--save-every", type=int, default=0, help="also export the model every N epochs to OUT/epochN")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()

    sents = [canonical_bio(s) for s in read_conll(args.train)]
    a = round(len(sents) * args.split[0])
    b = round(len(sents) * (args.split[0] + args.split[1]))
    train, dev, test = sents[:a], sents[a:b], sents[b:]
    print(f"train {len(train)} dev {len(dev)} test {len(test)} sentences", flush=True)
    train_words = {word_key(t) for s in train for t, _ in s}
    vocab, mat = load_vectors(args.vectors, train_words, args.max_vocab)
    q, scale = quantise(mat)
    table = np.concatenate([np.zeros((2, mat.shape[1]), np.float32), q.astype(np.float32) * scale[:, None]])
    print(f"vocab {len(vocab)} ({time.time() - t0:.0f}s)", flush=True)
    char_counts: dict[str, int] = {}
    for s in train:
        for t, _ in s:
            for c in word_key(t):
                char_counts[c] = char_counts.get(c, 0) + 1
    chars = "".join(sorted(c for c, n in char_counts.items() if n >= 2))
    ctable, _ = load_clusters(CLUSTERS)
    clusters = {w: int(ids[0]) for w, ids in ctable.items()}
    n_clusters = max(clusters.values()) + 1
    enc = TokenEncoder(vocab, chars, clusters)

    model = Encoder(len(chars), n_clusters, args, mat.shape[1])
    crf = Crf()
    params = list(model.parameters()) + list(crf.parameters())
    opt = torch.optim.Adam(params, lr=args.lr)
    tr_tok = [[t for t, _ in s] for s in train]
    tr_tag = [[g for _, g in s] for s in train]
    # Batches of similar length (less padding), shuffled each epoch.
    order = sorted(range(len(train)), key=lambda i: len(train[i]))
    batches = [order[k : k + args.batch] for k in range(0, len(order), args.batch)]
    best, best_epoch, best_state = -1.0, 0, None
    history = []
    epochs = args.epochs
    for epoch in range(1, epochs + 1):
        model.train()
        random.shuffle(batches)
        total = 0.0
        te = time.time()
        for bi in batches:
            x = tensors(enc, table, [tr_tok[i] for i in bi], [tr_tag[i] for i in bi])
            vec = x["vectors"]
            if args.word_dropout > 0:
                drop = torch.rand(vec.shape[:2]) < args.word_dropout
                vec = vec.masked_fill(drop.unsqueeze(-1), 0.0)
            em = model(vec, x["chars"], x["shapes"], x["clusters"], x["rev"])
            loss = crf.nll(em, x["tags"], x["mask"]) / len(bi)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(params, 5.0)
            opt.step()
            total += loss.item() * len(bi)
        line = f"epoch {epoch} loss {total / len(train):.3f} {time.time() - te:.0f}s"
        if dev:
            pred = predict(model, crf, enc, table, [[t for t, _ in s] for s in dev])
            f1 = evaluate([[g for _, g in s] for s in dev], pred)["ALL"].f1
            line += f" dev {f1:.4f}"
            history.append(f1)
            if f1 > best:
                best, best_epoch = f1, epoch
                best_state = ({k: v.clone() for k, v in model.state_dict().items()},
                              {k: v.clone() for k, v in crf.state_dict().items()})
            elif epoch - best_epoch >= args.patience:
                print(line, flush=True)
                break
        print(line, flush=True)
        if args.save_every and epoch % args.save_every == 0:
            snap = {**meta_base(args, vocab, chars, len(train), crf), "best_epoch": epoch}
            export(model, enc, table, q, scale, vocab, snap, out / f"epoch{epoch}")
    if best_state is not None:
        model.load_state_dict(best_state[0])
        crf.load_state_dict(best_state[1])
    train_s = time.time() - t0
    meta = {
        **meta_base(args, vocab, chars, len(train), crf),
        "best_epoch": best_epoch or epochs,
        "train_seconds": round(train_s),
    }
    if dev:
        pred = predict(model, crf, enc, table, [[t for t, _ in s] for s in dev])
        rep = format_report(evaluate([[g for _, g in s] for s in dev], pred))
        print("DEV\n" + rep, flush=True)
        meta["dev_report"] = rep.splitlines()
    if test and args.score_test:
        pred = predict(model, crf, enc, table, [[t for t, _ in s] for s in test])
        rep = format_report(evaluate([[g for _, g in s] for s in test], pred))
        print("TEST\n" + rep, flush=True)
        meta["test_report"] = rep.splitlines()

    export(model, enc, table, q, scale, vocab, meta, out)
    print(f"done in {time.time() - t0:.0f}s -> {out}", flush=True)


if __name__ == "__main__":
    main()
