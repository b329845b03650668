"""XenForo-style forums: thread lists, then every page of each changed thread."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from ..extract import own_text
from .base import SourceSpider, canonical_url

__all__ = ["ForumSpider"]

_THREAD_ID = re.compile(r"/threads/(?:[^/]*\.)?(\d+)")
_PAGE_SUFFIX = re.compile(r"page-\d+/?$")


class ForumSpider(SourceSpider):
    """Start URLs are forum (thread list) pages or thread pages.

    A thread is revisited only when its line in the list changed (last post time, replies);
    its pages are then read in order and the thread is marked done after the last one.
    """

    name = "cx_forum"
    source_type = "forum"

    def parse_start(self, response: Response) -> Iterator[Any]:
        page = self.text_response(response)
        if page is None:
            return
        if page.css("article.message"):
            yield from self.parse_thread(page)
        else:
            yield from self.parse_forum(page)

    def parse_forum(self, response: Response) -> Iterator[Any]:
        """A thread list: one request per thread (with its marker), then the next list page.

        @url http://127.0.0.1:8000/forums/di-dong.1/
        @returns requests 15
        @returns items 0 0
        """
        page = self.text_response(response)
        if page is None:
            return
        rows = page.css(".structItem--thread")
        if not rows:
            self.malformed(page, "forum_without_threads")
        for row in rows:
            href = row.css(".structItem-title a::attr(href)").get()
            if not href:
                self.malformed(page, "thread_row_without_link")
                continue
            url = page.urljoin(href)
            latest = (
                row.css(".structItem-latestDate::attr(datetime)").get()
                or row.css(".structItem-latestDate::attr(data-time)").get()
            )
            replies = row.css(".structItem-cell--meta dd::text").get()
            marker = f"{latest}|{(replies or '').strip()}" if latest else None
            key = _thread_key(url)
            yield scrapy.Request(
                url, callback=self.parse_thread, meta={"cx_marker": marker, "cx_page_key": key}
            )
        nxt = self._next(page, self.parse_forum, carry=False)
        if nxt is not None:
            yield nxt

    def parse_thread(self, response: Response) -> Iterator[Any]:
        """A thread page: its posts, then the next page or (last page) the thread's PageDone.

        @url http://127.0.0.1:8000/threads/hoi-dap-nha-mang-0.100/
        @returns items 2
        """
        page = self.text_response(response)
        if page is None:
            return
        posts = page.css("article.message")
        if not posts:
            self.malformed(page, "thread_without_posts")
        host = urlsplit(page.url).netloc
        match = _THREAD_ID.search(page.url)
        thread_id = match.group(1) if match else None
        title = page.css("h1.p-title-value::text, h1::text").get()
        for post in posts:
            raw_id = post.attrib.get("data-content") or post.attrib.get("id") or ""
            post_id = re.sub(r"\D", "", raw_id)
            body = post.css(".message-body .bbWrapper, .bbWrapper")
            if not post_id or not body:
                self.malformed(page, "post_without_id_or_body", raw_id)
                continue
            text, quoted = own_text(body[0])
            yield self.loader(
                page,
                kind="post",
                native_id=f"{host}:post:{post_id}",
                url=f"{canonical_url(page.url)}#post-{post_id}",
                title=title,
                text=text,
                quoted_text=quoted or None,
                author=post.attrib.get("data-author") or post.css(".username::text").get(),
                published_at=post.css("time.u-dt::attr(datetime)").get()
                or post.css("time::attr(datetime)").get(),
                thread_id=thread_id,
            ).load_item()
        nxt = self._next(page, self.parse_thread, carry=True)
        if nxt is not None:
            yield nxt
        else:
            marker = page.meta.get("cx_thread_marker", page.meta.get("cx_marker"))
            yield self.page_done(page.meta.get("cx_page_key") or _thread_key(page.url), marker)

    def _next(self, page: TextResponse, callback: Any, *, carry: bool) -> scrapy.Request | None:
        href = page.css("a.pageNav-jump--next::attr(href)").get()
        if not href:
            return None
        meta = {}
        if carry:  # thread pages pass the thread's marker on; only the last page commits it
            marker = page.meta.get("cx_thread_marker", page.meta.get("cx_marker"))
            meta = {
                "cx_thread_marker": marker,
                "cx_page_key": page.meta.get("cx_page_key") or _thread_key(page.url),
            }
        return scrapy.Request(page.urljoin(href), callback=callback, meta=meta)


def _thread_key(url: str) -> str:
    return _PAGE_SUFFIX.sub("", canonical_url(url))
