"""Per-crawl shared state (seen-store, text ops) created once per crawler, closed with it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals

from .dedupe import StoreNearDuplicates
from .seen import SeenStore, open_seen_store
from .textops import TextOps, load_text_ops

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["CrawlState", "crawl_state"]

log = logging.getLogger(__name__)


@dataclass
class CrawlState:
    seen: SeenStore
    settings: Any
    _ops: TextOps | None = None
    _near_dups: StoreNearDuplicates | None = None

    @property
    def ops(self) -> TextOps:
        if self._ops is None:
            self._ops = load_text_ops(
                self.settings.get("CX_TEXT_OPS", "crawlers.textops:cxtext_ops")
            )
        return self._ops

    @property
    def near_dups(self) -> StoreNearDuplicates:
        """The store-backed near-duplicate index (shared by the crawl's sources when the
        ``CX_NEAR_DUPS`` setting carries one), loaded on first use."""
        if self._near_dups is None:
            shared = self.settings.get("CX_NEAR_DUPS")
            self._near_dups = (
                shared
                if isinstance(shared, StoreNearDuplicates)
                else StoreNearDuplicates(str(self.settings.get("CX_OUT", "voc.duckdb")))
            )
            threshold = self.settings.getfloat("CX_NEAR_DUP_THRESHOLD", 0.9)
            self._near_dups.load(lambda: self.ops.near_duplicates(threshold))
        return self._near_dups


def crawl_state(crawler: Crawler) -> CrawlState:
    """The crawler's :class:`CrawlState`, created on first use and closed with the spider."""
    state = getattr(crawler, "_cx_state", None)
    if state is None:
        settings = crawler.settings
        out = Path(str(settings.get("CX_OUT", "voc.duckdb")))
        seen_url = settings.get("CX_SEEN") or str(
            out.with_name(out.name + ".state") / "seen.sqlite"
        )
        seen = open_seen_store(
            seen_url, prefix=settings.get("CX_SEEN_PREFIX", "cx:social:seen:default")
        )
        state = CrawlState(seen=seen, settings=settings)
        crawler._cx_state = state  # type: ignore[attr-defined]

        def _close() -> None:
            seen.close()

        crawler.signals.connect(_close, signal=signals.engine_stopped, weak=False)
    return state
