"""Small inline SVG charts (no JavaScript, no external resources).

Every chart marks its plot area (``rect.plot``) and its data marks (``.series``) so that a
browser test can check that no mark leaves the plot area and no label overlaps another.
Axes of counts have whole-number ticks; a ``None`` value is a gap, never a zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

__all__ = [
    "PALETTE",
    "bar_chart",
    "hbar_chart",
    "line_chart",
    "nice_ticks",
    "stacked_shares",
    "timeline_chart",
]

PALETTE = ("#1565c0", "#c62828", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#5d4037")
SENTIMENT_COLORS = ("#2e7d32", "#bdbdbd", "#c62828")  # positive, neutral, negative
_FONT = 'font-family="Noto Sans, DejaVu Sans, system-ui, sans-serif" font-size="11"'
_CHAR_W = 6.4  # average advance of an 11 px sans-serif character, for laying out labels


def nice_ticks(lo: float, hi: float, *, count: int = 4, integer: bool = False) -> list[float]:
    """Ticks at a round step (1, 2, 2.5, 5 × 10^k; whole numbers when ``integer``) covering
    [lo, hi]."""
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / count
    exp = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    step = next(m * exp for m in steps if m * exp >= raw)
    if integer:
        step = max(1.0, round(step))
    start = math.floor(lo / step + 1e-9) * step
    stop = math.ceil(hi / step - 1e-9) * step
    n = int(round((stop - start) / step))
    return [start + i * step for i in range(n + 1)]


def _fmt(v: float, integer: bool = False) -> str:
    if integer or float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:,.1f}" if abs(v) >= 10 else f"{v:,.2f}".rstrip("0")


def _frame(width: int, height: int, title: str, body: list[str], cls: str = "chart") -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{cls}" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" {_FONT}><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def _empty(width: int, title: str, text: str) -> str:
    return _frame(width, 40, title, [f'<text x="8" y="24" fill="#777">{escape(text)}</text>'])


def _plot(x: float, y: float, w: float, h: float) -> str:
    return (
        f'<rect class="plot" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="none"/>'
    )


def _y_axis(
    x0: float, y0: float, h: float, w: float, ticks: Sequence[float], unit: str, integer: bool
) -> list[str]:
    lo, hi = ticks[0], ticks[-1]
    out = []
    for v in ticks:
        y = y0 + h - h * (v - lo) / (hi - lo)
        out.append(
            f'<line x1="{x0}" x2="{x0 + w:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e0e0e0"/>'
        )
        out.append(f'<text class="tick" x="{x0 - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#555">'
                   f"{_fmt(v, integer)}{unit}</text>")  # fmt: skip
    return out


def _x_labels(labels: Sequence[str], xs: Sequence[float], y: float, room: float) -> list[str]:
    """Every k-th label so that none overlaps its neighbour (``room`` px per label)."""
    if not labels:
        return []
    widest = max(len(s) for s in labels) * _CHAR_W + 6
    step = max(1, math.ceil(widest / max(room, 1e-6)))
    return [f'<text class="xlab" x="{x:.1f}" y="{y:.1f}" text-anchor="middle">{escape(s)}</text>'
            for i, (s, x) in enumerate(zip(labels, xs, strict=True)) if i % step == 0]  # fmt: skip


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    width: int = 560,
    height: int = 240,
    color: str = PALETTE[0],
    unit: str = "",
    integer: bool = False,
    y_max: float | None = None,
    notes: Sequence[str] | None = None,
    faint: Sequence[bool] | None = None,
    empty_text: str = "no data",
) -> str:
    """Vertical bars; ``None`` is a gap (marked with a small dash); ``notes`` are drawn above
    the bars (e.g. "3/12") where there is room; ``faint`` bars are drawn light."""
    if not labels or all(v is None for v in values):
        return _empty(width, title, empty_text)
    vals = [v for v in values if v is not None]
    ticks = nice_ticks(0.0, max(y_max or 0.0, max(vals), 1.0 if integer else 1e-9), integer=integer)
    left = 14 + max(len(_fmt(t, integer) + unit) for t in ticks) * _CHAR_W
    top, bottom = 18, 34
    w, h = width - left - 8, height - top - bottom
    hi = ticks[-1]
    body = [_plot(left, top, w, h), *_y_axis(left, top, h, w, ticks, unit, integer)]
    slot = w / len(labels)
    note_room = notes is not None and max(len(n) for n in notes) * _CHAR_W + 2 <= slot
    for i, v in enumerate(values):
        x = left + i * slot
        if v is None:
            body.append(f'<line x1="{x + slot * 0.3:.1f}" x2="{x + slot * 0.7:.1f}" y1="{top + h - 1:.1f}" '
                        f'y2="{top + h - 1:.1f}" stroke="#9e9e9e"/>')  # fmt: skip
            continue
        bh = h * v / hi
        opacity = ' opacity="0.35"' if faint and faint[i] else ""
        tip = f"{labels[i]}: {_fmt(v, integer)}{unit}" + (f" ({notes[i]})" if notes else "")
        body.append(f'<rect class="series" x="{x + slot * 0.1:.1f}" y="{top + h - bh:.1f}" width="{slot * 0.8:.1f}" '
                    f'height="{bh:.1f}" fill="{color}"{opacity}><title>{escape(tip)}</title></rect>')  # fmt: skip
        if note_room and notes:
            ny = max(top + h - bh - 3, top - 4)
            body.append(f'<text class="note" x="{x + slot / 2:.1f}" y="{ny:.1f}" text-anchor="middle" '
                        f'font-size="10" fill="#444">{escape(notes[i])}</text>')  # fmt: skip
    body += _x_labels(
        labels, [left + (i + 0.5) * slot for i in range(len(labels))], top + h + 19, slot
    )
    return _frame(width, height, title, body)


def hbar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    notes: Sequence[str],
    width: int = 560,
    colors: Sequence[str] | None = None,
    row: int = 20,
) -> str:
    """Horizontal bars with a label column wide enough for the longest label."""
    if not labels:
        return _empty(width, title, "–")
    note_w = max(len(n) for n in notes) * _CHAR_W + 8
    left = min(width * 0.4, 10 + max(len(s) for s in labels) * _CHAR_W)
    top = 6
    height = top * 2 + row * len(labels)
    w = width - left - note_w
    hi = max(max(values), 1e-9)
    body = [_plot(left, top, w, row * len(labels))]
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row
        bw = w * v / hi
        fill = colors[i % len(colors)] if colors else PALETTE[0]
        shown = (
            lab if len(lab) * _CHAR_W <= left - 10 else lab[: int((left - 10) / _CHAR_W) - 1] + "…"
        )
        body.append(f'<text class="ylab" x="{left - 6:.1f}" y="{y + row * 0.68:.1f}" text-anchor="end">'
                    f"<title>{escape(lab)}</title>{escape(shown)}</text>")  # fmt: skip
        body.append(f'<rect class="series" x="{left:.1f}" y="{y + 3}" width="{bw:.1f}" height="{row - 6}" '
                    f'fill="{fill}"><title>{escape(lab)}: {escape(notes[i])}</title></rect>')  # fmt: skip
        body.append(
            f'<text class="note" x="{left + bw + 4:.1f}" y="{y + row * 0.68:.1f}">{escape(notes[i])}</text>'
        )
    return _frame(width, height, title, body)


def stacked_shares(
    labels: Sequence[str],
    parts: Mapping[str, Sequence[int]],
    *,
    title: str,
    width: int = 560,
    colors: Sequence[str] = SENTIMENT_COLORS,
    row: int = 22,
) -> str:
    """Horizontal 100 % stacked bars of counts (e.g. positive / neutral / negative per brand),
    each row with its total ``n`` and each part's share and count in its tooltip."""
    if not labels:
        return _empty(width, title, "–")
    names = list(parts)
    totals = [sum(parts[n][i] for n in names) for i in range(len(labels))]
    note_w = max(len(f"n = {t:,}") for t in totals) * _CHAR_W + 10
    left = min(width * 0.35, 10 + max(len(s) for s in labels) * _CHAR_W)
    top = 24
    height = top + row * len(labels) + 6
    w = width - left - note_w
    body = [_plot(left, top, w, row * len(labels))]
    x = left
    for k, name in enumerate(names):
        body.append(
            f'<rect x="{x:.1f}" y="5" width="10" height="10" fill="{colors[k % len(colors)]}"/>'
        )
        body.append(f'<text class="legend" x="{x + 14:.1f}" y="14">{escape(name)}</text>')
        x += 24 + len(name) * _CHAR_W
    for i, lab in enumerate(labels):
        y = top + i * row
        total = totals[i] or 1
        shown = (
            lab if len(lab) * _CHAR_W <= left - 10 else lab[: int((left - 10) / _CHAR_W) - 1] + "…"
        )
        body.append(f'<text class="ylab" x="{left - 6:.1f}" y="{y + row * 0.68:.1f}" text-anchor="end">'
                    f"<title>{escape(lab)}</title>{escape(shown)}</text>")  # fmt: skip
        x = left
        for k, n in enumerate(names):
            c = parts[n][i]
            bw = w * c / total
            share = 100.0 * c / total
            body.append(f'<rect class="series" x="{x:.1f}" y="{y + 3}" width="{bw:.1f}" height="{row - 6}" '
                        f'fill="{colors[k % len(colors)]}"><title>{escape(lab)} – {escape(n)}: {share:.0f} % '
                        f"({c:,})</title></rect>")  # fmt: skip
            if bw >= 34:
                fill = "#fff" if k != 1 else "#222"
                body.append(f'<text class="inbar" x="{x + bw / 2:.1f}" y="{y + row * 0.68:.1f}" text-anchor="middle" '
                            f'font-size="10" fill="{fill}">{share:.0f}%</text>')  # fmt: skip
            x += bw
        body.append(
            f'<text class="note" x="{left + w + 6:.1f}" y="{y + row * 0.68:.1f}">n = {totals[i]:,}</text>'
        )
    return _frame(width, height, title, body)


def line_chart(
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    width: int = 560,
    height: int = 250,
    y_range: tuple[float, float] | None = None,
    unit: str = "",
    integer: bool = False,
    markers: Sequence[tuple[str, int, str]] = (),
    empty_text: str = "no data",
) -> str:
    """One line per series over shared x labels, with a legend; ``None`` leaves a gap.

    ``markers``: (series, x index, tooltip) drawn as a triangle on the series' point.
    """
    vals = [v for s in series.values() for v in s if v is not None]
    if not x_labels or not vals:
        return _empty(width, title, empty_text)
    lo, hi = y_range if y_range is not None else (min(0.0, min(vals)), max(vals))
    ticks = nice_ticks(lo, hi, integer=integer)
    lo, hi = ticks[0], ticks[-1]
    legend_w = min(150.0, 26 + max(len(n) for n in series) * _CHAR_W)
    left = 14 + max(len(_fmt(t, integer) + unit) for t in ticks) * _CHAR_W
    top, bottom = 12, 34
    w, h = width - left - legend_w - 8, height - top - bottom
    body = [_plot(left, top, w, h), *_y_axis(left, top, h, w, ticks, unit, integer)]
    n = len(x_labels)
    dx = w / max(1, n - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return (left + (i * dx if n > 1 else w / 2), top + h - h * (v - lo) / (hi - lo))

    names = list(series)
    for k, name in enumerate(names):
        color = PALETTE[k % len(PALETTE)]
        run: list[tuple[float, float]] = []
        runs = []
        for i, v in enumerate(series[name]):
            if v is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append(xy(i, v))
        if run:
            runs.append(run)
        for r in runs:
            if len(r) == 1:
                body.append(
                    f'<circle class="series" cx="{r[0][0]:.1f}" cy="{r[0][1]:.1f}" r="2" fill="{color}"/>'
                )
            else:
                pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in r)
                body.append(f'<polyline class="series" points="{pts}" fill="none" stroke="{color}" '
                            f'stroke-width="1.6"><title>{escape(name)}</title></polyline>')  # fmt: skip
        ly = top + 10 + k * 16
        label = (
            name
            if len(name) * _CHAR_W <= legend_w - 26
            else name[: int((legend_w - 26) / _CHAR_W) - 1] + "…"
        )
        body.append(
            f'<rect x="{width - legend_w:.1f}" y="{ly - 9}" width="10" height="10" fill="{color}"/>'
        )
        body.append(f'<text class="legend" x="{width - legend_w + 14:.1f}" y="{ly}"><title>{escape(name)}</title>'
                    f"{escape(label)}</text>")  # fmt: skip
    for name, i, tip in markers:
        if name not in series or not 0 <= i < n or series[name][i] is None:
            continue
        x, y = xy(i, float(series[name][i]))  # type: ignore[arg-type]
        color = PALETTE[names.index(name) % len(PALETTE)]
        y = max(y, top + 7)
        body.append(f'<path class="series marker" d="M{x:.1f},{y - 7:.1f} l-5,9 h10 z" fill="{color}" '
                    f'stroke="#000" stroke-width="0.6"><title>{escape(tip)}</title></path>')  # fmt: skip
    body += _x_labels(
        list(x_labels), [xy(i, lo)[0] for i in range(n)], top + h + 19, dx if n > 1 else w
    )
    return _frame(width, height, title + (f" ({unit})" if unit else ""), body)


def timeline_chart(
    segments: Sequence[Mapping[str, float | None]],
    *,
    title: str,
    names: tuple[str, str] = ("arousal", "valence"),
    threshold: float | None = None,
    threshold_label: str = "threshold",
    events: Sequence[Mapping[str, float]] = (),
    event_label: str = "escalation",
    width: int = 560,
    height: int = 240,
    seconds: str = "s",
) -> str:
    """Customer arousal and valence per segment over call time, with the escalation threshold
    as a labelled dashed line and the escalation events shaded and labelled. The y-axis covers
    the data and the threshold (arousal is relative to the caller's baseline and can pass 1)."""
    if not segments:
        return _empty(width, title, "–")
    keys = ("arousal", "valence")
    vals = [float(v) for s in segments for k in keys if (v := s.get(k)) is not None]
    lo = min([-1.0, *vals])
    hi = max([1.0, *vals, *([threshold] if threshold is not None else [])])
    ticks = nice_ticks(lo, hi, count=6)
    lo, hi = ticks[0], ticks[-1]
    legend_w = 20 + max(len(n) for n in names) * _CHAR_W
    left, top, bottom = 14 + max(len(_fmt(t)) for t in ticks) * _CHAR_W, 18, 34
    w, h = width - left - legend_w - 8, height - top - bottom
    t_end = max(float(s["end_s"] or 0.0) for s in segments) or 1.0
    body = [_plot(left, top, w, h), *_y_axis(left, top, h, w, ticks, "", False)]

    def sx(t: float) -> float:
        return left + w * min(max(t, 0.0), t_end) / t_end

    def sy(v: float) -> float:
        return top + h - h * (v - lo) / (hi - lo)

    for j, ev in enumerate(events):
        x0, x1 = sx(float(ev["start_s"])), sx(float(ev["end_s"]))
        body.append(f'<rect class="series" x="{x0:.1f}" y="{top}" width="{max(1.0, x1 - x0):.1f}" height="{h:.1f}" '
                    f'fill="#c62828" opacity="0.15"><title>{escape(event_label)} {float(ev["start_s"]):.0f}–'
                    f'{float(ev["end_s"]):.0f} {seconds}</title></rect>')  # fmt: skip
        if j == 0:
            body.append(f'<text class="note" x="{min(x0 + 2, left + w - len(event_label) * _CHAR_W):.1f}" '
                        f'y="{top - 5}" fill="#c62828">{escape(event_label)}</text>')  # fmt: skip
    if threshold is not None:
        y = sy(threshold)
        body.append(f'<line class="series" x1="{left:.1f}" x2="{left + w:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="#c62828" stroke-dasharray="5 3"/>')  # fmt: skip
        body.append(f'<text class="note" x="{left + w - 4:.1f}" y="{y - 4:.1f}" text-anchor="end" '
                    f'fill="#c62828" font-size="10">{escape(threshold_label)}</text>')  # fmt: skip
    for k, (key, color) in enumerate(zip(keys, ("#ef6c00", "#1565c0"), strict=True)):
        pts = []
        for s in segments:
            v = s.get(key)
            if v is None:
                continue
            pts += [
                (sx(float(s["start_s"] or 0.0)), sy(float(v))),
                (sx(float(s["end_s"] or 0.0)), sy(float(v))),
            ]
        if pts:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            body.append(
                f'<polyline class="series" points="{path}" fill="none" stroke="{color}" stroke-width="2"/>'
            )
        ly = top + 10 + k * 16
        body.append(
            f'<rect x="{width - legend_w:.1f}" y="{ly - 9}" width="10" height="10" fill="{color}"/>'
        )
        body.append(
            f'<text class="legend" x="{width - legend_w + 14:.1f}" y="{ly}">{escape(names[k])}</text>'
        )
    tt = nice_ticks(0.0, t_end, count=6, integer=True)
    tt = [t for t in tt if t <= t_end + 1e-9]
    body += _x_labels(
        [f"{t:.0f} {seconds}" for t in tt], [sx(t) for t in tt], top + h + 19, w / max(1, len(tt))
    )
    return _frame(width, height, title, body)
