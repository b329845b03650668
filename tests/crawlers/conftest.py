"""Fixtures of the crawler tests: the fixture site, crawls in subprocesses, a Redis server."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse

from tests.crawlers.fixture_site import FixtureServer, FixtureSite

BASE = "http://127.0.0.1:8000"
CLI = "import sys; from cxvoc.cli import main; sys.argv[0] = 'cx'; main()"
RELAXED = {
    "CX_TEXT_OPS": "crawlers.textops:basic_ops",
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
}


def response_for(
    site: FixtureSite, path: str, *, meta: dict[str, Any] | None = None, base: str = BASE
) -> TextResponse:
    """The page at ``path`` as Scrapy would receive it from ``base``."""
    page = site.pages[path]
    body = page.body.encode() if isinstance(page.body, str) else page.body
    body = body.replace(b"@@BASE@@", base.encode()).replace(
        b"@@HOST@@", base.split("//")[1].encode()
    )
    url = base + path
    request = Request(url, meta=meta or {})
    headers = {"Content-Type": page.content_type}
    cls = XmlResponse if "xml" in page.content_type else HtmlResponse
    return cls(url=url, body=body, headers=headers, request=request)


def crawl_command(
    sources: Path,
    out: Path,
    *extra: str,
    settings: dict[str, Any] | None = None,
    state_dir: Path | None = None,
) -> list[str]:
    cmd = [
        sys.executable,
        "-c",
        CLI,
        "social",
        "crawl",
        "--sources",
        str(sources),
        "--out",
        str(out),
        "--salt",
        "test-salt",
        "--json",
        "--log-level",
        "WARNING",
    ]
    if state_dir is not None:
        cmd += ["--state-dir", str(state_dir)]
    for key, value in {**RELAXED, **(settings or {})}.items():
        cmd += ["--set", f"{key}={json.dumps(value) if not isinstance(value, str) else value}"]
    return cmd + list(extra)


@dataclass
class CrawlRun:
    rc: int
    result: dict[str, Any]
    stderr: str


def run_crawl(sources: Path, out: Path, *extra: str, timeout: float = 120, **kw: Any) -> CrawlRun:
    proc = subprocess.run(
        crawl_command(sources, out, *extra, **kw), capture_output=True, text=True, timeout=timeout
    )
    try:
        result = json.loads(proc.stdout)
    except json.JSONDecodeError:
        result = {}
    assert proc.returncode == 0, f"crawl failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
    return CrawlRun(proc.returncode, result, proc.stderr)


@pytest.fixture
def site() -> FixtureSite:
    return FixtureSite(seed=0, slow_s=0.5)


@pytest.fixture
def server(site: FixtureSite) -> Iterator[FixtureServer]:
    with FixtureServer(site) as srv:
        yield srv


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Redis at 127.0.0.1:6379, or a redis-server started on a free port for the session."""
    url = "redis://127.0.0.1:6379/0"
    if _answers(url):
        yield url
        return
    exe = shutil.which("redis-server")
    assert exe, "no Redis answers at 127.0.0.1:6379 and redis-server is not installed"
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [
            exe,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while not _answers(url):
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.1)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def redis_namespace(redis_url: str) -> Iterator[str]:
    """A key namespace of its own, deleted afterwards."""
    import redis

    ns = f"test-{uuid.uuid4().hex[:10]}"
    yield ns
    r = redis.Redis.from_url(redis_url)
    keys = list(r.scan_iter(match=f"cx:social:{ns}:*"))
    if keys:
        r.delete(*keys)
