"""Benchmark of the social crawl (issue 6): item pipeline throughput and crawl speed.

Serves a generated fixture site (crawlers.testing) on 127.0.0.1 and crawls it with
``cx social crawl`` in subprocesses, politeness relaxed for the benchmark only (no download
delay, no AutoThrottle, 16 requests at a time per domain; robots.txt still obeyed):

1. ``scrapy-bare`` — the peer: the same spiders with Scrapy's own machinery only (no cxkit
   middlewares or pipelines), i.e. the cost of fetching and parsing alone.
2. ``cx-basic`` — the full cxkit pipeline with the model-free text stand-ins.
3. ``cx-cxtext`` — the full pipeline with cxtext (normalize, brands, dedupe, PII, and
   sentiment/aspects where cxtext provides them).

For each: items that entered the pipeline, seconds spent inside it (``cx/pipeline_seconds``),
pipeline items/s, crawl wall time and end-to-end items/s; ratios against the bare crawl.
Prints one JSON document; ``--out`` also writes it (benchmarks/results/bench_crawl.json).

    .venv/bin/python benchmarks/bench_crawl.py --threads 300 --articles 300
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CLI = "import sys; from cxvoc.cli import main; sys.argv[0] = 'cx'; main()"
RELAXED = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "HTTPCACHE_ENABLED": False,
}
VARIANTS: dict[str, dict[str, Any]] = {
    "scrapy-bare": {"ITEM_PIPELINES": {}, "SPIDER_MIDDLEWARES": {}},
    "cx-basic": {"CX_TEXT_OPS": "crawlers.textops:basic_ops"},
    "cx-cxtext": {"CX_TEXT_OPS": "crawlers.textops:cxtext_ops"},
}


def _crawl(sources: Path, folder: Path, settings: dict[str, Any]) -> dict[str, Any]:
    cmd = [
        sys.executable,
        "-c",
        CLI,
        "social",
        "crawl",
        "--sources",
        str(sources),
        "--out",
        str(folder / "voc.duckdb"),
        "--salt",
        "bench",
        "--json",
        "--log-level",
        "ERROR",
    ]
    for key, value in {**RELAXED, **settings}.items():
        cmd += ["--set", f"{key}={value if isinstance(value, str) else json.dumps(value)}"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"crawl failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout)
    stats = result["stats"].values()
    scraped = sum(s.get("item_scraped_count", 0) for s in stats)
    dropped = sum(s.get("item_dropped_count", 0) for s in stats)
    pipeline_s = sum(s.get("cx/pipeline_seconds", 0.0) for s in stats)
    crawl_s = max(s.get("elapsed_time_seconds", 0.0) for s in stats)
    pages = sum(s.get("response_received_count", 0) for s in stats)
    items = scraped + dropped
    stages: dict[str, float] = {}
    for s in stats:
        for key, value in s.items():
            if key.startswith("cx/pipeline_seconds/"):
                name = key.rsplit("/", 1)[1]
                stages[name] = round(stages.get(name, 0.0) + value, 3)
    return {
        "pipeline_stage_s": stages,
        "pipeline_startup_s": round(sum(s.get("cx/pipeline_startup_s", 0.0) for s in stats), 2),
        "pages": pages,
        "items_into_pipeline": items,
        "stored": result["stored"],
        "dropped": result["dropped"],
        "pipeline_s": round(pipeline_s, 3),
        "pipeline_items_per_s": round(items / pipeline_s, 1) if pipeline_s else None,
        "crawl_s": round(crawl_s, 2),
        "process_wall_s": round(wall, 2),
        "crawl_items_per_s": round(items / crawl_s, 1) if crawl_s else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=300)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--posts-per-page", type=int, default=20)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    from crawlers.testing import FixtureServer, FixtureSite, sources_yaml

    site = FixtureSite(
        seed=1,
        n_articles=args.articles,
        n_threads=args.threads,
        posts_per_page=args.posts_per_page,
        n_reviews=50,
        slow_s=0.0,
    )
    report: dict[str, Any] = {
        "benchmark": "bench_crawl",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "site": {
            "pages": len(site.pages),
            "articles": args.articles,
            "threads": args.threads,
            "posts_per_page": args.posts_per_page,
        },
        "settings": RELAXED,
        "variants": {},
    }
    with FixtureServer(site) as server, tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "sources.yaml"
        sources.write_text(sources_yaml(server.base), encoding="utf-8")
        for name in args.variants.split(","):
            folder = Path(tmp) / name
            folder.mkdir()
            report["variants"][name] = _crawl(sources, folder, VARIANTS[name])
            print(name, json.dumps(report["variants"][name]), file=sys.stderr)
    bare = report["variants"].get("scrapy-bare")
    for name, v in report["variants"].items():
        if bare and name != "scrapy-bare" and bare["crawl_s"]:
            v["crawl_time_vs_bare"] = round(v["crawl_s"] / bare["crawl_s"], 2)
    best = [
        v["pipeline_items_per_s"]
        for n, v in report["variants"].items()
        if v.get("pipeline_items_per_s")
    ]
    report["acceptance"] = {
        "pipeline_items_per_s_min": min(best) if best else None,
        "target": 1000,
        "met": bool(best) and min(best) >= 1000,
    }
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
