"""Scoring a call against a scorecard.

Score = 100 × (weights of passed criteria) / (weights of applicable criteria); a failed
``auto_fail`` criterion makes it 0. A criterion is not applicable when its input is missing:
phrase rules without a transcript, a metric the call does not have, emotion without customer
speech. Each criterion reports pass/fail and evidence (times in the call, seconds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..transcript import Transcript, TranscriptSegment, normalize_text
from .schema import Criterion, Scorecard

__all__ = ["CriterionResult", "QAResult", "score_call"]

Span = tuple[float, float]


@dataclass(frozen=True)
class CriterionResult:
    """``passed`` is None when the criterion is not applicable to this call."""

    id: str
    passed: bool | None
    weight: float
    auto_fail: bool
    value: Any = None
    evidence: tuple[Span, ...] = ()
    reason: str = ""
    source: str | None = None  # "asr" when judged on recognized (not supplied) text
    confidence: float | None = None  # the ASR log-probability of the evidence

    @property
    def applicable(self) -> bool:
        return self.passed is not None

    def serialize(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "passed": self.passed,
            "applicable": self.applicable,
            "weight": self.weight,
            "auto_fail": self.auto_fail,
            "value": self.value,
            "evidence": [[round(a, 3), round(b, 3)] for a, b in self.evidence],
            "reason": self.reason,
            **({"source": self.source} if self.source is not None else {}),
            **({"confidence": self.confidence} if self.confidence is not None else {}),
        }


@dataclass(frozen=True)
class QAResult:
    """A call's scorecard result; ``score`` is None when no criterion was applicable."""

    scorecard_id: str
    scorecard_version: str
    score: float | None
    auto_failed: bool
    criteria: tuple[CriterionResult, ...]
    pass_score: float = 80.0

    @property
    def passed(self) -> bool | None:
        """Whether the call passed its scorecard (score >= pass_score, no auto-fail); None when
        no criterion was applicable."""
        if self.score is None:
            return None
        return not self.auto_failed and self.score >= self.pass_score

    @property
    def passed_ids(self) -> list[str]:
        return [c.id for c in self.criteria if c.passed]

    @property
    def failed_ids(self) -> list[str]:
        return [c.id for c in self.criteria if c.passed is False]

    def serialize(self) -> dict[str, Any]:
        return {
            "scorecard": self.scorecard_id,
            "version": self.scorecard_version,
            "score": None if self.score is None else round(self.score, 2),
            "auto_failed": self.auto_failed,
            "pass_score": self.pass_score,
            "passed": self.passed,
            "criteria": [c.serialize() for c in self.criteria],
        }


def score_call(
    scorecard: Scorecard,
    *,
    metrics: Mapping[str, Any],
    duration_s: float,
    transcript: Transcript | None = None,
    emotion: Mapping[str, Any] | None = None,
) -> QAResult:
    """Score one call.

    ``metrics``: the call metrics as a flat mapping (``CallMetrics.serialize()``); lists of
    ``silences`` / ``interruptions`` there serve as evidence. ``transcript``: aligned to roles
    (``speaker`` = ``agent`` / ``customer``). ``emotion``: ``CustomerEmotion.serialize()``.
    """
    results = []
    for c in scorecard.criteria:
        if c.rule in ("phrase", "forbidden"):
            di = (
                scorecard.diacritics_insensitive
                if c.diacritics_insensitive is None
                else c.diacritics_insensitive
            )
            r = _phrase(c, transcript, duration_s, di)
        elif c.rule == "metric":
            r = _metric(c, metrics, duration_s)
        else:
            r = _emotion(c, emotion)
        results.append(r)
    applicable = [r for r in results if r.applicable]
    auto_failed = any(r.auto_fail and r.passed is False for r in results)
    total = sum(r.weight for r in applicable)
    if not applicable or total <= 0:
        score = None
    elif auto_failed:
        score = 0.0
    else:
        score = 100.0 * sum(r.weight for r in applicable if r.passed) / total
    return QAResult(scorecard.id, scorecard.version, score, auto_failed, tuple(results),
                    pass_score=scorecard.pass_score)  # fmt: skip


def _na(c: Criterion, reason: str) -> CriterionResult:
    return CriterionResult(c.id, None, c.weight, c.auto_fail, reason=reason)


def _find(
    c: Criterion, segments: list[TranscriptSegment], di: bool
) -> list[tuple[TranscriptSegment, str]]:
    phrases = [normalize_text(p, strip_diacritics=di) for p in c.phrases]
    hits = []
    for seg in segments:
        text = f" {normalize_text(seg.text, strip_diacritics=di)} "
        for raw, p in zip(c.phrases, phrases, strict=True):
            if p and f" {p} " in text:
                hits.append((seg, raw))
                break
    return hits


def _phrase(
    c: Criterion, transcript: Transcript | None, duration_s: float, di: bool
) -> CriterionResult:
    if transcript is None or not transcript.segments:
        return _na(c, "no transcript")
    result = _phrase_on(c, transcript, duration_s, di)
    if not transcript.is_asr:
        return result
    # judged on recognized speech: say so, with the recognizer's confidence in the evidence
    confs = [
        s.confidence
        for s in transcript.segments
        if s.confidence is not None and (s.start, s.end) in result.evidence
    ]
    return replace(
        result,
        source="asr",
        confidence=round(min(confs), 4) if confs else None,
        reason=f"{result.reason} (ASR transcript)",
    )


def _phrase_on(
    c: Criterion, transcript: Transcript, duration_s: float, di: bool
) -> CriterionResult:
    segs = [s for s in transcript.segments if c.speaker == "any" or s.speaker == c.speaker]
    if c.rule == "forbidden":
        hits = _find(c, segs, di)
        if hits:
            said = sorted({p for _, p in hits})
            return CriterionResult(
                c.id,
                False,
                c.weight,
                c.auto_fail,
                value=said,
                evidence=tuple((s.start, s.end) for s, _ in hits),
                reason=f"forbidden phrase(s) said: {', '.join(said)}",
            )
        return CriterionResult(c.id, True, c.weight, c.auto_fail, value=[], reason="none said")
    if c.within_first_s is not None:
        segs = [s for s in segs if s.start <= c.within_first_s]
    if c.within_last_s is not None:
        segs = [s for s in segs if s.end >= duration_s - c.within_last_s]
    hits = _find(c, segs, di)
    where = []
    if c.within_first_s is not None:
        where.append(f"in the first {c.within_first_s:g} s")
    if c.within_last_s is not None:
        where.append(f"in the last {c.within_last_s:g} s")
    scope = " ".join(where) or "in the call"
    if hits:
        seg, phrase = hits[0]
        return CriterionResult(
            c.id,
            True,
            c.weight,
            c.auto_fail,
            value=phrase,
            evidence=((seg.start, seg.end),),
            reason=f"{phrase!r} said {scope}",
        )
    return CriterionResult(c.id, False, c.weight, c.auto_fail, reason=f"no required phrase {scope}")


def _metric(c: Criterion, metrics: Mapping[str, Any], duration_s: float) -> CriterionResult:
    assert c.metric is not None
    value = metrics.get(c.metric)
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return _na(c, f"metric {c.metric!r} not available")
    ok = (c.min is None or value >= c.min) and (c.max is None or value <= c.max)
    evidence: list[Span] = []
    if c.metric.startswith("silence"):
        limit = c.max if c.max is not None else 0.0
        evidence = [
            (s["start"], s["end"]) for s in metrics.get("silences", ()) if s["duration_s"] > limit
        ]
    elif c.metric.startswith("interruptions_"):
        party = c.metric.removeprefix("interruptions_")
        evidence = [
            (i["start"], i["end"]) for i in metrics.get("interruptions", ()) if i["by"] == party
        ]
    elif not ok:
        evidence = [(0.0, float(duration_s))]
    bounds = " and ".join(
        b
        for b in (
            (f">= {c.min:g}" if c.min is not None else ""),
            (f"<= {c.max:g}" if c.max is not None else ""),
        )
        if b
    )
    reason = f"{c.metric}={value:g} {'meets' if ok else 'fails'} {bounds}"
    return CriterionResult(
        c.id, ok, c.weight, c.auto_fail, value=value, evidence=tuple(evidence), reason=reason
    )


def _emotion(c: Criterion, emotion: Mapping[str, Any] | None) -> CriterionResult:
    if not emotion or emotion.get("peak_arousal") is None:
        return _na(c, "no customer emotion")
    peak = float(emotion["peak_arousal"])
    peak_t = emotion.get("peak_time_s")
    events = emotion.get("escalations") or []
    if c.check == "no_escalation":
        ok = not events
        ev = tuple((e["start"], e["end"]) for e in events)
        return CriterionResult(
            c.id,
            ok,
            c.weight,
            c.auto_fail,
            value=len(events),
            evidence=ev,
            reason=f"{len(events)} escalation event(s)",
        )
    end = emotion.get("end_arousal")
    if end is None:
        return _na(c, "no customer speech at the end")
    threshold = float(emotion.get("threshold", 0.0))
    end = float(end)
    ok = peak < threshold or end <= peak - c.margin
    evidence = []
    if peak_t is not None:
        evidence.append((float(peak_t), float(peak_t)))
    if emotion.get("end_window") is not None:
        evidence.append(tuple(emotion["end_window"]))
    reason = (
        f"peak arousal {peak:.2f} below the escalation threshold {threshold:.2f}"
        if peak < threshold
        else f"end arousal {end:.2f} vs peak {peak:.2f} (margin {c.margin:g})"
    )
    return CriterionResult(
        c.id,
        ok,
        c.weight,
        c.auto_fail,
        value={"peak": round(peak, 3), "end": round(end, 3)},
        evidence=tuple(evidence),
        reason=reason,
    )  # type: ignore[arg-type]
