"""Result types shared across cxaudio: speech segments and diarization."""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from .errors import ParameterError


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of speech, in seconds from the start of the signal."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    def serialize(self) -> dict[str, float]:
        return {"start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class SpeakerTurn:
    """A stretch of speech by one speaker (``speaker`` is a label such as ``agent`` or ``SPK1``)."""

    start: float
    end: float
    speaker: str

    @property
    def duration(self) -> float:
        return self.end - self.start

    def serialize(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "speaker": self.speaker}


@dataclass(frozen=True)
class Diarization:
    """Who spoke when.

    ``segments`` are sorted by start and may overlap across speakers. ``roles`` maps speaker
    labels to ``agent`` / ``customer`` when known (for stereo calls the labels are the roles).
    ``overlap_aware``: the method can label overlapped speech (by channel, or the mono pipeline's
    overlap pass), so a call without cross-speaker overlap had none; False for single-label
    diarizations (e.g. imported RTTM), where an interruption can only show as a takeover.
    """

    segments: tuple[SpeakerTurn, ...]
    duration_s: float
    roles: dict[str, str] = field(default_factory=dict)
    method: str = "unknown"  # "channel" for stereo, "embedding" for mono
    overlap_aware: bool = False

    @classmethod
    def from_turns(
        cls, turns: Iterable[SpeakerTurn], duration_s: float, **kwargs: Any
    ) -> Diarization:
        return cls(
            tuple(sorted(turns, key=lambda t: (t.start, t.end, t.speaker))), duration_s, **kwargs
        )

    @classmethod
    def from_annotation(
        cls, annotation: Any, duration_s: float | None = None, **kwargs: Any
    ) -> Diarization:
        """From a ``pyannote.core.Annotation`` (labels become strings). ``duration_s`` defaults
        to the end of the last segment."""
        turns = [
            SpeakerTurn(float(seg.start), float(seg.end), str(label))
            for seg, _, label in annotation.itertracks(yield_label=True)
        ]
        if duration_s is None:
            duration_s = max((t.end for t in turns), default=0.0)
        return cls.from_turns(turns, duration_s, **kwargs)

    @classmethod
    def from_rttm(
        cls,
        rttm: str | os.PathLike[str] | IO[str],
        *,
        uri: str | None = None,
        duration_s: float | None = None,
        **kwargs: Any,
    ) -> Diarization:
        """From an RTTM file (a path or an open text file), read by ``pyannote.database``.

        ``uri`` picks one recording of a file that holds several; a file without lines for
        ``uri`` (or an empty file) gives no speech. Raises :class:`~cxaudio.errors.ParameterError` naming the file
        when it holds several recordings and ``uri`` is None.
        """
        from pyannote.core import Annotation
        from pyannote.database.util import load_rttm

        if isinstance(rttm, str | os.PathLike):
            name = os.fspath(rttm)
            with open(rttm, encoding="utf-8") as fh:
                text = fh.read()
        else:
            name, text = str(getattr(rttm, "name", "<rttm>")), rttm.read()
        lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
        try:
            found = load_rttm(io.StringIO("\n".join(lines))) if lines else {}
        except (ValueError, TypeError) as exc:
            raise ParameterError(f"{name}: not a valid RTTM file ({exc})") from exc
        if uri is None and len(found) > 1:
            raise ParameterError(f"{name}: holds recordings {sorted(found)}; pass uri= to pick one")
        key = uri if uri is not None else next(iter(found), None)
        annotation = found.get(key) if key is not None else None
        if annotation is None:
            annotation = Annotation(uri=key or "")
        return cls.from_annotation(annotation, duration_s, **kwargs)

    @property
    def speakers(self) -> list[str]:
        return sorted({t.speaker for t in self.segments})

    def for_speaker(self, speaker: str) -> list[SpeakerTurn]:
        return [t for t in self.segments if t.speaker == speaker]

    def role_of(self, speaker: str) -> str:
        return self.roles.get(speaker, speaker)

    def to_rttm(self, uri: str = "call") -> str:
        """RTTM lines (``SPEAKER uri 1 start dur <NA> <NA> speaker <NA> <NA>``)."""
        safe = uri.replace(" ", "_")
        return "".join(
            f"SPEAKER {safe} 1 {t.start:.3f} {t.duration:.3f} <NA> <NA> {t.speaker} <NA> <NA>\n"
            for t in self.segments
        )

    def to_annotation(self, uri: str = "call") -> Any:
        """A ``pyannote.core.Annotation``."""
        from pyannote.core import Annotation
        from pyannote.core import Segment as PSegment

        ann = Annotation(uri=uri)
        for i, t in enumerate(self.segments):
            ann[PSegment(t.start, t.end), i] = t.speaker
        return ann

    def serialize(self) -> dict[str, Any]:
        return {
            "segments": [t.serialize() for t in self.segments],
            "duration_s": self.duration_s,
            "roles": dict(self.roles),
            "method": self.method,
            "overlap_aware": self.overlap_aware,
        }


def read_rttm(text: str) -> dict[str, list[SpeakerTurn]]:
    """Parse RTTM text into turns per uri."""
    out: dict[str, list[SpeakerTurn]] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 8 and parts[0] == "SPEAKER":
            start, dur = float(parts[3]), float(parts[4])
            out.setdefault(parts[1], []).append(SpeakerTurn(start, start + dur, parts[7]))
    return out


__all__ = ["Diarization", "Segment", "SpeakerTurn", "read_rttm"]
