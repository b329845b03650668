"""The base of every cxkit spider: one source from the sources file, articles, bookkeeping."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.http import Response, TextResponse

from ..extract import CommentSelectors, extract_article
from ..items import PageDone, SocialItem, SocialLoader
from ..presets import PRESETS
from ..sources import Source, load_sources

__all__ = ["SourceSpider", "canonical_url"]

log = logging.getLogger(__name__)


def canonical_url(url: str) -> str:
    """URL without fragment and with a lower-case host (the native id of an article)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


class SourceSpider(scrapy.Spider):
    """Crawls one :class:`~crawlers.sources.Source`.

    Run through ``cx social crawl`` (one crawler per source), or with Scrapy directly:
    ``scrapy crawl cx_rss -a source=NAME -s CX_SOURCES=sources.yaml``.
    """

    source_type: ClassVar[str] = ""

    def __init__(
        self, source: Source | str | None = None, sources: str | None = None, **kwargs: Any
    ) -> None:
        if isinstance(source, str):
            config_path = sources or kwargs.pop("CX_SOURCES", None)
            if not config_path:
                raise ValueError(f"source={source!r} given by name: pass -a sources=FILE too")
            source = load_sources(config_path).get(source)
        if source is None:
            raise ValueError(f"{type(self).__name__} needs source=NAME (and sources=FILE)")
        if source.type != self.source_type:
            raise ValueError(
                f"source {source.name!r} has type {source.type!r}; {type(self).__name__} "
                f"crawls type {self.source_type!r}"
            )
        super().__init__(name=source.name, **kwargs)
        self.source = source
        self.allowed_domains = list(source.allowed_domains)
        self.start_urls = list(source.start_urls)
        sel, defaults = source.selectors, PRESETS["generic"]
        self.comment_selectors = CommentSelectors(
            comment=sel.comment,
            comment_body=sel.comment_body or defaults.comment_body,
            comment_author=sel.comment_author or defaults.comment_author,
            comment_time=sel.comment_time or defaults.comment_time,
        )

    # -- requests ------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse_start)

    def parse_start(self, response: Response) -> Iterator[Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        yield from self.parse_start(response)

    def article_request(self, url: str, *, marker: str | None = None) -> scrapy.Request:
        """A request for an article page, skipped by the incremental middleware when ``marker``
        equals the one stored when the page was last fully emitted."""
        self.found("links")
        return scrapy.Request(
            url,
            callback=self.parse_article,
            meta={"cx_marker": marker, "cx_page_key": canonical_url(url)},
        )

    # -- bookkeeping ---------------------------------------------------------------------
    def malformed(self, response: Response, reason: str, detail: str = "") -> None:
        """Log and count a page that cannot be read as expected; the crawl goes on."""
        self._count("cx/malformed/pages")
        self._count(f"cx/malformed/{reason}")
        log.warning("malformed page %s: %s %s", response.url, reason, detail)

    def found(self, what: str, n: int = 1) -> None:
        """Count what the source yielded before any incremental filtering: ``links`` (articles
        or threads found on listing pages) and ``items`` (posts, articles, comments read). The
        run's health check (:mod:`crawlers.health`) compares them with earlier runs."""
        self._count(f"cx/found/{what}", n)

    def _count(self, key: str, n: int = 1) -> None:
        stats = getattr(getattr(self, "crawler", None), "stats", None)
        if stats is not None:  # a spider used outside a crawl (cx social check) counts nothing
            stats.inc_value(key, n)

    def content_page(self, *, empty: bool) -> None:
        """Count a thread or article page read, and whether it gave no post or text."""
        self.found("content_pages")
        if empty:
            self.found("empty_pages")

    def text_response(self, response: Response) -> TextResponse | None:
        if isinstance(response, TextResponse):
            return response
        self.malformed(response, "not_text", (response.headers.get("Content-Type") or b"").decode())
        return None

    def page_done(self, page_key: str, marker: str | None) -> PageDone:
        return PageDone(source=self.source.name, page_key=page_key, marker=marker or "")

    def loader(self, response: TextResponse, **values: Any) -> SocialLoader:
        loader = SocialLoader(item=SocialItem(), response=response, zone=self.source.zone)
        loader.add_value("source", self.source.name)
        loader.add_value("page_url", response.url)
        for key, value in values.items():
            if value is not None:
                loader.add_value(key, value)
        return loader

    # -- articles ------------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[Any]:
        """An article page: the article, its comments, then its PageDone.

        @url http://127.0.0.1:8000/news/bai-viet-0.html
        @returns items 2
        @returns requests 0 0
        """
        page = self.text_response(response)
        if page is None:
            return
        try:
            article = extract_article(page.selector, url=page.url, comments=self.comment_selectors)
        except ValueError as exc:  # lxml could not build a tree at all
            self.malformed(page, "unparsable_html", str(exc))
            return
        native = canonical_url(article.url if article.url.startswith("http") else page.url)
        self.content_page(empty=not article.text)
        if article.text:
            self.found("items")
            yield self.loader(
                page,
                kind="article",
                native_id=native,
                url=native,
                title=article.title,
                text=article.text,
                author=article.author,
                published_at=article.published_at,
            ).load_item()
        else:
            self.malformed(page, "article_without_text")
        host = urlsplit(native).netloc
        for comment in article.comments:
            self.found("items")
            yield self.loader(
                page,
                kind="comment",
                native_id=f"{host}:comment:{comment.comment_id}",
                url=f"{native}#{comment.comment_id}",
                text=comment.text,
                quoted_text=comment.quoted_text,
                author=comment.author,
                published_at=comment.published_at or article.published_at,
                parent_id=native,
            ).load_item()
        yield self.page_done(
            response.meta.get("cx_page_key") or canonical_url(response.url),
            response.meta.get("cx_marker"),
        )
