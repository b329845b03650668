"""Selectors, presets, clean bodies, source health, cache expiry, AutoThrottle on 304, and the
store-backed near-duplicate index (DuckDB and PostgreSQL)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawlers.dedupe import StoreNearDuplicates
from crawlers.errors import SourcesError
from crawlers.extract import body_text, page_title, strip_byline
from crawlers.health import assess_yields
from crawlers.items import SocialItem, parse_time
from crawlers.run import purge_http_cache
from crawlers.sources import parse_sources
from crawlers.spiders import SPIDERS
from crawlers.textops import basic_ops
from crawlers.throttle import RevalidationAwareAutoThrottle
from cxvoc import open_store


def _source(**extra: Any) -> Any:
    return parse_sources(
        {"sources": [{"name": "f", "type": "forum", "start_urls": ["http://f.vn/"], **extra}]}
    ).sources[0]


def test_unknown_field_lists_the_accepted_fields() -> None:
    with pytest.raises(SourcesError) as err:
        _source(selectors={"post_text": ".x"})
    msg = str(err.value)
    assert "sources[0] (f).selectors.post_text: unknown field; accepted: preset" in msg
    for name in ("thread_links", "next_page", "post_body", "post_author", "comment_time"):
        assert name in msg
    with pytest.raises(SourcesError, match=r"\.startt_urls: unknown field; accepted: name, type"):
        _source(startt_urls=["http://f.vn/"])
    with pytest.raises(SourcesError, match=r"not a valid CSS selector"):
        _source(selectors={"post": "div[[["})
    with pytest.raises(SourcesError, match=r"preset='ipb'"):
        _source(selectors={"preset": "ipb"})


def test_explicit_preset_and_override_read_an_unknown_board() -> None:
    html = """<html><head><title>Chủ đề | Diễn đàn</title></head><body>
    <div class="entry" id="m-71"><i class="who">hoang_88</i><em class="at">02/11/2026 09:05</em>
      <div class="txt">Mạng Viettel chập chờn <blockquote>ai đó đã viết: VNPT ổn</blockquote></div>
    </div>
    <div class="entry" id="m-72"><i class="who">lan.95</i><em class="at">02/11/2026 09:07</em>
      <div class="txt">MobiFone thì ổn</div></div></body></html>"""
    source = _source(
        selectors={
            "preset": "generic",
            "post": "div.entry",
            "post_body": ".txt",
            "post_author": ".who::text",
            "post_time": ".at::text",
        }
    )
    spider = SPIDERS["forum"](source=source)
    url = "http://f.vn/threads/chu-de.9/"
    response = HtmlResponse(url=url, body=html.encode(), encoding="utf-8", request=Request(url))
    items = [i for i in spider.parse_thread(response) if isinstance(i, SocialItem)]
    assert [(i["author"], i["text"], i["published_at"]) for i in items] == [
        ("hoang_88", "Mạng Viettel chập chờn", "2026-11-02T09:05:00+07:00"),
        ("lan.95", "MobiFone thì ổn", "2026-11-02T09:07:00+07:00"),
    ]
    assert items[0]["quoted_text"] == "ai đó đã viết: VNPT ổn"
    assert items[0]["title"] == "Chủ đề | Diễn đàn"  # no h1, no og:title: <title>
    assert items[0]["native_id"] == "http://f.vn/threads/chu-de.9/#post-71"


def test_generic_fallback_finds_the_thread_list_by_link_patterns() -> None:
    html = """<html><body><h1>Di động</h1>
    <div class="structItem"><a href="/forum/threads/sim-moi.11/">Sim mới</a>
      <a href="/forum/threads/sim-moi.11/page-3">3</a> <a href="/members/x.2/">x</a></div>
    <div class="structItem"><a href="/forum/threads/song-yeu.12/">Sóng yếu</a></div>
    <a href="/forum/tin-tuc/">Tin tức</a></body></html>"""
    spider = SPIDERS["forum"](source=_source())
    url = "http://f.vn/forum/di-dong/"
    response = HtmlResponse(url=url, body=html.encode(), encoding="utf-8", request=Request(url))
    urls = [r.url for r in spider.parse_start(response)]
    assert urls == [
        "http://f.vn/forum/threads/sim-moi.11/",
        "http://f.vn/forum/threads/song-yeu.12/",
    ]


@pytest.mark.parametrize(
    ("text", "author", "clean"),
    [
        ("hoang_88 01/11/2026 08:13 Mạng Viettel ổn", "hoang_88", "Mạng Viettel ổn"),
        ("Hoang_88: 2026-11-01 08:13 - Mạng ổn", "hoang_88", "Mạng ổn"),
        ("·\n01/11/2026, 08:13\nMạng ổn", None, "Mạng ổn"),
        ("lúc 8/1/2026 lúc 8h05 mạng ổn", None, "mạng ổn"),
        ("Mạng ổn từ 01/11/2026", "x", "Mạng ổn từ 01/11/2026"),  # a date inside stays
    ],
)
def test_strip_byline(text: str, author: str | None, clean: str) -> None:
    assert strip_byline(text, author) == clean


def test_body_text_leaves_out_author_time_quotes_and_signatures() -> None:
    node = Selector(
        text="<div class='c'><span class='u'>handle</span> <time>08:13</time> Mạng tốt"
        "<aside class='quote'><div class='title'>other:</div><blockquote>cũ</blockquote></aside>"
        " thật<div class='signature'>chữ ký</div></div>"
    ).css("div.c")[0]
    assert body_text(node, exclude=[".u", "time"]) == ("Mạng tốt\nthật", "cũ")


def test_page_title_order() -> None:
    assert page_title(Selector(text="<title>T</title><h1> H  1 </h1>")) == "H 1"
    og = "<head><title>T</title><meta property='og:title' content='OG'></head>"
    assert page_title(Selector(text=og)) == "OG"
    assert page_title(Selector(text="<title> T </title>")) == "T"


def test_parse_time_day_first() -> None:
    ctx = {"zone": None}
    assert parse_time("01/11/2026 08:13", ctx) == "2026-11-01T08:13:00+07:00"
    assert parse_time("01-11-2026, 8h05", ctx) == "2026-11-01T08:05:00+07:00"
    assert parse_time("31/02/2026", ctx) is None


def test_assess_yields_empty_fewer_and_empty_pages(tmp_path: Path) -> None:
    history = tmp_path / "yields.json"
    judge = {"a": True, "b": True, "c": True, "paused": False}
    first = assess_yields(
        {"a": (100, 40, 0), "b": (0, 0, 0), "c": (30, 10, 6), "paused": (0, 0, 0)},
        history_path=history,
        judge=judge,
    )
    assert set(first) == {"b", "c"}
    assert "yielded nothing" in first["b"] and "6 of 10" in first["c"]
    assert "paused" not in json.loads(history.read_text())
    second = assess_yields(
        {"a": (20, 5, 0), "b": (5, 0, 0), "c": (30, 10, 0)}, history_path=history, judge=judge
    )
    assert list(second) == ["a"] and "far fewer than the median 100" in second["a"]
    assert json.loads(history.read_text())["a"] == [100, 20]


def test_purge_http_cache_deletes_only_expired_pages(tmp_path: Path) -> None:
    old, new = tmp_path / "src" / "ab" / "ab12", tmp_path / "src" / "cd" / "cd34"
    for entry in (old, new):
        entry.mkdir(parents=True)
        (entry / "pickled_meta").write_bytes(b"x")
        (entry / "response_body").write_bytes(b"0912345678")
    then = time.time() - 15 * 86400
    os.utime(old / "pickled_meta", (then, then))
    assert purge_http_cache(tmp_path, 14 * 86400) == 1
    assert not old.exists() and new.exists()
    assert purge_http_cache(tmp_path, 0) == 0 and new.exists()


def test_autothrottle_lowers_its_delay_on_304() -> None:
    crawler = get_crawler(settings_dict={"AUTOTHROTTLE_ENABLED": True, "DOWNLOAD_DELAY": 0.0})
    throttle = RevalidationAwareAutoThrottle(crawler)
    throttle.mindelay, throttle.maxdelay = 0.0, 60.0

    class Slot:
        delay = 1.0

    slot = Slot()
    not_modified = HtmlResponse(url="http://f.vn/", status=304, body=b"")
    for _ in range(5):
        throttle._adjust_delay(slot, 0.01, not_modified)
    assert slot.delay < 0.05
    from scrapy.extensions.throttle import AutoThrottle

    plain, stuck = AutoThrottle(crawler), Slot()
    plain.mindelay, plain.maxdelay = 0.0, 60.0
    plain._adjust_delay(stuck, 0.01, not_modified)
    assert stuck.delay == 1.0  # what Scrapy's own does, and why it is replaced


@pytest.mark.parametrize("backend", ["duckdb", "postgresql"])
def test_store_near_duplicates_persist_across_runs(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    out = (
        str(tmp_path / "voc.duckdb")
        if backend == "duckdb"
        else request.getfixturevalue("postgres_store_url")
    )
    ops = basic_ops()
    night1 = StoreNearDuplicates(out)
    night1.load(lambda: ops.near_duplicates(0.9))
    assert night1.persistent
    assert night1.check("r1", "mạng viettel chậm quá") is None
    assert night1.check("r2", "Mạng  Viettel chậm quá") == "r1"  # across sources, same night
    night1.link("r2", "r1", "forum", "http://f.vn/t/1#2")
    with open_store(out) as store:
        night1.commit(store, [("r1", "news", "mạng viettel chậm quá")])
    night2 = StoreNearDuplicates(out)  # a new process, the next night
    night2.load(lambda: ops.near_duplicates(0.9))
    assert night2.check("r3", "MẠNG VIETTEL CHẬM QUÁ") == "r1"
    assert night2.check("r1", "mạng viettel chậm quá") is None  # an item is not its own repost
    with open_store(out) as store:
        assert store.query("SELECT record_id, duplicate_of FROM social_duplicates") == [
            ("r2", "r1")
        ]
        night2.commit(store, [("r1", "news", "mạng viettel chậm quá")])  # upsert, no error
        assert store.query("SELECT count(*) FROM social_fingerprints") == [(1,)]


def test_readme_worked_examples_are_valid_sources() -> None:
    import yaml

    text = (Path(__file__).parents[2] / "crawlers" / "README.md").read_text(encoding="utf-8")
    block = text.split("Worked examples, one per spider:", 1)[1].split("```yaml", 1)[1]
    config = parse_sources(yaml.safe_load(block.split("```", 1)[0]))
    assert {s.type for s in config.sources} == {
        "rss",
        "forum",
        "sitemap",
        "article_list",
        "generic",
    }
    presets = {s.name: s.selectors.preset for s in config.sources if s.type == "forum"}
    assert set(presets.values()) == {"auto", "phpbb", "generic"}
