"""``cx social check``: a dry run of each source on one page (and, for a listing, the first
page it links to) that shows what every selector found, without storing anything.

Pages are fetched with the crawl's user agent, one at a time; robots.txt is not consulted
(one page per source, by hand). Nothing is written: no store, no HTTP cache, no seen-store.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import require_crawl_extra
from .sources import Source, SourcesConfig

__all__ = ["SourceCheck", "check_source", "check_sources"]

log = logging.getLogger(__name__)

Fetch = Callable[[str], tuple[int, dict[str, str], bytes]]


@dataclass(frozen=True)
class SourceCheck:
    """What one source's selectors found on its first page(s)."""

    source: str
    type: str
    pages: tuple[tuple[str, int], ...]  # (url, HTTP status) fetched
    found: dict[str, Any] = field(default_factory=dict)  # selector or field -> count / sample
    ok: bool = False
    problem: str | None = None

    def serialize(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "type": self.type,
            "pages": [list(p) for p in self.pages],
            "found": self.found,
            "ok": self.ok,
            "problem": self.problem,
        }


def _urllib_fetch(user_agent: str, timeout_s: float = 30.0) -> Fetch:
    def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(url, headers={"User-Agent": user_agent})
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as resp:  # noqa: S310
                return resp.status, dict(resp.headers.items()), resp.read(16 * 1024 * 1024)
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers.items()), b""

    return fetch


def _response(url: str, status: int, headers: Any, body: bytes) -> Any:
    from scrapy.http import Request
    from scrapy.http.response import Response
    from scrapy.responsetypes import responsetypes

    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    response: Response = cls(
        url=url, status=status, headers=headers, body=body, request=Request(url)
    )
    return response


def _sample(value: Any, n: int = 80) -> Any:
    if isinstance(value, str):
        value = " ".join(value.split())
        return value if len(value) <= n else value[: n - 1] + "…"
    return value


def _items(outputs: Iterator[Any]) -> tuple[list[Any], list[Any]]:
    from scrapy import Request

    from .items import SocialItem

    items, requests = [], []
    for out in outputs:
        if isinstance(out, SocialItem):
            items.append(out)
        elif isinstance(out, Request):
            requests.append(out)
    return items, requests


def _describe_items(items: list[Any], found: dict[str, Any], prefix: str) -> None:
    found[f"{prefix}s"] = len(items)
    for key in ("text", "author", "published_at", "title", "quoted_text"):
        with_key = [i for i in items if i.get(key)]
        found[f"{prefix}_{key}"] = len(with_key)
        if with_key:
            found[f"{prefix}_{key}_example"] = _sample(with_key[0][key])


def check_source(source: Source, *, fetch: Fetch) -> SourceCheck:
    """Fetch the source's first start URL (and the first page it links to, for a listing) and
    report what the spider and each selector found there."""
    require_crawl_extra("scrapy")
    from .extract import first_text, pick
    from .spiders import SPIDERS

    spider: Any = SPIDERS[source.type](source=source)
    pages: list[tuple[str, int]] = []
    found: dict[str, Any] = {}

    def get(url: str) -> Any | None:
        try:
            status, headers, body = fetch(url)
        except (OSError, ValueError) as exc:
            pages.append((url, 0))
            found.setdefault("errors", []).append(f"{url}: {exc}")
            return None
        pages.append((url, status))
        if status >= 400:
            found.setdefault("errors", []).append(f"{url}: HTTP {status}")
            return None
        return _response(url, status, headers, body)

    url = source.start_urls[0]
    page = get(url)
    if page is None:
        return SourceCheck(
            source.name, source.type, tuple(pages), found, False, "start page failed"
        )
    if source.type == "forum":
        for layout in spider.layouts:
            links = spider._thread_links(page, layout) if hasattr(page, "css") else []
            posts = spider._posts(page, layout) if hasattr(page, "css") else []
            if links or any(b is not None for _, b in posts):
                found["layout"] = layout.name
                found["thread_links"] = len(links)
                if links:
                    found["thread_links_example"] = links[0][0]
                    found["thread_marker_example"] = links[0][1]
                found["next_page"] = first_text(page, layout.next_page)
                break
        else:
            found["layout"] = None
            found["thread_links"] = 0
    items, requests = _items(spider.parse_start(page))
    if source.type != "forum":
        found["links"] = len(requests)
        if requests:
            found["links_example"] = requests[0].url
        if source.type == "article_list":
            found["next_page"] = first_text(page, source.selectors.next_page)
    if not items and requests:
        follow = next((r for r in requests if r.callback is not None), requests[0])
        second = get(follow.url)
        if second is not None:
            callback = follow.callback or spider.parse_start
            items, _ = _items(callback(second))
            if source.type == "forum":
                layout = spider._thread_layout(second) if hasattr(second, "css") else None
                found["thread_layout"] = layout.name if layout else None
                if layout is not None:
                    posts = spider._posts(second, layout)
                    found["post"] = len(posts)
                    found["post_body"] = sum(b is not None for _, b in posts)
                    found["post_author"] = sum(
                        bool(first_text(p, layout.post_author)) for p, _ in posts
                    )
                    found["post_time"] = sum(
                        bool(first_text(p, layout.post_time)) for p, _ in posts
                    )
            elif hasattr(second, "css") and spider.comment_selectors.comment:
                found["comment"] = len(pick(second, spider.comment_selectors.comment))
    for kind in ("post", "article", "comment"):
        chosen = [i for i in items if i.get("kind") == kind]
        if chosen:
            _describe_items(chosen, found, kind)
    ok = bool(items) and all(i.get("text") for i in items)
    problem = None if ok else "no post, article or comment with text found"
    return SourceCheck(source.name, source.type, tuple(pages), found, ok, problem)


def check_sources(
    config: SourcesConfig, *, only: list[str] | None = None, fetch: Fetch | None = None
) -> list[SourceCheck]:
    """:func:`check_source` for every (or the named) source."""
    require_crawl_extra("scrapy")
    from .settings import USER_AGENT

    fetch = fetch or _urllib_fetch(USER_AGENT)
    chosen = [config.get(n) for n in only] if only else list(config.sources)
    return [check_source(source, fetch=fetch) for source in chosen]
