"""The seen-store of incremental runs: which items (URL/native id + content hash) were already
processed and which pages (or threads) were fully emitted, with the listing's change marker.

Two back ends share one small interface: a SQLite file next to the output store (one machine,
several processes through WAL) and Redis (several machines).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

__all__ = ["RedisSeenStore", "SeenStore", "SqliteSeenStore", "item_key", "open_seen_store"]


def item_key(native_id: str, content_hash: str) -> str:
    """The key of one item version: its native id plus the hash of its content."""
    return hashlib.blake2b(f"{native_id}\x1f{content_hash}".encode(), digest_size=16).hexdigest()


class SeenStore(Protocol):
    def page_marker(self, page_key: str) -> tuple[str, float] | None:
        """The marker stored for a page and when it was stored (unix seconds), or None."""

    def seen_items(self, keys: Sequence[str]) -> set[str]:
        """The subset of ``keys`` already processed."""

    def commit(self, *, items: Iterable[str], pages: Iterable[tuple[str, str]]) -> None:
        """Record processed item keys and (page_key, marker) pairs, in one transaction."""

    def close(self) -> None: ...


class SqliteSeenStore:
    """Seen-store in a SQLite file (WAL mode: several local processes may share it)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._con = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("PRAGMA synchronous=NORMAL")
        self._con.execute("CREATE TABLE IF NOT EXISTS seen_items (key TEXT PRIMARY KEY, at REAL)")
        self._con.execute(
            "CREATE TABLE IF NOT EXISTS seen_pages (page_key TEXT PRIMARY KEY, marker TEXT, at REAL)"
        )

    def page_marker(self, page_key: str) -> tuple[str, float] | None:
        row = self._con.execute(
            "SELECT marker, at FROM seen_pages WHERE page_key = ?", (page_key,)
        ).fetchone()
        return (row[0], float(row[1])) if row else None

    def seen_items(self, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        keys = list(keys)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._con.execute(f"SELECT key FROM seen_items WHERE key IN ({marks})", chunk)
            found.update(r[0] for r in rows)
        return found

    def commit(self, *, items: Iterable[str], pages: Iterable[tuple[str, str]]) -> None:
        now = time.time()
        con = self._con
        con.execute("BEGIN IMMEDIATE")
        try:
            con.executemany(
                "INSERT OR REPLACE INTO seen_items VALUES (?, ?)", [(k, now) for k in items]
            )
            con.executemany(
                "INSERT OR REPLACE INTO seen_pages VALUES (?, ?, ?)",
                [(k, m, now) for k, m in pages],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._con.close()


class RedisSeenStore:
    """Seen-store in Redis under ``<prefix>:items`` (a set) and ``<prefix>:pages`` (a hash)."""

    def __init__(self, url: str, *, prefix: str = "cx:social:seen:default") -> None:
        import redis

        self.url = url
        self.prefix = prefix
        self._r = redis.Redis.from_url(url)
        self._r.ping()

    def page_marker(self, page_key: str) -> tuple[str, float] | None:
        raw = self._r.hget(f"{self.prefix}:pages", page_key)
        if raw is None:
            return None
        marker, at = json.loads(raw)
        return str(marker), float(at)

    def seen_items(self, keys: Sequence[str]) -> set[str]:
        keys = list(keys)
        if not keys:
            return set()
        flags = self._r.smismember(f"{self.prefix}:items", keys)
        return {k for k, f in zip(keys, flags, strict=True) if f}

    def commit(self, *, items: Iterable[str], pages: Iterable[tuple[str, str]]) -> None:
        items = list(items)
        now = time.time()
        mapping: dict[Any, Any] = {k: json.dumps([m, now]) for k, m in pages}
        pipe = self._r.pipeline(transaction=True)
        if items:
            pipe.sadd(f"{self.prefix}:items", *items)
        if mapping:
            pipe.hset(f"{self.prefix}:pages", mapping=mapping)
        pipe.execute()

    def close(self) -> None:
        self._r.close()


def open_seen_store(url: str | Path, *, prefix: str = "cx:social:seen:default") -> SeenStore:
    """``redis://…`` opens a :class:`RedisSeenStore`; anything else is a SQLite file path."""
    text = str(url)
    if text.startswith(("redis://", "rediss://", "unix://")):
        return RedisSeenStore(text, prefix=prefix)
    return SqliteSeenStore(text)
