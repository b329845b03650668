"""Spiders on HtmlResponse fixtures (offline), and their docstring contracts."""

from __future__ import annotations

import unicodedata
import unittest
from typing import Any

import pytest
from scrapy import Request
from scrapy.contracts import ContractsManager
from scrapy.contracts.default import ReturnsContract, UrlContract
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

from crawlers.items import PageDone, SocialItem
from crawlers.sources import parse_sources
from crawlers.spiders import SPIDERS, SourceSpider
from tests.crawlers.fixture_site import FixtureSite

from .conftest import BASE, response_for


def make_spider(kind: str, **extra: Any) -> SourceSpider:
    source = parse_sources(
        {
            "sources": [
                {
                    "name": f"t-{kind.replace('_', '-')}",
                    "type": kind,
                    "start_urls": [BASE + "/"],
                    **extra,
                }
            ]
        }
    ).sources[0]
    cls = SPIDERS[kind]
    crawler = get_crawler(cls)
    spider = cls.from_crawler(crawler, source=source)
    crawler.spider = spider
    return spider


def split(output: Any) -> tuple[list[SocialItem], list[Request], list[PageDone]]:
    out = list(output or [])
    return (
        [o for o in out if isinstance(o, SocialItem)],
        [o for o in out if isinstance(o, Request)],
        [o for o in out if isinstance(o, PageDone)],
    )


def stat(spider: SourceSpider, key: str) -> int:
    return int(spider.crawler.stats.get_value(key, 0))


def test_rss_feed_requests_every_entry_with_marker(site: FixtureSite) -> None:
    spider = make_spider("rss")
    items, requests, _ = split(spider.parse_start(response_for(site, "/rss/so-hoa.rss")))
    assert items == []
    urls = [r.url for r in requests]
    assert len(urls) == len(site.articles) + 7  # the articles and the special pages
    assert urls[0] == BASE + "/news/bai-viet-0.html"
    marker = requests[0].meta["cx_marker"]
    assert marker.startswith(BASE + "/news/bai-viet-0.html|") and "2026" in marker
    assert all(r.callback == spider.parse_article for r in requests)


def test_atom_feed(site: FixtureSite) -> None:
    spider = make_spider("rss")
    _, requests, _ = split(spider.parse_start(response_for(site, "/atom.xml")))
    assert [r.url for r in requests] == [BASE + b["path"] for b in site.blog]
    assert requests[0].meta["cx_marker"].startswith("tag:blog,/blog/0.html|")


def test_garbage_feed_is_counted_not_raised() -> None:
    spider = make_spider("rss")
    response = HtmlResponse(url=BASE + "/rss", body=b"<html><body>not a feed</body></html>")
    assert list(spider.parse_start(response)) == []
    assert stat(spider, "cx/malformed/feed_without_entries") == 1


def test_forum_index_yields_threads_with_markers_and_next_page(site: FixtureSite) -> None:
    spider = make_spider("forum")
    _, requests, _ = split(spider.parse_start(response_for(site, "/forums/di-dong.1/")))
    threads = [r for r in requests if "/threads/" in r.url]
    nxt = [r for r in requests if "/forums/" in r.url]
    assert len(threads) == (len(site.threads) + 2) // 2
    t0 = site.threads[0]
    assert threads[0].url == f"{BASE}/threads/{t0['slug']}.{t0['id']}/"
    assert (
        threads[0].meta["cx_marker"]
        == f"{t0['posts'][-1]['time'].isoformat()}|{len(t0['posts']) - 1}"
    )
    assert threads[0].meta["cx_page_key"] == threads[0].url
    assert [r.url for r in nxt] == [BASE + "/forums/di-dong.1/page-2"]


def _thread_with_quote(site: FixtureSite) -> tuple[dict, int]:
    for t in site.threads:
        for k, p in enumerate(t["posts"][: site.posts_per_page]):
            if p["quote"] is not None and not t["malformed"]:
                return t, k
    raise AssertionError("fixture has no quoting post on a first page")


def test_forum_thread_posts_quotes_and_pagination(site: FixtureSite) -> None:
    t, k = _thread_with_quote(site)
    spider = make_spider("forum")
    url = f"/threads/{t['slug']}.{t['id']}/"
    meta = {"cx_marker": "M1", "cx_page_key": BASE + url}
    items, requests, done = split(spider.parse_thread(response_for(site, url, meta=meta)))
    first_page = t["posts"][: site.posts_per_page]
    assert [i["native_id"] for i in items] == [f"127.0.0.1:8000:post:{p['id']}" for p in first_page]
    post, item = first_page[k], items[k]
    assert item["text"] == post["text"]  # the post's own words only
    assert item["quoted_text"] == post["quote"]["text"]  # the quote, apart
    assert item["author"] == post["author"]
    assert item["published_at"] == post["time"].isoformat()
    assert item["thread_id"] == str(t["id"])
    assert item["kind"] == "post" and item["source"] == spider.source.name
    if len(t["posts"]) > site.posts_per_page:
        assert [r.url for r in requests] == [f"{BASE}{url}page-2"]
        assert requests[0].meta == {"cx_thread_marker": "M1", "cx_page_key": BASE + url}
        assert done == []  # only the last page commits the thread
    else:
        assert done and done[0]["marker"] == "M1"


def test_forum_last_page_commits_thread_marker(site: FixtureSite) -> None:
    t = next(t for t in site.threads if len(t["posts"]) > 2 * site.posts_per_page)
    n_pages = -(-len(t["posts"]) // site.posts_per_page)
    url = f"/threads/{t['slug']}.{t['id']}/page-{n_pages}"
    spider = make_spider("forum")
    meta = {"cx_thread_marker": "M2", "cx_page_key": f"{BASE}/threads/{t['slug']}.{t['id']}/"}
    items, requests, done = split(spider.parse_thread(response_for(site, url, meta=meta)))
    assert requests == []
    assert len(items) == len(t["posts"]) - (n_pages - 1) * site.posts_per_page
    assert [(d["page_key"], d["marker"]) for d in done] == [(meta["cx_page_key"], "M2")]


def test_forum_malformed_post_is_counted_and_skipped(site: FixtureSite) -> None:
    t = next(t for t in site.threads if t["malformed"])
    spider = make_spider("forum")
    items, _, _ = split(spider.parse_thread(response_for(site, f"/threads/{t['slug']}.{t['id']}/")))
    assert len(items) == min(len(t["posts"]), site.posts_per_page)
    assert stat(spider, "cx/malformed/post_without_id_or_body") == 1


def test_sitemap_entries_with_lastmod(site: FixtureSite) -> None:
    spider = make_spider("sitemap")
    _, requests, _ = split(spider.parse_start(response_for(site, "/sitemap.xml")))
    assert [r.url for r in requests] == [BASE + r["path"] for r in site.reviews]
    assert requests[0].meta["cx_marker"] == site.reviews[0]["time"].isoformat()


def test_sitemap_index_and_garbage() -> None:
    spider = make_spider("sitemap")
    index = (
        b"<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        b"<sitemap><loc>http://127.0.0.1:8000/s1.xml</loc></sitemap></sitemapindex>"
    )
    _, requests, _ = split(spider.parse_start(TextResponse(url=BASE + "/i.xml", body=index)))
    assert [r.url for r in requests] == [BASE + "/s1.xml"]
    assert requests[0].callback == spider.parse_start
    assert list(spider.parse_start(TextResponse(url=BASE + "/x.xml", body=b"\x00garbage"))) == []
    assert stat(spider, "cx/malformed/pages") == 1


def test_article_with_comments(site: FixtureSite) -> None:
    a = next(a for a in site.articles if len(a["comments"]) == 2)
    spider = make_spider("generic")
    meta = {"cx_marker": "M3", "cx_page_key": BASE + a["path"]}
    items, requests, done = split(spider.parse_start(response_for(site, a["path"], meta=meta)))
    article, *comments = items
    assert article["kind"] == "article" and article["native_id"] == BASE + a["path"]
    assert all(p in article["text"] for p in a["paras"])
    assert not any(c["text"] in article["text"] for c in a["comments"])  # comments kept apart
    assert article["published_at"] == a["time"].isoformat()
    assert article["title"] == a["title"]
    assert [c["native_id"] for c in comments] == [
        f"127.0.0.1:8000:comment:{c['id']}" for c in a["comments"]
    ]
    assert [c["text"] for c in comments] == [c["text"] for c in a["comments"]]
    assert comments[0]["parent_id"] == article["native_id"]
    assert [(d["page_key"], d["marker"]) for d in done] == [(BASE + a["path"], "M3")]
    assert requests == []


def test_legacy_windows_1258_page_decodes_to_nfc(site: FixtureSite) -> None:
    spider = make_spider("generic")
    response = response_for(site, "/news/legacy-1258.html")
    assert (
        b"charset=windows-1258" in response.body
        and "charset" not in response.headers.get("Content-Type").decode()
    )
    items, _, _ = split(spider.parse_start(response))
    text = items[0]["text"]
    assert "Khách hàng phản ánh mạng Viettel ở Nghệ An chập chờn" in text
    assert text == unicodedata.normalize("NFC", text)


def test_broken_html_and_binary_pages(site: FixtureSite) -> None:
    spider = make_spider("generic")
    items, _, _ = split(spider.parse_start(response_for(site, "/news/hong.html")))
    assert "MobiFone vừa tăng tốc độ 4G" in items[0]["text"]
    binary = site.pages["/news/tep.bin"].body
    from scrapy.http import Response

    assert list(spider.parse_start(Response(url=BASE + "/news/tep.bin", body=binary))) == []
    assert stat(spider, "cx/malformed/not_text") == 1


def test_article_list_follows_pattern_and_next_page(site: FixtureSite) -> None:
    spider = make_spider(
        "article_list",
        follow=r"/reviews/\d+\.html$",
        selectors={"article_links": "ul.list a::attr(href)", "next_page": "a.next::attr(href)"},
    )
    _, requests, _ = split(spider.parse_start(response_for(site, "/reviews/")))
    half = (len(site.reviews) + 1) // 2
    assert [r.url for r in requests[:-1]] == [BASE + r["path"] for r in site.reviews[:half]]
    assert requests[-1].url == BASE + "/reviews/page-2"


def test_spider_refuses_wrong_source_type() -> None:
    source = parse_sources(
        {"sources": [{"name": "x", "type": "rss", "start_urls": [BASE + "/"]}]}
    ).sources[0]
    with pytest.raises(ValueError, match="has type 'rss'"):
        SPIDERS["forum"](source=source)


CALLBACKS = [
    ("rss", "parse_start"),
    ("forum", "parse_forum"),
    ("forum", "parse_thread"),
    ("sitemap", "parse_start"),
    ("article_list", "parse_start"),
    ("generic", "parse_start"),
    ("generic", "parse_article"),
]


@pytest.mark.parametrize(("kind", "callback"), CALLBACKS)
def test_contracts(site: FixtureSite, kind: str, callback: str) -> None:
    extra = (
        {"selectors": {"article_links": "ul.list a::attr(href)"}} if kind == "article_list" else {}
    )
    spider = make_spider(kind, **extra)
    manager = ContractsManager([UrlContract, ReturnsContract])
    result = unittest.TestResult()
    method = getattr(spider, callback)
    assert manager.extract_contracts(method), f"{kind}.{callback} has no contracts"
    request = manager.from_method(method, result)
    assert request is not None
    path = request.url.removeprefix(BASE)
    response = response_for(site, path)
    response = response.replace(request=request)
    list(request.callback(response) or [])
    assert result.wasSuccessful(), result.failures + result.errors
