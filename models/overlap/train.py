"""Train the overlap detector of the mono diarization (``models/overlap/overlap.npz``).

    .venv/bin/python models/overlap/train.py [--seeds 101 102 103 104] [--workers 2]

1. Generates (once, cached under ``~/.cache/cxkit/bench_calls``, as ``benchmarks/bench_calls.py``
   does) synthetic archives of 200 calls for each training seed. These seeds are kept apart
   from the ones the benchmarks and the closing notes score (2026, 7…97, 19…53).
2. Diarizes every mono call as ``cxaudio.diarize`` does and records, per speech frame, the
   detector's features (:func:`cxaudio.diarization._overlap_model.overlap_features`, taken at
   the pipeline's seam ``_add_detected_overlaps``, which is left a no-op meanwhile) and the
   label from the call's RTTM truth: agent and customer both speaking.
3. Fits a one-hidden-layer ``tanh`` network (scikit-learn) on the frames of all seeds but the
   last, reports frame-level figures on the last, refits on all of them, and writes
   ``overlap.npz`` and ``manifest.json`` (its sha256). About 15 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from cxaudio.diarization import pipeline  # noqa: E402
from cxaudio.diarization._overlap_model import FEATURE_NAMES  # noqa: E402
from cxvoc.modelfiles import sha256_file  # noqa: E402

HERE = Path(__file__).resolve().parent
VERSION = "1.0.0"
HIDDEN = 32
POSITIVE_REPEAT = 4

_seen: list[tuple[np.ndarray, np.ndarray]] = []


def _record(
    states: np.ndarray,
    features: np.ndarray,
    loglik: np.ndarray,
    frames: np.ndarray,
    *args: object,
) -> np.ndarray:
    """Stands in for ``pipeline._add_detected_overlaps``: keeps the features and their frames,
    adds nothing."""
    _seen.append((features, frames))
    return states


def _truth(rttm: Path, n: int) -> np.ndarray:
    act = {"agent": np.zeros(n, bool), "customer": np.zeros(n, bool)}
    for line in rttm.read_text(encoding="utf-8").splitlines():
        f = line.split()
        start = float(f[3])
        act[f[7]][round(start * 100) : round((start + float(f[4])) * 100)] = True
    return act["agent"] & act["customer"]


def _frames_of(wav: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """Features and labels of the speech frames of one mono call (None: no overlap pass)."""
    _seen.clear()
    pipeline.diarize(str(wav))
    if not _seen:
        return None
    x, frames = _seen[-1]
    y = _truth(wav.with_name(wav.name.replace(".wav", ".rttm")), int(frames[-1]) + 2)[frames]
    return x, y


def _archive(seed: int, workers: int) -> Path:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_calls import _generate  # the benchmark's archives, cached the same way

    folder = Path.home() / ".cache" / "cxkit" / "bench_calls" / f"n200-s{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    _generate(folder, 200, seed, 165.0, 200.0, workers)
    return folder


def _dataset(seed: int, workers: int) -> tuple[np.ndarray, np.ndarray]:
    cache = Path.home() / ".cache" / "cxkit" / "overlap_train" / f"s{seed}-v{VERSION}.npz"
    if cache.exists():
        with np.load(cache) as z:
            return z["x"], z["y"]
    wavs = sorted(_archive(seed, workers).glob("*-mono.wav"))
    with Pool(workers) as pool:
        got = [r for r in pool.map(_frames_of, wavs) if r is not None]
    x = np.concatenate([g[0] for g in got]).astype(np.float32)
    y = np.concatenate([g[1] for g in got])
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(cache, x=x, y=y)
    print(f"seed {seed}: {len(got)} mono calls, {len(y)} speech frames, {y.mean():.3f} overlap")
    return x, y


def _fit(x: np.ndarray, y: np.ndarray, max_frames: int = 600_000):
    """The network, fitted on a sample of frames whose overlapped ones are repeated
    ``POSITIVE_REPEAT`` times (they are under 1 % of speech: unweighted, the network settles for
    the overlaps the rules already find)."""
    from sklearn.neural_network import MLPClassifier

    rng = np.random.default_rng(0)
    idx = rng.choice(len(x), min(len(x), max_frames), replace=False)
    idx = np.concatenate([idx, np.repeat(idx[y[idx]], POSITIVE_REPEAT - 1)])
    mean, std = x.mean(0), x.std(0) + 1e-6
    clf = MLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        activation="tanh",
        alpha=1e-3,
        batch_size=1024,
        max_iter=60,
        early_stopping=True,
        random_state=0,
    )
    clf.fit((x[idx] - mean) / std, y[idx])
    return clf, mean, std


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[101, 102, 103, 104])
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    if len(args.seeds) < 2:
        ap.error("--seeds needs at least two seeds (the last one is held out first)")

    pipeline._add_detected_overlaps = _record  # features only; the rules' overlaps unchanged
    data = [_dataset(s, args.workers) for s in args.seeds]

    from sklearn.metrics import average_precision_score, roc_auc_score

    x_fit = np.concatenate([d[0] for d in data[:-1]])
    y_fit = np.concatenate([d[1] for d in data[:-1]])
    clf, mean, std = _fit(x_fit, y_fit)
    x_out, y_out = data[-1]
    prob = clf.predict_proba((x_out - mean) / std)[:, 1]
    hit = prob >= 0.5
    held_out = {
        "seed": args.seeds[-1],
        "frames": len(y_out),
        "roc_auc": round(float(roc_auc_score(y_out, prob)), 4),
        "average_precision": round(float(average_precision_score(y_out, prob)), 4),
        "recall_at_0.5": round(float((hit & y_out).sum() / max(1, y_out.sum())), 4),
        "precision_at_0.5": round(float((hit & y_out).sum() / max(1, hit.sum())), 4),
    }
    print("held out:", held_out)

    x_all = np.concatenate([d[0] for d in data])
    y_all = np.concatenate([d[1] for d in data])
    clf, mean, std = _fit(x_all, y_all)
    out = HERE / "overlap.npz"
    with open(out, "wb") as fh:
        np.savez(
            fh,
            features=np.array(FEATURE_NAMES),
            mean=mean.astype(np.float32),
            std=std.astype(np.float32),
            w1=clf.coefs_[0].astype(np.float32),
            b1=clf.intercepts_[0].astype(np.float32),
            w2=clf.coefs_[1][:, 0].astype(np.float32),
            b2=np.float32(clf.intercepts_[1][0]),
        )
    manifest = {
        "name": "overlap",
        "version": VERSION,
        "file": out.name,
        "sha256": sha256_file(out),
        "features": list(FEATURE_NAMES),
        "hidden": HIDDEN,
        "positive_repeat": POSITIVE_REPEAT,
        "trained_on": {
            "generator": "cxaudio.synth (espeak-ng voices), mono calls of 200-call archives",
            "seeds": args.seeds,
            "speech_frames": len(y_all),
            "overlap_fraction": round(float(y_all.mean()), 4),
        },
        "held_out_first": held_out,
        "decision": (
            "MonoParams.overlap_model_threshold (0.5, averaged over "
            "MonoParams.overlap_model_smooth_s 0.5 s) and MonoParams.overlap_model_min_s (0.5 s)"
        ),
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
