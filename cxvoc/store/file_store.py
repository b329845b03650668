"""File sinks: Parquet and JSONL files that behave as stores (upsert by record_id in memory,
written atomically on :meth:`close`).

Several processes may write one file: :meth:`FileStore.flush` takes an exclusive ``flock`` on
``<file>.lock``, reads the file as it is now, applies this writer's upserts and replaces the
file, so concurrent writers merge instead of overwriting each other's rows.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import StoreError
from ..record import Record
from ._lock import flock_until
from ._rows import fetch_arrow, table_to_records, to_arrow
from ._where import check_where
from .base import ExportFormat, Store


class FileStore(Store):
    """Records kept in memory and written to one Parquet or JSONL file on close.

    Opening an existing file loads it, so upserts merge with what the file held; writing merges
    again with what other writers stored in the meantime (under a file lock, waited for up to
    ``lock_timeout_s``).
    """

    def __init__(
        self, path: str | Path, *, format: ExportFormat, lock_timeout_s: float = 600.0
    ) -> None:
        self.path = Path(path)
        self.url = str(self.path)
        self.format = format
        self.lock_timeout_s = lock_timeout_s
        self._records: dict[str, Record] = {}
        self._pending: dict[str, Record] = {}
        if self.path.exists() and self.path.stat().st_size > 0:
            self._records = self._load()

    @property
    def _dirty(self) -> bool:
        return bool(self._pending)

    def _load(self) -> dict[str, Record]:
        records: dict[str, Record] = {}
        try:
            if self.format == "parquet":
                for record in table_to_records(pq.read_table(self.path)):
                    records[record.record_id] = record
            else:
                with self.path.open(encoding="utf-8") as fh:
                    for lineno, line in enumerate(fh, 1):
                        if line.strip():
                            try:
                                record = Record.parse(line)
                            except Exception as exc:
                                raise StoreError(f"{self.url}:{lineno}: {exc}") from exc
                            records[record.record_id] = record
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(f"cannot read existing store file {self.url!r}: {exc}") from exc
        return records

    def _upsert_batch(self, records: Sequence[Record]) -> int:
        for record in records:
            self._records[record.record_id] = record
            self._pending[record.record_id] = record
        return len(records)

    def to_arrow(self, *, where: str | None = None, params: Sequence[Any] = ()) -> pa.Table:
        table = to_arrow(list(self._records.values()))
        if where is None:
            return table
        return self._sql(f"SELECT * FROM records WHERE ({check_where(where)})", params, arrow=True)

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
        """Merge this writer's upserts into the file as it is now, under the file lock."""
        if not self._pending:
            return
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            self._lock(fd)
            current = self._load() if self.path.exists() and self.path.stat().st_size else {}
            current.update(self._pending)
            table = to_arrow(list(current.values()))
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.partial")
            if self.format == "parquet":
                pq.write_table(table, tmp, compression="zstd")
            else:
                with tmp.open("w", encoding="utf-8") as fh:
                    for record in current.values():
                        fh.write(json.dumps(record.serialize(), ensure_ascii=False) + "\n")
            tmp.replace(self.path)
        finally:
            os.close(fd)  # releases the lock
        self._records = current
        self._pending = {}

    def _lock(self, fd: int) -> None:
        flock_until(
            fd,
            time.monotonic() + self.lock_timeout_s,
            f"store file {self.url!r} stayed locked by another writer for {self.lock_timeout_s} s",
        )

    def close(self) -> None:
        self.flush()
