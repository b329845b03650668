"""RSS 2.0 and Atom feeds, then the article pages they list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from parsel import Selector
from scrapy.http import Response

from .base import SourceSpider

__all__ = ["RssSpider"]


class RssSpider(SourceSpider):
    """Reads each feed and requests the articles whose entry (guid, dates) changed."""

    name = "cx_rss"
    source_type = "rss"

    def parse_start(self, response: Response) -> Iterator[Any]:
        """A feed: one article request per entry.

        @url http://127.0.0.1:8000/rss/so-hoa.rss
        @returns requests 80
        @returns items 0 0
        """
        page = self.text_response(response)
        if page is None:
            return
        sel = Selector(text=page.text, type="xml")
        sel.remove_namespaces()
        entries = sel.xpath("//item") or sel.xpath("//entry")
        if not entries:
            self.malformed(page, "feed_without_entries")
            return
        for entry in entries:
            link = (
                entry.xpath("link/text()").get()
                or entry.xpath("link[@rel='alternate']/@href").get()
                or entry.xpath("link/@href").get()
            )
            if not link or not link.strip():
                self.malformed(page, "feed_entry_without_link")
                continue
            guid = entry.xpath("guid/text()").get() or entry.xpath("id/text()").get() or link
            dates = [
                entry.xpath(f"{tag}/text()").get() or ""
                for tag in ("pubDate", "published", "updated")
            ]
            marker = "|".join([guid.strip(), *(d.strip() for d in dates)])
            yield self.article_request(page.urljoin(link.strip()), marker=marker)
