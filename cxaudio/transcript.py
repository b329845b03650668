"""Transcripts as optional input to call scoring: parsing and alignment to the speakers.

Accepted formats (``format=`` or from the file suffix):

- ``json``: ``{"segments": [{"start": s, "end": s, "text": "...", "speaker": "agent"}]}`` or a
  bare list of such objects (``speaker`` is optional; ``begin``/``stop`` are not accepted);
- ``srt`` and ``vtt``: subtitle cues (a ``<v agent>`` voice tag or an ``agent:`` prefix names
  the speaker);
- ``stm``: ``file channel speaker start end [<label>] text``;
- ``ctm``: ``file channel start duration word [confidence]`` (words are grouped into segments
  at pauses longer than 0.5 s).

Vietnamese text is NFC-normalized at ingestion; :func:`normalize_text` gives the matching form
(lower case, punctuation removed, optionally without diacritics) used by the QA phrase rules.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from .errors import ParameterError
from .types import Diarization

__all__ = [
    "Transcript",
    "TranscriptSegment",
    "Word",
    "align_transcript",
    "load_transcript",
    "normalize_text",
    "parse_transcript",
]

TranscriptFormat = Literal["json", "srt", "vtt", "stm", "ctm"]
_FORMATS: tuple[str, ...] = ("json", "srt", "vtt", "stm", "ctm")
_CTM_PAUSE_S = 0.5


@dataclass(frozen=True, slots=True)
class Word:
    """One recognized word with its times (seconds) and probability."""

    start: float
    end: float
    text: str
    probability: float

    def serialize(self) -> dict[str, Any]:
        return {
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "text": self.text,
            "probability": round(self.probability, 4),
        }


@dataclass(frozen=True, slots=True)
class TranscriptSegment:
    """Words said between ``start`` and ``end`` (seconds); ``speaker`` is a role when aligned.

    From speech recognition: ``confidence`` is the average log-probability of the segment's
    tokens (0 is certain) and ``words`` the word times when asked for.
    """

    start: float
    end: float
    text: str
    speaker: str | None = None
    confidence: float | None = None
    words: tuple[Word, ...] | None = None

    def serialize(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "speaker": self.speaker,
        }
        if self.confidence is not None:
            out["confidence"] = self.confidence
        if self.words is not None:
            out["words"] = [w.serialize() for w in self.words]
        return out


@dataclass(frozen=True)
class Transcript:
    """Time-stamped text segments sorted by start.

    ``asr_model`` names the speech model when the text was recognized (None: supplied text).
    """

    segments: tuple[TranscriptSegment, ...]
    source: str = "<memory>"
    asr_model: str | None = None

    @property
    def is_asr(self) -> bool:
        return self.asr_model is not None

    def for_speaker(self, speaker: str) -> list[TranscriptSegment]:
        return [s for s in self.segments if s.speaker == speaker]

    def text(self, speaker: str | None = None) -> str:
        segs = self.segments if speaker is None else self.for_speaker(speaker)
        return " ".join(s.text for s in segs if s.text)

    def serialize(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "segments": [s.serialize() for s in self.segments],
        }
        if self.asr_model is not None:
            out["asr_model"] = self.asr_model
        return out

    def to_srt(self) -> str:
        """SubRip cues; a segment with a speaker gets an ``agent:`` prefix (read back by SRT)."""
        return "\n".join(
            f"{i}\n{_clock_text(s.start, ',')} --> {_clock_text(s.end, ',')}\n{_cue_body(s)}\n"
            for i, s in enumerate(self.segments, 1)
        )

    def to_vtt(self) -> str:
        """WebVTT cues; a segment with a speaker gets a ``<v agent>`` voice tag."""
        cues = [
            f"{_clock_text(s.start, '.')} --> {_clock_text(s.end, '.')}\n"
            + (f"<v {s.speaker}>{s.text}" if s.speaker else s.text)
            + "\n"
            for s in self.segments
        ]
        return "WEBVTT\n\n" + "\n".join(cues)

    def to_json(self) -> str:
        return json.dumps(self.serialize(), ensure_ascii=False, indent=2) + "\n"


def _clock_text(t: float, sep: str) -> str:
    ms = int(round(max(t, 0.0) * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _cue_body(s: TranscriptSegment) -> str:
    return f"{s.speaker}: {s.text}" if s.speaker else s.text


# -- normalization ---------------------------------------------------------------------------
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_SPACES = re.compile(r"\s+")


def normalize_text(text: str, *, strip_diacritics: bool = False) -> str:
    """NFC, lower case, punctuation to spaces, single spaces; optionally without diacritics.

    >>> normalize_text("Xin chào, Quý khách!", strip_diacritics=True)
    'xin chao quy khach'
    """
    out = unicodedata.normalize("NFC", text).lower()
    if strip_diacritics:
        out = out.replace("đ", "d")
        decomposed = unicodedata.normalize("NFD", out)
        out = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    out = _PUNCT.sub(" ", out).replace("_", " ")
    return _SPACES.sub(" ", out).strip()


# -- parsing -----------------------------------------------------------------------------
def load_transcript(path: str | Path, *, format: TranscriptFormat | None = None) -> Transcript:
    """Read a transcript file; the format comes from the suffix unless ``format`` is given."""
    path = Path(path)
    fmt = format or path.suffix.lower().lstrip(".")
    if fmt not in _FORMATS:
        raise ParameterError(
            f"cannot tell the transcript format of {str(path)!r} (suffix {path.suffix!r}); "
            f"use one of {', '.join(_FORMATS)} or pass format="
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ParameterError(
            f"cannot read transcript {str(path)!r}: {exc.strerror or exc}"
        ) from None
    return parse_transcript(text, format=fmt, source=str(path))  # type: ignore[arg-type]


def parse_transcript(
    text: str, *, format: TranscriptFormat, source: str = "<memory>"
) -> Transcript:
    """Parse transcript text of the given format."""
    parsers = {
        "json": _parse_json,
        "srt": _parse_cues,
        "vtt": _parse_cues,
        "stm": _parse_stm,
        "ctm": _parse_ctm,
    }
    if format not in parsers:
        raise ParameterError(
            f"format={format!r} is not supported; use one of {', '.join(_FORMATS)}"
        )
    segments = parsers[format](text, source)
    cleaned = [replace(s, text=unicodedata.normalize("NFC", s.text).strip()) for s in segments]
    for s in cleaned:
        if not (s.end >= s.start >= 0):
            raise ParameterError(
                f"{source}: segment start={s.start} end={s.end} must satisfy 0 <= start <= end"
            )
    cleaned.sort(key=lambda s: (s.start, s.end))
    return Transcript(tuple(cleaned), source=source)


def _parse_json(text: str, source: str) -> list[TranscriptSegment]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParameterError(f"{source}: transcript is not valid JSON: {exc}") from None
    items = data.get("segments") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ParameterError(f"{source}: expected a list of segments or {{'segments': [...]}}")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ParameterError(f"{source}: segment {i} must be an object, got {item!r}")
        try:
            start, end = float(item["start"]), float(item["end"])
        except (KeyError, TypeError, ValueError):
            raise ParameterError(
                f"{source}: segment {i} needs numeric 'start' and 'end', got {item!r}"
            ) from None
        speaker = item.get("speaker", item.get("role"))
        out.append(
            TranscriptSegment(
                start, end, str(item.get("text", "")), str(speaker) if speaker is not None else None
            )
        )
    return out


_TIME = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})")
_VOICE = re.compile(r"^<v\s+([^>]+)>")
_PREFIX = re.compile(r"^([A-Za-z_][\w-]{0,30}):\s+")


def _clock(text: str, source: str) -> float:
    m = _TIME.fullmatch(text.strip())
    if not m:
        raise ParameterError(f"{source}: bad cue time {text!r}; expected HH:MM:SS,mmm")
    h, mi, s, ms = m.groups()
    return int(h or 0) * 3600 + int(mi) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000


def _parse_cues(text: str, source: str) -> list[TranscriptSegment]:
    out = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = [ln for ln in block.strip().split("\n") if ln.strip()]
        idx = next((i for i, ln in enumerate(lines) if "-->" in ln), None)
        if idx is None:
            continue
        left, right = lines[idx].split("-->", 1)
        start = _clock(left, source)
        end = _clock(right.strip().split()[0], source)
        body = " ".join(lines[idx + 1 :]).strip()
        speaker = None
        if m := _VOICE.match(body):
            speaker, body = m.group(1).strip(), body[m.end() :]
        elif m := _PREFIX.match(body):
            speaker, body = m.group(1), body[m.end() :]
        body = re.sub(r"<[^>]+>", "", body)
        out.append(TranscriptSegment(start, end, body, speaker))
    return out


def _parse_stm(text: str, source: str) -> list[TranscriptSegment]:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith(";;"):
            continue
        parts = line.split(maxsplit=5)
        if len(parts) < 5:
            raise ParameterError(
                f"{source}:{n}: STM line needs 'file channel speaker start end text'"
            )
        try:
            start, end = float(parts[3]), float(parts[4])
        except ValueError:
            raise ParameterError(f"{source}:{n}: bad STM times {parts[3]!r} {parts[4]!r}") from None
        rest = parts[5] if len(parts) > 5 else ""
        if rest.startswith("<"):
            rest = rest.split(">", 1)[1] if ">" in rest else ""
        out.append(TranscriptSegment(start, end, rest.strip(), parts[2]))
    return out


def _parse_ctm(text: str, source: str) -> list[TranscriptSegment]:
    words: list[tuple[str, float, float, str]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith(";;"):
            continue
        parts = line.split()
        if len(parts) < 5:
            raise ParameterError(f"{source}:{n}: CTM line needs 'file channel start duration word'")
        try:
            start, dur = float(parts[2]), float(parts[3])
        except ValueError:
            raise ParameterError(f"{source}:{n}: bad CTM times {parts[2]!r} {parts[3]!r}") from None
        words.append((parts[1], start, start + dur, parts[4]))
    out: list[TranscriptSegment] = []
    for channel in sorted({w[0] for w in words}):
        group: list[tuple[str, float, float, str]] = []
        for w in sorted((w for w in words if w[0] == channel), key=lambda w: w[1]):
            if group and w[1] - group[-1][2] > _CTM_PAUSE_S:
                out.append(_ctm_segment(group))
                group = []
            group.append(w)
        if group:
            out.append(_ctm_segment(group))
    return out


def _ctm_segment(group: Sequence[tuple[str, float, float, str]]) -> TranscriptSegment:
    return TranscriptSegment(group[0][1], group[-1][2], " ".join(w[3] for w in group), None)


# -- alignment ---------------------------------------------------------------------------
def align_transcript(
    transcript: Transcript,
    diarization: Diarization,
    *,
    keep_labels: Iterable[str] = ("agent", "customer"),
) -> Transcript:
    """Give each segment the role of the speaker who talks most during it.

    A segment that already names a role in ``keep_labels`` keeps it; other labels (``A``,
    ``SPK1``, a channel number) are replaced by the diarized role with the largest overlap.
    Segments that overlap nobody take the nearest turn's role.
    """
    keep = set(keep_labels)
    turns = [(t.start, t.end, diarization.role_of(t.speaker)) for t in diarization.segments]
    out = []
    for seg in transcript.segments:
        if seg.speaker in keep or not turns:
            out.append(seg)
            continue
        overlap: dict[str, float] = {}
        for start, end, role in turns:
            ov = min(end, seg.end) - max(start, seg.start)
            if ov > 0:
                overlap[role] = overlap.get(role, 0.0) + ov
        if overlap:
            role = max(overlap.items(), key=lambda kv: kv[1])[0]
        else:
            mid = 0.5 * (seg.start + seg.end)
            role = min(turns, key=lambda t: min(abs(t[0] - mid), abs(t[1] - mid)))[2]
        out.append(replace(seg, speaker=role))
    return Transcript(tuple(out), source=transcript.source, asr_model=transcript.asr_model)
