"""Options of one synthetic call: :class:`CallSpec` and the events it can contain."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from cxaudio.errors import ParameterError

Party = Literal["agent", "customer"]
PARTIES: tuple[Party, Party] = ("agent", "customer")
TOPICS = ("network", "billing", "data")
BRANDS = ("Viettel", "VinaPhone", "MobiFone")


@dataclass(frozen=True)
class Gap:
    """A silence where nobody speaks (dead air, hold) of ``duration_s`` after turn ``after_turn``.

    ``after_turn`` is the 0-based index of the utterance the gap follows; ``None`` lets the
    generator pick a turn in the middle of the call (after the agent asks the customer to hold).
    """

    duration_s: float
    after_turn: int | None = None

    def __post_init__(self) -> None:
        _positive("Gap.duration_s", self.duration_s)
        if self.after_turn is not None and self.after_turn < 0:
            raise ParameterError(f"Gap.after_turn={self.after_turn!r} must be >= 0 or None")


@dataclass(frozen=True)
class Overlap:
    """An interruption: ``by`` starts talking ``duration_s`` before the other party stops.

    ``at_turn`` is the 0-based index of the interrupting utterance (when that turn is the other
    party's, the next one interrupts); ``None`` lets the generator pick a place in the middle of
    the call, with a long line to cut into and no pause inside the overlap.
    """

    duration_s: float
    by: Party = "customer"
    at_turn: int | None = None

    def __post_init__(self) -> None:
        _positive("Overlap.duration_s", self.duration_s)
        if self.duration_s > 4.0:
            raise ParameterError(f"Overlap.duration_s={self.duration_s!r} must be at most 4.0 s")
        if self.by not in PARTIES:
            raise ParameterError(f"Overlap.by={self.by!r} must be 'agent' or 'customer'")
        if self.at_turn is not None and self.at_turn < 2:
            raise ParameterError(f"Overlap.at_turn={self.at_turn!r} must be >= 2 or None")


@dataclass(frozen=True)
class Escalation:
    """The customer gets angry: louder by ``gain_db`` and higher by ``pitch_semitones``.

    The escalated customer turns start at about ``start_fraction`` of the call and go on until
    they hold at least ``min_duration_s`` of customer speech; the exact window is in the truth.
    Pitch is raised through espeak-ng's ``-p`` (about 4.1 semitones per 20 units, measured on
    the Vietnamese voices), loudness by a digital gain, and speech gets ``speed_factor`` faster.
    Any cue may be left out (``gain_db=0``, ``pitch_semitones=0``, ``speed_factor=1``), but not
    all of them. Archives draw the recipe per call (``archive._escalation``), so that generated
    escalations do not all carry the cues, and amounts, that the arousal detector weighs.
    """

    gain_db: float = 9.0
    pitch_semitones: float = 6.0
    min_duration_s: float = 14.0
    start_fraction: float = 0.4
    speed_factor: float = 1.15

    def __post_init__(self) -> None:
        if not 0.0 <= self.gain_db <= 20.0:
            raise ParameterError(f"Escalation.gain_db={self.gain_db!r} must be in [0, 20]")
        if not 0.0 <= self.pitch_semitones <= 8.0:
            raise ParameterError(
                f"Escalation.pitch_semitones={self.pitch_semitones!r} must be in [0, 8]"
            )
        _positive("Escalation.min_duration_s", self.min_duration_s)
        if not 0.0 <= self.start_fraction < 1.0:
            raise ParameterError(
                f"Escalation.start_fraction={self.start_fraction!r} must be in [0, 1)"
            )
        if not 0.5 <= self.speed_factor <= 2.0:
            raise ParameterError(
                f"Escalation.speed_factor={self.speed_factor!r} must be in [0.5, 2.0]"
            )
        if self.gain_db == 0.0 and self.pitch_semitones == 0.0 and self.speed_factor == 1.0:
            raise ParameterError(
                "Escalation(gain_db=0.0, pitch_semitones=0.0, speed_factor=1.0) has no cue; "
                "give at least one of them"
            )


@dataclass(frozen=True)
class CallSpec:
    """Everything that decides one synthetic call; the same spec always gives the same call.

    Length: exactly ``n_turns`` utterances when given, otherwise at least ``duration_s`` seconds
    (the call ends with its closing turns once that length is reached; every requested event is
    placed, so a short ``duration_s`` with many events gives a longer call). Audio: ``sr`` Hz, telephone band
    300–3400 Hz, stereo (agent channel 0, customer channel 1) or a mono mix, G.711 µ-law in
    the written file when ``mulaw``. ``snr_db`` adds band-limited background noise at that
    ratio to the quieter party's speech level (``None``: no noise). ``turn_gap_s`` bounds the
    ordinary pauses between turns.
    """

    duration_s: float | None = 120.0
    n_turns: int | None = None
    stereo: bool = True
    mulaw: bool = False
    sr: int = 8000
    silences: tuple[Gap, ...] = ()
    overlaps: tuple[Overlap, ...] = ()
    escalation: Escalation | None = None
    snr_db: float | None = 30.0
    seed: int = 0
    topic: str | None = None
    brand: str | None = None
    agent_level_dbfs: float = -22.0
    customer_level_dbfs: float = -25.0
    turn_gap_s: tuple[float, float] = (0.3, 1.2)
    labels: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.n_turns is None and self.duration_s is None:
            raise ParameterError("CallSpec needs n_turns or duration_s; both are None")
        if self.n_turns is not None and not (isinstance(self.n_turns, int) and self.n_turns >= 4):
            raise ParameterError(f"CallSpec.n_turns={self.n_turns!r} must be an integer >= 4")
        if self.duration_s is not None and not 10.0 <= self.duration_s <= 12 * 3600:
            raise ParameterError(
                f"CallSpec.duration_s={self.duration_s!r} must be between 10 s and 12 hours"
            )
        if self.sr not in (8000, 16000):
            raise ParameterError(f"CallSpec.sr={self.sr!r} must be 8000 or 16000")
        if self.snr_db is not None and not -10.0 <= self.snr_db <= 80.0:
            raise ParameterError(f"CallSpec.snr_db={self.snr_db!r} must be in [-10, 80] or None")
        if self.topic is not None and self.topic not in TOPICS:
            raise ParameterError(f"CallSpec.topic={self.topic!r} must be one of {TOPICS} or None")
        if self.brand is not None and self.brand not in BRANDS:
            raise ParameterError(f"CallSpec.brand={self.brand!r} must be one of {BRANDS} or None")
        lo, hi = self.turn_gap_s
        if not 0.05 <= lo <= hi <= 2.5:
            raise ParameterError(
                f"CallSpec.turn_gap_s={self.turn_gap_s!r} must satisfy 0.05 <= low <= high <= 2.5"
            )
        for name in ("agent_level_dbfs", "customer_level_dbfs"):
            value = getattr(self, name)
            if not -50.0 <= value <= -6.0:
                raise ParameterError(f"CallSpec.{name}={value!r} must be in [-50, -6] dBFS")
        for gap in self.silences:
            if not isinstance(gap, Gap):
                raise ParameterError(f"CallSpec.silences must hold Gap objects, got {gap!r}")
        for ov in self.overlaps:
            if not isinstance(ov, Overlap):
                raise ParameterError(f"CallSpec.overlaps must hold Overlap objects, got {ov!r}")
        if self.escalation is not None and not isinstance(self.escalation, Escalation):
            raise ParameterError(f"CallSpec.escalation={self.escalation!r} must be an Escalation")

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


def _positive(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise ParameterError(f"{name}={value!r} must be a positive number of seconds")


__all__ = ["BRANDS", "PARTIES", "TOPICS", "CallSpec", "Escalation", "Gap", "Overlap", "Party"]
