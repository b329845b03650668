"""``generate_archive``: a folder of synthetic calls with a manifest, for benchmarks and the demo.

Files written in ``folder``:

- per call ``synthetic-NNNN-KIND-LAYOUT.wav`` (+ ``.rttm``, ``.transcript.json``, ``.truth.json``);
- ``manifest.csv``: the calls to score, in the batch runner's format (``path``, ``call_id``,
  ``transcript``, ``channel_map``, ``brand``, ``occurred_at``), paths relative to ``folder``;
- ``truth.csv``: the references (``call_id``, ``path``, ``transcript``, ``rttm``, ``truth``,
  ``kind``, ``channels``, ``encoding``, ``duration_s``, ``is_synthetic``), paths relative to
  ``folder``.

A call whose truth file already exists with the same spec is not generated again.
"""

from __future__ import annotations

import csv
import json
import logging
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np

from cxaudio.errors import ParameterError
from cxaudio.synth.call import generate_call
from cxaudio.synth.spec import CallSpec, Escalation, Gap, Overlap
from cxaudio.synth.tts import EspeakTTS

log = logging.getLogger(__name__)

KINDS = ("calm", "escalating", "long_silence", "interruption")
DEFAULT_MIX: dict[str, float] = {
    "calm": 0.4,
    "escalating": 0.2,
    "long_silence": 0.2,
    "interruption": 0.2,
}
Hook = Callable[..., Any]
_EPOCH = datetime(2026, 11, 2, 8, 0, tzinfo=timezone(timedelta(hours=7)))


@dataclass(frozen=True)
class _Job:
    index: int
    name: str
    kind: str
    spec: CallSpec
    occurred_at: str


def archive_specs(
    *,
    n_calls: int,
    seed: int = 0,
    stereo_fraction: float = 0.5,
    mulaw_fraction: float = 0.25,
    min_duration_s: float = 120.0,
    max_duration_s: float | None = None,
    mix: Mapping[str, float] | None = None,
    snr_db: tuple[float, float] = (20.0, 35.0),
) -> list[tuple[str, str, CallSpec]]:
    """The (name, kind, spec) of every call of an archive, without generating audio."""
    return [(j.name, j.kind, j.spec) for j in _jobs(**locals())]


def generate_archive(
    folder: Path | str,
    *,
    n_calls: int,
    seed: int = 0,
    stereo_fraction: float = 0.5,
    mulaw_fraction: float = 0.25,
    min_duration_s: float = 120.0,
    max_duration_s: float | None = None,
    mix: Mapping[str, float] | None = None,
    snr_db: tuple[float, float] = (20.0, 35.0),
    cache_dir: Path | str | None = None,
    workers: int = 1,
    hook: Hook | None = None,
) -> list[Path]:
    """Write ``n_calls`` synthetic calls into ``folder``; return their audio paths.

    Calls last ``min_duration_s``..``max_duration_s`` (default 1.25 × the minimum) plus their
    closing; exactly ``round(n_calls * stereo_fraction)`` are stereo and
    ``round(n_calls * mulaw_fraction)`` µ-law; ``mix`` gives the share of each kind (``calm``,
    ``escalating``, ``long_silence``, ``interruption``; default 40/20/20/20 %). Deterministic for
    ``seed`` whatever ``workers``. ``hook(step, artifact, completed=, total=)`` is called after
    each call. ``cache_dir`` is the TTS cache (default ``~/.cache/cxkit/tts``).
    """
    if not isinstance(workers, int) or workers < 1:
        raise ParameterError(f"workers={workers!r} must be a positive integer")
    jobs = _jobs(
        n_calls=n_calls,
        seed=seed,
        stereo_fraction=stereo_fraction,
        mulaw_fraction=mulaw_fraction,
        min_duration_s=min_duration_s,
        max_duration_s=max_duration_s,
        mix=mix,
        snr_db=snr_db,
    )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cache = None if cache_dir is None else str(cache_dir)
    done = 0
    if workers == 1:
        for job in jobs:
            _make(job, str(folder), cache)
            done += 1
            if hook is not None:
                hook("synthesize", job.name, completed=done, total=len(jobs))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_make, job, str(folder), cache) for job in jobs]
            for job, fut in zip(jobs, futures, strict=True):
                fut.result()
                done += 1
                if hook is not None:
                    hook("synthesize", job.name, completed=done, total=len(jobs))
    _write_manifests(folder, jobs)
    return [folder / f"{job.name}.wav" for job in jobs]


def _jobs(
    *,
    n_calls: int,
    seed: int,
    stereo_fraction: float,
    mulaw_fraction: float,
    min_duration_s: float,
    max_duration_s: float | None,
    mix: Mapping[str, float] | None,
    snr_db: tuple[float, float],
) -> list[_Job]:
    if not isinstance(n_calls, int) or n_calls < 1:
        raise ParameterError(f"n_calls={n_calls!r} must be a positive integer")
    for name, value in (("stereo_fraction", stereo_fraction), ("mulaw_fraction", mulaw_fraction)):
        if not 0.0 <= value <= 1.0:
            raise ParameterError(f"{name}={value!r} must be between 0 and 1")
    if not 20.0 <= min_duration_s <= 12 * 3600:
        raise ParameterError(f"min_duration_s={min_duration_s!r} must be between 20 s and 12 hours")
    max_duration_s = 1.25 * min_duration_s if max_duration_s is None else max_duration_s
    if max_duration_s < min_duration_s:
        raise ParameterError(
            f"max_duration_s={max_duration_s!r} must be >= min_duration_s={min_duration_s!r}"
        )
    mix = dict(DEFAULT_MIX if mix is None else mix)
    bad = set(mix) - set(KINDS)
    if bad or not mix or any(v < 0 for v in mix.values()) or sum(mix.values()) <= 0:
        raise ParameterError(
            f"mix={mix!r} must map some of {KINDS} to non-negative shares with a positive sum"
        )
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5A7]))
    kinds = _allot(mix, n_calls)
    rng.shuffle(kinds)
    stereo = _flags(n_calls, stereo_fraction, rng)
    mulaw = _flags(n_calls, mulaw_fraction, rng)
    jobs = []
    for i in range(n_calls):
        call_rng = np.random.default_rng(np.random.SeedSequence([seed, i]))
        call_seed = int(call_rng.integers(2**31))
        duration = float(call_rng.uniform(min_duration_s, max_duration_s))
        kind = kinds[i]
        spec = CallSpec(
            duration_s=round(duration, 3),
            stereo=bool(stereo[i]),
            mulaw=bool(mulaw[i]),
            seed=call_seed,
            snr_db=round(float(call_rng.uniform(*snr_db)), 2),
            labels=(kind,),
            **_events(kind, call_rng),
        )
        layout = "stereo" if stereo[i] else "mono"
        when = _EPOCH + timedelta(minutes=int(call_rng.integers(0, 7 * 24 * 60)))
        jobs.append(_Job(i, f"synthetic-{i:04d}-{kind}-{layout}", kind, spec, when.isoformat()))
    return jobs


ESCALATION_CUES = ("loudness", "pitch", "rate")


def _escalation(rng: np.random.Generator) -> Escalation:
    """A recipe drawn per call: which cues and how much, so the generator does not mirror the
    arousal detector's weights. 30 % of calls carry one cue, 30 % two, 40 % all three; loudness
    +3..+12 dB, pitch +1.5..+7 semitones, rate x1.05..x1.3 when present."""
    n_cues = int(rng.choice([1, 2, 3], p=[0.3, 0.3, 0.4]))
    cues = set(rng.choice(ESCALATION_CUES, size=n_cues, replace=False).tolist())
    return Escalation(
        gain_db=round(float(rng.uniform(3.0, 12.0)), 2) if "loudness" in cues else 0.0,
        pitch_semitones=round(float(rng.uniform(1.5, 7.0)), 2) if "pitch" in cues else 0.0,
        speed_factor=round(float(rng.uniform(1.05, 1.3)), 3) if "rate" in cues else 1.0,
        min_duration_s=round(float(rng.uniform(12.0, 18.0)), 2),
        start_fraction=round(float(rng.uniform(0.3, 0.55)), 3),
    )


def _events(kind: str, rng: np.random.Generator) -> dict[str, Any]:
    if kind == "escalating":
        return {"escalation": _escalation(rng)}
    if kind == "long_silence":
        n = int(rng.integers(1, 4))
        return {"silences": tuple(Gap(round(float(rng.uniform(5.0, 15.0)), 2)) for _ in range(n))}
    if kind == "interruption":
        n = int(rng.integers(2, 5))
        return {
            "overlaps": tuple(
                Overlap(
                    round(float(rng.uniform(1.2, 2.5)), 2),
                    by="agent" if rng.random() < 0.5 else "customer",
                )
                for _ in range(n)
            )
        }
    return {}


def _allot(mix: Mapping[str, float], n: int) -> list[str]:
    """Exact counts per kind by largest remainder, in KINDS order."""
    total = sum(mix.values())
    quotas = {k: n * mix.get(k, 0.0) / total for k in KINDS}
    counts = {k: int(q) for k, q in quotas.items()}
    for k in sorted(KINDS, key=lambda k: -(quotas[k] - counts[k]))[: n - sum(counts.values())]:
        counts[k] += 1
    return [k for k in KINDS for _ in range(counts[k])]


def _flags(n: int, fraction: float, rng: np.random.Generator) -> np.ndarray:
    flags = np.zeros(n, dtype=bool)
    flags[: int(round(n * fraction))] = True
    rng.shuffle(flags)
    return flags


def _make(job: _Job, folder: str, cache_dir: str | None) -> None:
    truth_path = Path(folder) / f"{job.name}.truth.json"
    if truth_path.exists() and (Path(folder) / f"{job.name}.wav").exists():
        try:
            old = json.loads(truth_path.read_text(encoding="utf-8")).get("spec")
            if old == json.loads(json.dumps(job.spec.serialize())):
                return
        except (OSError, ValueError):
            pass
    tts = _tts(job.spec.sr, cache_dir)
    call = generate_call(job.spec, tts=tts)
    call.write(folder, job.name)
    log.debug("wrote %s (%.1f s)", job.name, call.duration_s)


_TTS: dict[tuple[int, str | None], EspeakTTS] = {}


def _tts(sr: int, cache_dir: str | None) -> EspeakTTS:
    key = (sr, cache_dir)
    if key not in _TTS:  # one engine per process, so its memory cache serves every call
        _TTS[key] = EspeakTTS(sr=sr, cache_dir=cache_dir)
    return _TTS[key]


def _write_manifests(folder: Path, jobs: list[_Job]) -> None:
    rows, refs = [], []
    for job in jobs:
        truth = json.loads((folder / f"{job.name}.truth.json").read_text(encoding="utf-8"))
        rows.append(
            {
                "path": f"{job.name}.wav",
                "call_id": job.name,
                "transcript": f"{job.name}.transcript.json",
                "channel_map": "agent=0,customer=1" if job.spec.stereo else "",
                "brand": truth["brand"],
                "occurred_at": job.occurred_at,
            }
        )
        refs.append(
            {
                "call_id": job.name,
                "path": f"{job.name}.wav",
                "transcript": f"{job.name}.transcript.json",
                "rttm": f"{job.name}.rttm",
                "truth": f"{job.name}.truth.json",
                "kind": job.kind,
                "channels": truth["channels"],
                "encoding": truth["encoding"],
                "duration_s": truth["duration_s"],
                "is_synthetic": "true",
            }
        )
    _write_csv(folder / "manifest.csv", rows)
    _write_csv(folder / "truth.csv", refs)


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)


__all__ = ["DEFAULT_MIX", "KINDS", "archive_specs", "generate_archive"]
