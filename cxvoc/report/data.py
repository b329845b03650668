"""The numbers behind the report, computed with DuckDB over the records' Arrow table."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb
import pyarrow as pa

log = logging.getLogger(__name__)

__all__ = ["AgentRow", "BrandRow", "ReportData", "gather"]

MIN_DAILY_CALLS = 5
"""Escalation bars of days with fewer calls are drawn faint (too few to read as a rate)."""
ROLLING_DAYS = 7
MIN_ROLLING_MENTIONS = 10
"""Net sentiment per brand is a 7-day rolling figure, shown only over this many mentions."""


@dataclass(frozen=True)
class AgentRow:
    """One agent's calls: QA mean and pass counts, escalations, mean talk share."""

    agent_ref: str
    calls: int
    qa_mean: float | None
    qa_passed: int
    qa_judged: int
    escalated: int
    with_emotion: int
    talk_agent_pct: float | None


@dataclass(frozen=True)
class BrandRow:
    """A brand's social mentions and their sentiment counts."""

    brand: str
    mentions: int
    positive: int
    neutral: int
    negative: int


@dataclass(frozen=True)
class ReportData:
    """Everything the HTML page shows except CEMI, KPI tiles, pain points and spikes."""

    total: int
    first_day: str | None
    last_day: str | None
    by_source: list[tuple[str, int]] = field(default_factory=list)
    qa_bins: list[tuple[str, int]] = field(default_factory=list)
    escalation_by_day: list[tuple[str, int, int]] = field(default_factory=list)
    agents: list[AgentRow] = field(default_factory=list)
    call: dict[str, Any] | None = None
    brand_days: list[str] = field(default_factory=list)
    mentions: dict[str, list[int]] = field(default_factory=dict)
    net_sentiment: dict[str, list[float | None]] = field(default_factory=dict)
    brands: list[BrandRow] = field(default_factory=list)
    brand_aspects: dict[str, list[tuple[str, int, int, int]]] = field(default_factory=dict)
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    share_of_voice: list[tuple[str, int]] = field(default_factory=list)

    @property
    def timeline_call(self) -> dict[str, Any] | None:  # the name of earlier versions
        return self.call


_CALLS = """
CREATE TEMP TABLE calls AS
SELECT record_id, occurred_at, agent_ref, emotion IS NOT NULL AS has_emotion,
       coalesce(json_array_length(e[1]), 0) AS esc, coalesce(json_array_length(e[2]), 0) AS tl,
       TRY_CAST(q[1] AS DOUBLE) AS score, TRY_CAST(q[2] AS BOOLEAN) AS passed,
       TRY_CAST(json_extract_string(metrics, '$.talk_time_pct_agent') AS DOUBLE) AS talk
FROM (SELECT *, json_extract(emotion, ['$.escalation_events', '$.timeline']) AS e,
             json_extract_string(qa, ['$.score', '$.passed']) AS q
      FROM records WHERE source = 'call')
"""
_QA = """
SELECT least(CAST(floor(score / 10) AS INTEGER), 9) AS b, count(*) FROM calls
WHERE score >= 0 AND score <= 100 GROUP BY 1 ORDER BY 1
"""
_ESC = """
SELECT strftime(occurred_at, '%Y-%m-%d') AS d, count(*), count(*) FILTER (WHERE esc > 0)
FROM calls WHERE has_emotion GROUP BY 1 ORDER BY 1
"""
_AGENTS = """
SELECT agent_ref, count(*) AS n, avg(score), count(*) FILTER (WHERE passed), count(passed),
  count(*) FILTER (WHERE esc > 0), count(*) FILTER (WHERE has_emotion), avg(talk)
FROM calls WHERE agent_ref IS NOT NULL
GROUP BY 1 ORDER BY n DESC, agent_ref LIMIT ?
"""
_CALL = """
SELECT r.record_id, strftime(r.occurred_at, '%Y-%m-%d %H:%M'), r.agent_ref, r.emotion, r.qa,
       json_extract(r.attributes, '$.transcript'), r.unit
FROM records r JOIN (
  SELECT record_id FROM calls WHERE has_emotion
  ORDER BY (tl > 0) DESC, esc DESC, occurred_at DESC, record_id LIMIT 1) c USING (record_id)
"""
_SOCIAL = "source = 'social' AND brand IS NOT NULL"
_BRAND_DAYS = f"""
SELECT brand, strftime(occurred_at, '%Y-%m-%d') AS d, count(*),
  count(*) FILTER (WHERE sentiment_label = 'positive'), count(*) FILTER (WHERE sentiment_label = 'negative'),
  count(sentiment_label)
FROM records WHERE {_SOCIAL} GROUP BY 1, 2 ORDER BY 1, 2
"""
_BRANDS = f"""
SELECT brand, count(*), count(*) FILTER (WHERE sentiment_label = 'positive'),
  count(*) FILTER (WHERE sentiment_label = 'neutral'), count(*) FILTER (WHERE sentiment_label = 'negative')
FROM records WHERE {_SOCIAL} GROUP BY 1 ORDER BY 2 DESC, 1
"""
_ASPECTS = f"""
SELECT brand, a.aspect, count(*), count(*) FILTER (WHERE a.label = 'positive'),
       count(*) FILTER (WHERE a.label = 'negative')
FROM (SELECT brand, unnest(from_json(aspects, '[{{"aspect": "VARCHAR", "label": "VARCHAR"}}]')) AS a
      FROM records WHERE {_SOCIAL} AND aspects IS NOT NULL AND aspects <> '[]')
GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2
"""
_SAMPLES = f"""
SELECT brand, strftime(max(occurred_at), '%Y-%m-%d'), sentiment_label, max_by(text, (occurred_at, record_id)),
       max_by(url, (occurred_at, record_id))
FROM records WHERE {_SOCIAL} AND text IS NOT NULL AND sentiment_label IS NOT NULL
GROUP BY brand, sentiment_label ORDER BY brand, sentiment_label
"""


def _days(first: str, last: str, limit: int) -> list[str]:
    hi = date.fromisoformat(last)
    lo = max(date.fromisoformat(first), hi - timedelta(days=limit - 1))
    return [(lo + timedelta(days=i)).isoformat() for i in range((hi - lo).days + 1)]


def _json(value: Any) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value) if isinstance(value, str) else value
    except json.JSONDecodeError:
        return None


def gather(
    table: pa.Table,
    *,
    top_agents: int = 15,
    top_brands: int = 6,
    last_days: int = 92,
    brands: list[str] | None = None,
) -> ReportData:
    """Aggregate the records (naive-UTC timestamps, see :func:`cxvoc.kpi.records_arrow`).

    Daily series cover the ``last_days`` days up to the last day with data, every day of it
    (a day without calls is a gap, a day without mentions is 0 mentions); totals cover every
    record. ``brands`` puts those brands first among the ``top_brands`` shown.
    """
    con = duckdb.connect()
    con.register("records", table)
    try:
        total, lo, hi = con.execute(
            "SELECT count(*), strftime(min(occurred_at), '%Y-%m-%d'), strftime(max(occurred_at), '%Y-%m-%d') FROM records"
        ).fetchone() or (0, None, None)
        by_source = [(str(s), int(n)) for s, n in con.execute(
            "SELECT source, count(*) FROM records GROUP BY 1 ORDER BY 2 DESC").fetchall()]  # fmt: skip
        con.execute(_CALLS)
        qa = dict(con.execute(_QA).fetchall())
        qa_bins = [(f"{b * 10}–{b * 10 + 10}", int(qa.get(b, 0))) for b in range(10)] if qa else []
        esc_rows = {d: (int(n), int(e)) for d, n, e in con.execute(_ESC).fetchall()}
        agents = [AgentRow(str(a), int(n), None if q is None else float(q), int(p), int(pj), int(e), int(en),
                           None if t is None else float(t))
                  for a, n, q, p, pj, e, en, t in con.execute(_AGENTS, [top_agents]).fetchall()]  # fmt: skip
        row = con.execute(_CALL).fetchone()
        day_rows = con.execute(_BRAND_DAYS).fetchall()
        brand_rows = [BrandRow(str(b), int(n), int(p), int(u), int(g))
                      for b, n, p, u, g in con.execute(_BRANDS).fetchall()]  # fmt: skip
        aspect_rows = con.execute(_ASPECTS).fetchall()
        sample_rows = con.execute(_SAMPLES).fetchall()
    finally:
        con.close()
    call = None
    if row is not None:
        call = {"record_id": row[0], "occurred_at": row[1], "agent_ref": row[2],
                "emotion": _json(row[3]) or {}, "qa": _json(row[4]), "transcript": _json(row[5]),
                "unit": row[6]}  # fmt: skip
    esc: list[tuple[str, int, int]] = []
    if esc_rows:
        esc = [
            (d, *esc_rows.get(d, (0, 0))) for d in _days(min(esc_rows), max(esc_rows), last_days)
        ]
    ranked = [b.brand for b in brand_rows]
    first = [b for b in (brands or []) if b in ranked]
    shown = (first + [b for b in ranked if b not in first])[:top_brands]
    days = (
        _days(min(r[1] for r in day_rows), max(r[1] for r in day_rows), last_days)
        if day_rows
        else []
    )
    pos = {d: i for i, d in enumerate(days)}
    mentions: dict[str, list[int]] = {b: [0] * len(days) for b in shown}
    counts = {b: ([0] * len(days), [0] * len(days)) for b in shown}  # net, labelled
    for brand, d, n, p, ng, labelled in day_rows:
        if brand in mentions and d in pos:
            mentions[brand][pos[d]] = int(n)
            counts[brand][0][pos[d]] = int(p) - int(ng)
            counts[brand][1][pos[d]] = int(labelled)
    net: dict[str, list[float | None]] = {}
    for b, (nets, labelled) in counts.items():
        series: list[float | None] = []
        for i in range(len(days)):
            k = max(0, i - ROLLING_DAYS + 1)
            n = sum(labelled[k : i + 1])
            series.append(100.0 * sum(nets[k : i + 1]) / n if n >= MIN_ROLLING_MENTIONS else None)
        net[b] = series
    aspects: dict[str, list[tuple[str, int, int, int]]] = {}
    for b, a, n, p, g in aspect_rows:
        if b in mentions and len(aspects.setdefault(b, [])) < 3:
            aspects[b].append((str(a), int(n), int(p), int(g)))
    samples: dict[str, list[dict[str, Any]]] = {}
    for b, d, label, text, url in sample_rows:
        if b in mentions:
            samples.setdefault(b, []).append({"day": d, "label": label, "text": text, "url": url})
    order = {"negative": 0, "neutral": 1, "positive": 2}
    for items in samples.values():
        items.sort(key=lambda s: order.get(s["label"], 3))
    sov = [(b.brand, b.mentions) for b in brand_rows]
    return ReportData(total=int(total), first_day=lo, last_day=hi, by_source=by_source, qa_bins=qa_bins,
                      escalation_by_day=esc, agents=agents, call=call, brand_days=days, mentions=mentions,
                      net_sentiment=net, brands=[b for b in brand_rows if b.brand in mentions],
                      brand_aspects=aspects, samples=samples, share_of_voice=sov)  # fmt: skip
