"""File sinks: Parquet and JSONL files that behave as stores (upsert by record_id in memory,
written atomically on :meth:`close`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import StoreError
from ..record import Record
from ._rows import fetch_arrow, table_to_records, to_arrow
from .base import ExportFormat, Store


class FileStore(Store):
    """Records kept in memory and written to one Parquet or JSONL file on close.

    Opening an existing file loads it, so upserts merge with what the file held.
    """

    def __init__(self, path: str | Path, *, format: ExportFormat) -> None:
        self.path = Path(path)
        self.url = str(self.path)
        self.format = format
        self._records: dict[str, Record] = {}
        self._dirty = False
        if self.path.exists() and self.path.stat().st_size > 0:
            self._load()

    def _load(self) -> None:
        try:
            if self.format == "parquet":
                for record in table_to_records(pq.read_table(self.path)):
                    self._records[record.record_id] = record
            else:
                with self.path.open(encoding="utf-8") as fh:
                    for lineno, line in enumerate(fh, 1):
                        if line.strip():
                            try:
                                record = Record.parse(line)
                            except Exception as exc:
                                raise StoreError(f"{self.url}:{lineno}: {exc}") from exc
                            self._records[record.record_id] = record
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(f"cannot read existing store file {self.url!r}: {exc}") from exc

    def _upsert_batch(self, records: Sequence[Record]) -> int:
        for record in records:
            self._records[record.record_id] = record
        self._dirty = True
        return len(records)

    def to_arrow(self, *, where: str | None = None, params: Sequence[Any] = ()) -> pa.Table:
        table = to_arrow(list(self._records.values()))
        if not where:
            return table
        return self._sql(f"SELECT * FROM records WHERE {where}", params, arrow=True)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._sql(sql, params, arrow=False)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        raise StoreError(
            f"{self.url!r} is a file sink; auxiliary tables need a DuckDB or PostgreSQL store"
        )

    def _sql(self, sql: str, params: Sequence[Any], *, arrow: bool) -> Any:
        con = duckdb.connect()
        try:
            con.register("records", to_arrow(list(self._records.values())))
            if arrow:
                return fetch_arrow(con, sql, params)
            return con.execute(sql, list(params)).fetchall()
        except duckdb.Error as exc:
            raise StoreError(f"query failed on {self.url!r}: {exc}") from exc
        finally:
            con.close()

    def flush(self) -> None:
        if not self._dirty:
            return
        table = to_arrow(list(self._records.values()))
        tmp = self.path.with_name(self.path.name + ".partial")
        if self.format == "parquet":
            pq.write_table(table, tmp, compression="zstd")
        else:
            with tmp.open("w", encoding="utf-8") as fh:
                for record in self._records.values():
                    fh.write(json.dumps(record.serialize(), ensure_ascii=False) + "\n")
        tmp.replace(self.path)
        self._dirty = False

    def close(self) -> None:
        self.flush()
