"""``article_list`` (listing pages linking to articles) and ``generic`` (article pages) spiders."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from .base import SourceSpider

__all__ = ["ArticleListSpider", "GenericSpider"]


class ArticleListSpider(SourceSpider):
    """Listing pages: links chosen by ``selectors.article_links`` (and the ``follow`` pattern)
    become articles; ``selectors.next_page`` leads to the next listing page.
    """

    name = "cx_article_list"
    source_type = "article_list"

    def parse_start(self, response: Response) -> Iterator[Any]:
        """
        @url http://127.0.0.1:8000/reviews/
        @returns requests 10
        @returns items 0 0
        """
        page = self.text_response(response)
        if page is None:
            return
        follow = re.compile(self.source.follow) if self.source.follow else None
        links = page.css(self.source.selectors.article_links).getall()
        for href in dict.fromkeys(links):
            url = page.urljoin(href)
            if url.startswith("http") and (follow is None or follow.search(url)):
                yield self.article_request(url)
        if self.source.selectors.next_page:
            nxt = page.css(self.source.selectors.next_page).get()
            if nxt:
                yield scrapy.Request(page.urljoin(nxt), callback=self.parse_start)


class GenericSpider(SourceSpider):
    """Start URLs are article pages; links matching ``follow`` are read as articles too."""

    name = "cx_generic"
    source_type = "generic"

    def parse_start(self, response: Response) -> Iterator[Any]:
        """
        @url http://127.0.0.1:8000/news/bai-viet-0.html
        @returns items 2
        """
        yield from self.parse_article(response)
        if self.source.follow:
            page = self.text_response(response)
            if page is None:
                return
            pattern = re.compile(self.source.follow)
            for href in dict.fromkeys(page.css("a::attr(href)").getall()):
                url = page.urljoin(href)
                if pattern.search(url):
                    yield self.article_request(url)
