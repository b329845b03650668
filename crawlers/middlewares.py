"""Spider middlewares: incremental filtering and malformed-page accounting.

``IncrementalMiddleware`` drops, before they reach the pipeline, items whose native id and
content hash were processed by an earlier run, and requests whose listing marker (RSS guid and
date, sitemap ``lastmod``, forum thread's last post) is unchanged since the page was last fully
emitted. Everything else is requested; the RFC 2616 HTTP cache turns unchanged pages into
conditional requests answered 304.
"""

from __future__ import annotations

import hashlib
import logging
import time
import unicodedata
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from .items import SocialItem
from .seen import item_key
from .state import crawl_state

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

__all__ = ["IncrementalMiddleware", "MalformedPageMiddleware", "content_hash"]

log = logging.getLogger(__name__)


def content_hash(item: SocialItem) -> str:
    """Hash of what an item says (title, own text, quoted text), NFC-normalized."""
    parts = [item.get("title") or "", item.get("text") or "", item.get("quoted_text") or ""]
    blob = unicodedata.normalize("NFC", "\x1f".join(parts)).encode()
    return hashlib.blake2b(blob, digest_size=16).hexdigest()


class IncrementalMiddleware(BaseSpiderMiddleware):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.state = crawl_state(crawler)
        self.stats = crawler.stats

    def get_processed_item(self, item: Any, response: Response | None) -> Any:
        if not isinstance(item, SocialItem) or not item.get("native_id"):
            return item
        item["content_hash"] = content_hash(item)
        item["seen_key"] = item_key(item["native_id"], item["content_hash"])
        if self.state.seen.seen_items([item["seen_key"]]):
            self.stats.inc_value("cx/incremental/unchanged_items")
            return None
        return item

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        marker = request.meta.get("cx_marker")
        if not marker:
            return request
        stored = self.state.seen.page_marker(request.meta.get("cx_page_key") or request.url)
        if stored is None or stored[0] != marker:
            return request
        spider = self.crawler.spider
        source = getattr(spider, "source", None)
        recheck_s = 86400.0 * (source.limits.recheck_days if source is not None else 7.0)
        if recheck_s and time.time() - stored[1] > recheck_s:
            self.stats.inc_value("cx/incremental/rechecked_requests")
            return request
        self.stats.inc_value("cx/incremental/skipped_requests")
        return None


class MalformedPageMiddleware:
    """A callback that raises is logged with its URL and counted; the spider goes on."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MalformedPageMiddleware:
        return cls(crawler)

    def process_spider_exception(
        self, response: Response, exception: Exception
    ) -> list[Any] | None:
        from scrapy.spidermiddlewares.httperror import HttpError

        if isinstance(exception, HttpError):  # counted by Scrapy under httperror/
            return None
        name = type(exception).__name__
        self.stats.inc_value("cx/malformed/pages")
        self.stats.inc_value(f"cx/malformed/exception/{name}")
        log.warning("malformed page %s (%s: %s); skipped", response.url, name, exception)
        return []
