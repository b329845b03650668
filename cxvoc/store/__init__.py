"""Storage of VoC records: DuckDB (default), PostgreSQL, Parquet and JSONL."""

from __future__ import annotations

from pathlib import Path

from ..errors import StoreError
from ._rows import ARROW_SCHEMA, table_to_records, to_arrow
from .base import ExportFormat, Store, StoreStats

DEFAULT_STORE = "voc.duckdb"

__all__ = [
    "ARROW_SCHEMA",
    "DEFAULT_STORE",
    "ExportFormat",
    "Store",
    "StoreStats",
    "open_store",
    "table_to_records",
    "to_arrow",
]


def open_store(url: str | Path = DEFAULT_STORE, *, lock_timeout_s: float | None = None) -> Store:
    """Open (creating if needed) the store that ``url`` names.

    Accepted: a ``*.duckdb`` path or ``duckdb:///path``; ``postgresql://…`` (add ``?schema=NAME``
    to use a schema other than ``public``); a ``*.parquet`` or ``*.jsonl`` file sink.
    ``lock_timeout_s``: how long a DuckDB or file store waits for another process's lock
    (default 600 s) before :class:`cxvoc.errors.StoreLockedError`.
    """
    opts = {} if lock_timeout_s is None else {"lock_timeout_s": float(lock_timeout_s)}
    text = str(url)
    if text.startswith(("postgresql://", "postgres://")):
        from .postgres_store import PostgresStore

        return PostgresStore(text)
    if text.startswith("duckdb://"):
        text = text.removeprefix("duckdb://")
        text = text[1:] if text.startswith("//") else text
    lower = text.lower()
    if lower.endswith((".duckdb", ".db")):
        from .duckdb_store import DuckDBStore

        return DuckDBStore(text, **opts)
    if lower.endswith((".parquet", ".jsonl", ".ndjson")):
        from .file_store import FileStore

        return FileStore(text, format="parquet" if lower.endswith(".parquet") else "jsonl", **opts)
    raise StoreError(
        f"unsupported store {text!r}: use a .duckdb file, postgresql://…, or a .parquet/.jsonl file"
    )
