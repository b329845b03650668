"""Article pages: main text (trafilatura), title, time, author, and comments."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from parsel import Selector

__all__ = ["Article", "Comment", "extract_article", "own_text"]

log = logging.getLogger(__name__)

_TIME_XPATHS = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//meta[@name='pubdate']/@content",
    "//*[@itemprop='datePublished']/@datetime",
    "//article//time/@datetime",
    "//time/@datetime",
)


@dataclass(frozen=True)
class Comment:
    comment_id: str
    author: str | None
    published_at: str | None
    text: str
    quoted_text: str | None

    def serialize(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass(frozen=True)
class Article:
    url: str
    title: str | None
    text: str | None
    published_at: str | None
    author: str | None
    comments: tuple[Comment, ...] = ()

    def serialize(self) -> dict[str, Any]:
        data = self.__dict__.copy()
        data["comments"] = [c.serialize() for c in self.comments]
        return data


def own_text(node: Selector) -> tuple[str, str]:
    """(own words, quoted words) of a post body: text inside ``blockquote`` is the quote."""
    own = node.xpath(
        ".//text()[not(ancestor::blockquote) and not(ancestor::script) and not(ancestor::style)"
        " and not(ancestor::*[contains(@class, 'bbCodeBlock-title')])]"
    ).getall()
    quoted = node.xpath(
        ".//blockquote//text()[not(ancestor::*[contains(@class, 'bbCodeBlock-title')])]"
    ).getall()
    return _join(own), _join(quoted)


def _join(parts: list[str]) -> str:
    return "\n".join(p.strip() for p in parts if p.strip())


def extract_article(sel: Selector, *, url: str, comment_selector: str | None) -> Article:
    """Extract an article from a parsed page (``response.selector``)."""
    canonical = (
        sel.xpath("//link[@rel='canonical']/@href").get()
        or sel.xpath("//meta[@property='og:url']/@content").get()
        or url
    )
    title = (
        sel.xpath("//meta[@property='og:title']/@content").get()
        or sel.xpath("//h1//text()").get()
        or sel.xpath("//title/text()").get()
    )
    published = next((v for x in _TIME_XPATHS if (v := sel.xpath(x).get())), None)
    author = (
        sel.xpath("//meta[@name='author']/@content").get()
        or sel.xpath("//*[@rel='author']//text()").get()
    )
    comments: list[Comment] = []
    if comment_selector:
        for node in sel.css(comment_selector):
            cid = node.attrib.get("data-comment-id") or node.attrib.get("id")
            body = node.css(".comment-content, .comment-body") or [node]
            text, quoted = own_text(body[0])
            if not cid or not text:
                continue
            comments.append(
                Comment(
                    comment_id=cid,
                    author=node.attrib.get("data-author")
                    or node.css(".comment-author::text").get(),
                    published_at=node.css("time::attr(datetime)").get(),
                    text=text,
                    quoted_text=quoted or None,
                )
            )
    return Article(
        url=canonical,
        title=title,
        text=_main_text(sel, url=url),
        published_at=published,
        author=author,
        comments=tuple(comments),
    )


def _main_text(sel: Selector, *, url: str) -> str | None:
    import trafilatura

    html = sel.get()
    text = trafilatura.extract(
        html,
        url=url,
        include_comments=False,
        include_tables=False,
        deduplicate=False,
        favor_precision=True,
        with_metadata=False,
    )
    if text:
        return text
    paras = (
        sel.xpath("//article//p//text()[not(ancestor::*[contains(@class,'comment')])]").getall()
        or sel.xpath("//p//text()").getall()
    )
    return _join(paras) or None
