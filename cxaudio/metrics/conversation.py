"""Conversation metrics from a diarization (SPEC section 4; Contact Lens / CCAI definitions).

Percentages are of the whole call (``duration_s``); overtalk counts for both parties, so
``talk_time_pct_agent + talk_time_pct_customer - overtalk_pct + non_talk_time_pct = 100``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..errors import ParameterError
from ..types import Diarization
from . import _kernels

__all__ = ["ConversationMetrics", "Interruption", "Silence", "conversation_metrics", "party_turns"]

PARTIES = ("agent", "customer")
HOP_S = 0.01


@dataclass(frozen=True, slots=True)
class Silence:
    """A gap where nobody speaks."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    def serialize(self) -> dict[str, float]:
        return {
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "duration_s": round(self.duration, 3),
        }


@dataclass(frozen=True, slots=True)
class Interruption:
    """``by`` starts speaking at ``start`` while the other party speaks; they overlap until ``end``."""

    by: str
    start: float
    end: float
    inferred: bool = False  # a takeover without a pause in a diarization that has no overlap

    @property
    def duration(self) -> float:
        return self.end - self.start

    def serialize(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "duration_s": round(self.duration, 3),
            "inferred": self.inferred,
        }


@dataclass(frozen=True)
class ConversationMetrics:
    """Who talked how much, silences, interruptions, turns and latency."""

    duration_s: float
    conversation_duration_s: float
    talk_time_s_agent: float
    talk_time_s_customer: float
    talk_time_pct_agent: float
    talk_time_pct_customer: float
    overtalk_pct: float
    non_talk_time_pct: float
    agent_talk_share_pct: float | None
    silence_min_s: float
    silence_count: int
    silence_total_s: float
    silence_longest_s: float
    silences: tuple[Silence, ...]
    interruption_min_s: float
    interruptions_agent: int
    interruptions_customer: int
    interruption_time_s_agent: float
    interruption_time_s_customer: float
    interruptions: tuple[Interruption, ...]
    turn_count: int
    turn_count_agent: int
    turn_count_customer: int
    mean_turn_s_agent: float | None
    mean_turn_s_customer: float | None
    response_latency_mean_s: float | None
    response_latency_max_s: float | None
    response_latencies_s: tuple[float, ...] = field(default=())

    def serialize(self) -> dict[str, Any]:
        out = asdict(self)
        out["silences"] = [s.serialize() for s in self.silences]
        out["interruptions"] = [i.serialize() for i in self.interruptions]
        out["response_latencies_s"] = [round(x, 3) for x in self.response_latencies_s]
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in out.items()}


def party_turns(
    diarization: Diarization, *, merge_gap_s: float = 0.0
) -> dict[str, list[tuple[float, float]]]:
    """Turns of the agent and the customer, same-party turns closer than ``merge_gap_s`` merged
    (unless the other party speaks in between).

    Speakers are mapped to roles with ``Diarization.roles``; without roles the first speaker is
    taken to be the agent (agents greet first) and every other speaker the customer.
    """
    roles = dict(diarization.roles)
    if not any(r in PARTIES for r in roles.values()):
        first = diarization.segments[0].speaker if diarization.segments else None
        roles = {s: ("agent" if s == first else "customer") for s in diarization.speakers}
    out: dict[str, list[tuple[float, float]]] = {p: [] for p in PARTIES}
    for t in diarization.segments:
        role = roles.get(t.speaker, t.speaker)
        if role in out and t.end > t.start:
            out[role].append((float(t.start), float(t.end)))
    raw = {p: sorted(turns) for p, turns in out.items()}
    for party, turns in raw.items():
        other = raw["customer" if party == "agent" else "agent"]
        merged: list[tuple[float, float]] = []
        for s, e in turns:
            if (
                merged
                and s - merged[-1][1] <= merge_gap_s
                and not any(o_s < s and o_e > merged[-1][1] for o_s, o_e in other)
            ):
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        out[party] = merged
    return out


def _mask(turns: list[tuple[float, float]], n: int) -> np.ndarray:
    arr = np.asarray(turns, dtype=np.float64).reshape(-1, 2)
    return _kernels.activity_mask(arr[:, 0].copy(), arr[:, 1].copy(), n, HOP_S)


def conversation_metrics(
    diarization: Diarization,
    *,
    silence_min_s: float = 3.0,
    interruption_min_s: float = 0.5,
    merge_gap_s: float = 0.3,
    infer_takeovers: bool | None = None,
    takeover_gap_s: float = 0.05,
) -> ConversationMetrics:
    """Metrics of SPEC section 4 that need only who spoke when.

    ``silence_min_s``: a gap where nobody speaks counts as a silence when longer than this
    (Contact Lens uses 3 s, CCAI 5 s). ``interruption_min_s``: a party interrupts when it starts
    speaking while the other speaks and the overlap lasts longer than this. ``merge_gap_s``:
    same-party turns closer than this are one turn (diarizers split turns at short pauses).

    ``infer_takeovers``: a single-label diarization (e.g. imported RTTM of a mono call) cannot
    show overlapped speech, so the overlap of an interruption is invisible; what remains is a
    takeover with no pause (the next party's turn starts less than ``takeover_gap_s`` after the
    other's ends), which people do not do when taking turns politely. With ``True`` such
    takeovers count as interruptions (``inferred``, duration unknown, reported as 0; repeated
    label flicker within 2 s counts once). Default (None): on when the diarization is neither by
    channel nor ``overlap_aware`` and has no cross-party overlap.
    """
    for name, value in (
        ("silence_min_s", silence_min_s),
        ("interruption_min_s", interruption_min_s),
        ("merge_gap_s", merge_gap_s),
    ):
        if not (isinstance(value, int | float) and np.isfinite(value) and value >= 0):
            raise ParameterError(f"{name}={value!r} must be a non-negative number of seconds")
    duration = float(diarization.duration_s)
    if not duration > 0:
        raise ParameterError(f"diarization.duration_s={duration!r} must be positive")
    turns = party_turns(diarization, merge_gap_s=merge_gap_s)
    n = int(round(duration / HOP_S))
    agent, customer = _mask(turns["agent"], n), _mask(turns["customer"], n)
    anyone = agent | customer
    both = agent & customer
    pct = 100.0 / max(n, 1)
    speech_idx = np.flatnonzero(anyone)
    conv = (speech_idx[-1] + 1 - speech_idx[0]) * HOP_S if speech_idx.size else 0.0

    silences: list[Silence] = []
    if speech_idx.size:
        inner = anyone[speech_idx[0] : speech_idx[-1] + 1]
        for start, length in _kernels.zero_runs(inner):
            if length * HOP_S > silence_min_s:
                a = (speech_idx[0] + start) * HOP_S
                silences.append(Silence(a, a + length * HOP_S))

    interruptions = _interruptions(turns, interruption_min_s)
    if infer_takeovers is None:
        infer_takeovers = (
            diarization.method != "channel" and not diarization.overlap_aware and not both.any()
        )
    if infer_takeovers:
        interruptions = sorted(
            interruptions + _takeovers(diarization, takeover_gap_s), key=lambda i: i.start
        )
    latencies = _latencies(turns)
    all_turns = len(turns["agent"]) + len(turns["customer"])
    by = {p: [i for i in interruptions if i.by == p] for p in PARTIES}
    return ConversationMetrics(
        duration_s=duration,
        conversation_duration_s=float(conv),
        talk_time_s_agent=float(agent.sum() * HOP_S),
        talk_time_s_customer=float(customer.sum() * HOP_S),
        talk_time_pct_agent=float(agent.sum() * pct),
        talk_time_pct_customer=float(customer.sum() * pct),
        overtalk_pct=float(both.sum() * pct),
        non_talk_time_pct=float((n - anyone.sum()) * pct),
        agent_talk_share_pct=(
            float(100.0 * agent.sum() / (agent.sum() + customer.sum()))
            if agent.sum() + customer.sum()
            else None
        ),
        silence_min_s=float(silence_min_s),
        silence_count=len(silences),
        silence_total_s=float(sum(s.duration for s in silences)),
        silence_longest_s=float(max((s.duration for s in silences), default=0.0)),
        silences=tuple(silences),
        interruption_min_s=float(interruption_min_s),
        interruptions_agent=len(by["agent"]),
        interruptions_customer=len(by["customer"]),
        interruption_time_s_agent=float(sum(i.duration for i in by["agent"])),
        interruption_time_s_customer=float(sum(i.duration for i in by["customer"])),
        interruptions=tuple(interruptions),
        turn_count=all_turns,
        turn_count_agent=len(turns["agent"]),
        turn_count_customer=len(turns["customer"]),
        mean_turn_s_agent=_mean([e - s for s, e in turns["agent"]]),
        mean_turn_s_customer=_mean([e - s for s, e in turns["customer"]]),
        response_latency_mean_s=_mean(latencies),
        response_latency_max_s=max(latencies) if latencies else None,
        response_latencies_s=tuple(latencies),
    )


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _interruptions(turns: dict[str, list[tuple[float, float]]], min_s: float) -> list[Interruption]:
    out = []
    for party, other in (("agent", "customer"), ("customer", "agent")):
        for start, end in turns[party]:
            for o_start, o_end in turns[other]:
                if o_start < start < o_end:
                    overlap_end = min(end, o_end)
                    if overlap_end - start > min_s:
                        out.append(Interruption(party, start, overlap_end))
                    break
    out.sort(key=lambda i: i.start)
    return out


def _takeovers(diarization: Diarization, gap_s: float) -> list[Interruption]:
    raw = sorted(
        (float(t.start), float(t.end), r)
        for t in diarization.segments
        if (r := _role(diarization, t.speaker)) in PARTIES
    )
    out: list[Interruption] = []
    last_at = -1e9
    for (a0, b0, p0), (a1, _b1, p1) in zip(raw, raw[1:], strict=False):
        if p0 != p1 and -0.01 <= a1 - b0 < gap_s and b0 - a0 > 0.3:
            if a1 - last_at > 2.0:
                out.append(Interruption(p1, a1, a1, inferred=True))
            last_at = a1
    return out


def _role(diarization: Diarization, speaker: str) -> str:
    roles = dict(diarization.roles)
    if not any(r in PARTIES for r in roles.values()):
        first = diarization.segments[0].speaker if diarization.segments else None
        return "agent" if speaker == first else "customer"
    return roles.get(speaker, speaker)


def _latencies(turns: dict[str, list[tuple[float, float]]]) -> list[float]:
    """Customer stops → agent starts, for agent turns that begin after the customer has stopped."""
    out = []
    agent = turns["agent"]
    customer = turns["customer"]
    for i, (_c_start, c_end) in enumerate(customer):
        nxt_customer = customer[i + 1][0] if i + 1 < len(customer) else float("inf")
        agent_busy = any(a_s < c_end < a_e for a_s, a_e in agent)
        if agent_busy:
            continue
        start = next((a_s for a_s, _ in agent if a_s >= c_end), None)
        if start is not None and start < nxt_customer:
            out.append(float(start - c_end))
    return out
