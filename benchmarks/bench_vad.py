"""Speed and agreement of cxaudio.vad (silero, energy) against webrtcvad, in the same run.

Synthetic scenes: the espeak-ng Vietnamese test utterances (tests/cxaudio/data), some pitch/speed
shifted by resampling, placed at random times with random pauses (0.3-4 s, or 0.3-12 s as on one
channel of a stereo call) in white or pink noise at 30/20/10 dB SNR, telephone band (300-3400 Hz),
8 kHz (and 16 kHz). Reference speech:
frames of each clean utterance within 40 dB of its peak, pauses < 0.3 s bridged.

Scores on a 10 ms grid against the reference: miss rate, false-alarm rate, accuracy, F1.
Silero variants: the default (quiet stretches skipped, pieces batched), ``silero_no_skip``
(batched only) and ``silero_sequential`` (upstream's window-by-window loop).
Every backend's frame decisions go through the same segment post-processing (min speech 0.25 s,
min silence 0.1 s, pad 0.03 s). Speed as x real time on one core (process pinned to one CPU,
NUMBA/OMP/MKL/OPENBLAS threads 1, onnxruntime intra_op 1); best of ``--repeat`` runs.

    .venv/bin/python benchmarks/bench_vad.py [--scenes 3] [--minutes 2] [--repeat 3]

Prints one JSON line per measure and writes benchmarks/results/vad.json.
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "cxaudio" / "data"
POST = {"min_speech_s": 0.25, "min_silence_s": 0.1, "pad_s": 0.03}


def utterances(sr: int) -> list[np.ndarray]:
    import soxr

    import cxaudio

    base = [cxaudio.load(DATA / f"speech_vi_{c}.flac", sr=sr)[0] for c in "abc"]
    out = list(base)
    for factor in (0.85, 1.15):  # played faster/slower: pitch and rate shift
        out += [soxr.resample(u, sr, int(sr * factor)).astype(np.float32) for u in base]
    return out


def reference(u: np.ndarray, sr: int, offset: float) -> list[tuple[float, float]]:
    from cxaudio.vad import energy_levels

    db, hop_s, frame_s = energy_levels(u, sr)
    spans: list[list[float]] = []
    for i in np.nonzero(db > db.max() - 40)[0]:
        t = offset + i * hop_s
        if spans and t - spans[-1][1] < 0.3:
            spans[-1][1] = t + frame_s
        else:
            spans.append([t, t + frame_s])
    return [(a, b) for a, b in spans]


def scene(sr: int, minutes: float, snr_db: float, noise: str, seed: int, max_pause_s: float = 4.0):
    import scipy.signal

    rng = np.random.default_rng(seed)
    utts = utterances(sr)
    n = int(minutes * 60 * sr)
    speech = np.zeros(n, np.float32)
    ref: list[tuple[float, float]] = []
    t = rng.uniform(0.5, 2.0)
    while True:
        u = utts[rng.integers(len(utts))] * rng.uniform(0.3, 1.0)
        start = int(t * sr)
        if start + u.size >= n:
            break
        speech[start : start + u.size] += u
        ref += reference(u, sr, t)
        t += u.size / sr + rng.uniform(0.3, max_pause_s)
    white = rng.standard_normal(n)
    if noise == "pink":
        b, a = (
            [0.049922035, -0.095993537, 0.050612699, -0.004408786],
            [1, -2.494956002, 2.017265875, -0.522189400],
        )
        white = scipy.signal.lfilter(b, a, white)
    active = np.zeros(n, bool)
    for a_s, b_s in ref:
        active[int(a_s * sr) : int(b_s * sr)] = True
    p_speech = float(np.mean(speech[active] ** 2))
    noise_sig = white * math.sqrt(p_speech / 10 ** (snr_db / 10) / np.mean(white**2))
    y = speech + noise_sig
    sos = scipy.signal.butter(4, [300, 3400], btype="band", fs=sr, output="sos")
    y = scipy.signal.sosfilt(sos, y).astype(np.float32)
    return np.clip(y, -1, 1), ref


def grid(segs, total_s: float) -> np.ndarray:
    m = np.zeros(int(total_s * 100), bool)
    for s in segs:
        a, b = (s.start, s.end) if hasattr(s, "start") else s
        m[int(a * 100) : int(b * 100)] = True
    return m


def webrtc_segments(y: np.ndarray, sr: int, mode: int):
    import webrtcvad

    from cxaudio.vad._kernels import hysteresis_segments
    from cxaudio.vad.api import _to_segments

    vad = webrtcvad.Vad(mode)
    frame = int(0.03 * sr)
    pcm = (np.clip(y, -1, 1) * 32767).astype("<i2")
    n_frames = pcm.size // frame
    raw = pcm[: n_frames * frame].tobytes()
    step = frame * 2
    flags = np.fromiter(
        (vad.is_speech(raw[i * step : (i + 1) * step], sr) for i in range(n_frames)),
        np.float32,
        n_frames,
    )
    starts, ends = hysteresis_segments(
        flags,
        0.5,
        0.5,
        math.ceil(POST["min_speech_s"] / 0.03),
        max(1, math.ceil(POST["min_silence_s"] / 0.03)),
    )
    return _to_segments(starts, ends, 0.03, 0.03, POST["pad_s"], y.size / sr)


def best_time(fn: Callable[[], object], repeat: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=3, help="scenes per noise condition")
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "vad.json"))
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    import cxaudio

    backends: dict[str, Callable[[np.ndarray, int], list]] = {
        "silero": lambda y, sr: cxaudio.vad(y, sr, backend="silero", device="cpu", **POST),
        "silero_no_skip": lambda y, sr: _silero_variant(y, sr, piece_s=None, skip_quiet_db=None),
        "silero_sequential": lambda y, sr: _silero_variant(
            y, sr, piece_s=math.inf, skip_quiet_db=None
        ),
        "energy": lambda y, sr: cxaudio.vad(y, sr, backend="energy", **POST),
        "webrtcvad_mode2": lambda y, sr: webrtc_segments(y, sr, 2),
        "webrtcvad_mode3": lambda y, sr: webrtc_segments(y, sr, 3),
    }
    rows: list[dict] = []
    # (sr, noise, snr_db, longest pause): 12 s pauses are one channel of a stereo call
    conditions = [
        (8000, "white", 30.0, 4.0),
        (8000, "white", 20.0, 4.0),
        (8000, "pink", 20.0, 4.0),
        (8000, "white", 10.0, 4.0),
        (8000, "white", 20.0, 12.0),
        (16000, "white", 20.0, 4.0),
    ]
    for sr, noise, snr, max_pause in conditions:
        scores: dict[str, list[float]] = {name: [0.0, 0.0, 0.0, 0.0, 0.0] for name in backends}
        for k in range(args.scenes):
            y, ref = scene(sr, args.minutes, snr, noise, 1000 * k + int(snr) + sr, max_pause)
            total_s = y.size / sr
            want = grid(ref, total_s)
            for name, fn in backends.items():
                segs = fn(y, sr)
                got = grid(segs, total_s)
                acc = scores[name]
                acc[0] += float((want & ~got).sum())  # missed
                acc[1] += float((got & ~want).sum())  # false alarm
                acc[2] += float(want.sum())
                acc[3] += float((~want).sum())
                if k == 0:
                    acc[4] = total_s / best_time(lambda fn=fn, y=y, sr=sr: fn(y, sr), args.repeat)
        for name, (miss, fa, sp, nsp, xrt) in scores.items():
            tp = sp - miss
            row = {
                "bench": "vad",
                "backend": name,
                "sr": sr,
                "noise": noise,
                "max_pause_s": max_pause,
                "snr_db": snr,
                "scenes": args.scenes,
                "minutes_each": args.minutes,
                "miss_rate": miss / sp,
                "false_alarm_rate": fa / nsp,
                "accuracy": 1 - (miss + fa) / (sp + nsp),
                "f1": 2 * tp / (2 * tp + fa + miss),
                "xrt_one_core": xrt,
            }
            print(json.dumps(row), flush=True)
            rows.append(row)
    import onnxruntime
    import webrtcvad  # noqa: F401

    result = {
        "name": "vad",
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "cores_used": 1,
        },
        "versions": {"onnxruntime": onnxruntime.__version__, "silero_vad_model": "6.2.3"},
        "post_processing": POST,
        "command": "python benchmarks/bench_vad.py " + " ".join(sys.argv[1:]),
        "results": rows,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def _silero_variant(
    y: np.ndarray, sr: int, *, piece_s: float | None, skip_quiet_db: float | None
) -> list:
    """Silero without quiet-stretch skipping (``skip_quiet_db=None``), and with ``piece_s=inf``
    also without batching (upstream's window-by-window loop): the baselines of the default."""
    from cxaudio.vad import SileroVAD
    from cxaudio.vad._kernels import hysteresis_segments
    from cxaudio.vad.api import _to_segments

    model_sr = sr if sr in (8000, 16000) else 16000
    prob, hop = SileroVAD(device="cpu").probabilities(
        y, model_sr, piece_s=piece_s, skip_quiet_db=skip_quiet_db
    )
    starts, ends = hysteresis_segments(
        prob,
        0.5,
        0.35,
        math.ceil(POST["min_speech_s"] / hop),
        max(1, math.ceil(POST["min_silence_s"] / hop)),
    )
    return _to_segments(starts, ends, hop, hop, POST["pad_s"], y.size / sr)


if __name__ == "__main__":
    main()
