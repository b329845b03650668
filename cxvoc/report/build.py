"""Assemble the one-file HTML report: a jinja2 page (autoescaped: it shows scraped text) with
inline CSS, inline SVG charts and a few lines of inline JS; no external resource."""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import pyarrow as pa
from markupsafe import Markup

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
from ..errors import ConfigError
from ..kpi import kpi_records, kpi_table, previous_period, records_arrow
from ..spikes import SpikeAlert, SpikeParams, detect_spikes
from ..store import Store
from . import svg
from .data import MIN_DAILY_CALLS, MIN_ROLLING_MENTIONS, ReportData, gather
from .labels import Labels

log = logging.getLogger(__name__)

__all__ = ["KpiTile", "ReportSummary", "build_report", "read_agents_map", "render_html"]

TILE_KPIS = (
    "csat",
    "nps",
    "ces",
    "ttr",
    "net_sentiment",
    "escalation_rate",
    "qa_pass_rate",
    "churn",
)
_TILE_UNITS = {"csat": " %", "nps": "", "ces": "", "ttr": " h", "net_sentiment": "", "escalation_rate": " %",
               "qa_pass_rate": " %", "churn": " %"}  # fmt: skip
_LOWER_IS_BETTER = {"ces", "ttr", "escalation_rate", "churn"}


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


@dataclass(frozen=True)
class KpiTile:
    """A KPI of the period, network-wide: value, records behind it, and the previous period's."""

    kpi: str
    value: float | None
    n: int
    previous: float | None
    previous_n: int

    @property
    def change(self) -> float | None:
        return None if self.value is None or self.previous is None else self.value - self.previous


def read_agents_map(path: str | Path) -> dict[str, str]:
    """A CSV file with the columns ``agent_ref`` (the pseudonym in the records) and ``name``."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise ConfigError(f"agents map {str(path)!r}: cannot read: {exc.strerror or exc}") from None
    if rows and not {"agent_ref", "name"} <= set(rows[0]):
        raise ConfigError(f"agents map {str(path)!r}: needs the columns agent_ref and name "
                          f"(found: {', '.join(rows[0])})")  # fmt: skip
    return {r["agent_ref"].strip(): r["name"].strip() for r in rows if r.get("agent_ref")}


def _tiles(table: pa.Table, period: str | None) -> list[KpiTile]:
    if period is None:
        return []
    prev = previous_period(period, strict=False)
    rows = kpi_table(table, by=("period",), kpis=list(TILE_KPIS), touchpoints=None).to_pylist()
    got = {(r["period"], r["kpi"]): r for r in rows}

    def pick(p: str | None, k: str) -> tuple[float | None, int]:
        r = got.get((p, k))
        return (None, 0) if r is None else (r["value"], int(r["denominator"] or 0))

    tiles = []
    for k in TILE_KPIS:
        v, n = pick(period, k)
        pv, pn = pick(prev, k)
        if k == "churn" and v is None and pv is None:
            continue  # no ticket data at all: not a KPI of this store
        tiles.append(KpiTile(k, v, n, pv, pn))
    return tiles


def build_report(
    source: Store | pa.Table,
    out: str | Path,
    *,
    config: CemiConfig | None = None,
    kpi_values: KpiValues | None = None,
    period: str | None = None,
    spike_params: SpikeParams | None = None,
    title: str | None = None,
    lang: str = "vi",
    agents_map: Mapping[str, str] | None = None,
    brands: Sequence[str] | None = None,
) -> ReportSummary:
    """Write the report of a store (or an Arrow table of records) to ``out``.

    CEMI uses ``config`` (default: the bundled telecom journey) with KPI values from the records,
    overlaid by ``kpi_values`` where given, for ``period`` (default: the latest month with data),
    compared with the calendar month before (:func:`cxvoc.kpi.previous_period`). ``lang``:
    ``vi`` or ``en``; ``agents_map``: agent pseudonym -> name; ``brands``: shown first.
    """
    t0 = time.perf_counter()
    labels = Labels(lang)
    table = records_arrow(source)
    data = gather(table, brands=list(brands) if brands else None)
    config = config or load_config()
    slim = kpi_records(table)  # read by the CEMI values and the KPI tiles
    values = KpiValues.from_records(slim, touchpoints=config.record_touchpoints, slim=True)
    if kpi_values is not None:
        values = values.merged(kpi_values)
    periods = values.periods()
    period = period or (periods[-1] if periods else None)
    cemi = compute_cemi(config, values, period=period) if period and values.units(period) else None
    if cemi is None and period and (period in periods):
        cemi = compute_cemi(config, values, period=period, units=[], network=True)
    previous = previous_period(period, strict=False) if period else None
    prev = (compute_cemi(config, values, period=previous, network=False)
            if previous in periods and values.units(previous) else None)  # fmt: skip
    pains = pain_points(cemi, previous=prev, top=15) if cemi else ()
    alerts = detect_spikes(table, spike_params)
    html = render_html(data, cemi=cemi, pains=pains, alerts=alerts, tiles=_tiles(slim, period),
                       config=config, labels=labels, agents_map=agents_map, title=title,
                       period=period, previous=previous)  # fmt: skip
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


# -- the page ----------------------------------------------------------------------------------
_ENV = jinja2.Environment(
    autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
)
_PAGE = _ENV.from_string((Path(__file__).with_name("page.html.j2")).read_text(encoding="utf-8"))


def _num(v: float | None, unit: str = "", digits: int = 1) -> str:
    if v is None:
        return "–"
    return f"{v:,.{digits}f}{unit}"


def _signed(v: float | None, unit: str = "") -> str:
    if v is None:
        return ""
    return f"{'+' if v > 0 else '±' if v == 0 else '−'}{abs(v):,.1f}{unit}"


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _badge(score: float | None, band: str | None, labels: Labels) -> Markup:
    if score is None or band is None:
        return Markup('<span class="badge" style="background:#9e9e9e">{}</span>').format(
            labels("no_data")
        )
    return Markup('<span class="badge" style="background:{}">{} {}</span>').format(
        BAND_COLORS[band], f"{score:.2f}", labels.band(band)
    )


def _agent_name(ref: str, agents_map: Mapping[str, str] | None) -> str:
    if agents_map and ref in agents_map:
        return agents_map[ref]
    return ref[:10] + "…"


def _evidence(spans: Sequence[Sequence[float]]) -> str:
    return ", ".join(f"{float(a):.1f}–{float(b):.1f}" for a, b in spans) or "–"


def _transcript(raw: Any) -> list[dict[str, Any]]:
    """Segments of the transcript stored by the call scorer (``attributes.transcript``):
    ``{"parties": {party: {"text", "segments": [{start, end, text?}]}}}``, or a plain
    ``{"segments": [...]}``. Parties without per-segment text give one line each."""
    if not isinstance(raw, Mapping):
        return []
    lines: list[dict[str, Any]] = []
    if isinstance(raw.get("segments"), list):
        for s in raw["segments"]:
            if isinstance(s, Mapping) and s.get("text"):
                lines.append({"start": float(s.get("start") or 0.0), "speaker": str(s.get("speaker") or ""),
                              "text": str(s["text"])})  # fmt: skip
    for party, doc in (raw.get("parties") or {}).items():
        if not isinstance(doc, Mapping):
            continue
        segs = [s for s in doc.get("segments") or [] if isinstance(s, Mapping) and s.get("text")]
        if segs:
            lines += [
                {"start": float(s.get("start") or 0.0), "speaker": party, "text": str(s["text"])}
                for s in segs
            ]
        elif doc.get("text"):
            first = (doc.get("segments") or [{}])[0]
            lines.append(
                {
                    "start": float(first.get("start") or 0.0),
                    "speaker": party,
                    "text": str(doc["text"]),
                }
            )
    return sorted(lines, key=lambda x: x["start"])


def render_html(
    data: ReportData,
    *,
    cemi: CemiResult | None,
    pains: Sequence[PainPoint],
    alerts: Sequence[SpikeAlert],
    tiles: Sequence[KpiTile] = (),
    config: CemiConfig | None = None,
    labels: Labels | None = None,
    agents_map: Mapping[str, str] | None = None,
    title: str | None = None,
    period: str | None = None,
    previous: str | None = None,
) -> str:
    """The report page as one self-contained HTML string."""
    L = labels or Labels("vi")
    config = config or load_config()
    ctx: dict[str, Any] = {"L": L, "title": title or L("title"), "data": data, "version": __version__,
                           "stamp": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "period": period,
                           "previous": previous, "band_colors": BAND_COLORS, "num": _num, "pct": _pct,
                           "signed": _signed}  # fmt: skip
    ctx["sources"] = ", ".join(f"{L.source(s)}: {n:,}" for s, n in data.by_source)
    ctx["tiles"] = [_tile(t, L) for t in tiles]
    ctx["cemi"] = cemi
    ctx["tree"] = _tree(cemi, config, L) if cemi is not None else None
    ctx["heatmap"] = _heatmap(cemi, config, L) if cemi is not None else None
    ctx["pains"] = [_pain(p, config, L) for p in pains]
    ctx["brands"] = _social(data, L)
    ctx["charts"] = _charts(data, alerts, L)
    ctx["agents"] = [
        {"name": _agent_name(a.agent_ref, agents_map), "ref": a.agent_ref, "calls": a.calls,
         "qa_mean": _num(a.qa_mean), "qa_pass": _rate(a.qa_passed, a.qa_judged),
         "escalated": _rate(a.escalated, a.with_emotion), "talk": _num(a.talk_agent_pct, " %")}
        for a in data.agents
    ]  # fmt: skip
    ctx["call"] = _call(data.call, L, agents_map)
    ctx["alerts"] = [
        {"brand": a.brand, "metric": L("mentions") if a.metric == "volume" else L("negative") + " %",
         "from": a.bucket_start.isoformat(), "observed": f"{a.observed:.3g}", "expected": f"{a.expected:.3g}",
         "count": f"{a.count:,}", "test": a.test, "p": f"{a.p_value:.2e}"}
        for a in alerts[:50]
    ]  # fmt: skip
    return _PAGE.render(**ctx)


def _rate(k: int, n: int) -> str:
    return "–" if n == 0 else f"{100.0 * k / n:.0f} % ({k:,}/{n:,})"


def _tile(t: KpiTile, L: Labels) -> dict[str, Any]:
    unit = _TILE_UNITS.get(t.kpi, "")
    change = t.change
    better = None if change is None or change == 0 else (change < 0) == (t.kpi in _LOWER_IS_BETTER)
    change_unit = f" {L('pp')}" if unit == " %" else unit
    return {"name": L.kpi(t.kpi), "value": _num(t.value, unit), "n": t.n, "change": _signed(change, change_unit),
            "better": better, "previous": _num(t.previous, unit), "previous_n": t.previous_n,
            "kpi": t.kpi}  # fmt: skip


def _tree(cemi: CemiResult, config: CemiConfig, L: Labels) -> list[dict[str, Any]]:
    units = list(cemi.units) + ([cemi.network] if cemi.network else [])
    out = []
    for u in units:
        services = []
        for s in u.services:
            tps = []
            for t in s.touchpoints:
                kpis = [{"name": L.kpi(k.kpi, k.name), "value": _num(k.value), "points": _num(k.points, digits=2),
                         "weight": f"{k.weight:.2f}", "effective": f"{k.effective_weight:.2f}",
                         "n": "–" if k.records is None else f"{k.records:,}", "status": k.status}
                        for k in t.kpis]  # fmt: skip
                tps.append({"badge": _badge(t.score, t.band, L), "name": L.touchpoint(t.touchpoint, t.name),
                            "stage": L.stage(t.stage), "weight": f"{t.weight:.2f}",
                            "effective": f"{t.effective_weight:.2f}", "coverage": _pct(t.coverage),
                            "n": t.records, "kpis": kpis})  # fmt: skip
            services.append({"badge": _badge(s.score, s.band, L), "name": L.service(s.service, s.name),
                             "weight": f"{s.weight:.2f}", "effective": f"{s.effective_weight:.2f}",
                             "coverage": _pct(s.coverage), "n": s.records, "touchpoints": tps})  # fmt: skip
        out.append({"badge": _badge(u.score, u.band, L), "name": u.unit, "coverage": _pct(u.coverage),
                    "n": u.records, "services": services})  # fmt: skip
    return out


def _heatmap(cemi: CemiResult, config: CemiConfig, L: Labels) -> dict[str, Any]:
    unit = cemi.network or (cemi.units[0] if cemi.units else None)
    tps = list(config.touchpoints)
    rows = []
    for s in unit.services if unit else ():
        by = {t.touchpoint: t for t in s.touchpoints}
        cells = []
        for tp in tps:
            t = by.get(tp)
            if t is None or t.score is None or t.band is None:
                cells.append({"text": "–", "color": "#e0e0e0", "fg": "#777",
                              "tip": f"{L.touchpoint(tp, config.touchpoints[tp].name)}: {L('no_data')}"})  # fmt: skip
            else:
                fg = "#222" if t.band in ("Fair", "Good") else "#fff"
                cells.append({"text": f"{t.score:.1f}", "color": BAND_COLORS[t.band], "fg": fg,
                              "tip": f"{L.touchpoint(tp, t.name)}: {t.score:.2f} {L.band(t.band)}, "
                                     f"{L('coverage')} {_pct(t.coverage)}, n = {t.records if t.records is not None else '–'}"})  # fmt: skip
        rows.append({"name": L.service(s.service, s.name), "cells": cells})
    cols = [{"tp": tp, "name": L.touchpoint(tp, config.touchpoints[tp].name)} for tp in tps]
    return {"unit": unit.unit if unit else "", "cols": cols, "rows": rows}


def _pain(p: PainPoint, config: CemiConfig, L: Labels) -> dict[str, Any]:
    sname = config.services[p.service].name if p.service in config.services else p.service
    kname = config.kpis[p.kpi].name if p.kpi and p.kpi in config.kpis else p.kpi
    return {"unit": p.unit, "service": L.service(p.service, sname),
            "touchpoint": L.touchpoint(p.touchpoint, p.touchpoint_name),
            "kpi": L.kpi(p.kpi, kname) if p.kpi else L("whole_touchpoint"), "basis": L(f"basis_{p.basis}"),
            "points": f"{p.points:.2f}", "reference": f"{p.reference_points:.2f}",
            "weighted_gap": f"{p.weighted_gap:.3f}"}  # fmt: skip


def _social(data: ReportData, L: Labels) -> list[dict[str, Any]]:
    out = []
    for b in data.brands:
        aspects = [
            {"name": L.aspect(a), "n": n, "pos": p, "neg": g}
            for a, n, p, g in data.brand_aspects.get(b.brand, [])
        ]
        out.append({"brand": b.brand, "n": b.mentions, "aspects": aspects,
                    "samples": [{**s, "label_text": L(s["label"]) if s["label"] in ("positive", "neutral", "negative") else s["label"]}
                                for s in data.samples.get(b.brand, [])]})  # fmt: skip
    return out


def _charts(data: ReportData, alerts: Sequence[SpikeAlert], L: Labels) -> dict[str, Markup]:
    charts: dict[str, Markup] = {}
    charts["qa"] = Markup(svg.bar_chart([b for b, _ in data.qa_bins], [float(n) for _, n in data.qa_bins],
                                        title=L("calls_per_band"), integer=True,
                                        notes=[f"{n:,}" for _, n in data.qa_bins], empty_text=L("no_data")))  # fmt: skip
    esc = data.escalation_by_day
    charts["escalation"] = Markup(svg.bar_chart(
        [d[5:] for d, _, _ in esc], [100.0 * e / n if n else None for _, n, e in esc], title=L("escalation"),
        color="#c62828", unit="%", y_max=10.0, notes=[f"{e}/{n}" if n else "" for _, n, e in esc],
        faint=[n < MIN_DAILY_CALLS for _, n, _ in esc], empty_text=L("no_data")))  # fmt: skip
    days = [d[5:] for d in data.brand_days]
    index = {d: i for i, d in enumerate(data.brand_days)}
    markers = [(a.brand, index[a.bucket_start.isoformat()], f"{a.brand} {a.bucket_start.isoformat()}: "
                f"{a.count:,} ({L('expected')} {a.expected:.1f})")
               for a in alerts if a.metric == "volume" and a.bucket_start.isoformat() in index]  # fmt: skip
    charts["mentions"] = Markup(svg.line_chart(days, {b: [float(x) for x in s] for b, s in data.mentions.items()},
                                               title=L("volume"), integer=True, markers=markers,
                                               empty_text=L("no_data")))  # fmt: skip
    charts["net"] = Markup(svg.line_chart(days, data.net_sentiment, title=L("net_sentiment_7d", n=MIN_ROLLING_MENTIONS),
                                          y_range=(-100.0, 100.0), empty_text=L("no_data")))  # fmt: skip
    brands = data.brands
    charts["shares"] = Markup(svg.stacked_shares(
        [b.brand for b in brands],
        {L("positive"): [b.positive for b in brands], L("neutral"): [b.neutral for b in brands],
         L("negative"): [b.negative for b in brands]}, title=L("social")))  # fmt: skip
    total = sum(n for _, n in data.share_of_voice) or 1
    charts["sov"] = Markup(svg.hbar_chart(
        [b for b, _ in data.share_of_voice], [100.0 * n / total for _, n in data.share_of_voice], title=L("sov"),
        notes=[f"{100.0 * n / total:.1f} % ({n:,})" for _, n in data.share_of_voice],
        colors=svg.PALETTE))  # fmt: skip
    return charts


def _call(
    call: dict[str, Any] | None, L: Labels, agents_map: Mapping[str, str] | None
) -> dict[str, Any] | None:
    if call is None:
        return None
    emotion = call.get("emotion") or {}
    customer = emotion.get("customer") or {}
    threshold = customer.get("threshold", emotion.get("threshold"))
    segments = emotion.get("timeline") or []
    chart = None
    if segments:
        chart = Markup(svg.timeline_chart(
            segments, title=L("timeline"), names=(L("arousal"), L("valence")),
            threshold=None if threshold is None else float(threshold),
            threshold_label=L("threshold", t=f"{float(threshold):.2f}") if threshold is not None else "",
            events=emotion.get("escalation_events") or [], event_label=L("escalation_event"),
            seconds=L("seconds")))  # fmt: skip
    qa = call.get("qa") or {}
    criteria = [{"id": c.get("id", ""), "result": L("pass") if c.get("passed") else L("na") if c.get("passed") is None else L("fail"),
                 "ok": c.get("passed"), "evidence": _evidence(c.get("evidence") or []), "reason": c.get("reason", "")}
                for c in qa.get("criteria") or []]  # fmt: skip
    return {"id": call["record_id"], "when": call["occurred_at"], "unit": call.get("unit") or "",
            "agent": _agent_name(call["agent_ref"], agents_map) if call.get("agent_ref") else "–",
            "chart": chart, "score": qa.get("score"), "passed": qa.get("passed"), "criteria": criteria,
            "transcript": _transcript(call.get("transcript"))}  # fmt: skip
