"""Speed and agreement of cxaudio.features against librosa, measured in the same run.

- pitch: ``cxaudio.pitch`` vs ``librosa.pyin`` (same fmin/fmax, frame_length, hop): x real time
  per core, the speed ratio (target >= 10x), gross-error rate (|f0 - f0_pyin| / f0_pyin > 20 %)
  on frames both call voiced, and voicing agreement. Signal: the espeak-ng Vietnamese test
  utterances (tests/cxaudio/data) and a synthetic harmonic voice with a known gliding f0.
- log-mel: ``cxaudio.log_mel`` vs ``librosa.power_to_db(librosa.feature.melspectrogram(...))``
  (top_db=None in both): speed ratio (target >= 3x) and max |difference| in dB.
- rms / zero-crossing rate vs ``librosa.feature.rms`` / ``zero_crossing_rate``.

One core: the process is pinned to one CPU; NUMBA_NUM_THREADS, OMP/MKL/OPENBLAS threads = 1.
Each timing is the best of ``--repeat`` runs, ours and the peer alternating (the ratio of the
medians is reported too).

    .venv/bin/python benchmarks/bench_features.py [--seconds 60] [--repeat 7]

Prints one JSON line per measure and writes benchmarks/results/features.json.
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "cxaudio" / "data"


def best_of(fns: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Best wall time of each function, run alternately ``repeat`` times after a warm-up; the
    medians go under ``<name>_median`` (the machine may be shared: the best is the cleanest)."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    out = {name: min(ts) for name, ts in times.items()}
    out.update({f"{name}_median": float(np.median(ts)) for name, ts in times.items()})
    return out


def speech(sr: int, seconds: float) -> np.ndarray:
    """Test utterances with short pauses, tiled to ``seconds``, plus faint noise."""
    import cxaudio

    parts = []
    for c in "abc":
        parts += [
            cxaudio.load(DATA / f"speech_vi_{c}.flac", sr=sr)[0],
            np.zeros(sr // 2, np.float32),
        ]
    one = np.concatenate(parts)
    y = np.tile(one, int(np.ceil(seconds * sr / one.size)))[: int(seconds * sr)]
    rng = np.random.default_rng(0)
    return (y + 0.002 * rng.standard_normal(y.size)).astype(np.float32)


def voice(sr: int, seconds: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    n = int(sr * seconds)
    f0 = 140.0 + 40.0 * np.sin(2 * np.pi * 0.4 * np.arange(n) / sr)
    phase = np.cumsum(2 * np.pi * f0 / sr)
    y = sum((0.3 / k) * np.sin(k * phase) for k in range(1, 9)) + 0.005 * rng.standard_normal(n)
    return y.astype(np.float32), f0


def bench_pitch(sr: int, seconds: float, repeat: int) -> list[dict]:
    import librosa

    import cxaudio

    out = []
    hop, frame = sr // 100, 512 if sr == 8000 else 1024
    kw = {"fmin": 60.0, "fmax": 400.0, "frame_length": frame, "hop_length": hop}
    for name, y, truth in [
        ("speech", speech(sr, seconds), None),
        ("harmonic", *voice(sr, seconds)),
    ]:
        t = best_of(
            {
                "ours": lambda y=y: cxaudio.pitch(y, sr, **kw),
                "pyin": lambda y=y: librosa.pyin(y, sr=sr, **kw),
            },
            max(2, repeat // 3),
        )
        f0, voiced, _ = cxaudio.pitch(y, sr, **kw)
        p0, pv, _ = librosa.pyin(y, sr=sr, **kw)
        both = voiced & pv
        gross = float(np.mean(np.abs(f0[both] - p0[both]) / p0[both] > 0.2))
        row = {
            "bench": "features",
            "feature": "pitch",
            "signal": name,
            "sr": sr,
            "seconds": seconds,
            "params": kw,
            "peer": "librosa.pyin",
            "ours_xrt": seconds / t["ours"],
            "peer_xrt": seconds / t["pyin"],
            "speedup": t["pyin"] / t["ours"],
            "speedup_of_medians": t["pyin_median"] / t["ours_median"],
            "gross_error_rate_vs_pyin": gross,
            "voicing_agreement": float(np.mean(voiced == pv)),
            "voiced_share": {"ours": float(voiced.mean()), "pyin": float(pv.mean())},
            "target": "speedup >= 10 and gross_error_rate_vs_pyin <= 0.02",
        }
        if truth is not None:
            ref = truth[np.minimum(np.arange(f0.size) * hop, truth.size - 1)]
            inner = slice(5, -5)
            ok = voiced[inner]
            row["median_rel_error_vs_truth"] = {
                "ours": float(np.median(np.abs(f0[inner][ok] - ref[inner][ok]) / ref[inner][ok])),
                "pyin": float(
                    np.nanmedian(
                        np.abs(p0[inner][pv[inner]] - ref[inner][pv[inner]]) / ref[inner][pv[inner]]
                    )
                ),
            }
        row["met"] = bool(row["speedup"] >= 10 and gross <= 0.02)
        out.append(row)
    return out


def bench_log_mel(seconds: float, repeat: int) -> list[dict]:
    import librosa

    import cxaudio

    out = []
    configs = [
        {"sr": 8000, "n_fft": 256, "hop_length": 80, "n_mels": 64, "fmin": 0.0, "fmax": 4000.0},
        {"sr": 8000, "n_fft": 512, "hop_length": 80, "n_mels": 80, "fmin": 20.0, "fmax": 3800.0},
        {"sr": 16000, "n_fft": 512, "hop_length": 160, "n_mels": 64, "fmin": 0.0, "fmax": 8000.0},
        {"sr": 16000, "n_fft": 512, "hop_length": 160, "n_mels": 80, "fmin": 20.0, "fmax": 7600.0},
    ]
    for cfg in configs:
        sr = cfg["sr"]
        kw = {k: v for k, v in cfg.items() if k != "sr"}
        y = speech(sr, seconds)

        def peer(y=y, sr=sr, kw=kw):
            mel = librosa.feature.melspectrogram(y=y, sr=sr, **kw)
            return librosa.power_to_db(mel, top_db=None)

        t = best_of(
            {"ours": lambda y=y, sr=sr, kw=kw: cxaudio.log_mel(y, sr, **kw), "peer": peer}, repeat
        )
        diff = np.abs(cxaudio.log_mel(y, sr, **kw) - peer())
        out.append(
            {
                "bench": "features",
                "feature": "log_mel",
                "sr": sr,
                "seconds": seconds,
                "params": kw,
                "peer": "librosa.feature.melspectrogram + librosa.power_to_db",
                "ours_xrt": seconds / t["ours"],
                "peer_xrt": seconds / t["peer"],
                "speedup": t["peer"] / t["ours"],
                "speedup_of_medians": t["peer_median"] / t["ours_median"],
                "max_abs_diff_db": float(diff.max()),
                "target": "speedup >= 3 and max_abs_diff_db <= 1e-3",
                "met": bool(t["peer"] / t["ours"] >= 3 and diff.max() <= 1e-3),
            }
        )
    return out


def bench_levels(seconds: float, repeat: int) -> list[dict]:
    import librosa

    import cxaudio

    sr, frame, hop = 8000, 200, 80
    y = speech(sr, seconds)
    out = []
    pairs = {
        "rms": (
            lambda: cxaudio.rms(y, sr, frame_length=frame, hop_length=hop),
            lambda: librosa.feature.rms(
                y=y, frame_length=frame, hop_length=hop, pad_mode="constant"
            )[0],
            "librosa.feature.rms",
        ),
        "zero_crossing_rate": (
            lambda: cxaudio.zero_crossing_rate(y, sr, frame_length=frame, hop_length=hop),
            lambda: librosa.feature.zero_crossing_rate(y, frame_length=frame, hop_length=hop)[0],
            "librosa.feature.zero_crossing_rate",
        ),
    }
    for name, (ours, peer, peer_name) in pairs.items():
        t = best_of({"ours": ours, "peer": peer}, repeat)
        out.append(
            {
                "bench": "features",
                "feature": name,
                "sr": sr,
                "seconds": seconds,
                "peer": peer_name,
                "ours_xrt": seconds / t["ours"],
                "peer_xrt": seconds / t["peer"],
                "speedup": t["peer"] / t["ours"],
                "max_abs_diff": float(np.abs(np.asarray(ours()) - np.asarray(peer())).max()),
            }
        )
    for name, fn in {
        "loudness_lufs": lambda: cxaudio.loudness_lufs(y, sr),
        "spectral_slope": lambda: cxaudio.spectral_slope(y, sr, fmin=500.0, fmax=1500.0),
    }.items():
        t = best_of({"ours": fn}, repeat)
        out.append(
            {
                "bench": "features",
                "feature": name,
                "sr": sr,
                "seconds": seconds,
                "ours_xrt": seconds / t["ours"],
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="signal length for log-mel/levels"
    )
    parser.add_argument("--pitch-seconds", type=float, default=20.0, help="signal length for pitch")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "features.json"))
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    warnings.filterwarnings("ignore")
    rows: list[dict] = []
    for part in (
        lambda: bench_log_mel(args.seconds, args.repeat),
        lambda: bench_pitch(8000, args.pitch_seconds, args.repeat),
        lambda: bench_pitch(16000, args.pitch_seconds / 2, args.repeat),
        lambda: bench_levels(args.seconds, args.repeat),
    ):
        for row in part():
            print(json.dumps(row), flush=True)
            rows.append(row)
    import librosa
    import numba

    result = {
        "name": "features",
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "cores_used": 1,
        },
        "versions": {
            "numpy": np.__version__,
            "numba": numba.__version__,
            "librosa": librosa.__version__,
        },
        "command": "python benchmarks/bench_features.py " + " ".join(sys.argv[1:]),
        "results": rows,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
