"""The store interface shared by DuckDB, PostgreSQL and file sinks."""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, Self

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import StoreError
from ..record import Record
from ._rows import dedupe_last, table_to_records, to_arrow
from ._where import check_where

log = logging.getLogger(__name__)

ExportFormat = Literal["parquet", "jsonl"]


@dataclass(frozen=True)
class StoreStats:
    """Counts over a store's records."""

    total: int
    by_source: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    by_brand: dict[str, int] = field(default_factory=dict)
    by_sentiment: dict[str, int] = field(default_factory=dict)
    first_occurred_at: str | None = None
    last_occurred_at: str | None = None

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


_STATS_SQL = {
    "by_source": "SELECT source, count(*) FROM records GROUP BY 1 ORDER BY 2 DESC",
    "by_channel": "SELECT channel, count(*) FROM records GROUP BY 1 ORDER BY 2 DESC",
    "by_brand": "SELECT coalesce(brand, '(none)'), count(*) FROM records GROUP BY 1 ORDER BY 2 DESC",
    "by_sentiment": "SELECT coalesce(sentiment_label, '(none)'), count(*) FROM records GROUP BY 1 ORDER BY 2 DESC",
}


class Store(ABC):
    """Where VoC records live. Writes are idempotent upserts by ``record_id``.

    Use as a context manager, or call :meth:`close` when done.
    """

    url: str

    # -- writing ---------------------------------------------------------------------------
    def upsert(self, records: Iterable[Record], *, batch_size: int = 10_000) -> int:
        """Insert or replace records, one transaction per batch; returns how many were written.

        A batch is all or nothing: a writer killed mid-batch leaves only whole batches stored.
        """
        if batch_size < 1:
            raise StoreError(f"batch_size={batch_size} must be a positive integer")
        written = 0
        batch: list[Record] = []
        for record in records:
            if not isinstance(record, Record):
                raise StoreError(f"upsert takes cxvoc.Record objects, got {type(record).__name__}")
            batch.append(record)
            if len(batch) >= batch_size:
                written += self._upsert_batch(dedupe_last(batch))
                batch = []
        if batch:
            written += self._upsert_batch(dedupe_last(batch))
        return written

    @abstractmethod
    def _upsert_batch(self, records: Sequence[Record]) -> int: ...

    # -- reading ---------------------------------------------------------------------------
    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run SQL (``?`` placeholders) and return the rows; the records table is ``records``."""

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run a statement (DDL or DML on auxiliary tables) in its own transaction."""

    @abstractmethod
    def to_arrow(self, *, where: str | None = None, params: Sequence[Any] = ()) -> pa.Table:
        """Records (optionally filtered by a SQL ``where`` condition) as an Arrow table.

        ``where`` must be one SQL expression (:func:`check_where`) and is run read-only.
        """

    def read_query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """:meth:`query` in a read-only transaction where the backend has them."""
        return self.query(sql, params)

    def count(self, *, where: str | None = None, params: Sequence[Any] = ()) -> int:
        """Records matching ``where`` (one SQL condition, run read-only; see ``check_where``)."""
        clause = f" WHERE ({check_where(where)})" if where is not None else ""
        return int(self.read_query(f"SELECT count(*) FROM records{clause}", params)[0][0])

    def iter_records(
        self, *, where: str | None = None, params: Sequence[Any] = ()
    ) -> Iterator[Record]:
        yield from table_to_records(self.to_arrow(where=where, params=params))

    def get(self, record_id: str) -> Record | None:
        found = list(self.iter_records(where="record_id = ?", params=[record_id]))
        return found[0] if found else None

    def existing_ids(self, record_ids: Iterable[str]) -> set[str]:
        ids = list(dict.fromkeys(record_ids))
        found: set[str] = set()
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            marks = ",".join("?" * len(chunk))
            rows = self.query(f"SELECT record_id FROM records WHERE record_id IN ({marks})", chunk)
            found.update(row[0] for row in rows)
        return found

    def stats(self) -> StoreStats:
        total = self.count()
        parts: dict[str, dict[str, int]] = {}
        for key, sql in _STATS_SQL.items():
            parts[key] = {str(k): int(v) for k, v in self.query(sql)}
        lo, hi = self.query("SELECT min(occurred_at), max(occurred_at) FROM records")[0]
        return StoreStats(
            total=total,
            first_occurred_at=lo.isoformat() if lo is not None else None,
            last_occurred_at=hi.isoformat() if hi is not None else None,
            **parts,
        )

    # -- export ----------------------------------------------------------------------------
    def export(
        self,
        path: str | Path,
        *,
        format: ExportFormat | None = None,
        where: str | None = None,
        params: Sequence[Any] = (),
    ) -> int:
        """Write records to a Parquet or JSONL file (format from the suffix by default)."""
        path = Path(path)
        fmt = format or _format_from_suffix(path)
        table = self.to_arrow(where=where, params=params)
        tmp = path.with_name(path.name + ".partial")
        if fmt == "parquet":
            pq.write_table(table, tmp, compression="zstd")
        elif fmt == "jsonl":
            with tmp.open("w", encoding="utf-8") as fh:
                for record in table_to_records(table):
                    fh.write(json.dumps(record.serialize(), ensure_ascii=False) + "\n")
        else:
            raise StoreError(f"format={fmt!r} is not supported; use 'parquet' or 'jsonl'")
        tmp.replace(path)
        log.info("exported %d records to %s", table.num_rows, path)
        return table.num_rows

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; further use reopens them where the backend allows."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"


def _format_from_suffix(path: Path) -> ExportFormat:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return "parquet"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise StoreError(
        f"cannot tell the export format of {str(path)!r}; use .parquet or .jsonl, or pass format="
    )


__all__ = ["ExportFormat", "Store", "StoreStats", "to_arrow"]
