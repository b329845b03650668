"""Near-duplicates across sources and across nights, remembered by the VoC store.

Two auxiliary tables live in the store next to ``records`` (DuckDB or PostgreSQL):

* ``social_fingerprints(record_id, source_name, fingerprint, first_seen)``: the comparison
  form of every stored social record (its social-normalized text with PII masked, the same
  masking as the stored text), loaded into the near-duplicate index when a crawl starts;
* ``social_duplicates(record_id, duplicate_of, source_name, url, seen_at)``: each repost that
  was not stored as a record of its own, linked to the first record that said it.

One :class:`StoreNearDuplicates` is shared by every source of a crawl (``cx social crawl``
passes it in the ``CX_NEAR_DUPS`` setting), so a news comment reposted in a forum the same night
is caught too. A file store (Parquet/JSONL) has no auxiliary tables: the index then lives for
one run only, and a warning says so. Processes of a shared (Redis) run each load the index when
they start; reposts that two of them store in the same night are not compared.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

__all__ = ["DUPLICATES_TABLE", "FINGERPRINTS_TABLE", "StoreNearDuplicates"]

log = logging.getLogger(__name__)

FINGERPRINTS_TABLE = "social_fingerprints"
DUPLICATES_TABLE = "social_duplicates"
_ROWS_PER_INSERT = 200


class StoreNearDuplicates:
    """The crawl's near-duplicate index, loaded from and written back to the store ``out``."""

    def __init__(self, out: str) -> None:
        self.out = out
        self.persistent = False
        self._index: Any = None
        self._links: list[tuple[str, str, str, str]] = []

    def __deepcopy__(self, memo: dict[int, Any]) -> StoreNearDuplicates:
        return self  # Scrapy copies settings per crawler; every source shares this one

    # -- reading ---------------------------------------------------------------------------
    def load(self, make_index: Callable[[], Any]) -> None:
        """Create the index and fill it with the fingerprints in the store (once per crawl)."""
        if self._index is not None:
            return
        from cxvoc import open_store
        from cxvoc.errors import StoreError

        self._index = make_index()
        with open_store(self.out) as store:
            try:
                _create_tables(store)
                rows = store.query(
                    f"SELECT record_id, fingerprint FROM {FINGERPRINTS_TABLE} "
                    "ORDER BY first_seen, record_id"
                )
            except StoreError as exc:
                log.warning(
                    "%s keeps no near-duplicate index (%s); reposts are compared within this "
                    "run only",
                    self.out,
                    exc,
                )
                return
        self.persistent = True
        keys, texts = [str(r[0]) for r in rows], [str(r[1]) for r in rows]
        if keys and hasattr(self._index, "add_many"):
            self._index.add_many(keys, texts)
        else:
            for key, text in zip(keys, texts, strict=True):
                self._index.add(key, text)
        log.info("near-duplicate index: %d earlier records from %s", len(keys), self.out)

    def check(self, record_id: str, fingerprint: str) -> str | None:
        """The record id of an earlier near-duplicate (another record), or None; then the text
        is in the index."""
        earlier = self._index.add(record_id, fingerprint)
        return earlier if earlier is not None and earlier != record_id else None

    def link(self, record_id: str, duplicate_of: str, source_name: str, url: str) -> None:
        """Remember that ``record_id`` repeats ``duplicate_of`` (written with the next commit)."""
        self._links.append((record_id, duplicate_of, source_name, url))

    @property
    def pending(self) -> bool:
        """Whether links wait for the next commit."""
        return bool(self._links)

    # -- writing ---------------------------------------------------------------------------
    def commit(self, store: Any, fingerprints: Iterable[tuple[str, str, str]]) -> None:
        """Write (record_id, source_name, fingerprint) of stored records and the pending links."""
        rows = list({rid: (rid, src, fp) for rid, src, fp in fingerprints}.values())
        links = list({link[0]: link for link in self._links}.values())
        self._links = []
        if not self.persistent:
            return
        now = datetime.now(UTC).replace(tzinfo=None)
        for start in range(0, len(rows), _ROWS_PER_INSERT):
            chunk = rows[start : start + _ROWS_PER_INSERT]
            store.execute(
                f"INSERT INTO {FINGERPRINTS_TABLE} VALUES "
                + ", ".join(["(?, ?, ?, ?)"] * len(chunk))
                + " ON CONFLICT (record_id) DO UPDATE SET fingerprint = excluded.fingerprint",
                [v for rid, src, fp in chunk for v in (rid, src, fp, now)],
            )
        for start in range(0, len(links), _ROWS_PER_INSERT):
            some = links[start : start + _ROWS_PER_INSERT]
            store.execute(
                f"INSERT INTO {DUPLICATES_TABLE} VALUES "
                + ", ".join(["(?, ?, ?, ?, ?)"] * len(some))
                + " ON CONFLICT (record_id) DO NOTHING",
                [v for link in some for v in (*link, now)],
            )


def _create_tables(store: Any) -> None:
    store.execute(
        f"CREATE TABLE IF NOT EXISTS {FINGERPRINTS_TABLE} (record_id TEXT PRIMARY KEY, "
        "source_name TEXT, fingerprint TEXT NOT NULL, first_seen TIMESTAMP)"
    )
    store.execute(
        f"CREATE TABLE IF NOT EXISTS {DUPLICATES_TABLE} (record_id TEXT PRIMARY KEY, "
        "duplicate_of TEXT NOT NULL, source_name TEXT, url TEXT, seen_at TIMESTAMP)"
    )
