"""End to end: `cx social crawl` in subprocesses against the fixture site on 127.0.0.1.

The fixture server logs every request, so the tests can assert what was (not) fetched.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import redis

from cxvoc import make_record_id, open_store
from tests.crawlers.fixture_site import FixtureServer, FixtureSite, sources_yaml

from .conftest import CLI, crawl_command, run_crawl


def stored(out: Path) -> dict[str, object]:
    with open_store(out) as store:
        return {r.record_id: r for r in store.iter_records()}


def expected_ids(site: FixtureSite, base: str) -> dict[str, str]:
    return {make_record_id("social", nid): nid for nid in site.expected_items(base)}


def write_sources(tmp_path: Path, base: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(sources_yaml(base), encoding="utf-8")
    return path


def test_first_run_exact_then_second_run_fetches_only_changes(
    tmp_path: Path, site: FixtureSite, server: FixtureServer
) -> None:
    sources, out = write_sources(tmp_path, server.base), tmp_path / "voc.duckdb"
    assert len(site.pages) >= 200

    first = run_crawl(sources, out)
    records = stored(out)
    want = expected_ids(site, server.base)
    assert set(records) == set(want), (
        f"missing {[want[k] for k in set(want) - set(records)][:5]}, "
        f"extra {[records[k].url for k in set(records) - set(want)][:5]}"
    )
    assert first.result["stored"] == len(want)  # every item emitted and written exactly once
    paths = server.log.paths()
    assert not [p for p in paths if p.startswith("/private/")]  # robots.txt obeyed
    assert first.result["stats"]["fixture-news"]["robotstxt/forbidden"] == 1
    assert first.result["stats"]["fixture-forum"]["robotstxt/forbidden"] == 1
    twice = {
        p: n for p, n in Counter(server.log.paths(200)).items() if n > 1 and p != "/robots.txt"
    }
    assert twice == {}
    assert set(first.result["finish_reasons"].values()) == {"finished"}
    # malformed pages are counted, and the crawl went on past them
    malformed = first.result["malformed"]
    assert malformed["not_text"] == 1 and malformed["post_without_id_or_body"] == 1
    assert "malformed page" in first.stderr and "/news/tep.bin" in first.stderr  # logged too
    assert first.result["dropped"]["near_duplicate"] == 1
    assert first.result["dropped"]["no_brand"] > 100
    news = first.result["stats"]["fixture-news"]
    assert news["retry/max_reached"] == 1 and "/loop/b" in paths  # 500 page, redirect loop
    # legacy encoding, PII and pseudonyms
    legacy = records[make_record_id("social", server.base + "/news/legacy-1258.html")]
    assert "mạng Viettel ở Nghệ An chập chờn" in legacy.text
    assert legacy.text == unicodedata.normalize("NFC", legacy.text)
    assert records[make_record_id("social", server.base + "/news/cham.html")].brand == "VNPT"
    texts = " ".join(r.text for r in records.values())
    assert "@gmail.com" not in texts and "[PHONE]" in texts
    authors = {r.author_ref for r in records.values() if r.author_ref}
    assert authors and all(len(a) == 32 for a in authors)
    channels = Counter(r.channel for r in records.values())
    assert set(channels) == {"news", "forum", "review"}

    # summary over the stored records
    proc = subprocess.run(
        [sys.executable, "-c", CLI, "social", "summary", "--store", str(out), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = json.loads(proc.stdout)
    by_brand = Counter(  # a post counts once for each brand it names, with its own label
        b for r in records.values() for b in ([s.brand for s in r.brand_sentiment] or [r.brand])
        if b
    )  # fmt: skip
    assert {b["brand"]: b["mentions"] for b in summary["brands"]} == dict(by_brand)
    assert abs(sum(b["share_of_voice"] for b in summary["brands"]) - 1.0) < 1e-3

    # ten pages change; the second run downloads exactly the pages whose bytes changed
    before = {p: page.body for p, page in site.pages.items()}
    changed = site.apply_changes()
    assert len(changed) == 10
    differs = {p for p, page in site.pages.items() if before.get(p) != page.body}
    assert set(changed) <= differs
    server.log.clear()
    second = run_crawl(sources, out)
    downloaded = set(server.log.paths(200))
    assert downloaded == differs, (sorted(downloaded - differs), sorted(differs - downloaded))
    assert len(server.log.paths(304)) > 0
    assert not [p for p in server.log.paths() if p.startswith("/private/")]
    after = stored(out)
    want2 = expected_ids(site, server.base)
    assert set(after) == set(want2)
    new = set(want2) - set(want)
    assert len(new) >= 8  # new posts, new thread, new articles
    edited = {
        make_record_id("social", server.base + p)
        for p in ("/news/bai-viet-1.html", "/reviews/2.html")
    }
    assert second.result["stored"] == len(new | edited)  # only new and changed items written
    assert (
        "Cập nhật: MobiFone"
        in after[make_record_id("social", server.base + "/news/bai-viet-1.html")].text
    )
    assert second.result["incremental"]["skipped_requests"] > 100


@pytest.mark.slow
def test_sigkill_mid_crawl_then_rerun(
    tmp_path: Path, site: FixtureSite, server: FixtureServer
) -> None:
    sources, out = write_sources(tmp_path, server.base), tmp_path / "voc.duckdb"
    want = expected_ids(site, server.base)
    server.delay_s = 0.03
    cmd = crawl_command(
        sources, out, settings={"CX_BATCH_SIZE": 10, "CONCURRENT_REQUESTS_PER_DOMAIN": 2}
    )
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(server.log.paths()) < 110 and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    partial = stored(out) if out.exists() else {}
    assert 0 < len(partial) < len(want)  # batches landed, and work was left
    assert set(partial) <= set(want)
    server.delay_s = 0.0
    rerun = run_crawl(sources, out)
    assert "did not shut down cleanly" in rerun.stderr
    records = stored(out)
    assert set(records) == set(want)  # nothing lost, nothing extra
    with open_store(out) as store:
        assert store.count() == len(want) == len(set(store.query("SELECT record_id FROM records")))
    assert rerun.result["stored"] <= len(want) - len(partial) + 20  # at most one batch again


@pytest.mark.slow
def test_two_processes_share_redis_frontier(
    tmp_path: Path, site: FixtureSite, server: FixtureServer, redis_url: str, redis_namespace: str
) -> None:
    sources = write_sources(tmp_path, server.base)
    single = tmp_path / "single.duckdb"
    run_crawl(sources, single, state_dir=tmp_path / "single-state")
    server.log.clear()
    server.delay_s = 0.005
    gate = server.hold()  # no page is served until both workers have opened their spiders
    shared = tmp_path / "shared.duckdb"
    extra = ("--redis", redis_url, "--run-id", "r1", "--namespace", redis_namespace)
    procs = [
        subprocess.Popen(
            crawl_command(
                sources,
                shared,
                *extra,
                settings={"CONCURRENT_REQUESTS_PER_DOMAIN": 4},
                state_dir=tmp_path / f"worker{i}",
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    r = redis.Redis.from_url(redis_url)
    workers = f"cx:social:{redis_namespace}:run:r1:fixture-news:workers"
    deadline = time.monotonic() + 90
    while r.scard(workers) < 2:
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.1)
    gate.set()
    results = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=180)
        assert p.returncode == 0, stderr[-3000:]
        results.append(json.loads(stdout))
    one, two = stored(single), stored(shared)
    assert set(one) == set(two)
    assert {k: r.text for k, r in one.items()} == {k: r.text for k, r in two.items()}
    counts = Counter(server.log.paths())
    again = {p: n for p, n in counts.items() if n > 1}
    assert set(again) <= {"/robots.txt", "/error/500.html"}  # robots per process; 500 retried
    assert counts["/error/500.html"] == 3  # one request and two retries, in one process
    worked = [
        sum(s.get("scheduler/dequeued/redis", 0) for s in r["stats"].values()) for r in results
    ]
    assert all(n > 0 for n in worked), worked  # both processes took requests from the frontier
    assert sum(r["stored"] for r in results) == len(two)


@pytest.mark.slow
def test_sigterm_pauses_and_rerun_resumes_from_jobdir(
    tmp_path: Path, site: FixtureSite, server: FixtureServer
) -> None:
    sources, out = write_sources(tmp_path, server.base), tmp_path / "voc.duckdb"
    want = expected_ids(site, server.base)
    server.delay_s = 0.03
    cmd = crawl_command(
        sources, out, settings={"CX_BATCH_SIZE": 10, "CONCURRENT_REQUESTS_PER_DOMAIN": 2}
    )
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(server.log.paths()) < 110 and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    stdout, _ = proc.communicate(timeout=60)
    paused = json.loads(stdout)
    assert "shutdown" in paused["finish_reasons"].values()
    jobs = tmp_path / "voc.duckdb.state" / "jobs"
    states = {p.name: json.loads((p / "cx-job.json").read_text())["status"] for p in jobs.iterdir()}
    assert "paused" in states.values()
    fetched_before = Counter(server.log.paths(200))
    server.delay_s = 0.0
    server.log.clear()
    resumed = run_crawl(sources, out, "--log-level", "INFO")
    assert "resuming the paused crawl" in resumed.stderr
    assert set(stored(out)) == set(want)  # nothing lost across the pause
    refetched = {p for p in server.log.paths(200) if p in fetched_before and p != "/robots.txt"}
    assert len(refetched) <= 12, sorted(refetched)  # the resumed run did not start over
