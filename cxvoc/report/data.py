"""The numbers behind the report, computed with DuckDB over the records' Arrow table."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

log = logging.getLogger(__name__)

__all__ = ["ReportData", "gather"]


@dataclass(frozen=True)
class ReportData:
    """Everything the HTML page shows except CEMI, pain points and spikes."""

    total: int
    first_day: str | None
    last_day: str | None
    by_source: list[tuple[str, int]] = field(default_factory=list)
    qa_bins: list[tuple[str, int]] = field(default_factory=list)
    escalation_by_day: list[tuple[str, int, int]] = field(default_factory=list)
    agents: list[tuple[str, int, float, float, float]] = field(default_factory=list)
    timeline_call: dict[str, Any] | None = None
    brand_days: list[str] = field(default_factory=list)
    mentions: dict[str, list[float | None]] = field(default_factory=dict)
    net_sentiment: dict[str, list[float | None]] = field(default_factory=dict)
    share_of_voice: list[tuple[str, int]] = field(default_factory=list)


_QA = """
SELECT least(CAST(floor(s / 10) AS INTEGER), 9) AS b, count(*) FROM (
  SELECT TRY_CAST(json_extract_string(qa, '$.score') AS DOUBLE) AS s FROM records
  WHERE source = 'call' AND qa IS NOT NULL) WHERE s IS NOT NULL AND s >= 0 AND s <= 100
GROUP BY 1 ORDER BY 1
"""
_ESC = """
SELECT strftime(occurred_at, '%Y-%m-%d') AS d, count(*),
       count(*) FILTER (WHERE coalesce(json_array_length(emotion, '$.escalation_events'), 0) > 0)
FROM records WHERE source = 'call' AND emotion IS NOT NULL GROUP BY 1 ORDER BY 1
"""
_AGENTS = """
SELECT agent_ref, count(*) AS n,
  avg(TRY_CAST(json_extract_string(metrics, '$.talk_time_pct_agent') AS DOUBLE)),
  avg(TRY_CAST(json_extract_string(metrics, '$.talk_time_pct_customer') AS DOUBLE)),
  avg(TRY_CAST(json_extract_string(metrics, '$.non_talk_time_pct') AS DOUBLE))
FROM records WHERE source = 'call' AND agent_ref IS NOT NULL AND metrics IS NOT NULL
GROUP BY 1 ORDER BY n DESC, agent_ref LIMIT ?
"""
_TIMELINE = """
SELECT record_id, occurred_at, emotion FROM records
WHERE source = 'call' AND emotion IS NOT NULL
ORDER BY (json_array_length(emotion, '$.timeline') > 0) DESC NULLS LAST,
         coalesce(json_array_length(emotion, '$.escalation_events'), 0) DESC, occurred_at, record_id
LIMIT 1
"""
_BRANDS = """
SELECT brand, strftime(occurred_at, '%Y-%m-%d') AS d, count(*),
  count(*) FILTER (WHERE sentiment_label = 'positive'), count(*) FILTER (WHERE sentiment_label = 'negative'),
  count(sentiment_label)
FROM records WHERE source = 'social' AND brand IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2
"""


def gather(
    table: pa.Table, *, top_agents: int = 15, top_brands: int = 6, last_days: int = 92
) -> ReportData:
    """Aggregate the records (naive-UTC timestamps, see :func:`cxvoc.kpi.records_arrow`).

    Daily series cover the ``last_days`` days with data; totals cover every record.
    """
    con = duckdb.connect()
    con.register("records", table)
    try:
        total, lo, hi = con.execute(
            "SELECT count(*), strftime(min(occurred_at), '%Y-%m-%d'), strftime(max(occurred_at), '%Y-%m-%d') FROM records"
        ).fetchone() or (0, None, None)
        by_source = [(str(s), int(n)) for s, n in con.execute(
            "SELECT source, count(*) FROM records GROUP BY 1 ORDER BY 2 DESC").fetchall()]  # fmt: skip
        qa = dict(con.execute(_QA).fetchall())
        qa_bins = [(f"{b * 10}–{b * 10 + 10}", int(qa.get(b, 0))) for b in range(10)] if qa else []
        esc = [(d, int(n), int(e)) for d, n, e in con.execute(_ESC).fetchall()]
        agents = [(str(a), int(n), float(t or 0), float(c or 0), float(s or 0))
                  for a, n, t, c, s in con.execute(_AGENTS, [top_agents]).fetchall()]  # fmt: skip
        row = con.execute(_TIMELINE).fetchone()
        timeline_call = None
        if row is not None:
            emotion = json.loads(row[2]) if row[2] else {}
            timeline_call = {"record_id": row[0], "occurred_at": str(row[1]), "emotion": emotion}
        rows = con.execute(_BRANDS).fetchall()
    finally:
        con.close()
    esc = esc[-last_days:]
    days = sorted({r[1] for r in rows})[-last_days:]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r[0]] = counts.get(r[0], 0) + int(r[2])
    brands = [b for b, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    pos = {d: i for i, d in enumerate(days)}
    mentions: dict[str, list[float | None]] = {b: [0.0] * len(days) for b in brands[:top_brands]}
    net: dict[str, list[float | None]] = {b: [None] * len(days) for b in brands[:top_brands]}
    for brand, d, n, p, ng, labelled in rows:
        if brand in mentions and d in pos:
            mentions[brand][pos[d]] = float(n)
            net[brand][pos[d]] = 100.0 * (p - ng) / labelled if labelled else None
    sov = [(b, counts[b]) for b in brands]
    return ReportData(total=int(total), first_day=lo, last_day=hi, by_source=by_source, qa_bins=qa_bins,
                      escalation_by_day=esc, agents=agents, timeline_call=timeline_call, brand_days=days,
                      mentions=mentions, net_sentiment=net, share_of_voice=sov)  # fmt: skip
