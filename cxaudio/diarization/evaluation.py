"""Evaluate diarization on any folder of WAV + RTTM pairs: DER and speaker-count accuracy.

DER is pyannote.metrics' ``DiarizationErrorRate`` with no collar and overlapped speech scored
(SPEC section 9), over the whole file (or the ``<stem>.uem`` next to it). Every ``*.wav`` under
the folder (recursively) needs a ``<stem>.rttm`` beside it; files are grouped by the folder they
sit in, relative to the root (``test/two_party_tel``), so a report can be split by subset.

>>> report = evaluate_diarization("benchmarks/data/realvoice/test", num_speakers="oracle")
>>> report.der, report.by_group()["two_party_tel"].der
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import ParameterError
from ..types import Diarization

logger = logging.getLogger(__name__)

__all__ = [
    "DiarizationReport",
    "FileScore",
    "Reference",
    "evaluate_diarization",
    "load_references",
    "score_diarization",
]

Diarizer = Callable[..., Diarization]
NumSpeakers = int | Literal["oracle"] | None


@dataclass(frozen=True)
class Reference:
    """One evaluation file: its audio, its reference diarization and the scored region."""

    uri: str
    audio_path: Path
    rttm_path: Path
    group: str  # folder relative to the root, "" for files at the root
    reference: Diarization
    uem: tuple[tuple[float, float], ...]  # scored regions in seconds

    @property
    def duration_s(self) -> float:
        return self.reference.duration_s

    @property
    def num_speakers(self) -> int:
        return len(self.reference.speakers)


@dataclass(frozen=True)
class FileScore:
    """DER components of one file, in seconds of reference speech."""

    uri: str
    group: str
    duration_s: float
    total_s: float  # reference speech, overlapped speech counted once per speaker
    missed_s: float
    false_alarm_s: float
    confusion_s: float
    ref_speakers: int
    hyp_speakers: int

    @property
    def der(self) -> float:
        errors = self.missed_s + self.false_alarm_s + self.confusion_s
        if self.total_s == 0:
            return 0.0 if errors == 0 else float("inf")
        return errors / self.total_s

    def serialize(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "group": self.group,
            "duration_s": round(self.duration_s, 3),
            "der": round(self.der, 5),
            "total_s": round(self.total_s, 3),
            "missed_s": round(self.missed_s, 3),
            "false_alarm_s": round(self.false_alarm_s, 3),
            "confusion_s": round(self.confusion_s, 3),
            "ref_speakers": self.ref_speakers,
            "hyp_speakers": self.hyp_speakers,
        }


@dataclass(frozen=True)
class DiarizationReport:
    """Scores of a set of files; ``der`` pools the errors of all files (pyannote's ``abs``)."""

    files: tuple[FileScore, ...]
    data: str = ""  # what was scored, e.g. the folder
    settings: Mapping[str, Any] = field(default_factory=dict)

    def _sum(self, name: str) -> float:
        return sum(getattr(f, name) for f in self.files)

    @property
    def der(self) -> float:
        total = self._sum("total_s")
        errors = self._sum("missed_s") + self._sum("false_alarm_s") + self._sum("confusion_s")
        return errors / total if total else 0.0

    def _pct(self, name: str) -> float:
        total = self._sum("total_s")
        return 100 * self._sum(name) / total if total else 0.0

    @property
    def speaker_count_accuracy(self) -> float:
        """Share of files whose hypothesis has as many speakers as the reference."""
        if not self.files:
            return 0.0
        return sum(f.hyp_speakers == f.ref_speakers for f in self.files) / len(self.files)

    def by_group(self) -> dict[str, DiarizationReport]:
        """One report per folder (subset), keyed by its last folder name when those are unique,
        else by the relative folder path."""
        groups = sorted({f.group for f in self.files})
        short = [g.rsplit("/", 1)[-1] for g in groups]
        keys = short if len(set(short)) == len(short) else groups
        return {
            k: DiarizationReport(
                tuple(f for f in self.files if f.group == g), f"{self.data}/{g}", self.settings
            )
            for k, g in zip(keys, groups, strict=True)
        }

    def serialize(self, *, per_file: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "data": self.data,
            "settings": dict(self.settings),
            "files": len(self.files),
            "hours": round(self._sum("duration_s") / 3600, 3),
            "der": round(self.der, 5),
            "der_max_file": round(max((f.der for f in self.files), default=0.0), 5),
            "missed_pct": round(self._pct("missed_s"), 3),
            "false_alarm_pct": round(self._pct("false_alarm_s"), 3),
            "confusion_pct": round(self._pct("confusion_s"), 3),
            "speaker_count_accuracy": round(self.speaker_count_accuracy, 4),
            "hyp_speakers": _histogram(f.hyp_speakers for f in self.files),
            "ref_speakers": _histogram(f.ref_speakers for f in self.files),
        }
        if per_file:
            out["per_file"] = [f.serialize() for f in self.files]
        return out


def _histogram(values: Iterable[int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in sorted(values):
        out[str(v)] = out.get(str(v), 0) + 1
    return out


def load_references(folder: str | os.PathLike[str], *, pattern: str = "*.wav") -> list[Reference]:
    """Every audio file matching ``pattern`` under ``folder`` (recursively) with its RTTM.

    The RTTM is ``<stem>.rttm`` beside the audio; its recording is the one named ``<stem>``, or
    its only one. A ``<stem>.uem`` beside them limits the scored region; otherwise the whole
    file is scored. Raises :class:`~cxaudio.errors.ParameterError` naming the file when the
    folder does not exist, holds no audio, or an audio file has no RTTM.
    """
    import soundfile as sf

    root = Path(folder)
    if not root.is_dir():
        raise ParameterError(f"{root}: not a folder")
    paths = sorted(root.rglob(pattern))
    if not paths:
        raise ParameterError(f"{root}: holds no {pattern} files")
    refs = []
    for audio in paths:
        rttm = audio.with_suffix(".rttm")
        if not rttm.exists():
            raise ParameterError(f"{audio}: no reference {rttm.name} beside it")
        duration_s = float(sf.info(str(audio)).duration)
        uri = _uri_of(rttm, audio.stem)
        reference = Diarization.from_rttm(rttm, uri=uri, duration_s=duration_s)
        uem_path = audio.with_suffix(".uem")
        uem = _read_uem(uem_path, uri) if uem_path.exists() else ((0.0, duration_s),)
        group = audio.parent.relative_to(root).as_posix()
        refs.append(Reference(uri, audio, rttm, "" if group == "." else group, reference, uem))
    return refs


def _uri_of(rttm: Path, stem: str) -> str:
    uris = {ln.split()[1] for ln in rttm.read_text().splitlines() if ln.startswith("SPEAKER")}
    if stem in uris or not uris:
        return stem
    if len(uris) == 1:
        return uris.pop()
    raise ParameterError(f"{rttm}: holds recordings {sorted(uris)} but none named {stem!r}")


def _read_uem(path: Path, uri: str) -> tuple[tuple[float, float], ...]:
    regions = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0] in (uri, path.stem):
            regions.append((float(parts[2]), float(parts[3])))
    if not regions:
        raise ParameterError(f"{path}: no UEM region for {uri!r}")
    return tuple(regions)


def score_diarization(
    references: Iterable[Reference],
    hypotheses: Mapping[str, Diarization],
    *,
    data: str = "",
    settings: Mapping[str, Any] | None = None,
) -> DiarizationReport:
    """Score hypotheses (keyed by uri) against references: DER without collar, overlap scored.

    A reference without a hypothesis scores as all speech missed.
    """
    from pyannote.core import Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    scores = []
    for ref in references:
        hyp = hypotheses.get(ref.uri) or Diarization((), ref.duration_s)
        metric = DiarizationErrorRate(collar=0.0, skip_overlap=False)
        uem = Timeline([Segment(s, e) for s, e in ref.uem], uri=ref.uri)
        comps = metric.compute_components(
            ref.reference.to_annotation(ref.uri), hyp.to_annotation(ref.uri), uem=uem
        )
        scores.append(
            FileScore(
                uri=ref.uri,
                group=ref.group,
                duration_s=ref.duration_s,
                total_s=comps["total"],
                missed_s=comps["missed detection"],
                false_alarm_s=comps["false alarm"],
                confusion_s=comps["confusion"],
                ref_speakers=ref.num_speakers,
                hyp_speakers=len(hyp.speakers),
            )
        )
    return DiarizationReport(tuple(scores), data, dict(settings or {}))


def evaluate_diarization(
    folder: str | os.PathLike[str],
    *,
    diarizer: Diarizer | None = None,
    num_speakers: NumSpeakers = None,
    pattern: str = "*.wav",
    **diarizer_kwargs: Any,
) -> DiarizationReport:
    """Run a diarizer on every WAV + RTTM pair under ``folder`` and score it.

    ``diarizer(path, num_speakers=..., **diarizer_kwargs)`` returns a
    :class:`~cxaudio.types.Diarization` (default :func:`cxaudio.diarize`). ``num_speakers``:
    None (the diarizer estimates it), an int for every file, or ``"oracle"`` (each file's
    reference count).
    """
    if diarizer is None:
        from .pipeline import diarize

        diarizer = diarize
    if not (num_speakers is None or num_speakers == "oracle" or isinstance(num_speakers, int)):
        raise ParameterError(
            f"num_speakers={num_speakers!r} must be None, a positive int or 'oracle'"
        )
    refs = load_references(folder, pattern=pattern)
    hyps = {}
    for ref in refs:
        k = max(1, ref.num_speakers) if num_speakers == "oracle" else num_speakers
        hyps[ref.uri] = diarizer(str(ref.audio_path), num_speakers=k, **diarizer_kwargs)
        logger.debug("diarized %s", ref.audio_path)
    settings = {"num_speakers": num_speakers, "collar": 0.0, "skip_overlap": False}
    return score_diarization(refs, hyps, data=os.fspath(folder), settings=settings)
