"""Result types of the generator: :class:`SyntheticCall`, its turns and its written files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cxaudio.synth.spec import CallSpec
from cxaudio.types import Diarization, SpeakerTurn


@dataclass(frozen=True)
class Utterance:
    """One placed turn: its text, its span, and its speech-only ``segments`` (seconds).

    ``kind`` is the role of the line: ``greeting``, ``problem``, ``verify``, ``exchange``,
    ``hold`` / ``after_hold`` (around a long silence), ``long`` / ``interrupt`` (an
    interruption), ``angry`` / ``apology`` / ``calm_down`` (escalation), ``closing``,
    ``farewell``, ``bye``. ``escalated`` marks the customer's escalated lines.
    """

    speaker: str
    text: str
    start: float
    end: float
    segments: tuple[tuple[float, float], ...]
    kind: str = "exchange"
    escalated: bool = False

    def serialize(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "speaker": self.speaker,
            "text": self.text,
            "kind": self.kind,
            "escalated": self.escalated,
            "segments": [list(s) for s in self.segments],
        }


@dataclass(frozen=True)
class SyntheticCall:
    """A generated call: ``audio`` ``(channels, n)`` float32 at ``sr`` (stereo: agent channel 0,
    customer channel 1), the placed ``turns``, the speech-only reference ``segments`` and the
    ``truth`` (metrics by construction, JSON-ready). ``audio`` is the signal before any µ-law
    encoding, which happens when the call is written."""

    audio: np.ndarray
    sr: int
    turns: tuple[Utterance, ...]
    segments: tuple[SpeakerTurn, ...]
    truth: dict[str, Any]
    spec: CallSpec

    @property
    def duration_s(self) -> float:
        return self.audio.shape[-1] / self.sr

    @property
    def transcript(self) -> list[dict[str, Any]]:
        """``[{start, end, speaker, text, synthetic}]``, one entry per turn."""
        return [
            {
                "start": round(t.start, 3),
                "end": round(t.end, 3),
                "speaker": t.speaker,
                "text": t.text,
                "synthetic": True,
            }
            for t in self.turns
        ]

    @property
    def diarization(self) -> Diarization:
        """The reference diarization (speaker labels are the roles)."""
        return Diarization.from_turns(
            self.segments,
            self.duration_s,
            roles={"agent": "agent", "customer": "customer"},
            method="reference",
        )

    def mono(self) -> np.ndarray:
        """A mono mix ``(n,)`` of the channels."""
        return self.audio.sum(axis=0) if self.audio.shape[0] > 1 else self.audio[0].copy()

    def write(self, folder: Path | str, name: str) -> CallFiles:
        """Write ``name.wav``, ``name.rttm``, ``name.transcript.json`` and ``name.truth.json``."""
        from cxaudio.synth.files import write_call

        return write_call(self, folder, name)

    def serialize(self) -> dict[str, Any]:
        return {
            "sr": self.sr,
            "channels": int(self.audio.shape[0]),
            "turns": [t.serialize() for t in self.turns],
            "truth": self.truth,
        }


@dataclass(frozen=True)
class CallFiles:
    """Paths of one written call."""

    audio: Path
    rttm: Path
    transcript: Path
    truth: Path

    def serialize(self) -> dict[str, str]:
        return {k: str(getattr(self, k)) for k in ("audio", "rttm", "transcript", "truth")}


__all__ = ["CallFiles", "SyntheticCall", "Utterance"]
