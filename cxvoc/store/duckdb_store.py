"""DuckDB file store: the embedded default.

DuckDB lets one process at a time open a database file for writing. To let several worker
processes write one run's records, every operation takes an exclusive ``flock`` on
``<file>.lock``, opens the database, runs one transaction and closes it again. A process that
does not take part in the flock (the duckdb CLI, a notebook's read-only connection) holds
DuckDB's own file lock instead: opening then fails with a lock conflict, and is retried until
``lock_timeout_s`` (then :class:`~cxvoc.errors.StoreLockedError`). A process killed
mid-transaction leaves the lock released (the kernel drops it) and the database readable:
DuckDB's write-ahead log replays committed transactions only.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ..errors import StoreError, StoreLockedError
from ..record import Record
from ._lock import flock_until
from ._rows import COLUMNS, fetch_arrow, to_arrow
from ._where import check_where
from .base import Store

log = logging.getLogger(__name__)

_DDL = """
CREATE TABLE IF NOT EXISTS records (
    record_id VARCHAR PRIMARY KEY,
    schema_version SMALLINT NOT NULL,
    source VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    brand VARCHAR,
    service VARCHAR,
    touchpoint SMALLINT,
    unit VARCHAR,
    occurred_at TIMESTAMPTZ NOT NULL,
    collected_at TIMESTAMPTZ NOT NULL,
    language VARCHAR NOT NULL,
    text VARCHAR,
    author_ref VARCHAR,
    customer_ref VARCHAR,
    agent_ref VARCHAR,
    url VARCHAR,
    audio_uri VARCHAR,
    sentiment_label VARCHAR,
    sentiment_score DOUBLE,
    aspects VARCHAR,
    emotion VARCHAR,
    metrics VARCHAR,
    qa VARCHAR,
    attributes VARCHAR,
    content_hash VARCHAR,
    provenance VARCHAR,
    brand_sentiment VARCHAR
);
ALTER TABLE records ADD COLUMN IF NOT EXISTS brand_sentiment VARCHAR;
"""


class DuckDBStore(Store):
    """Records in a DuckDB file (default ``voc.duckdb``); safe for several writer processes."""

    def __init__(self, path: str | Path, *, lock_timeout_s: float = 600.0) -> None:
        self.path = Path(path)
        self.url = str(self.path)
        self.lock_timeout_s = lock_timeout_s
        if self.path.parent and not self.path.parent.exists():
            raise StoreError(
                f"cannot create store {self.url!r}: folder {str(self.path.parent)!r} does not exist"
            )
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        self._con: duckdb.DuckDBPyConnection | None = None
        self._depth = 0
        with self.connection() as con:
            con.execute(_DDL)

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Hold the file lock and one open connection for the duration of the block (re-entrant)."""
        if self._con is not None:
            self._depth += 1
            try:
                yield self._con
            finally:
                self._depth -= 1
            return
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + self.lock_timeout_s
            self._acquire(fd, deadline)
            con = self._connect(deadline)
            self._con = con
            try:
                yield con
            finally:
                self._con = None
                con.close()
        finally:
            os.close(fd)  # releases the flock

    def _connect(self, deadline: float) -> duckdb.DuckDBPyConnection:
        """Open the file, waiting out another process's DuckDB lock until ``deadline``."""
        delay = 0.05
        while True:
            try:
                return duckdb.connect(str(self.path))
            except duckdb.Error as exc:
                if not _lock_conflict(exc):
                    raise StoreError(f"cannot open DuckDB store {self.url!r}: {exc}") from exc
                if time.monotonic() > deadline:
                    raise StoreLockedError(
                        f"store {self.url!r} stayed locked by another process for "
                        f"{self.lock_timeout_s} s ({exc})"
                    ) from exc
                log.info("store %s is locked by another process; waiting", self.url)
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    def _acquire(self, fd: int, deadline: float) -> None:
        flock_until(
            fd,
            deadline,
            f"store {self.url!r} stayed locked by another process for {self.lock_timeout_s} s",
        )

    def _upsert_batch(self, records: Sequence[Record]) -> int:
        table = to_arrow(records)
        with self.connection() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                con.register("_cx_batch", table)
                cols = ", ".join(COLUMNS)
                con.execute(f"INSERT OR REPLACE INTO records ({cols}) SELECT {cols} FROM _cx_batch")
                con.unregister("_cx_batch")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return table.num_rows

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.connection() as con:
            try:
                return con.execute(sql, list(params)).fetchall()
            except duckdb.Error as exc:
                raise StoreError(f"query failed on {self.url!r}: {exc}") from exc

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self.connection() as con:
            try:
                con.execute(sql, list(params))
            except duckdb.Error as exc:
                raise StoreError(f"statement failed on {self.url!r}: {exc}") from exc

    def read_query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._read_only() as con:
            return con.execute(sql, list(params)).fetchall()

    def to_arrow(self, *, where: str | None = None, params: Sequence[Any] = ()) -> pa.Table:
        clause = f" WHERE ({check_where(where)})" if where is not None else ""
        with self._read_only() as con:
            return fetch_arrow(con, f"SELECT {', '.join(COLUMNS)} FROM records{clause}", params)

    @contextmanager
    def _read_only(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection inside a read-only transaction (user filters cannot change data)."""
        with self.connection() as con:
            try:
                con.execute("BEGIN TRANSACTION READ ONLY")
                try:
                    yield con
                finally:
                    con.execute("ROLLBACK")
            except duckdb.Error as exc:
                raise StoreError(f"query failed on {self.url!r}: {exc}") from exc


def _lock_conflict(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set lock" in text)
