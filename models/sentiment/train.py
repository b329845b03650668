"""Train the cxtext sentiment model from the labelled data folder and write it here.

    python models/sentiment/train.py ../shared/data/vi-sentiment

The model (see ``cxtext/sentiment/model.py``) has four linear heads over hashed n-grams of
``cxtext.normalize``-d text (binary features, per-head scaled and L2-normalized):

- three NB-LR heads (Wang & Manning 2012: logistic regression on features scaled by their
  naive-Bayes log-count ratio), one-vs-rest negative / neutral / positive, trained on the VLSP
  2016 train split;
- one binary negative-vs-positive head trained on the AIVIVN 2019 train split (minus a
  calibration part) and the single-polarity sentences of UIT-ViSD4SA train;

and a 4 -> 3 logistic layer that combines them, trained on out-of-fold head scores of the
VLSP train split and on the held-back AIVIVN calibration part. Every text is also trained on
with its diacritics stripped, so text typed without diacritics works. Dev splits (see
``data.py``) are never used here. Writes ``sentiment.npz`` and ``manifest.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split

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
VERSION = "1.0.0"
CONFIG = HashingConfig(n_buckets=1 << 18, char_min=1, char_max=5)
C_NB = 3.0
C_BINARY = 10.0
C_COMBINE = 1.0
CALIBRATION_FRACTION = 0.15


def with_stripped(texts: list[str], labels: list[str]) -> tuple[list[str], np.ndarray]:
    """Each text as given and as typed without diacritics, normalized like at inference."""
    both = texts + [strip_diacritics(t) for t in texts]
    return [normalize(t) for t in both], np.array(labels + labels)


def binary_features(texts: list[str]) -> sp.csr_matrix:
    hashes, doc_ids, _ = hash_texts(texts, CONFIG)
    ones = np.ones(len(hashes), dtype=np.float32)
    matrix = sp.csr_matrix((ones, (doc_ids, hashes)), shape=(len(texts), CONFIG.n_buckets))
    matrix.data[:] = 1.0  # duplicates were summed: back to presence
    return matrix


def scaled(x: sp.csr_matrix, scale: np.ndarray) -> sp.csr_matrix:
    """Rows of ``x * scale`` L2-normalized (what the kernel computes per head)."""
    xs = x.multiply(scale[None, :]).tocsr()
    norms = np.sqrt(np.asarray(xs.multiply(xs).sum(axis=1)).ravel())
    return sp.diags(1.0 / np.maximum(norms, 1e-12)) @ xs


def fit_nb_heads(x: sp.csr_matrix, y: np.ndarray) -> list[tuple[np.ndarray, LogisticRegression]]:
    heads = []
    for label in LABELS:
        pos = y == label
        p = 1.0 + np.asarray(x[pos].sum(axis=0)).ravel()
        q = 1.0 + np.asarray(x[~pos].sum(axis=0)).ravel()
        ratio = np.log((p / p.sum()) / (q / q.sum()))
        clf = LogisticRegression(C=C_NB, max_iter=3000).fit(scaled(x, ratio), pos)
        heads.append((ratio, clf))
    return heads


def nb_scores(heads: list[tuple[np.ndarray, LogisticRegression]], x: sp.csr_matrix) -> np.ndarray:
    return np.stack([clf.decision_function(scaled(x, r)) for r, clf in heads], axis=1)


def train(data_dir: Path, out_dir: Path) -> dict[str, object]:
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

    v_texts, v_y = with_stripped(vlsp.train_texts, vlsp.train_labels)
    b_texts, b_y = with_stripped(list(a_fit) + uit_texts, list(ay_fit) + uit_labels)
    c_texts, c_y = with_stripped(list(a_cal), list(ay_cal))
    xv, xb, xc = (binary_features(t) for t in (v_texts, b_texts, c_texts))
    log.info("features: vlsp %s, binary %s, calibration %s", xv.shape, xb.shape, xc.shape)

    heads = fit_nb_heads(xv, v_y)
    ones = np.ones(CONFIG.n_buckets)
    binary = LogisticRegression(C=C_BINARY, max_iter=3000).fit(scaled(xb, ones), b_y == "negative")

    # out-of-fold NB scores on VLSP (a text and its stripped copy stay in the same fold)
    n = len(vlsp.train_texts)
    oof = np.zeros((2 * n, len(LABELS)))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    for fit_idx, held_idx in folds.split(np.zeros(n), v_y[:n]):
        fit2 = np.concatenate([fit_idx, fit_idx + n])
        held2 = np.concatenate([held_idx, held_idx + n])
        oof[held2] = nb_scores(fit_nb_heads(xv[fit2], v_y[fit2]), xv[held2])
    z_v = np.hstack([oof, binary.decision_function(scaled(xv, ones))[:, None]])
    z_c = np.hstack([nb_scores(heads, xc), binary.decision_function(scaled(xc, ones))[:, None]])
    combiner = LogisticRegression(C=C_COMBINE, max_iter=2000).fit(
        np.vstack([z_v, z_c]), np.concatenate([v_y, c_y])
    )
    assert tuple(combiner.classes_) == LABELS

    weights = np.zeros((CONFIG.n_buckets, 4), dtype=np.float32)
    sq_scale = np.zeros((CONFIG.n_buckets, 4), dtype=np.float32)
    head_bias = np.zeros(4)
    for c, (ratio, clf) in enumerate(heads):
        weights[:, c] = ratio * clf.coef_[0]
        sq_scale[:, c] = ratio**2
        head_bias[c] = clf.intercept_[0]
    weights[:, 3] = binary.coef_[0]
    sq_scale[:, 3] = 1.0
    head_bias[3] = binary.intercept_[0]
    config = {**CONFIG.serialize(), "labels": list(LABELS), "version": VERSION}
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / MODEL_FILE
    np.savez_compressed(
        path,
        weights=weights.astype(np.float16),
        sq_scale=sq_scale.astype(np.float16),
        head_bias=head_bias,
        combine=combiner.coef_.T.copy(),
        combine_bias=combiner.intercept_.copy(),
        config=np.array(json.dumps(config)),
    )
    manifest = {
        "name": "sentiment",
        "version": VERSION,
        "file": MODEL_FILE,
        "sha256": sha256_file(path),
        "trained_on": {
            "vlsp2016_train_split": n,
            "aivivn2019_train_split": len(a_fit),
            "aivivn2019_calibration": len(a_cal),
            "uit_visd4sa_train_single_polarity": len(uit_texts),
            "diacritics_stripped_copies": True,
        },
        "normalizer": "cxtext.normalize(text, social=True)",
        "hashing": CONFIG.serialize(),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    log.info("wrote %s (%.1f MB) in %.0f s", path, path.stat().st_size / 1e6, time.time() - t0)
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path, help="folder with the vi-sentiment data files")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: here)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    train(args.data_dir, args.out)


if __name__ == "__main__":
    main()
