"""PostgreSQL store: the shared production store (``pip install 'cxkit[postgres]'``).

Each upsert batch is COPYed into a temporary staging table and merged with
``INSERT … ON CONFLICT (record_id) DO UPDATE`` in one transaction, so concurrent writers never
lose or duplicate a record and a killed writer leaves only whole batches. PostgreSQL text and
jsonb cannot hold NUL characters: they are removed (a warning names the records), never letting
one value abort the write.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pyarrow as pa

from ..errors import StoreError
from ..record import Record
from ._rows import ARROW_SCHEMA, COLUMNS, JSON_COLUMNS, to_arrow
from ._where import check_where
from .base import Store

log = logging.getLogger(__name__)

_TYPES = {
    "record_id": "TEXT PRIMARY KEY", "schema_version": "SMALLINT NOT NULL", "source": "TEXT NOT NULL",
    "channel": "TEXT NOT NULL", "brand": "TEXT", "service": "TEXT", "touchpoint": "SMALLINT",
    "unit": "TEXT", "occurred_at": "TIMESTAMPTZ NOT NULL", "collected_at": "TIMESTAMPTZ NOT NULL",
    "language": "TEXT NOT NULL", "text": "TEXT", "author_ref": "TEXT", "customer_ref": "TEXT",
    "agent_ref": "TEXT", "url": "TEXT", "audio_uri": "TEXT", "sentiment_label": "TEXT",
    "sentiment_score": "DOUBLE PRECISION", "aspects": "JSONB", "emotion": "JSONB", "metrics": "JSONB",
    "qa": "JSONB", "attributes": "JSONB", "content_hash": "TEXT", "provenance": "JSONB",
    "brand_sentiment": "JSONB",
}  # fmt: skip
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the PostgreSQL store needs psycopg 3: pip install 'cxkit[postgres]'"
        ) from exc
    return psycopg


def _split_schema(url: str) -> tuple[str, str | None]:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), None)
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    if schema is not None and not _IDENT.match(schema):
        raise StoreError(f"schema={schema!r} in {url!r} is not a plain SQL identifier")
    return urlunsplit(parts._replace(query=rest)), schema


def _placeholders(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresStore(Store):
    """Records in a PostgreSQL table ``records`` (optionally in ``?schema=NAME``)."""

    def __init__(self, url: str) -> None:
        psycopg = _psycopg()
        self.url = url
        conninfo, self.schema = _split_schema(url)
        try:
            self._conn = psycopg.connect(conninfo, autocommit=False)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to PostgreSQL at {url!r}: {exc}") from exc
        self._psycopg = psycopg
        with self._conn.transaction(), self._conn.cursor() as cur:
            # IF NOT EXISTS races between processes creating the same schema at once
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('cxkit-ddl'))")
            if self.schema:
                cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                cur.execute(f'SET search_path TO "{self.schema}"')
            cols = ",\n    ".join(f"{c} {_TYPES[c]}" for c in COLUMNS)
            cur.execute(f"CREATE TABLE IF NOT EXISTS records (\n    {cols}\n)")
            # columns added after the first release (stores created before lack them)
            cur.execute("ALTER TABLE records ADD COLUMN IF NOT EXISTS brand_sentiment JSONB")
        if self.schema:
            self._conn.execute(f'SET search_path TO "{self.schema}"')
            self._conn.commit()

    def _upsert_batch(self, records: Sequence[Record]) -> int:
        table = to_arrow(records)
        rows = [_without_nul(row) for row in table.to_pylist()]
        cols = ", ".join(COLUMNS)
        stage_cols = ", ".join(
            f"{c} {'TEXT' if c in JSON_COLUMNS else _TYPES[c].replace(' PRIMARY KEY', '').replace(' NOT NULL', '')}"
            for c in COLUMNS
        )
        select = ", ".join(f"{c}::jsonb" if c in JSON_COLUMNS else c for c in COLUMNS)
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS if c != "record_id")
        try:
            with self._conn.transaction(), self._conn.cursor() as cur:
                cur.execute(f"CREATE TEMP TABLE _cx_stage ({stage_cols}) ON COMMIT DROP")
                with cur.copy(f"COPY _cx_stage ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([row[c] for c in COLUMNS])
                cur.execute(
                    f"INSERT INTO records ({cols}) SELECT {select} FROM _cx_stage "
                    f"ON CONFLICT (record_id) DO UPDATE SET {updates}"
                )
        except self._psycopg.Error as exc:
            raise StoreError(f"upsert into {self.url!r} failed: {exc}") from exc
        return len(rows)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            with self._conn.transaction(), self._conn.cursor() as cur:
                cur.execute(_placeholders(sql), list(params))
                return cur.fetchall() if cur.description else []
        except self._psycopg.Error as exc:
            raise StoreError(f"query failed on {self.url!r}: {exc}") from exc

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        try:
            with self._conn.transaction(), self._conn.cursor() as cur:
                cur.execute(_placeholders(sql), list(params))
        except self._psycopg.Error as exc:
            raise StoreError(f"statement failed on {self.url!r}: {exc}") from exc

    def read_query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """One statement in a READ ONLY transaction (user filters cannot change data)."""
        try:
            with self._conn.transaction(), self._conn.cursor() as cur:
                cur.execute("SET TRANSACTION READ ONLY")
                cur.execute(_placeholders(sql), list(params))
                return cur.fetchall() if cur.description else []
        except self._psycopg.Error as exc:
            raise StoreError(f"query failed on {self.url!r}: {exc}") from exc

    def to_arrow(self, *, where: str | None = None, params: Sequence[Any] = ()) -> pa.Table:
        clause = f" WHERE ({check_where(where)})" if where is not None else ""
        select = ", ".join(f"{c}::text" if c in JSON_COLUMNS else c for c in COLUMNS)
        rows = self.read_query(f"SELECT {select} FROM records{clause}", params)
        columns: list[tuple[Any, ...]] = (
            list(zip(*rows, strict=True)) if rows else [() for _ in COLUMNS]
        )
        return pa.table(
            {c: list(v) for c, v in zip(COLUMNS, columns, strict=True)}, schema=ARROW_SCHEMA
        )

    def close(self) -> None:
        if not self._conn.closed:
            self._conn.close()


# a JSON \u0000 escape: an odd run of backslashes before u0000 (an even run is escaped text)
_JSON_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def _without_nul(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with NUL removed from text columns and ``\\u0000`` from JSON columns."""
    dirty = [
        c
        for c, v in row.items()
        if isinstance(v, str) and ("\x00" in v or (c in JSON_COLUMNS and "\\u0000" in v))
    ]
    if not dirty:
        return row
    row = dict(row)
    for c in dirty:
        value = row[c].replace("\x00", "")
        row[c] = _JSON_NUL.sub(r"\1", value) if c in JSON_COLUMNS else value
    log.warning("record %s: NUL characters removed from %s", row.get("record_id"), dirty)
    return row
