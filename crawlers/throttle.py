"""AutoThrottle that counts a revalidated page (304 Not Modified) as a normal answer.

Scrapy's AutoThrottle never lowers a slot's delay on a response other than 200, so an
incremental night, whose answers are mostly 304s, keeps the start delay throughout and runs
slower than the first night. A 304 is a full answer from the server (it did the work of checking
the page), so its latency says as much about the server's load as a 200's.
"""

from __future__ import annotations

from typing import Any

from scrapy.extensions.throttle import AutoThrottle

__all__ = ["RevalidationAwareAutoThrottle"]


class RevalidationAwareAutoThrottle(AutoThrottle):
    def _adjust_delay(self, slot: Any, latency: float, response: Any) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)
