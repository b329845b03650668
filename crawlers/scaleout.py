"""Scale-out with scrapy-redis: several crawler processes share each source's frontier and
dupefilter (keyed by run id) and one seen-store in Redis.

scrapy-redis closes a spider as soon as the shared queue is empty, even while another process
is still parsing a page that will add requests. :class:`SharedFrontierExtension` keeps a spider
open while the queue has requests or another worker of the same run is busy (a heartbeat key
with a TTL, so a crashed worker stops holding the others), and lets the run's keys expire.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["SharedFrontierExtension"]

log = logging.getLogger(__name__)

_BUSY_TTL_S = 30
_KEEP_S = 3 * 86400
_POLL_S = 0.5


class SharedFrontierExtension:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.get("REDIS_URL") or "scrapy_redis" not in str(settings.get("SCHEDULER")):
            raise NotConfigured("not a scrapy-redis crawl")
        import redis

        self.crawler = crawler
        self.redis = redis.Redis.from_url(settings.get("REDIS_URL"))
        self.queue_key = str(settings.get("SCHEDULER_QUEUE_KEY"))
        self.dupefilter_key = str(settings.get("SCHEDULER_DUPEFILTER_KEY"))
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.max_wait_s = settings.getfloat("CX_REDIS_MAX_IDLE_WAIT_S", 600.0)
        self._idle_since: float | None = None
        self._last_beat = 0.0
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.beat, signal=signals.response_received)
        crawler.signals.connect(self.beat, signal=signals.request_scheduled)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedFrontierExtension:
        return cls(crawler)

    def _keys(self, spider: Any) -> tuple[str, str, str]:
        name = {"spider": spider.name}
        queue = self.queue_key % name
        return queue, self.dupefilter_key % name, queue.rsplit(":", 1)[0] + ":busy:"

    def spider_opened(self, spider: Any) -> None:
        """Join the run: list this worker under ``…:<source>:workers`` and mark it busy."""
        self._busy_prefix = self._keys(spider)[2]
        workers = self._busy_prefix.removesuffix("busy:") + "workers"
        self.redis.sadd(workers, self.worker)
        self.redis.expire(workers, _KEEP_S)
        self.beat(force=True)

    def beat(self, *args: Any, force: bool = False, **kwargs: Any) -> None:
        now = time.monotonic()
        if force or now - self._last_beat > 5.0:
            self._last_beat = now
            self._idle_since = None
            self.redis.set(self._busy_prefix + self.worker, 1, ex=_BUSY_TTL_S)

    def spider_idle(self, spider: Any) -> None:
        queue, _, busy = self._keys(spider)
        self.redis.delete(busy + self.worker)
        self._last_beat = 0.0
        others = [k for k in self.redis.scan_iter(match=busy + "*", count=100)]
        if self.redis.exists(queue) or others:
            now = time.monotonic()
            self._idle_since = self._idle_since or now
            if now - self._idle_since < self.max_wait_s:
                log.debug(
                    "%s: waiting for %d other worker(s) of this run", spider.name, len(others)
                )
                slot = getattr(self.crawler.engine, "_slot", None)
                if slot is not None:  # poll the shared queue soon, not at the 5 s heartbeat
                    slot.nextcall.schedule(_POLL_S)
                raise DontCloseSpider("other workers of this run are busy")

    def spider_closed(self, spider: Any, reason: str) -> None:
        queue, dupefilter, busy = self._keys(spider)
        pipe = self.redis.pipeline()
        pipe.delete(busy + self.worker)
        pipe.expire(dupefilter, _KEEP_S)
        pipe.expire(queue, _KEEP_S)
        pipe.execute()
