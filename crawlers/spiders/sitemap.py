"""Sitemaps (and sitemap indexes): the pages they list, skipped while ``lastmod`` is unchanged."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from .base import SourceSpider

__all__ = ["SitemapSpider"]


class SitemapSpider(SourceSpider):
    """Pages listed in a sitemap; a sitemap index leads to its sitemaps."""

    name = "cx_sitemap"
    source_type = "sitemap"

    def parse_start(self, response: Response) -> Iterator[Any]:
        """
        @url http://127.0.0.1:8000/sitemap.xml
        @returns requests 20
        @returns items 0 0
        """
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body)
            except OSError as exc:
                self.malformed(response, "bad_gzip_sitemap", str(exc))
                return
        try:
            sitemap = Sitemap(body)
        except Exception as exc:  # noqa: BLE001 - lxml raises many kinds on garbage
            self.malformed(response, "unparsable_sitemap", str(exc))
            return
        follow = re.compile(self.source.follow) if self.source.follow else None
        count = 0
        for entry in sitemap:
            loc = (entry.get("loc") or "").strip()
            if not loc:
                continue
            count += 1
            if sitemap.type == "sitemapindex":
                yield scrapy.Request(response.urljoin(loc), callback=self.parse_start)
            elif follow is None or follow.search(loc):
                yield self.article_request(response.urljoin(loc), marker=entry.get("lastmod"))
        if count == 0:
            self.malformed(response, "sitemap_without_urls")
