"""Customer arousal from prosody relative to the speaker's own baseline in the call.

Each customer turn is cut into segments of at most ``segment_max_s``. Per segment: pitch
level and range in semitones, loudness (dB), speaking rate (syllable nuclei per second),
spectral slope and voice quality (mean periodicity). The speaker's baseline is a low quantile
(``baseline_quantile``) of each feature over their segments, so a call that escalates for
half its length still has a calm reference. Arousal is the weighted sum of the feature rises
over the baseline, each divided by its scale (6 dB of loudness or 3 semitones of pitch count
1.0); 0 is the speaker's calm self.

Escalation: arousal above ``threshold`` for at least ``escalation_min_s`` of call time, gaps
(the agent talking) up to ``bridge_s`` bridged. Trajectory: duration-weighted mean arousal of
the first third of the call against the last third.

Accuracy: unmeasured on real speech. No labelled emotional speech exists for this project yet;
the weights and the threshold were chosen by hand and checked only on generated calls
(``cxaudio.synth``), whose escalation recipe is now drawn per call (which cues rise, by how much)
so that it no longer simply mirrors these weights. Treat escalation events as a prosodic rise against
the caller's own baseline, not as a validated emotion label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from ..errors import ParameterError
from ..metrics import _kernels as mk

__all__ = [
    "EmotionParams",
    "EmotionSegment",
    "Escalation",
    "ProsodyFrames",
    "SpeakerEmotion",
    "speaker_emotion",
]

_CLIP = 2.0  # no single feature moves arousal by more than 2 of its scales
FEATURES = ("pitch_st", "pitch_range_st", "loudness_db", "rate_syl_s", "slope", "voice_quality")


@dataclass(frozen=True)
class ProsodyFrames:
    """Frame-level prosody of one speaker's signal on a common hop.

    ``f0_hz`` is NaN in unvoiced frames; ``power`` is the mean square of the frame;
    ``band_db`` the level (dB) of the band-passed signal used for syllable nuclei;
    ``slope`` the spectral slope (dB per kHz, NaN where unknown); ``periodicity`` in [0, 1].
    """

    hop_s: float
    f0_hz: np.ndarray
    power: np.ndarray
    band_db: np.ndarray
    slope: np.ndarray
    periodicity: np.ndarray

    def __post_init__(self) -> None:
        n = self.power.shape[0]
        for name in ("f0_hz", "band_db", "slope", "periodicity"):
            if getattr(self, name).shape[0] != n:
                raise ParameterError(
                    f"ProsodyFrames.{name} has {getattr(self, name).shape[0]} frames, "
                    f"power has {n}: all arrays must share one hop"
                )

    @property
    def n_frames(self) -> int:
        return int(self.power.shape[0])


@dataclass(frozen=True)
class EmotionParams:
    """Fixed settings of the arousal model (weights, scales, thresholds)."""

    segment_max_s: float = 4.0
    segment_min_s: float = 0.6
    baseline_quantile: float = 0.25
    weights: tuple[tuple[str, float], ...] = (
        ("loudness_db", 0.40),
        ("pitch_st", 0.35),
        ("pitch_range_st", 0.10),
        ("rate_syl_s", 0.07),
        ("slope", 0.04),
        ("voice_quality", 0.04),
    )
    scales: tuple[tuple[str, float], ...] = (
        ("loudness_db", 6.0),
        ("pitch_st", 3.0),
        ("pitch_range_st", 3.0),
        ("rate_syl_s", 1.5),
        ("slope", 3.0),
        ("voice_quality", 0.15),
    )
    threshold: float = 0.5
    escalation_min_s: float = 6.0
    bridge_s: float = 12.0
    end_window_s: float = 8.0

    def serialize(self) -> dict[str, Any]:
        out = asdict(self)
        out["weights"] = dict(self.weights)
        out["scales"] = dict(self.scales)
        return out


@dataclass(frozen=True, slots=True)
class EmotionSegment:
    """One stretch of a speaker's speech with its prosody deltas and scores."""

    start: float
    end: float
    arousal: float
    deltas: dict[str, float]
    valence: float | None = None
    category: str | None = None
    category_scores: dict[str, float] | None = None

    def serialize(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "arousal": round(self.arousal, 3),
            "deltas": {k: round(v, 3) for k, v in self.deltas.items()},
        }
        if self.valence is not None:
            out["valence"] = round(self.valence, 3)
        if self.category is not None:
            out["category"] = self.category
            out["category_scores"] = {
                k: round(v, 4) for k, v in (self.category_scores or {}).items()
            }
        return out


@dataclass(frozen=True, slots=True)
class Escalation:
    """Sustained arousal above the threshold between ``start`` and ``end``."""

    start: float
    end: float
    peak_arousal: float

    def serialize(self) -> dict[str, float]:
        return {
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "duration_s": round(self.end - self.start, 3),
            "peak_arousal": round(self.peak_arousal, 3),
        }


@dataclass(frozen=True)
class SpeakerEmotion:
    """Emotion of one party over a call."""

    role: str
    segments: tuple[EmotionSegment, ...]
    escalations: tuple[Escalation, ...]
    baseline: dict[str, float]
    threshold: float
    first_third_arousal: float | None
    last_third_arousal: float | None
    peak_arousal: float | None
    peak_time_s: float | None
    end_arousal: float | None
    end_window: tuple[float, float] | None
    valence: float | None = None
    category: str | None = None
    models: dict[str, str] = field(default_factory=dict)

    @property
    def escalated(self) -> bool:
        return bool(self.escalations)

    @property
    def trajectory(self) -> str | None:
        if self.first_third_arousal is None or self.last_third_arousal is None:
            return None
        delta = self.last_third_arousal - self.first_third_arousal
        return "rising" if delta > 0.2 else "falling" if delta < -0.2 else "stable"

    def serialize(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 3)

        return {
            "role": self.role,
            "arousal_mean": r(_weighted_mean(self.segments)),
            "valence": r(self.valence),
            "category": self.category,
            "escalated": self.escalated,
            "escalations": [e.serialize() for e in self.escalations],
            "trajectory": self.trajectory,
            "first_third_arousal": r(self.first_third_arousal),
            "last_third_arousal": r(self.last_third_arousal),
            "peak_arousal": r(self.peak_arousal),
            "peak_time_s": r(self.peak_time_s),
            "end_arousal": r(self.end_arousal),
            "end_window": None if self.end_window is None else [r(x) for x in self.end_window],
            "threshold": self.threshold,
            "baseline": {k: r(v) for k, v in self.baseline.items()},
            "segments": [s.serialize() for s in self.segments],
        }


def _weighted_mean(segments: Sequence[EmotionSegment]) -> float | None:
    if not segments:
        return None
    w = np.array([s.end - s.start for s in segments])
    a = np.array([s.arousal for s in segments])
    return float((w * a).sum() / w.sum()) if w.sum() > 0 else None


def _split(
    turns: Sequence[tuple[float, float]], max_s: float, min_s: float
) -> list[tuple[float, float]]:
    out = []
    for start, end in turns:
        n = max(1, int(np.ceil((end - start) / max_s - 1e-9)))
        edges = np.linspace(start, end, n + 1)
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            if b - a >= min_s:
                out.append((float(a), float(b)))
    return out


def _segment_features(frames: ProsodyFrames, a: int, b: int, median_st: float) -> dict[str, float]:
    f0 = frames.f0_hz[a:b]
    voiced = np.isfinite(f0) & (f0 > 0)
    st = 12.0 * np.log2(f0[voiced]) if voiced.any() else np.empty(0)
    if np.isfinite(median_st) and st.size:
        # octave errors of the pitch tracker: fold jumps of 9+ semitones back by an octave
        st = np.where(
            st - median_st > 9.0, st - 12.0, np.where(st - median_st < -9.0, st + 12.0, st)
        )
    power = frames.power[a:b]
    feats = {k: float("nan") for k in FEATURES}
    if st.size >= 5:
        feats["pitch_st"] = float(np.median(st))
        p10, p90 = np.percentile(st, [10, 90])
        feats["pitch_range_st"] = float(p90 - p10)
    if power.size:
        # loudness over the louder half of the frames: pauses inside a turn do not dilute it
        top = np.sort(power)[power.size // 2 :]
        feats["loudness_db"] = float(10 * np.log10(max(top.mean(), 1e-12)))
    band = frames.band_db[a:b]
    if band.size >= 3:
        floor = float(np.max(band)) - 25.0
        peaks = mk.syllable_peaks(
            np.ascontiguousarray(band, dtype=np.float64), voiced.astype(np.uint8), floor, 2.0
        )
        feats["rate_syl_s"] = peaks.size / ((b - a) * frames.hop_s)
    slope = frames.slope[a:b][voiced] if voiced.any() else np.empty(0)
    slope = slope[np.isfinite(slope)]
    if slope.size:
        feats["slope"] = float(np.median(slope))
    per = frames.periodicity[a:b][voiced] if voiced.any() else np.empty(0)
    if per.size:
        feats["voice_quality"] = float(np.mean(per))
    return feats


def speaker_emotion(
    frames: ProsodyFrames,
    turns: Sequence[tuple[float, float]],
    *,
    duration_s: float,
    role: str = "customer",
    params: EmotionParams | None = None,
    valence_of: Mapping[tuple[float, float], float] | None = None,
) -> SpeakerEmotion:
    """Arousal per segment, escalation events and trajectory of one speaker.

    ``turns``: the speaker's turns (seconds), preferably without overlap with the other party.
    ``valence_of``: optional valence in [-1, 1] per segment, keyed by (start, end).
    """
    p = params or EmotionParams()
    if not duration_s > 0:
        raise ParameterError(f"duration_s={duration_s!r} must be positive")
    spans = _split(turns, p.segment_max_s, p.segment_min_s)
    hop = frames.hop_s
    bounds = [
        (a_s, b_s, int(a_s / hop), min(int(np.ceil(b_s / hop)), frames.n_frames))
        for a_s, b_s in spans
    ]
    bounds = [x for x in bounds if x[3] - x[2] >= 3]
    f0_all = np.concatenate([frames.f0_hz[a:b] for _, _, a, b in bounds]) if bounds else np.empty(0)
    f0_all = f0_all[np.isfinite(f0_all) & (f0_all > 0)]
    median_st = float(np.median(12.0 * np.log2(f0_all))) if f0_all.size else float("nan")
    raw = [(a_s, b_s, _segment_features(frames, a, b, median_st)) for a_s, b_s, a, b in bounds]
    weights, scales = dict(p.weights), dict(p.scales)
    baseline: dict[str, float] = {}
    for name in FEATURES:
        vals = np.array([f[name] for _, _, f in raw], dtype=np.float64)
        ok = np.isfinite(vals)
        baseline[name] = (
            float(np.quantile(vals[ok], p.baseline_quantile)) if ok.sum() else float("nan")
        )
    segments = []
    for a_s, b_s, f in raw:
        deltas = {}
        score, wsum = 0.0, 0.0
        for name in FEATURES:
            if np.isfinite(f[name]) and np.isfinite(baseline[name]):
                d = f[name] - baseline[name]
                if name == "voice_quality":
                    d = -d  # tenser, less periodic voice goes with arousal
                deltas[name] = d
                score += weights[name] * float(np.clip(d / scales[name], -_CLIP, _CLIP))
                wsum += weights[name]
        arousal = score / wsum if wsum else 0.0
        val = valence_of.get((a_s, b_s)) if valence_of else None
        segments.append(EmotionSegment(a_s, b_s, float(arousal), deltas, valence=val))
    return _summarize(role, segments, baseline, duration_s, p)


def _summarize(
    role: str,
    segments: list[EmotionSegment],
    baseline: dict[str, float],
    duration_s: float,
    p: EmotionParams,
) -> SpeakerEmotion:
    if not segments:
        return SpeakerEmotion(
            role, (), (), baseline, p.threshold, None, None, None, None, None, None
        )
    smooth = _smoothed(segments)
    segments = [replace(s, arousal=a) for s, a in zip(segments, smooth, strict=True)]
    escalations = _escalations(segments, p)
    thirds = duration_s / 3.0
    first = [s for s in segments if (s.start + s.end) / 2 < thirds]
    last = [s for s in segments if (s.start + s.end) / 2 >= 2 * thirds]
    peak = max(segments, key=lambda s: s.arousal)
    end_segments: list[EmotionSegment] = []
    covered = 0.0
    for s in reversed(segments):
        end_segments.insert(0, s)
        covered += s.end - s.start
        if covered >= p.end_window_s:
            break
    vals = [s.valence for s in segments if s.valence is not None]
    return SpeakerEmotion(
        role=role,
        segments=tuple(segments),
        escalations=tuple(escalations),
        baseline=baseline,
        threshold=p.threshold,
        first_third_arousal=_weighted_mean(first),
        last_third_arousal=_weighted_mean(last),
        peak_arousal=peak.arousal,
        peak_time_s=(peak.start + peak.end) / 2,
        end_arousal=_weighted_mean(end_segments),
        end_window=(end_segments[0].start, end_segments[-1].end),
        valence=float(np.mean(vals)) if vals else None,
    )


def _smoothed(segments: list[EmotionSegment]) -> list[float]:
    """Mean with the neighbouring segments (weights 1-2-1): one odd segment is not an event."""
    a = np.array([s.arousal for s in segments])
    if a.size < 3:
        return a.tolist()
    padded = np.concatenate([a[:1], a, a[-1:]])
    return ((padded[:-2] + 2 * padded[1:-1] + padded[2:]) / 4).tolist()


def _escalations(segments: list[EmotionSegment], p: EmotionParams) -> list[Escalation]:
    out: list[Escalation] = []
    run: list[EmotionSegment] = []

    def close() -> None:
        if run and run[-1].end - run[0].start >= p.escalation_min_s:
            out.append(Escalation(run[0].start, run[-1].end, max(s.arousal for s in run)))

    for s in segments:
        if s.arousal > p.threshold:
            if run and s.start - run[-1].end > p.bridge_s:
                close()
                run = []
            run.append(s)
        else:
            close()
            run = []
    close()
    return out
