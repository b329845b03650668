"""``python -m cxaudio.synth --out DIR --n-calls N --seed S``: write a synthetic call archive."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from cxaudio.errors import CxAudioError
from cxaudio.synth.archive import DEFAULT_MIX, KINDS, generate_archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cxaudio.synth",
        description="Write an archive of synthetic Vietnamese care calls (audio, RTTM, "
        "transcript, truth) with manifest.csv and truth.csv.",
    )
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.add_argument("--n-calls", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-duration", type=float, default=120.0, help="seconds")
    parser.add_argument("--max-duration", type=float, default=None, help="seconds")
    parser.add_argument("--stereo-fraction", type=float, default=0.5)
    parser.add_argument("--mulaw-fraction", type=float, default=0.25)
    parser.add_argument(
        "--mix",
        default=",".join(f"{k}={v}" for k, v in DEFAULT_MIX.items()),
        help=f"shares of the kinds {', '.join(KINDS)}, e.g. calm=1,escalating=1",
    )
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--cache-dir", type=Path, default=None, help="TTS cache folder")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    try:
        mix = {k.strip(): float(v) for k, v in (p.split("=") for p in args.mix.split(","))}
    except ValueError:
        parser.error(f"--mix={args.mix!r} must look like calm=0.4,escalating=0.2")
    t0 = time.perf_counter()

    def hook(step: str, artifact: str, *, completed: int, total: int) -> None:
        if not args.quiet:
            sys.stderr.write(f"\r{step} {completed}/{total} {artifact:<40}")
            sys.stderr.flush()

    try:
        paths = generate_archive(
            args.out,
            n_calls=args.n_calls,
            seed=args.seed,
            stereo_fraction=args.stereo_fraction,
            mulaw_fraction=args.mulaw_fraction,
            min_duration_s=args.min_duration,
            max_duration_s=args.max_duration,
            mix=mix,
            cache_dir=args.cache_dir,
            workers=args.workers,
            hook=hook,
        )
    except CxAudioError as exc:
        sys.stderr.write(f"\nerror: {exc}\n")
        return exc.exit_code
    if not args.quiet:
        sys.stderr.write("\n")
    elapsed = time.perf_counter() - t0
    sys.stdout.write(
        f"wrote {len(paths)} synthetic calls to {args.out} in {elapsed:.1f} s "
        f"(manifest: {args.out / 'manifest.csv'}, truth: {args.out / 'truth.csv'})\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
