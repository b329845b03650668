"""Flat row layout shared by every store: records <-> Arrow tables.

Scalar fields are columns; nested fields (aspects, emotion, metrics, qa, attributes, provenance,
brand_sentiment) are JSON strings so that DuckDB, PostgreSQL, Parquet and JSONL hold the same information.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pyarrow as pa

from ..record import Record

_TS = pa.timestamp("us", tz="UTC")

ARROW_SCHEMA = pa.schema(
    [
        pa.field("record_id", pa.string(), nullable=False),
        pa.field("schema_version", pa.int16(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("brand", pa.string()),
        pa.field("service", pa.string()),
        pa.field("touchpoint", pa.int16()),
        pa.field("unit", pa.string()),
        pa.field("occurred_at", _TS, nullable=False),
        pa.field("collected_at", _TS, nullable=False),
        pa.field("language", pa.string(), nullable=False),
        pa.field("text", pa.string()),
        pa.field("author_ref", pa.string()),
        pa.field("customer_ref", pa.string()),
        pa.field("agent_ref", pa.string()),
        pa.field("url", pa.string()),
        pa.field("audio_uri", pa.string()),
        pa.field("sentiment_label", pa.string()),
        pa.field("sentiment_score", pa.float64()),
        pa.field("aspects", pa.string()),
        pa.field("emotion", pa.string()),
        pa.field("metrics", pa.string()),
        pa.field("qa", pa.string()),
        pa.field("attributes", pa.string()),
        pa.field("content_hash", pa.string()),
        pa.field("provenance", pa.string()),
        # added after the first release: last, so that stores created before gain it by ALTER
        pa.field("brand_sentiment", pa.string()),
    ]
)
"""The Arrow schema of a stored record (one row per record)."""

COLUMNS: tuple[str, ...] = tuple(ARROW_SCHEMA.names)
JSON_COLUMNS = (
    "aspects", "emotion", "metrics", "qa", "attributes", "provenance", "brand_sentiment",
)  # fmt: skip
_PLAIN = (
    "record_id", "schema_version", "brand", "service", "touchpoint", "unit", "language", "text",
    "author_ref", "customer_ref", "agent_ref", "url", "audio_uri", "content_hash",
)  # fmt: skip


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def _dumps(value: Any) -> str | None:
    return None if value is None else _ENCODE(value)


def dedupe_last(records: Iterable[Record]) -> list[Record]:
    """Keep the last record of each record_id, in first-seen order."""
    latest: dict[str, Record] = {}
    for record in records:
        latest[record.record_id] = record
    return list(latest.values())


def to_arrow(records: Sequence[Record]) -> pa.Table:
    """Records to an Arrow table with :data:`ARROW_SCHEMA`."""
    cols: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    plain = [(cols[name], name) for name in _PLAIN]
    provenance_cache: dict[int, str | None] = {}
    for r in records:
        for column, name in plain:
            column.append(getattr(r, name))
        cols["source"].append(r.source.value)
        cols["channel"].append(r.channel)
        cols["occurred_at"].append(r.occurred_at)  # Arrow converts aware times to UTC
        cols["collected_at"].append(r.collected_at)
        s = r.sentiment
        cols["sentiment_label"].append(s.label if s else None)
        cols["sentiment_score"].append(s.score if s else None)
        aspects = [{"aspect": a.aspect, "label": a.label, "score": a.score} for a in r.aspects]
        cols["aspects"].append(_dumps(aspects) if aspects else "[]")
        cols["brand_sentiment"].append(
            _dumps([b.model_dump() for b in r.brand_sentiment]) if r.brand_sentiment else "[]"
        )
        cols["emotion"].append(_dumps(r.emotion))
        cols["metrics"].append(_dumps(r.metrics))
        cols["qa"].append(_dumps(r.qa))
        cols["attributes"].append(_dumps(r.attributes) if r.attributes else "{}")
        prov = r.provenance
        key = id(prov)
        if key not in provenance_cache:
            provenance_cache[key] = _dumps(
                {
                    "cxkit_version": prov.cxkit_version,
                    "models": prov.models,
                    "config_hash": prov.config_hash,
                }
            )
        cols["provenance"].append(provenance_cache[key])
    return pa.table(cols, schema=ARROW_SCHEMA)


def row_to_record(row: dict[str, Any]) -> Record:
    """One stored row (column name -> value) back to a validated Record."""
    data = {k: v for k, v in row.items() if k in COLUMNS}
    for name in JSON_COLUMNS:
        value = data.get(name)
        data[name] = json.loads(value) if isinstance(value, str) else value
    label, score = data.pop("sentiment_label", None), data.pop("sentiment_score", None)
    data["sentiment"] = {"label": label, "score": score} if label is not None else None
    data["aspects"] = data.get("aspects") or ()
    data["brand_sentiment"] = data.get("brand_sentiment") or ()
    data["attributes"] = data.get("attributes") or {}
    if data.get("provenance") is None:
        data.pop("provenance", None)
    return Record(**data)


def fetch_arrow(con: Any, sql: str, params: Sequence[Any] = ()) -> pa.Table:
    """Run a DuckDB query and return an Arrow table with :data:`ARROW_SCHEMA`."""
    relation = con.sql(sql, params=list(params) or None)
    fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
    table = fetch()
    if isinstance(table, pa.RecordBatchReader):
        table = table.read_all()
    return table.cast(ARROW_SCHEMA)


def table_to_records(table: pa.Table) -> Iterator[Record]:
    for batch in table.to_batches():
        for row in batch.to_pylist():
            yield row_to_record(row)
