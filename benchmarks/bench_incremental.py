"""Benchmark: an incremental night against the first, with AutoThrottle on (issue 20).

Serves the generated fixture site (tests/crawlers/fixture_site.py, synthetic) on 127.0.0.1 and
crawls it three times with ``cx social crawl`` (AutoThrottle on, DOWNLOAD_DELAY 0, the fixture's
sources file): the first night; a second night after ten pages changed; a third with no change
and a fresh seen-store, so that every page is requested again and revalidated (answered 304).
Once with cxkit's AutoThrottle (lowers its delay on 304s) and once with Scrapy's own (the peer).
Prints each night's crawl time (the longest source's ``elapsed_time_seconds``; the process'
start-up is left out) and its ratio to the first night.

    .venv/bin/python benchmarks/bench_incremental.py --threads 8 --articles 20
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CLI = "import sys; from cxvoc.cli import main; sys.argv[0] = 'cx'; main()"
THROTTLES = {
    "cxkit": {},
    "scrapy": {
        "EXTENSIONS": {
            "scrapy.extensions.throttle.AutoThrottle": 0,
            "crawlers.throttle.RevalidationAwareAutoThrottle": None,
        }
    },
}


def _night(sources: Path, out: Path, settings: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    """(process wall seconds, the crawl's JSON result)."""
    cmd = [sys.executable, "-c", CLI, "social", "crawl", "--sources", str(sources)]
    cmd += ["--out", str(out), "--salt", "bench", "--json", "--log-level", "WARNING"]
    base = {"CX_TEXT_OPS": "crawlers.textops:basic_ops", "DOWNLOAD_DELAY": 0}
    for key, value in {**base, **settings}.items():
        cmd += ["--set", f"{key}={json.dumps(value) if not isinstance(value, str) else value}"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"crawl failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return wall, json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--articles", type=int, default=20)
    args = parser.parse_args()
    from tests.crawlers.fixture_site import FixtureServer, FixtureSite, sources_yaml

    results: dict[str, Any] = {"data": "synthetic fixture site", "throttle": {}}
    for name, settings in THROTTLES.items():
        site = FixtureSite(seed=3, n_articles=args.articles, n_threads=args.threads, slow_s=0.0)
        with FixtureServer(site) as server, tempfile.TemporaryDirectory() as tmp:
            sources = Path(tmp) / "sources.yaml"
            sources.write_text(sources_yaml(server.base), encoding="utf-8")
            out = Path(tmp) / "voc.duckdb"
            row: dict[str, Any] = {}
            first = 0.0
            for night, extra in (
                ("first", {}),
                ("changed", {}),
                ("revalidate_all", {"CX_SEEN": str(Path(tmp) / "fresh-seen.sqlite")}),
            ):
                if night == "changed":
                    site.apply_changes()
                server.log.clear()
                _, result = _night(sources, out, {**settings, **extra})
                crawl_s = max(s.get("elapsed_time_seconds", 0.0) for s in result["stats"].values())
                first = first or crawl_s
                row[night] = {
                    "crawl_s": round(crawl_s, 2),
                    "over_first": round(crawl_s / first, 3),
                    "requests": len(server.log.paths()),
                    "answered_304": len(server.log.paths(304)),
                }
            results["throttle"][name] = row
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
