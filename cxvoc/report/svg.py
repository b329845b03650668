"""Small inline SVG charts (no JavaScript, no external resources)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

__all__ = ["PALETTE", "bar_chart", "line_chart", "stacked_bars", "timeline_chart"]

PALETTE = ("#1565c0", "#c62828", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#5d4037")
_FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        if value <= m * exp:
            return m * exp
    return 10 * exp


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}" if abs(v) >= 10 else f"{v:,.2f}"


def _frame(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" {_FONT}><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def _y_axis(x0: int, y0: int, h: int, w: int, lo: float, hi: float, ticks: int = 4) -> list[str]:
    out = []
    for i in range(ticks + 1):
        v = lo + (hi - lo) * i / ticks
        y = y0 + h - h * i / ticks
        out.append(f'<line x1="{x0}" x2="{x0 + w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e0e0e0"/>')
        out.append(
            f'<text x="{x0 - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{_fmt(v)}</text>'
        )
    return out


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    width: int = 560,
    height: int = 240,
    color: str = PALETTE[0],
    colors: Sequence[str] | None = None,
    horizontal: bool = False,
    unit: str = "",
) -> str:
    """Vertical (or horizontal) bars with value labels."""
    if not labels:
        return _frame(width, 40, title, ['<text x="8" y="24">no data</text>'])
    hi = _nice_max(max(values))
    body: list[str] = []
    if horizontal:
        left, right, top = 140, 60, 8
        row = max(14, (height - top * 2) // len(labels))
        height = top * 2 + row * len(labels)
        w = width - left - right
        for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
            y = top + i * row
            bw = w * v / hi
            fill = colors[i] if colors else color
            body.append(
                f'<text x="{left - 6}" y="{y + row * 0.65:.1f}" text-anchor="end">{escape(lab)}</text>'
            )
            body.append(f'<rect x="{left}" y="{y + 2}" width="{bw:.1f}" height="{row - 4}" fill="{fill}">'
                        f"<title>{escape(lab)}: {_fmt(v)}{unit}</title></rect>")  # fmt: skip
            body.append(
                f'<text x="{left + bw + 4:.1f}" y="{y + row * 0.65:.1f}">{_fmt(v)}{unit}</text>'
            )
        return _frame(width, height, title, body)
    left, bottom, top = 48, 36, 10
    w, h = width - left - 10, height - top - bottom
    body += _y_axis(left, top, h, w, 0.0, hi)
    slot = w / len(labels)
    step = max(1, math.ceil(len(labels) / (w / 40)))
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        bh = h * v / hi
        x = left + i * slot
        fill = colors[i] if colors else color
        body.append(f'<rect x="{x + slot * 0.1:.1f}" y="{top + h - bh:.1f}" width="{slot * 0.8:.1f}" '
                    f'height="{bh:.1f}" fill="{fill}"><title>{escape(lab)}: {_fmt(v)}{unit}</title></rect>')  # fmt: skip
        if i % step == 0:
            body.append(
                f'<text x="{x + slot / 2:.1f}" y="{top + h + 14}" text-anchor="middle">{escape(lab)}</text>'
            )
    return _frame(width, height, title, body)


def line_chart(
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    width: int = 560,
    height: int = 240,
    y_range: tuple[float, float] | None = None,
    unit: str = "",
) -> str:
    """One polyline per series over shared x labels, with a legend; None leaves a gap."""
    if not x_labels or not series:
        return _frame(width, 40, title, ['<text x="8" y="24">no data</text>'])
    left, bottom, top, legend = 48, 36, 10, 110
    w, h = width - left - legend, height - top - bottom
    vals = [v for s in series.values() for v in s if v is not None]
    if y_range is None:
        lo = min(0.0, min(vals, default=0.0))
        hi = _nice_max(max(vals, default=1.0)) if lo >= 0 else max(abs(lo), max(vals, default=1.0))
        lo = -_nice_max(-lo) if lo < 0 else 0.0
        hi = _nice_max(hi) if hi > 0 else 1.0
    else:
        lo, hi = y_range
    span = hi - lo or 1.0
    body = _y_axis(left, top, h, w, lo, hi)
    n = len(x_labels)
    dx = w / max(1, n - 1)
    step = max(1, math.ceil(n / (w / 60)))
    for i, lab in enumerate(x_labels):
        if i % step == 0:
            body.append(
                f'<text x="{left + i * dx:.1f}" y="{top + h + 14}" text-anchor="middle">{escape(lab)}</text>'
            )
    for k, (name, ys) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        pts = [
            (left + i * dx, top + h - h * (y - lo) / span)
            for i, y in enumerate(ys)
            if y is not None
        ]
        if pts:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            body.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="1.8">'
                        f"<title>{escape(name)}</title></polyline>")  # fmt: skip
        ly = top + 12 + k * 16
        body.append(
            f'<rect x="{width - legend + 8}" y="{ly - 9}" width="10" height="10" fill="{color}"/>'
        )
        body.append(f'<text x="{width - legend + 22}" y="{ly}">{escape(name)}</text>')
    return _frame(width, height, title + (f" ({unit})" if unit else ""), body)


def stacked_bars(
    labels: Sequence[str],
    parts: Mapping[str, Sequence[float]],
    *,
    title: str,
    width: int = 560,
    colors: Sequence[str] = ("#1565c0", "#2e7d32", "#bdbdbd", "#ef6c00"),
) -> str:
    """Horizontal 100% stacked bars (e.g. agent / customer / silence shares)."""
    if not labels:
        return _frame(width, 40, title, ['<text x="8" y="24">no data</text>'])
    left, top, row, legend_h = 90, 22, 16, 0
    height = top + row * len(labels) + 8 + legend_h
    w = width - left - 10
    body = []
    for k, name in enumerate(parts):
        body.append(
            f'<rect x="{left + k * 130}" y="4" width="10" height="10" fill="{colors[k % len(colors)]}"/>'
        )
        body.append(f'<text x="{left + k * 130 + 14}" y="13">{escape(name)}</text>')
    names = list(parts)
    for i, lab in enumerate(labels):
        y = top + i * row
        total = sum(parts[n][i] for n in names) or 1.0
        x = float(left)
        body.append(
            f'<text x="{left - 6}" y="{y + row * 0.7:.1f}" text-anchor="end">{escape(lab)}</text>'
        )
        for k, n in enumerate(names):
            bw = w * parts[n][i] / total
            body.append(f'<rect x="{x:.1f}" y="{y + 1}" width="{bw:.1f}" height="{row - 2}" '
                        f'fill="{colors[k % len(colors)]}"><title>{escape(lab)} {escape(n)}: '
                        f"{parts[n][i]:.1f}%</title></rect>")  # fmt: skip
            x += bw
    return _frame(width, height, title, body)


def timeline_chart(
    segments: Sequence[Mapping[str, float]],
    *,
    title: str,
    width: int = 560,
    height: int = 220,
    events: Sequence[Mapping[str, float]] = (),
) -> str:
    """Arousal (0–1) and valence (−1–1) per segment over call time; escalation events shaded."""
    if not segments:
        return _frame(width, 40, title, ['<text x="8" y="24">no timeline</text>'])
    left, bottom, top, legend = 48, 36, 10, 110
    w, h = width - left - legend, height - top - bottom
    t_end = max(float(s["end_s"]) for s in segments) or 1.0
    body = _y_axis(left, top, h, w, -1.0, 1.0)

    def sx(t: float) -> float:
        return left + w * t / t_end

    def sy(v: float) -> float:
        return top + h - h * (v + 1.0) / 2.0

    for ev in events:
        x0, x1 = sx(float(ev["start_s"])), sx(float(ev["end_s"]))
        body.append(f'<rect x="{x0:.1f}" y="{top}" width="{max(1.0, x1 - x0):.1f}" height="{h}" '
                    f'fill="#c62828" opacity="0.15"><title>escalation {ev["start_s"]}–{ev["end_s"]} s</title></rect>')  # fmt: skip
    for k, (key, color) in enumerate((("arousal", "#ef6c00"), ("valence", "#1565c0"))):
        pts = []
        for s in segments:
            v = float(s.get(key, 0.0))
            pts += [(sx(float(s["start_s"])), sy(v)), (sx(float(s["end_s"])), sy(v))]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        body.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        ly = top + 12 + k * 16
        body.append(
            f'<rect x="{width - legend + 8}" y="{ly - 9}" width="10" height="10" fill="{color}"/>'
        )
        body.append(f'<text x="{width - legend + 22}" y="{ly}">{key}</text>')
    for i in range(5):
        t = t_end * i / 4
        body.append(
            f'<text x="{sx(t):.1f}" y="{top + h + 14}" text-anchor="middle">{t:.0f} s</text>'
        )
    return _frame(width, height, title, body)
