"""Assemble the one-file HTML report (inline CSS, inline SVG, a few lines of inline JS)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import pyarrow as pa

from .._version import __version__
from ..cemi import (
    BAND_COLORS,
    CemiConfig,
    CemiResult,
    KpiValues,
    PainPoint,
    compute_cemi,
    load_config,
    pain_points,
)
from ..kpi import records_arrow
from ..spikes import SpikeAlert, SpikeParams, detect_spikes
from ..store import Store
from . import svg
from .data import ReportData, gather

log = logging.getLogger(__name__)

__all__ = ["ReportSummary", "build_report", "render_html"]


@dataclass(frozen=True)
class ReportSummary:
    """What :func:`build_report` wrote."""

    path: str
    bytes: int
    records: int
    period: str | None
    pain_points: int
    spike_alerts: int
    seconds: float

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


def build_report(
    source: Store | pa.Table,
    out: str | Path,
    *,
    config: CemiConfig | None = None,
    kpi_values: KpiValues | None = None,
    period: str | None = None,
    spike_params: SpikeParams | None = None,
    title: str = "Customer experience report",
) -> ReportSummary:
    """Write the report of a store (or an Arrow table of records) to ``out``.

    CEMI uses ``config`` (default: the bundled telecom journey) with KPI values from the records,
    overlaid by ``kpi_values`` where given, for ``period`` (default: the latest month with data).
    """
    t0 = time.perf_counter()
    table = records_arrow(source)
    data = gather(table)
    config = config or load_config()
    values = KpiValues.from_records(table)
    if kpi_values is not None:
        values = values.merged(kpi_values)
    periods = values.periods()
    period = period or (periods[-1] if periods else None)
    cemi = compute_cemi(config, values, period=period) if period and values.units(period) else None
    previous = _previous(periods, period)
    prev = compute_cemi(config, values, period=previous, network=False) if previous else None
    pains = pain_points(cemi, previous=prev, top=15) if cemi else ()
    alerts = detect_spikes(table, spike_params)
    html = render_html(data, cemi=cemi, pains=pains, alerts=alerts, title=title)
    path = Path(out)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    summary = ReportSummary(path=str(path), bytes=path.stat().st_size, records=data.total, period=period,
                            pain_points=len(pains), spike_alerts=len(alerts),
                            seconds=time.perf_counter() - t0)  # fmt: skip
    log.info(
        "report %s: %d bytes, %d records, %.2f s",
        path,
        summary.bytes,
        summary.records,
        summary.seconds,
    )
    return summary


def _previous(periods: Sequence[str], period: str | None) -> str | None:
    if period is None or period not in periods:
        return None
    i = list(periods).index(period)
    return periods[i - 1] if i > 0 else None


_CSS = """
body{font-family:system-ui,sans-serif;margin:0;background:#f5f6f8;color:#222}
header{background:#0d47a1;color:#fff;padding:14px 24px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;opacity:.85;font-size:13px}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(600px,1fr));gap:16px;padding:16px}
section{background:#fff;border-radius:6px;padding:12px 16px;box-shadow:0 1px 2px rgba(0,0,0,.12)}
section.wide{grid-column:1/-1}h2{font-size:16px;margin:0 0 8px}
table{border-collapse:collapse;font-size:12px;width:100%}th,td{padding:3px 6px;border-bottom:1px solid #eee;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;min-width:64px;padding:1px 6px;border-radius:3px;color:#fff;font-size:12px;margin-right:6px;text-align:center}
details{margin-left:14px}summary{cursor:pointer;padding:1px 0}.kpis{margin-left:30px;font-size:12px;color:#444}
.muted{color:#777;font-size:12px}button{font-size:12px;margin:0 6px 8px 0}
"""

_JS = """
(function(){
  var tree=document.getElementById('cemi-tree');
  document.querySelectorAll('button[data-open]').forEach(function(b){
    b.addEventListener('click',function(){
      var open=b.getAttribute('data-open')==='1';
      tree.querySelectorAll('details').forEach(function(d){d.open=open;});
    });
  });
  document.body.setAttribute('data-ready','1');
})();
"""


def _badge(score: float | None, band: str | None) -> str:
    if score is None or band is None:
        return '<span class="badge" style="background:#9e9e9e">no data</span>'
    return f'<span class="badge" style="background:{BAND_COLORS[band]}">{score:.2f} {band}</span>'


def _tree(result: CemiResult) -> str:
    out = [
        '<div id="cemi-tree"><button data-open="1">expand all</button><button data-open="0">collapse all</button>'
    ]
    units = list(result.units) + ([result.network] if result.network else [])
    for u in units:
        out.append(
            f"<details open><summary>{_badge(u.score, u.band)}<b>{escape(u.unit)}</b></summary>"
        )
        for s in u.services:
            out.append(f"<details><summary>{_badge(s.score, s.band)}{escape(s.name)} "
                       f'<span class="muted">weight {s.effective_weight:.2f}</span></summary>')  # fmt: skip
            for t in s.touchpoints:
                kp = "; ".join(
                    f"{escape(k.kpi)} {k.value:.1f} → {k.points:.2f} pts (w {k.effective_weight:.2f})"
                    if k.points is not None and k.value is not None
                    else f"{escape(k.kpi)} {k.status}"
                    for k in t.kpis
                )
                out.append(f"<details><summary>{_badge(t.score, t.band)}{t.touchpoint}. {escape(t.name)}"
                           f' <span class="muted">{escape(t.stage)}</span></summary><div class="kpis">{kp}</div></details>')  # fmt: skip
            out.append("</details>")
        out.append("</details>")
    out.append("</div>")
    return "".join(out)


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[int] = ()
) -> str:
    if not rows:
        return '<p class="muted">none</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for r in rows:
        cells = "".join(f'<td class="n">{escape(str(c))}</td>' if i in numeric else f"<td>{escape(str(c))}</td>"
                        for i, c in enumerate(r))  # fmt: skip
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _section(title: str, body: str, *, wide: bool = False, sid: str = "") -> str:
    cls = ' class="wide"' if wide else ""
    return f'<section id="{sid}"{cls}><h2>{escape(title)}</h2>{body}</section>'


def render_html(
    data: ReportData,
    *,
    cemi: CemiResult | None,
    pains: Sequence[PainPoint],
    alerts: Sequence[SpikeAlert],
    title: str = "Customer experience report",
) -> str:
    """The report page as one self-contained HTML string."""
    sections = []
    sections.append(_section("QA score distribution", svg.bar_chart(
        [b for b, _ in data.qa_bins], [float(n) for _, n in data.qa_bins], title="calls per QA score band"),
        sid="qa"))  # fmt: skip
    esc = data.escalation_by_day
    sections.append(_section("Escalation rate by day", svg.bar_chart(
        [d[5:] for d, _, _ in esc], [100.0 * e / n if n else 0.0 for _, n, e in esc],
        title="% of calls with a customer escalation", color="#c62828", unit="%"), sid="escalation"))  # fmt: skip
    ag = data.agents
    sections.append(_section("Talk and silence shares by agent", svg.stacked_bars(
        [a[:8] for a, *_ in ag],
        {"agent talk": [t for _, _, t, _, _ in ag], "customer talk": [c for _, _, _, c, _ in ag],
         "silence": [s for *_, s in ag]},
        title="mean share of call time per agent (top agents by calls)"), sid="agents"))  # fmt: skip
    sections.append(
        _section("One call's emotion timeline", _timeline(data.timeline_call), sid="timeline")
    )
    days = [d[5:] for d in data.brand_days]
    sections.append(_section("Mentions per brand", svg.line_chart(
        days, data.mentions, title="mentions per day"), sid="mentions"))  # fmt: skip
    sections.append(_section("Net sentiment per brand", svg.line_chart(
        days, data.net_sentiment, title="net sentiment per day", y_range=(-100.0, 100.0)), sid="net-sentiment"))  # fmt: skip
    total = sum(n for _, n in data.share_of_voice) or 1
    sections.append(_section("Share of voice", svg.bar_chart(
        [b for b, _ in data.share_of_voice], [100.0 * n / total for _, n in data.share_of_voice],
        title="share of social mentions", horizontal=True, unit="%",
        colors=[svg.PALETTE[i % len(svg.PALETTE)] for i in range(len(data.share_of_voice))]), sid="sov"))  # fmt: skip
    if cemi is not None:
        legend = " ".join(
            f'<span class="badge" style="background:{c}">{b}</span>' for b, c in BAND_COLORS.items()
        )
        sections.append(
            _section(f"CEMI {cemi.period}", f"<p>{legend}</p>{_tree(cemi)}", wide=True, sid="cemi")
        )
    else:
        sections.append(
            _section(
                "CEMI", '<p class="muted">no KPI values with a unit in the records</p>', sid="cemi"
            )
        )
    sections.append(_section("Top pain points", _table(
        ["unit", "service", "touchpoint", "KPI", "below", "points", "reference", "weight", "weighted gap"],
        [(p.unit, p.service, f"{p.touchpoint}. {p.touchpoint_name}", p.kpi or "(touchpoint)", p.basis,
          f"{p.points:.2f}", f"{p.reference_points:.2f}", f"{p.weight:.4f}", f"{p.weighted_gap:.4f}") for p in pains],
        numeric=(5, 6, 7, 8)), wide=True, sid="pain-points"))  # fmt: skip
    sections.append(_section("Spike alerts", _table(
        ["brand", "metric", "from", "observed", "expected", "count", "test", "statistic", "p-value"],
        [(a.brand, a.metric, a.bucket_start.isoformat(), f"{a.observed:.3g}", f"{a.expected:.3g}", a.count,
          a.test, f"{a.statistic:.2f}", f"{a.p_value:.2e}") for a in alerts[:50]],
        numeric=(3, 4, 5, 7, 8)), wide=True, sid="spikes"))  # fmt: skip
    sources = ", ".join(f"{s}: {n:,}" for s, n in data.by_source)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><p>{data.total:,} records ({escape(sources)}), "
        f"{escape(data.first_day or '–')} … {escape(data.last_day or '–')}; generated {stamp} by cxkit "
        f"{escape(__version__)}</p></header><main>{''.join(sections)}</main>"
        f"<script>{_JS}</script></body></html>"
    )


def _timeline(call: dict[str, Any] | None) -> str:
    if call is None:
        return '<p class="muted">no call with emotion in the store</p>'
    emotion = call.get("emotion") or {}
    segments = emotion.get("timeline") or []
    head = f'<p class="muted">call {escape(str(call["record_id"]))}, {escape(str(call["occurred_at"]))}</p>'
    if not segments:
        return head + '<p class="muted">this call has no per-segment emotion timeline</p>'
    return head + svg.timeline_chart(segments, title="customer arousal and valence",
                                     events=emotion.get("escalation_events") or [])  # fmt: skip
