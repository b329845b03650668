"""Forums (XenForo 1/2, vBulletin, phpBB, Discourse-style, or any board with thread links):
thread lists, then every page of each changed thread.

The page layout comes from ``selectors.preset`` (``auto``: the first preset that finds threads
or posts on the page, then the generic fallback that picks thread links by URL pattern), with
the source's own selectors on top.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import scrapy
from scrapy.http import Response, TextResponse

from ..extract import (
    alternatives,
    body_text,
    element_selector,
    first_text,
    page_title,
    pick,
    select,
    strip_byline,
)
from ..presets import PRESETS, SelectorSet, thread_link_pattern
from .base import SourceSpider, canonical_url

__all__ = ["ForumSpider"]

_THREAD_ID = (
    re.compile(r"/threads/(?:[^/]*\.)?(\d+)"),
    re.compile(r"/t/[^/]+/(\d+)"),
    re.compile(r"[?&]t=(\d+)"),
    re.compile(r"thread-(\d+)"),
    re.compile(r"-t(\d+)"),
    re.compile(r"/threads/(\d+)"),
    re.compile(r"/(\d+)(?:[-./][^/]*)?/?$"),
)
_PAGE_SUFFIX = re.compile(r"(?<=/)page[-/]?\d+/?$|-page-?\d+(?=\.html?$)")
_PAGE_PARAMS = {"page", "start"}
_POST_ID_ATTRS = ("data-content", "data-post-id", "data-post-number", "id")
_ORDER = ("xenforo2", "xenforo1", "vbulletin", "phpbb", "discourse")


class ForumSpider(SourceSpider):
    """Start URLs are forum (thread list) pages or thread pages.

    A thread is revisited only when its line in the list changed (last post time, replies);
    its pages are then read in order and the thread is marked done after the last one.
    """

    name = "cx_forum"
    source_type = "forum"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        selectors = self.source.selectors
        names = [selectors.preset] if selectors.preset != "auto" else [*_ORDER, "generic"]
        overrides = selectors.overrides()
        self.layouts = [PRESETS[n].merged(overrides) for n in names]
        self._explicit_links = "thread_links" in overrides
        self._links_re = thread_link_pattern(self.source.follow)

    # -- layout ----------------------------------------------------------------------------
    def _posts(self, page: TextResponse, layout: SelectorSet) -> list[tuple[Any, Any]]:
        """(post, body) pairs: the alternative of ``layout.post`` that finds most posts."""
        best: list[tuple[Any, Any]] = []
        for alt in alternatives(layout.post or ""):
            found = []
            for node in select(page, alt):
                bodies = pick(node, layout.post_body)
                found.append((node, bodies[0] if bodies else None))
            if sum(b is not None for _, b in found) > sum(b is not None for _, b in best):
                best = found
        return best

    def _thread_layout(self, page: TextResponse, *, generic: bool = True) -> SelectorSet | None:
        for layout in self.layouts:
            if layout.name == "generic" and not generic:
                continue
            if any(body is not None for _, body in self._posts(page, layout)):
                return layout
        return None

    def _thread_links(
        self, page: TextResponse, layout: SelectorSet
    ) -> list[tuple[str, str | None]]:
        """(thread URL, change marker or None) of each thread listed on the page."""
        out: dict[str, tuple[str, str | None]] = {}
        rows = pick(page, layout.thread_row) if layout.thread_row else []
        if rows:
            for row in rows:
                href = first_text(row, layout.thread_links)
                if not href:
                    self.malformed(page, "thread_row_without_link")
                    continue
                url = page.urljoin(href)
                marker = "|".join(_all(row, layout.thread_marker)) or None
                out.setdefault(_thread_key(url), (url, marker))
            return list(out.values())
        if layout.name != "generic" and not self._explicit_links:
            return []
        filtered = layout.name == "generic" and not self._explicit_links or self.source.follow
        own = _thread_key(page.url)
        for href in _all_of_first(page, layout.thread_links):
            url = page.urljoin(href)
            if not url.startswith("http") or (filtered and not self._links_re.search(url)):
                continue
            key = _thread_key(url)
            if key != own:
                out.setdefault(key, (url.split("#", 1)[0], None))
        return list(out.values())

    # -- callbacks -------------------------------------------------------------------------
    def parse_start(self, response: Response) -> Iterator[Any]:
        page = self.text_response(response)
        if page is None:
            return
        if self._thread_layout(page, generic=False) is not None:
            yield from self.parse_thread(page)
        elif any(self._thread_links(page, lay) for lay in self.layouts if lay.name != "generic"):
            yield from self.parse_forum(page)
        elif self._links_re.search(page.url) and self._thread_layout(page) is not None:
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
        layout, links = self.layouts[-1], []
        for layout in self.layouts:
            links = self._thread_links(page, layout)
            if links:
                break
        if not links:
            self.malformed(page, "forum_without_threads")
        for url, marker in links:
            self.found("links")
            yield scrapy.Request(
                url,
                callback=self.parse_thread,
                meta={"cx_marker": marker, "cx_page_key": _thread_key(url)},
            )
        nxt = self._next(page, layout, self.parse_forum, carry=False)
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
        layout = self._thread_layout(page)
        posts = self._posts(page, layout) if layout is not None else []
        if not posts:
            self.malformed(page, "thread_without_posts")
        self.content_page(empty=not any(body is not None for _, body in posts))
        host = urlsplit(page.url).netloc
        key = page.meta.get("cx_page_key") or _thread_key(page.url)
        thread_id = _thread_id(page.url)
        title = page_title(page.selector)
        assert layout is not None or not posts
        exclude = (
            element_selector(layout.post_author) + element_selector(layout.post_time)
            if layout
            else []
        )
        for post, body in posts:
            assert layout is not None
            raw_id = next((post.attrib[a] for a in _POST_ID_ATTRS if post.attrib.get(a)), "")
            post_id = re.sub(r"\D", "", raw_id)
            if body is None:
                self.malformed(page, "post_without_id_or_body", raw_id)
                continue
            author = first_text(post, layout.post_author)
            published = first_text(post, layout.post_time)
            text, quoted = body_text(body, exclude=exclude)
            text = strip_byline(text, author)
            if not post_id:
                digest = hashlib.blake2b(f"{author}\x1f{published}\x1f{text}".encode())
                post_id = digest.hexdigest()[:16]
            native = (
                f"{host}:post:{post_id}"
                if layout.post_id_scope == "site" and raw_id
                else f"{key}#post-{post_id}"
            )
            self.found("items")
            yield self.loader(
                page,
                kind="post",
                native_id=native,
                url=f"{canonical_url(page.url)}#post-{post_id}",
                title=title,
                text=text,
                quoted_text=quoted or None,
                author=author,
                published_at=published,
                thread_id=thread_id,
            ).load_item()
        nxt = self._next(page, layout or self.layouts[0], self.parse_thread, carry=True)
        if nxt is not None:
            yield nxt
        else:
            marker = page.meta.get("cx_thread_marker", page.meta.get("cx_marker"))
            yield self.page_done(key, marker)

    def _next(
        self, page: TextResponse, layout: SelectorSet, callback: Any, *, carry: bool
    ) -> scrapy.Request | None:
        href = first_text(page, layout.next_page)
        if not href:
            return None
        url = page.urljoin(href)
        if canonical_url(url) == canonical_url(page.url):
            return None
        meta = {}
        if carry:  # thread pages pass the thread's marker on; only the last page commits it
            marker = page.meta.get("cx_thread_marker", page.meta.get("cx_marker"))
            meta = {
                "cx_thread_marker": marker,
                "cx_page_key": page.meta.get("cx_page_key") or _thread_key(page.url),
            }
        return scrapy.Request(url, callback=callback, meta=meta)


def _all(node: Any, selector: str | None) -> list[str]:
    out = []
    for alt in alternatives(selector or ""):
        out += [v.strip() for v in select(node, alt).getall() if v and v.strip()]
    return out


def _all_of_first(node: Any, selector: str | None) -> list[str]:
    for alt in alternatives(selector or ""):
        found = [v.strip() for v in select(node, alt).getall() if v and v.strip()]
        if found:
            return found
    return []


def _thread_id(url: str) -> str | None:
    for pattern in _THREAD_ID:
        match = pattern.search(url)
        if match:
            return match.group(1)
    return None


def _thread_key(url: str) -> str:
    """The thread's URL without its page number (one key for all pages of a thread)."""
    parts = urlsplit(canonical_url(url))
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k not in _PAGE_PARAMS])
    path = _PAGE_SUFFIX.sub("", parts.path) or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))
