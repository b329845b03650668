"""Peak memory of scoring one long call: ``analyze_call`` against decoding alone, same run.

Builds (once, cached) ``--minutes`` of 48 kHz stereo FLAC by tiling a generated (synthetic,
espeak-ng) stereo call, then runs in separate child processes (1) ``cxaudio.load`` at the
analysis rate and (2) ``cxaudio.call.analyze_call`` on that file, and prints each child's peak
RSS (``ru_maxrss``) and the ratio scoring/decoding. The data are synthetic: this measures
memory, never accuracy. Issue 17 asks for an hour under 1 GB (1,336 MB before block-wise
filtering, 3.8 GB before block-wise decoding; 739 MB after).

    .venv/bin/python benchmarks/bench_call_memory.py [--minutes 60] [--cache /tmp/cx-call-memory]

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_DECODE = """
import resource, sys
from cxaudio import load
from cxaudio.call import ANALYSIS_MAX_SR
y, sr = load(sys.argv[1], sr=ANALYSIS_MAX_SR)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

_SCORE = """
import resource, sys
from cxaudio.call import analyze_call
a = analyze_call(sys.argv[1], threads=1)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def long_stereo_flac(path: Path, minutes: float, *, seed: int = 11) -> Path:
    """``minutes`` of 48 kHz stereo 16-bit FLAC: a generated 60 s stereo call, tiled."""
    import numpy as np
    import soundfile as sf
    import soxr

    from cxaudio.synth import CallSpec, generate_call

    with tempfile.TemporaryDirectory() as tmp:
        wav = generate_call(CallSpec(duration_s=60.0, stereo=True, seed=seed)).write(tmp, "c")
        y, sr = sf.read(wav.audio, dtype="float32")
    y48 = soxr.resample(y, sr, 48000).astype(np.float32)
    total = int(minutes * 60 * 48000)
    with sf.SoundFile(path, "w", 48000, 2, subtype="PCM_16", format="FLAC") as fh:
        written = 0
        while written < total:
            k = min(y48.shape[0], total - written)
            fh.write(y48[:k])
            written += k
    return path


def child_peak_mb(script: str, path: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, env=env
    )
    if run.returncode != 0:
        raise RuntimeError(run.stderr[-2000:])
    return float(run.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "cx-call-memory")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    args.cache.mkdir(parents=True, exist_ok=True)
    path = args.cache / f"stereo48k_{args.minutes:g}min.flac"
    if not path.exists():
        long_stereo_flac(path, args.minutes)
    decode = child_peak_mb(_DECODE, path)
    score = child_peak_mb(_SCORE, path)
    print(
        json.dumps(
            {
                "bench": "call_memory",
                "data": f"synthetic: generated stereo call tiled to {args.minutes:g} min, "
                "48 kHz FLAC",
                "decode_peak_mb": round(decode, 1),
                "analyze_call_peak_mb": round(score, 1),
                "ratio_score_to_decode": round(score / decode, 2),
                "under_1_gb": score < 1024,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
