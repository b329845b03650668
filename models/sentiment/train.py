"""Train the cxtext sentiment model from the labelled data folder and write it here.

    python models/sentiment/train.py ../shared/data/vi-sentiment [--cv]

The model (see ``cxtext/sentiment/model.py``) has nine linear heads over hashed n-grams of
``cxtext.normalize``-d text (binary features, per-head scaled and L2-normalized; each head sees
some of the three feature blocks: character n-grams, stripped words, original words):

- three NB-LR heads (Wang & Manning 2012: logistic regression on features scaled by their
  naive-Bayes log-count ratio), one-vs-rest negative / neutral / positive, all blocks, VLSP 2016
  train split;
- three linear-SVM heads (one-vs-rest) on IDF-scaled word features only (both word blocks), VLSP;
- two binary negative-vs-positive heads trained on the AIVIVN 2019 train split (minus a
  calibration part) and the single-polarity sentences of UIT-ViSD4SA train: one over all blocks,
  one over the word blocks;
- one domain head: VLSP vs AIVIVN (all blocks), which lets the combiner trust the binary heads on
  e-commerce reviews and the VLSP heads on tech comments;

and a small tanh network combines them: the average of five one-hidden-layer networks (8 units,
seeds 0-4; averaged logits = one layer of 40 units), trained on out-of-fold head scores of the
VLSP train split and on the held-back AIVIVN calibration part (weight 0.5). Every text is also
trained on with its diacritics stripped, so text typed without diacritics works. Dev splits (see
``data.py``) are never used here. ``--cv`` also reports the model-selection figure: 5-fold
out-of-fold macro-F1 on the VLSP train split with the combiner cross-validated on the same folds.
Writes ``sentiment.npz`` and ``manifest.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.svm import LinearSVC

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from data import (  # noqa: E402
    LABELS,
    SEED,
    UIT_TRAIN_FILE,
    load_aivivn,
    load_uit,
    load_vlsp,
    strip_diacritics,
    uit_sentence_labels,
)

from cxtext import normalize  # noqa: E402
from cxtext.sentiment.features import HashingConfig, hash_texts  # noqa: E402
from cxvoc.modelfiles import sha256_file  # noqa: E402

log = logging.getLogger("train_sentiment")

MODEL_FILE = "sentiment.npz"
VERSION = "2.0.0"
CONFIG = HashingConfig(n_buckets=1 << 20, char_min=1, char_max=5)
ALL, WORDS = (0, 1, 2), (1, 2)  # feature blocks: char n-grams, stripped words, original words
C_NB = 3.0
C_SVM = 0.3
C_BINARY = 10.0
C_DOMAIN = 1.0
CALIBRATION_FRACTION = 0.15
CALIBRATION_WEIGHT = 0.5
N_FOLDS = 5
MLP_HIDDEN = 8
MLP_ALPHA = 1e-2
MLP_SEEDS = (0, 1, 2, 3, 4)
# context augmentation (--augment): this share of the training texts gets, before or after it,
# context that carries no opinion, so that the model learns to ignore it. The place names,
# times and phrases differ from those of the social test set's variants (tests/data/
# make_social_variants.py), so that its invariance figure stays a held-out check.
AUGMENT_FRACTION = 0.3
_AUG_PLACES = (
    "Hưng Yên", "Hải Dương", "Vĩnh Phúc", "Bắc Giang", "Lạng Sơn", "Cao Bằng", "Bắc Kạn",
    "Tuyên Quang", "Yên Bái", "Điện Biên", "Lai Châu", "Hòa Bình", "Ninh Bình", "Hà Nam",
    "Quảng Trị", "Quảng Ngãi", "Phú Yên", "Ninh Thuận", "Kon Tum", "Đắk Nông", "Bình Phước",
    "Bà Rịa - Vũng Tàu", "Tiền Giang", "Trà Vinh", "Đồng Tháp", "Hậu Giang", "Bạc Liêu",
    "quận 3", "quận Hoàng Mai", "huyện Củ Chi", "thị xã Sơn Tây", "phường Linh Trung",
)  # fmt: skip
_AUG_TIMES = (
    "sáng sớm nay", "khoảng 9h", "tầm 3h chiều", "đêm hôm kia", "hôm kia", "thứ sáu vừa rồi",
    "tuần trước", "hôm thứ ba", "lúc nửa đêm", "gần trưa", "sau giờ tan tầm", "đầu tháng",
    "cuối tháng trước", "dịp lễ vừa rồi", "hôm 2/9", "ngày 15",
)  # fmt: skip
_AUG_FORMS = ("Ở {p}, {t}: ", "{p} {t}: ", "Tại {p}, {t}, ", "{t} ở {p}: ", "[{p}] ")
_AUG_GREETINGS = (
    "Chào các anh chị,", "Xin chào cả nhà,", "Hi mọi người,", "Chào ae,", "Cả nhà ơi,",
    "Dạ cho em hỏi chút,", "Chào diễn đàn,", "Các bạn ơi,",
)  # fmt: skip
_AUG_EMOJI = ("📌", "🔔", "🗓", "📢", "💬", "📞", "🧾", "🔎")
_AUG_QUOTES = ("> ai ở gần đây không?", 'Trích: "bạn dùng bao lâu rồi?"', "> cập nhật thêm")

Blocks = list[sp.csr_matrix]
# a head: (weights (n_buckets, k), sq_scale (n_buckets, k), bias (k,)), scored like the kernel
Head = tuple[np.ndarray, np.ndarray, np.ndarray]


def with_stripped(texts: list[str], labels: list[str]) -> tuple[list[str], np.ndarray]:
    """Each text as given and as typed without diacritics, normalized like at inference."""
    both = texts + [strip_diacritics(t) for t in texts]
    return [normalize(t) for t in both], np.array(labels + labels)


def with_context(texts: list[str], rng: random.Random, fraction: float) -> list[str]:
    """``texts`` with a share ``fraction`` of them given opinion-free context (same order)."""
    out = []
    for text in texts:
        if rng.random() >= fraction:
            out.append(text)
            continue
        kind = rng.randrange(4)
        if kind == 0:
            form = rng.choice(_AUG_FORMS)
            out.append(form.format(p=rng.choice(_AUG_PLACES), t=rng.choice(_AUG_TIMES)) + text)
        elif kind == 1:
            out.append(f"{rng.choice(_AUG_GREETINGS)} {text}")
        elif kind == 2:
            out.append(f"{text} {rng.choice(_AUG_EMOJI) * rng.randint(2, 6)}")
        else:
            out.append(f"{rng.choice(_AUG_QUOTES)}\n{text}")
    return out


def block_features(texts: list[str]) -> Blocks:
    """Binary features per block; a feature index counts once per text, in the first block it
    appears in (as the kernel's de-duplication does)."""
    hashes, doc_ids, blocks = hash_texts(texts, CONFIG)
    _, first = np.unique(doc_ids * CONFIG.n_buckets + hashes, return_index=True)
    hashes, doc_ids, blocks = hashes[first], doc_ids[first], blocks[first]
    shape = (len(texts), CONFIG.n_buckets)
    out = []
    for b in ALL:
        sel = blocks == b
        ones = np.ones(int(sel.sum()), dtype=np.float32)
        out.append(sp.csr_matrix((ones, (doc_ids[sel], hashes[sel])), shape=shape))
    return out


def pick(x: Blocks, blocks: tuple[int, ...], rows: np.ndarray | None = None) -> sp.csr_matrix:
    m = sum((x[b] for b in blocks[1:]), x[blocks[0]]).tocsr()
    return m if rows is None else m[rows]


def stack(*parts: Blocks) -> Blocks:
    return [sp.vstack([p[b] for p in parts]).tocsr() for b in ALL]


def scaled(x: sp.csr_matrix, scale: np.ndarray) -> sp.csr_matrix:
    """Rows of ``x * scale`` L2-normalized (what the kernel computes per head)."""
    xs = x.multiply(scale[None, :]).tocsr()
    norms = np.sqrt(np.asarray(xs.multiply(xs).sum(axis=1)).ravel())
    return sp.diags(1.0 / np.maximum(norms, 1e-12)) @ xs


def head_scores(head: Head, x: sp.csr_matrix) -> np.ndarray:
    weights, sq_scale, bias = head
    num, den = np.asarray(x @ weights), np.sqrt(np.asarray(x @ sq_scale))
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0) + bias


def fit_nb(x: sp.csr_matrix, y: np.ndarray) -> Head:
    """One-vs-rest NB-LR heads, one column per label."""
    w, sq, b = [], [], []
    for label in LABELS:
        pos = y == label
        p = 1.0 + np.asarray(x[pos].sum(axis=0)).ravel()
        q = 1.0 + np.asarray(x[~pos].sum(axis=0)).ravel()
        ratio = np.log((p / p.sum()) / (q / q.sum()))
        clf = LogisticRegression(C=C_NB, max_iter=3000).fit(scaled(x, ratio), pos)
        w.append(ratio * clf.coef_[0])
        sq.append(ratio**2)
        b.append(clf.intercept_[0])
    return np.stack(w, axis=1), np.stack(sq, axis=1), np.array(b)


def fit_idf_svm(x: sp.csr_matrix, y: np.ndarray) -> Head:
    """One-vs-rest linear SVM on IDF-scaled binary features (a TF-IDF-like head)."""
    df = np.asarray(x.sum(axis=0)).ravel()
    idf = np.log((1.0 + x.shape[0]) / (1.0 + df)) + 1.0
    clf = LinearSVC(C=C_SVM, max_iter=5000, random_state=SEED).fit(scaled(x, idf), y)
    assert tuple(clf.classes_) == LABELS
    sq = np.repeat((idf**2)[:, None], len(LABELS), axis=1)
    return idf[:, None] * clf.coef_.T, sq, clf.intercept_.copy()


def fit_logistic(x: sp.csr_matrix, y: np.ndarray, c: float, balanced: bool = False) -> Head:
    """A binary logistic head on L2-normalized binary features."""
    clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced" if balanced else None).fit(
        scaled(x, np.ones(x.shape[1])), y
    )
    return clf.coef_.T.copy(), np.ones((x.shape[1], 1)), clf.intercept_.copy()


def vlsp_folds(y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """5 stratified folds of the VLSP train split; a text and its stripped copy stay together."""
    n = len(y) // 2
    folds = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED)
    return [
        (np.concatenate([f, f + n]), np.concatenate([h, h + n]))
        for f, h in folds.split(np.zeros(n), y[:n])
    ]


def out_of_fold(
    fit: Callable[[np.ndarray], Head], x: sp.csr_matrix, folds: list, width: int
) -> np.ndarray:
    oof = np.zeros((x.shape[0], width))
    for fit_idx, held_idx in folds:
        oof[held_idx] = head_scores(fit(fit_idx), x[held_idx])
    return oof


def fit_combiner(
    z: np.ndarray, y: np.ndarray, weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Average of tanh MLPs (one per seed) over standardized head scores, as one layer:
    ``(hidden, hidden_bias, combine, combine_bias)`` acting on the raw scores."""
    mu, sd = z.mean(axis=0), z.std(axis=0) + 1e-9
    hidden, hidden_bias, combine, combine_bias = [], [], [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for seed in MLP_SEEDS:
            mlp = MLPClassifier(
                hidden_layer_sizes=(MLP_HIDDEN,),
                activation="tanh",
                alpha=MLP_ALPHA,
                max_iter=500,
                random_state=seed,
            ).fit((z - mu) / sd, y, sample_weight=weight)
            assert tuple(mlp.classes_) == LABELS
            w1, w2 = mlp.coefs_
            b1, b2 = mlp.intercepts_
            hidden.append(w1 / sd[:, None])
            hidden_bias.append(b1 - (mu / sd) @ w1)
            combine.append(w2 / len(MLP_SEEDS))
            combine_bias.append(b2 / len(MLP_SEEDS))
    return np.hstack(hidden), np.concatenate(hidden_bias), np.vstack(combine), sum(combine_bias)


def combine_logits(
    layers: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], z: np.ndarray
) -> np.ndarray:
    hidden, hidden_bias, combine, combine_bias = layers
    return np.tanh(z @ hidden + hidden_bias) @ combine + combine_bias


def cross_validate(
    z_v: np.ndarray, y_v: np.ndarray, z_c: np.ndarray, y_c: np.ndarray, folds: list
) -> dict[str, float]:
    """Combiner cross-validated on the folds of the out-of-fold head scores: VLSP macro-F1 (as
    written / stripped) and AIVIVN calibration negative-vs-rest accuracy (as written)."""
    n, nc = len(y_v) // 2, len(y_c) // 2
    cal_split = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED)
    cal_folds = [np.concatenate([h, h + nc]) for _, h in cal_split.split(np.zeros(nc), y_c[:nc])]
    pred_v = np.empty(len(y_v), dtype=object)
    pred_c = np.empty(len(y_c), dtype=object)
    labels = np.array(LABELS)
    for (fit_idx, held_idx), cal_held in zip(folds, cal_folds, strict=True):
        cal_fit = np.setdiff1d(np.arange(len(y_c)), cal_held)
        layers = fit_combiner(
            np.vstack([z_v[fit_idx], z_c[cal_fit]]),
            np.concatenate([y_v[fit_idx], y_c[cal_fit]]),
            np.r_[np.ones(len(fit_idx)), np.full(len(cal_fit), CALIBRATION_WEIGHT)],
        )
        pred_v[held_idx] = labels[combine_logits(layers, z_v[held_idx]).argmax(axis=1)]
        pred_c[cal_held] = labels[combine_logits(layers, z_c[cal_held]).argmax(axis=1)]
    neg_hit = (pred_c[:nc] == "negative") == (y_c[:nc] == "negative")
    return {
        "vlsp_oof_macro_f1": round(float(f1_score(y_v[:n], pred_v[:n], average="macro")), 4),
        "vlsp_oof_stripped_macro_f1": round(
            float(f1_score(y_v[n:], pred_v[n:], average="macro")), 4
        ),
        "aivivn_calibration_neg_accuracy": round(float(neg_hit.mean()), 4),
    }


def train(
    data_dir: Path, out_dir: Path, *, cv: bool = False, augment: bool = False
) -> dict[str, object]:
    t0 = time.time()
    vlsp = load_vlsp(data_dir)
    aivivn = load_aivivn(data_dir)
    uit_texts, uit_labels = uit_sentence_labels(load_uit(data_dir / UIT_TRAIN_FILE))
    keep = [i for i, lab in enumerate(uit_labels) if lab != "neutral"]
    uit_texts = [uit_texts[i] for i in keep]
    uit_labels = [uit_labels[i] for i in keep]
    a_fit, a_cal, ay_fit, ay_cal = train_test_split(
        aivivn.train_texts,
        aivivn.train_labels,
        test_size=CALIBRATION_FRACTION,
        random_state=SEED,
        stratify=aivivn.train_labels,
    )

    v_train, a_fit, uit_texts, a_cal = list(vlsp.train_texts), list(a_fit), uit_texts, list(a_cal)
    if augment:
        rng = random.Random(SEED)
        v_train, a_fit, uit_texts, a_cal = (
            with_context(t, rng, AUGMENT_FRACTION) for t in (v_train, a_fit, uit_texts, a_cal)
        )
    v_texts, v_y = with_stripped(v_train, vlsp.train_labels)
    a_texts, a_y = with_stripped(a_fit, list(ay_fit))
    u_texts, u_y = with_stripped(uit_texts, uit_labels)
    c_texts, c_y = with_stripped(a_cal, list(ay_cal))
    xv, xa, xu, xc = (block_features(t) for t in (v_texts, a_texts, u_texts, c_texts))
    log.info("features: vlsp %s, aivivn %s, uit %s", xv[0].shape, xa[0].shape, xu[0].shape)

    # heads that never see VLSP: their VLSP scores are already out-of-sample
    xb, b_neg = stack(xa, xu), np.concatenate([a_y, u_y]) == "negative"
    binary = fit_logistic(pick(xb, ALL), b_neg, C_BINARY)
    binary_words = fit_logistic(pick(xb, WORDS), b_neg, C_BINARY)

    xv_all, xv_words, xa_all = pick(xv, ALL), pick(xv, WORDS), pick(xa, ALL)
    n_aivivn = xa_all.shape[0]

    def fit_domain(rows: np.ndarray) -> Head:
        x = sp.vstack([xv_all[rows], xa_all]).tocsr()
        return fit_logistic(x, np.r_[np.zeros(len(rows)), np.ones(n_aivivn)], C_DOMAIN, True)

    fits: list[tuple[Callable[[np.ndarray], Head], sp.csr_matrix, int]] = [
        (lambda rows: fit_nb(xv_all[rows], v_y[rows]), xv_all, 3),
        (lambda rows: fit_idf_svm(xv_words[rows], v_y[rows]), xv_words, 3),
        (fit_domain, xv_all, 1),
    ]
    folds = vlsp_folds(v_y)
    everything = np.arange(len(v_y))
    nb, svm, domain = (fit(everything) for fit, _, _ in fits)
    oof = [out_of_fold(fit, x, folds, width) for fit, x, width in fits]
    log.info("heads fitted in %.0f s", time.time() - t0)

    # head order in the file: nb (3), svm (3), binary, binary_words, domain
    heads = [(nb, ALL), (svm, WORDS), (binary, ALL), (binary_words, WORDS), (domain, ALL)]
    xc_all, xc_words = pick(xc, ALL), pick(xc, WORDS)
    z_v = np.hstack(
        [
            oof[0],
            oof[1],
            head_scores(binary, xv_all),
            head_scores(binary_words, xv_words),
            oof[2],
        ]
    )
    z_c = np.hstack([head_scores(h, xc_words if b == WORDS else xc_all) for h, b in heads])
    selection = cross_validate(z_v, v_y, z_c, c_y, folds) if cv else None
    if selection:
        log.info("cross-validated: %s", selection)
    layers = fit_combiner(
        np.vstack([z_v, z_c]),
        np.concatenate([v_y, c_y]),
        np.r_[np.ones(len(v_y)), np.full(len(c_y), CALIBRATION_WEIGHT)],
    )

    weights = np.hstack([h[0] for h, _ in heads]).astype(np.float32)
    sq_scale = np.hstack([h[1] for h, _ in heads]).astype(np.float32)
    head_bias = np.concatenate([h[2] for h, _ in heads])
    head_blocks = np.array(
        [[int(b in blocks) for b in ALL] for h, blocks in heads for _ in range(h[0].shape[1])],
        dtype=np.uint8,
    )
    hidden, hidden_bias, combine, combine_bias = layers  # acting on scores + head_bias
    config = {**CONFIG.serialize(), "labels": list(LABELS), "version": VERSION}
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / MODEL_FILE
    np.savez_compressed(
        path,
        weights=weights.astype(np.float16),
        sq_scale=sq_scale.astype(np.float16),
        head_blocks=head_blocks,
        head_bias=head_bias,
        hidden=hidden,
        hidden_bias=hidden_bias,
        combine=combine,
        combine_bias=combine_bias,
        config=np.array(json.dumps(config)),
    )
    manifest: dict[str, object] = {
        "name": "sentiment",
        "version": VERSION,
        "file": MODEL_FILE,
        "sha256": sha256_file(path),
        "trained_on": {
            "vlsp2016_train_split": len(v_y) // 2,
            "aivivn2019_train_split": len(a_fit),
            "aivivn2019_calibration": len(a_cal),
            "uit_visd4sa_train_single_polarity": len(uit_texts),
            "diacritics_stripped_copies": True,
            "context_augmentation_fraction": AUGMENT_FRACTION if augment else 0.0,
        },
        "normalizer": "cxtext.normalize(text, social=True)",
        "hashing": CONFIG.serialize(),
    }
    if selection:
        manifest["cross_validation"] = selection
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    log.info("wrote %s (%.1f MB) in %.0f s", path, path.stat().st_size / 1e6, time.time() - t0)
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path, help="folder with the vi-sentiment data files")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: here)")
    parser.add_argument(
        "--cv", action="store_true", help="also report the cross-validated selection figures"
    )
    parser.add_argument(
        "--augment",
        action="store_true",
        help=f"give {AUGMENT_FRACTION:.0%} of the training texts opinion-free context "
        "(place/time prefixes, greetings, emoji runs, quoted lines)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    train(args.data_dir, args.out, cv=args.cv, augment=args.augment)


if __name__ == "__main__":
    main()
