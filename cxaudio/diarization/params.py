"""The tunable parameters of the mono pipeline: a declared search space.

Each field of :class:`MonoParams` has a default and a range (``Uniform``/``Integer``/``Choice``,
as pyannote's pipeline hyperparameters), checked when the object is made. The defaults come from
``benchmarks/tune_diarization.py`` (mean DER on the tuning part of the real-voice development set);
``benchmarks/results/diarization_ablation.json`` holds the figure that keeps each one.
Fixed settings that are not tuned (GE2E's 1.6 s window, the 10 ms frame) are module constants.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from ..errors import ParameterError

__all__ = ["Choice", "Integer", "MonoParams", "Uniform", "search_space"]


@dataclass(frozen=True)
class Uniform:
    low: float
    high: float

    def check(self, name: str, value: Any) -> None:
        if not (isinstance(value, int | float) and self.low <= value <= self.high):
            raise ParameterError(
                f"MonoParams.{name}={value!r} must be a number in [{self.low}, {self.high}]"
            )


@dataclass(frozen=True)
class Integer:
    low: int
    high: int

    def check(self, name: str, value: Any) -> None:
        if not (isinstance(value, int) and self.low <= value <= self.high):
            raise ParameterError(
                f"MonoParams.{name}={value!r} must be an int in {self.low}..{self.high}"
            )


@dataclass(frozen=True)
class Choice:
    options: tuple[Any, ...]

    def check(self, name: str, value: Any) -> None:
        if value not in self.options:
            raise ParameterError(f"MonoParams.{name}={value!r} must be one of {self.options}")


def _p(default: Any, space: Uniform | Integer | Choice, doc: str) -> Any:
    return field(default=default, metadata={"space": space, "doc": doc})


@dataclass(frozen=True)
class MonoParams:
    """Tunable settings of mono diarization (see :func:`search_space` for the ranges)."""

    # speech activity
    vad: str = _p("energy", Choice(("energy", "silero")), "speech detector")
    min_gap_s: float = _p(0.25, Uniform(0.05, 0.6), "shorter pauses inside speech are filled")
    energy_offset_db: float = _p(
        0.0, Uniform(-6.0, 6.0), "added to the adaptive energy threshold (vad='energy')"
    )
    # embedding windows (GE2E, 1.6 s) inside speech
    window_step_s: float = _p(0.4, Uniform(0.4, 1.6), "hop between windows (0.2: 68x RT, too slow)")
    min_window_s: float = _p(0.7, Uniform(0.2, 1.2), "shorter speech regions get no window")
    # frame labels: Viterbi over speech frames on cepstral Gaussians of each speaker
    switch_cost: float = _p(75.0, Uniform(0.0, 150.0), "nats to change speaker inside speech")
    gap_switch_cost: float = _p(2.0, Uniform(0.0, 30.0), "... across a pause")
    reseg_iterations: int = _p(3, Integer(0, 4), "Gaussians re-fitted to the labels, then relabel")
    # speaker count, only when the caller allows a range (min_speakers / max_speakers)
    count_margin: float = _p(0.1, Uniform(0.0, 0.5), "mean own-minus-other cosine a cluster needs")

    def __post_init__(self) -> None:
        for f in fields(self):
            f.metadata["space"].check(f.name, getattr(self, f.name))


def search_space() -> dict[str, tuple[Any, Uniform | Integer | Choice, str]]:
    """``{name: (default, range, description)}`` of every :class:`MonoParams` field."""
    return {f.name: (f.default, f.metadata["space"], f.metadata["doc"]) for f in fields(MonoParams)}
