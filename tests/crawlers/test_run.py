"""Crawl set-up without crawling: settings, JOBDIR states after pause, crash and finish."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawlers.run import CrawlResult, _prepare_jobdir, crawl_settings, state_dir_for
from crawlers.sources import parse_sources

CONFIG = parse_sources(
    {
        "sources": [
            {"name": "a", "type": "rss", "start_urls": ["https://vnexpress.net/rss/so-hoa.rss"]}
        ]
    }
)


@pytest.mark.parametrize(
    ("status", "kept"), [("paused", True), ("running", False), ("finished", False), (None, False)]
)
def test_jobdir_resumes_only_after_a_pause(
    tmp_path: Path, status: str | None, kept: bool, caplog: pytest.LogCaptureFixture
) -> None:
    jobdir = tmp_path / "jobs" / "a"
    jobdir.mkdir(parents=True)
    (jobdir / "requests.seen").write_text("fingerprint\n")
    if status is not None:
        (jobdir / "cx-job.json").write_text(json.dumps({"status": status}))
    with caplog.at_level("INFO", logger="crawlers.run"):
        _prepare_jobdir(jobdir, "a")
    assert (jobdir / "requests.seen").exists() is kept
    assert json.loads((jobdir / "cx-job.json").read_text())["status"] == "running"
    if status == "running":
        assert "did not shut down cleanly" in caplog.text


def test_settings_polite_defaults_and_redis(tmp_path: Path) -> None:
    s = crawl_settings(CONFIG, out=str(tmp_path / "v.duckdb"), salt="x", state_dir=tmp_path)
    assert s.getbool("ROBOTSTXT_OBEY") and s.getbool("AUTOTHROTTLE_ENABLED")
    assert s.get("USER_AGENT").startswith("cxkit-social/") and "+https://" in s.get("USER_AGENT")
    assert s.get("HTTPCACHE_POLICY").endswith("RFC2616Policy") and s.getbool("HTTPCACHE_ENABLED")
    assert s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2
    assert s.get("CX_SEEN") == str(tmp_path / "seen.sqlite")
    assert s.get("SCHEDULER") != "scrapy_redis.scheduler.Scheduler"
    r = crawl_settings(
        CONFIG,
        out="v.duckdb",
        salt="x",
        state_dir=tmp_path,
        redis_url="redis://h:6379/0",
        run_id="20261123",
        namespace="vn",
        overrides={"DOWNLOAD_DELAY": 0},
    )
    assert r.get("SCHEDULER") == "scrapy_redis.scheduler.Scheduler"
    assert r.get("SCHEDULER_QUEUE_KEY") == "cx:social:vn:run:20261123:%(spider)s:requests"
    assert r.get("CX_SEEN") == "redis://h:6379/0" and r.get("CX_SEEN_PREFIX") == "cx:social:vn:seen"
    assert "crawlers.scaleout.SharedFrontierExtension" in r.getdict("EXTENSIONS")
    assert r.getfloat("DOWNLOAD_DELAY") == 0


def test_state_dir_and_result() -> None:
    assert state_dir_for("/srv/voc.duckdb") == Path("/srv/voc.duckdb.state")
    assert state_dir_for("postgresql://db/voc") == Path("cx-social-state")
    result = CrawlResult(
        stats={
            "a": {"cx/stored": 3, "cx/dropped/no_brand": 2},
            "b": {"cx/stored": 1, "cx/dropped/no_brand": 1, "cx/dropped/invalid": 4},
        }
    )
    data = result.serialize()
    assert data["stored"] == 4 and data["dropped"] == {"invalid": 4, "no_brand": 3}
