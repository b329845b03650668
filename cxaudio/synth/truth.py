"""Call metrics computed from reference speech segments, the way the truth files define them.

Definitions (SPEC section 4, Contact Lens style), on the union of each party's segments:

- ``talk_s[p]``: seconds party ``p`` speaks; ``talk_pct[p] = 100 * talk_s[p] / duration_s``.
- ``overtalk_s``: seconds both speak; ``non_talk_s``: seconds nobody speaks.
- ``silences``: every gap where nobody speaks between the first and the last speech, with its
  start, end and duration (filter by length to count silences above a threshold).
- ``interruptions[p]``: each segment of ``p`` that starts while the other party is speaking;
  ``overlap_s`` is how long both then speak (to the end of the first of the two segments).
- ``n_turns``: runs of consecutive segments (ordered by start) by the same party.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from itertools import accumulate
from typing import Any

Interval = tuple[float, float]

PARTIES = ("agent", "customer")


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted union of intervals (touching intervals merge)."""
    out: list[list[float]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def intersect(x: Sequence[Interval], y: Sequence[Interval]) -> list[Interval]:
    """Intersection of two sorted, disjoint interval lists."""
    out: list[Interval] = []
    i = j = 0
    while i < len(x) and j < len(y):
        a, b = max(x[i][0], y[j][0]), min(x[i][1], y[j][1])
        if a < b:
            out.append((a, b))
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return out


def measure(intervals: Iterable[Interval]) -> float:
    return float(sum(b - a for a, b in intervals))


def segment_truth(segments: Mapping[str, Sequence[Interval]], duration_s: float) -> dict[str, Any]:
    """The metric part of a truth file from ``{"agent": [(start, end), ...], "customer": ...}``."""
    speech = {p: merge(segments.get(p, ())) for p in PARTIES}
    talk = {p: measure(speech[p]) for p in PARTIES}
    both = intersect(speech["agent"], speech["customer"])
    anyone = merge(speech["agent"] + speech["customer"])
    overtalk = measure(both)
    silences = [
        {"start": _r(a[1]), "end": _r(b[0]), "duration_s": _r(b[0] - a[1])}
        for a, b in zip(anyone, anyone[1:], strict=False)
    ]
    interruptions: dict[str, list[dict[str, Any]]] = {p: [] for p in PARTIES}
    for p in PARTIES:
        other = "customer" if p == "agent" else "agent"
        theirs = sorted(segments.get(other, ()))
        starts = [a for a, _ in theirs]
        reach = list(accumulate((b for _, b in theirs), max))  # latest end so far
        for s_start, s_end in sorted(segments.get(p, ())):
            k = bisect_left(starts, s_start) - 1  # their segments that start before ours
            if k < 0 or reach[k] <= s_start:
                continue
            while theirs[k][1] <= s_start:  # the one that covers our start
                k -= 1
            interruptions[p].append(
                {
                    "start": _r(s_start),
                    "overlap_s": _r(min(s_end, theirs[k][1]) - s_start),
                    "interrupted": other,
                }
            )
    ordered = sorted((a, b, p) for p in PARTIES for a, b in segments.get(p, ()))
    turns = sum(1 for i, t in enumerate(ordered) if i == 0 or t[2] != ordered[i - 1][2])
    first = anyone[0][0] if anyone else 0.0
    last = anyone[-1][1] if anyone else 0.0
    pct = (lambda s: _r(100.0 * s / duration_s, 4)) if duration_s > 0 else (lambda s: 0.0)
    non_talk = duration_s - measure(anyone)
    return {
        "duration_s": _r(duration_s),
        "conversation_start_s": _r(first),
        "conversation_end_s": _r(last),
        "conversation_duration_s": _r(last - first),
        "talk_s": {p: _r(talk[p]) for p in PARTIES},
        "talk_pct": {p: pct(talk[p]) for p in PARTIES},
        "overtalk_s": _r(overtalk),
        "overtalk_pct": pct(overtalk),
        "non_talk_s": _r(non_talk),
        "non_talk_pct": pct(non_talk),
        "leading_silence_s": _r(first),
        "trailing_silence_s": _r(duration_s - last),
        "silences": silences,
        "interruptions": interruptions,
        "interruption_counts": {p: len(interruptions[p]) for p in PARTIES},
        "n_turns": turns,
    }


def count_silences(truth: Mapping[str, Any], *, min_s: float) -> int:
    """How many silences of the truth last at least ``min_s`` seconds."""
    return sum(1 for s in truth["silences"] if s["duration_s"] >= min_s)


def _r(x: float, nd: int = 6) -> float:
    return round(float(x), nd)


__all__ = ["count_silences", "intersect", "measure", "merge", "segment_truth"]
