"""Tune ``MonoParams`` on the tuning part of the real-voice set; ablation; peer in the same run.

    nice -n 10 .venv/bin/python benchmarks/tune_diarization.py tune  --data /work/realvoice/tune
    nice -n 10 .venv/bin/python benchmarks/tune_diarization.py ablate --data /work/realvoice/tune
    nice -n 10 .venv/bin/python benchmarks/tune_diarization.py score --data /work/realvoice/test

``tune``: bounded coordinate search (each field over a grid of its declared range, a few rounds)
against mean DER (pyannote.metrics, no collar, overlap scored) of the two-party files with the
speaker count not given (the two-party default); then ``count_margin`` is set to the value that
gets the most files of every subset right with the count free in 1..4. Front-end outputs
(embeddings, cepstra) are cached per file and front-end setting, so a run stays within minutes.
``ablate``: each step or parameter removed or at a neutral value -> DER on the tuning part,
written to ``benchmarks/results/diarization_ablation.json``. ``score``: DER per subset, K given
and not, speaker-count accuracy, and the peer (Silero VAD + the same GE2E + spectral clustering,
1.6 s windows every 0.2 s, frame vote, K given).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cxaudio.diarization import _frontend as fe  # noqa: E402
from cxaudio.diarization._audio import open_source  # noqa: E402
from cxaudio.diarization.cluster import cluster  # noqa: E402
from cxaudio.diarization.embedding import get_encoder  # noqa: E402
from cxaudio.diarization.features import FRAME_S, MonoFeatures, extract  # noqa: E402
from cxaudio.diarization.labels import (  # noqa: E402
    centroids,
    cluster_windows,
)
from cxaudio.diarization.params import Choice, Integer, MonoParams, search_space  # noqa: E402
from cxaudio.diarization.pipeline import diarize_features  # noqa: E402
from cxaudio.types import Diarization, SpeakerTurn, read_rttm  # noqa: E402

FRONT_END = ("vad", "min_gap_s", "energy_offset_db", "window_step_s", "min_window_s")
RESULTS = Path(__file__).resolve().parent / "results"


# --------------------------------------------------------------------------------- data, DER


@dataclasses.dataclass
class Item:
    subset: str
    uri: str
    wav: Path
    ref: Diarization

    @property
    def n_speakers(self) -> int:
        return len(self.ref.speakers)


def load_items(root: Path, subsets: list[str] | None, per_subset: int) -> list[Item]:
    """WAV + RTTM pairs under ``root/<subset>/`` (the first ``per_subset`` of each, by name)."""
    import soundfile as sf

    items = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if subsets and folder.name not in subsets:
            continue
        wavs = sorted(folder.glob("*.wav"))
        for wav in wavs[:per_subset] if per_subset else wavs:
            rttm = wav.with_suffix(".rttm")
            turns = [t for ts in read_rttm(rttm.read_text()).values() for t in ts]
            ref = Diarization.from_turns(turns, sf.info(str(wav)).duration)
            items.append(Item(folder.name, wav.stem, wav, ref))
    if not items:
        raise SystemExit(f"no WAV + RTTM pairs under {root}")
    return items


def der(ref: Diarization, hyp: Diarization) -> float:
    from pyannote.core import Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    metric = DiarizationErrorRate(collar=0.0, skip_overlap=False)
    uem = Timeline([Segment(0, ref.duration_s)])
    return float(metric(ref.to_annotation(), hyp.to_annotation(), uem=uem))


# --------------------------------------------------------------------------------- cached runs


class Runner:
    """Front-end outputs cached per (file, front-end settings); the rest runs per trial."""

    def __init__(self, items: list[Item]) -> None:
        self.items = items
        self.cache: dict[tuple[Any, ...], MonoFeatures] = {}
        self.seconds = {"features": 0.0, "labels": 0.0}

    def features(self, item: Item, p: MonoParams) -> MonoFeatures:
        key = (item.uri, item.subset) + tuple(getattr(p, f) for f in FRONT_END)
        if key not in self.cache:
            t = time.perf_counter()
            self.cache[key] = extract(
                open_source(str(item.wav), None), p, device="cpu", threads=1, hook=None
            )
            self.seconds["features"] += time.perf_counter() - t
        return self.cache[key]

    def diarize(self, item: Item, p: MonoParams, count: tuple[int, int]) -> Diarization:
        feat = self.features(item, p)
        t = time.perf_counter()
        d = diarize_features(feat, p, count)
        self.seconds["labels"] += time.perf_counter() - t
        return d

    def mean_der(
        self, p: MonoParams, items: list[Item] | None = None, *, given: bool = False
    ) -> float:
        items = items or self.items
        return float(
            np.mean(
                [
                    der(it.ref, self.diarize(it, p, (it.n_speakers,) * 2 if given else (2, 2)))
                    for it in items
                ]
            )
        )


def grid(name: str, space: Any, default: Any, n: int = 5) -> list[Any]:
    if isinstance(space, Choice):
        return list(space.options)
    if isinstance(space, Integer):
        return sorted(
            set(np.linspace(space.low, space.high, n).round().astype(int).tolist()) | {default}
        )
    return sorted(set(np.round(np.linspace(space.low, space.high, n), 3).tolist()) | {default})


def two_party(items: list[Item]) -> list[Item]:
    return [it for it in items if it.subset.startswith("two_party")]


def count_accuracy(runner: Runner, p: MonoParams, items: list[Item]) -> dict[str, float]:
    out: dict[str, list[bool]] = {}
    for it in items:
        feat = runner.features(it, p)
        _, k = cluster_windows(feat.embeddings, 1, 4, p)
        out.setdefault(it.subset, []).append(k == it.n_speakers)
    return {s: float(np.mean(v)) for s, v in out.items()}


def tune(args: argparse.Namespace) -> None:
    items = load_items(Path(args.data), args.subsets, args.per_subset)
    runner = Runner(two_party(items))
    space = search_space()
    best = MonoParams()
    best_der = runner.mean_der(best)
    print(f"start: mean DER {best_der:.4f} on {len(runner.items)} two-party files", flush=True)
    t0 = time.time()
    # the cheap back-end fields first, then the front end (3 points each), then the back end again
    back = [n for n in space if n not in FRONT_END and n != "count_margin"]
    front = [n for n in FRONT_END if n != "vad"]  # Silero: see the ablation
    order = [(n, 5) for n in back] + [(n, 3) for n in front] + [(n, 5) for n in back]
    for rnd in range(args.rounds):
        for name, points in order:
            default, rng, _ = space[name]
            for value in grid(name, rng, getattr(best, name), points):
                if value == getattr(best, name) or time.time() - t0 > args.max_minutes * 60:
                    continue
                p = dataclasses.replace(best, **{name: value})
                d = runner.mean_der(p)
                if d < best_der - 1e-4:
                    best, best_der = p, d
                    print(f"  round {rnd} {name}={value}: {d:.4f}", flush=True)
    # count_margin: the most files of every subset with the right count (range 1..4)
    cands = grid("count_margin", space["count_margin"][1], best.count_margin, 11)
    all_runner = Runner(items)
    all_runner.cache = runner.cache
    scored = []
    for m in cands:
        acc = count_accuracy(all_runner, dataclasses.replace(best, count_margin=m), items)
        scored.append((float(np.mean(list(acc.values()))), m, acc))
        print(f"  count_margin={m}: {acc}", flush=True)
    top = max(s[0] for s in scored)
    # among the best, the margin in the middle of the best plateau
    plateau = [m for s, m, _ in scored if s >= top - 1e-9]
    best = dataclasses.replace(best, count_margin=float(plateau[len(plateau) // 2]))
    out = {
        "data": str(args.data),
        "files": len(items),
        "two_party_files": len(runner.items),
        "mean_der_two_party": best_der,
        "params": dataclasses.asdict(best),
        "count_accuracy": dict(next(a for s, m, a in scored if m == best.count_margin)),
        "seconds": runner.seconds,
    }
    print(json.dumps(out, indent=1))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "diarization_tuning.json").write_text(json.dumps(out, indent=1) + "\n")


# --------------------------------------------------------------------------------- ablation


def _window_vote(feat: MonoFeatures, labels: np.ndarray, k: int) -> np.ndarray:
    """Frame labels by the windows alone: each speech frame takes the speaker whose windows
    covering it are nearest on average (no cepstral Gaussians, no Viterbi)."""
    n = len(feat.speech)
    path = np.full(n, -1, np.int64)
    frames = np.flatnonzero(feat.speech)
    sim = feat.embeddings @ centroids(feat.embeddings, labels, k).T
    acc = np.zeros((n + 1, k))
    np.add.at(acc, feat.windows[:, 0], sim)
    np.add.at(acc, np.minimum(feat.windows.sum(1), n), -sim)
    path[frames] = np.cumsum(acc, axis=0)[:n][frames].argmax(axis=1)
    return path


def ablate(args: argparse.Namespace) -> None:
    items = load_items(Path(args.data), args.subsets, args.per_subset)
    tp = two_party(items)
    runner = Runner(tp)
    base = MonoParams()
    rows: list[dict[str, Any]] = []

    def row(name: str, change: str, d: float) -> None:
        rows.append({"ablation": name, "change": change, "mean_der": round(d, 4)})
        print(f"{name:28s} {change:40s} {d:.4f}", flush=True)

    ref = runner.mean_der(base)
    row("tuned pipeline", "MonoParams() defaults", ref)
    neutral = {
        "vad": "silero" if base.vad == "energy" else "energy",
        "min_gap_s": 0.3,
        "energy_offset_db": 0.0,
        "window_step_s": 0.8,
        "min_window_s": 0.4,
        "gap_switch_cost": 30.0,  # the top of its range: a pause is hardly cheaper
        "reseg_iterations": 0,
    }
    for name, value in neutral.items():
        if args.only and name not in args.only:
            continue
        if getattr(base, name) == value:
            value = search_space()[name][1].low if name != "vad" else value
        row(
            name,
            f"{getattr(base, name)} -> {value}",
            runner.mean_der(dataclasses.replace(base, **{name: value})),
        )
    # the frame-label step as a whole: frames take the label of the windows covering them
    from cxaudio.diarization import labels as L

    saved = L.label_frames
    L.label_frames = lambda feat, lab, k, p: (
        _window_vote(feat, lab, k) if k > 1 else saved(feat, lab, k, p)
    )
    import cxaudio.diarization.pipeline as P

    P.label_frames = L.label_frames
    try:
        row("frame labels (whole step)", "window vote instead", runner.mean_der(base))
    finally:
        L.label_frames = saved
        P.label_frames = saved
    row("K given (reference count)", "count given", runner.mean_der(base, given=True))
    all_runner = Runner(items)
    all_runner.cache = runner.cache
    with_check = count_accuracy(all_runner, base, items)
    rows.append(
        {"ablation": "count check", "change": "free count 1..4, per subset", "accuracy": with_check}
    )
    print("count accuracy with the check (1..4):", with_check)
    out = {"data": str(args.data), "two_party_files": len(tp), "rows": rows}
    if args.only is not None:  # a partial run adds its rows to the file's
        old = RESULTS / "diarization_ablation.json"
        if old.exists():
            seen = {r["ablation"] for r in rows}
            prev = json.loads(old.read_text())["rows"]
            out["rows"] = [r for r in prev if r["ablation"] not in seen] + rows
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "diarization_ablation.json").write_text(json.dumps(out, indent=1) + "\n")


# --------------------------------------------------------------------------------- score + peer


def peer(item: Item, k: int) -> Diarization:
    """Silero VAD + the same GE2E + spectral clustering, 1.6 s windows every 0.2 s, frame vote."""
    import soundfile as sf
    import soxr

    from cxaudio.vad import vad

    y, sr = sf.read(str(item.wav), dtype="float32", always_2d=True)
    y = y.mean(axis=1)
    y16 = soxr.resample(y, sr, 16000).astype(np.float32) if sr != 16000 else y
    segs = vad(y16, 16000, backend="silero", device="cpu")
    mel = fe.mel_power(y16)
    rms = float(np.sqrt(np.mean(y16**2))) + 1e-12
    gain = 10 ** (max(0.0, fe.TARGET_DBFS - 20 * np.log10(rms)) / 20)
    n = len(mel)
    starts = []
    for s in segs:
        a, b = int(s.start / FRAME_S), min(n, int(s.end / FRAME_S))
        if b - a < 40:
            continue
        last = max(a, b - 160)
        starts += list(range(a, last + 1, 20)) or [a]
    speech = np.zeros(n, bool)
    for s in segs:
        speech[int(s.start / FRAME_S) : int(s.end / FRAME_S)] = True
    if not starts:
        return Diarization.from_turns([], item.ref.duration_s)
    wins = [
        np.pad(mel[s : s + 160], ((0, max(0, 160 - len(mel[s : s + 160]))), (0, 0))) for s in starts
    ]
    emb = get_encoder(device="cpu", intra_op_num_threads=1).embed_mels(np.stack(wins) * gain**2)
    lab = cluster(emb, num_speakers=k)
    votes = np.zeros((n + 1, int(lab.max()) + 1))
    onehot = np.eye(int(lab.max()) + 1)[lab]
    st = np.array(starts)
    np.add.at(votes, st, onehot)
    np.add.at(votes, np.minimum(st + 160, n), -onehot)
    v = np.cumsum(votes, axis=0)[:n]
    path = np.where(speech & (v.sum(1) > 0), v.argmax(1), -1)
    turns = []
    for j in range(v.shape[1]):
        m = np.concatenate([[False], path == j, [False]])
        edges = np.flatnonzero(np.diff(m.astype(np.int8)))
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            turns.append(SpeakerTurn(round(a * FRAME_S, 3), round(b * FRAME_S, 3), f"P{j}"))
    for a0, b0 in _uncovered(speech, v):
        turns.append(SpeakerTurn(round(a0 * FRAME_S, 3), round(b0 * FRAME_S, 3), "P0"))
    return Diarization.from_turns(turns, item.ref.duration_s)


def _uncovered(speech: np.ndarray, v: np.ndarray) -> list[tuple[int, int]]:
    """Speech runs no window covers (short segments): given to the first speaker."""
    m = np.concatenate([[False], speech & (v.sum(1) == 0), [False]])
    e = np.flatnonzero(np.diff(m.astype(np.int8)))
    return list(zip(e[::2].tolist(), e[1::2].tolist(), strict=True))


def score(args: argparse.Namespace) -> None:
    items = load_items(Path(args.data), args.subsets, args.per_subset)
    runner = Runner(items)
    p = MonoParams()
    rows: dict[str, dict[str, list[float]]] = {}
    audio_s, t_ours = 0.0, 0.0
    for it in items:
        r = rows.setdefault(
            it.subset, {"der_free": [], "der_given": [], "der_peer_given": [], "count_ok": []}
        )
        t = time.perf_counter()
        free = runner.diarize(it, p, (2, 2))
        t_ours += time.perf_counter() - t
        audio_s += it.ref.duration_s
        r["der_free"].append(der(it.ref, free))
        r["der_given"].append(der(it.ref, runner.diarize(it, p, (it.n_speakers,) * 2)))
        if it.subset.startswith("two_party") or args.peer_all:
            r["der_peer_given"].append(der(it.ref, peer(it, it.n_speakers)))
        ranged = runner.diarize(it, p, (1, 4)) if not it.subset.startswith("two_party") else free
        r["count_ok"].append(len(ranged.speakers) == it.n_speakers)
    out = {
        "data": str(args.data),
        "params": dataclasses.asdict(p),
        "note": "der_free: count not given (two-party default; 1..4 range for count_ok of other "
        "subsets); peer K given",
        "subsets": {
            s: {"files": len(v["der_free"])}
            | {k: round(float(np.mean(x)), 4) for k, x in v.items() if x}
            for s, v in rows.items()
        },
        "x_real_time_incl_features_first_pass": round(audio_s / max(t_ours, 1e-9), 1),
    }
    print(json.dumps(out, indent=1))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"diarization_score_{Path(args.data).name}.json").write_text(
        json.dumps(out, indent=1) + "\n"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["tune", "ablate", "score"])
    ap.add_argument("--data", required=True, help="folder of <subset>/<uri>.wav + .rttm")
    ap.add_argument("--subsets", nargs="*", default=None)
    ap.add_argument("--per-subset", type=int, default=0, help="first N files per subset (0: all)")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--max-minutes", type=float, default=8.0)
    ap.add_argument("--only", nargs="*", default=None, help="ablate: only these fields")
    ap.add_argument("--peer-all", action="store_true", help="score the peer on every subset")
    args = ap.parse_args()
    {"tune": tune, "ablate": ablate, "score": score}[args.mode](args)


if __name__ == "__main__":
    main()
