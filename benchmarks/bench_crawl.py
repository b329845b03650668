"""Benchmark of the social crawl (issue 6): item pipeline throughput and crawl speed.

Serves a generated fixture site (tests/crawlers/fixture_site.py) on 127.0.0.1 and crawls it with
``cx social crawl`` in subprocesses, politeness relaxed for the benchmark only (no download
delay, no AutoThrottle, 16 requests at a time per domain; robots.txt still obeyed):

1. ``scrapy-bare`` — the peer: the same spiders with Scrapy's own machinery only (no cxkit
   middlewares or pipelines), i.e. the cost of fetching and parsing alone.
2. ``cx-basic`` — the full cxkit pipeline with the model-free text stand-ins.
3. ``cx-cxtext`` — the full pipeline with cxtext (normalize, brands, dedupe, PII, and
   sentiment/aspects where cxtext provides them).

For each: items that entered the pipeline, seconds spent inside it (``cx/pipeline_seconds``),
pipeline items/s, crawl wall time and end-to-end items/s; ratios against the bare crawl.

4. ``pipeline-only`` — the fixture's forum posts fed straight through the pipeline stages in
   this process (no network, no Scrapy engine), batched (500) against unbatched (1) writes:
   the steady-state throughput of the pipeline itself, and what batching buys.
Prints one JSON document; ``--out`` also writes it (benchmarks/results/bench_crawl.json).

    .venv/bin/python benchmarks/bench_crawl.py --threads 200 --articles 200
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


def _pipeline_only(site: Any, ops: str, batch_size: int, limit: int) -> dict[str, Any]:
    """Items/s of the pipeline stages on the fixture's posts, in process, after a warm-up."""
    from scrapy.exceptions import DropItem
    from scrapy.utils.test import get_crawler

    from crawlers.items import SocialItem
    from crawlers.middlewares import content_hash
    from crawlers.pipelines import (
        BrandFilterPipeline,
        NearDuplicatePipeline,
        NormalizePipeline,
        ScoreAndStorePipeline,
        ValidatePipeline,
    )
    from crawlers.seen import item_key
    from crawlers.sources import parse_sources
    from crawlers.spiders import SPIDERS

    posts = [p for t in site.threads for p in t["posts"]][:limit]
    source = parse_sources(
        {
            "sources": [
                {
                    "name": "bench",
                    "type": "forum",
                    "channel": "forum",
                    "start_urls": ["http://127.0.0.1/"],
                    "brands": ["Viettel", "VNPT", "MobiFone"],
                }
            ]
        }
    ).sources[0]
    with tempfile.TemporaryDirectory() as tmp:
        crawler = get_crawler(
            SPIDERS["forum"],
            {
                "CX_OUT": f"{tmp}/voc.duckdb",
                "CX_SEEN": f"{tmp}/seen.sqlite",
                "CX_AUTHOR_SALT": "bench",
                "CX_TEXT_OPS": f"crawlers.textops:{ops}",
                "CX_BATCH_SIZE": batch_size,
                "CX_FLUSH_INTERVAL_S": 1e9,
            },
        )
        crawler.spider = SPIDERS["forum"].from_crawler(crawler, source=source)
        stages = [
            cls(crawler)
            for cls in (
                ValidatePipeline,
                NormalizePipeline,
                BrandFilterPipeline,
                NearDuplicatePipeline,
            )
        ]
        store = ScoreAndStorePipeline(crawler)
        stages[1].open_spider()
        store.open_spider()

        def item(i: int, p: dict[str, Any]) -> SocialItem:
            it = SocialItem(
                kind="post",
                native_id=f"b:post:{i}",
                source="bench",
                url=f"http://127.0.0.1/t/#post-{i}",
                text=p["text"],
                author=p["author"],
                published_at=p["time"].isoformat(),
            )
            it["content_hash"] = content_hash(it)
            it["seen_key"] = item_key(it["native_id"], it["content_hash"])
            return it

        def run(items: list[SocialItem]) -> None:
            for it in items:
                try:
                    x: Any = it
                    for stage in stages:
                        x = stage.process_item(x)
                    store.process_item(x)
                except DropItem:
                    pass
            store.flush()

        warm = min(200, len(posts) // 10)
        run([item(10**7 + i, p) for i, p in enumerate(posts[:warm])])
        items = [item(i, p) for i, p in enumerate(posts[warm:])]
        t0 = time.perf_counter()
        run(items)
        seconds = time.perf_counter() - t0
        store.close_spider()
    return {
        "ops": ops,
        "batch_size": batch_size,
        "items": len(items),
        "seconds": round(seconds, 3),
        "items_per_s": round(len(items) / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=200)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--posts-per-page", type=int, default=20)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--pipeline-items", type=int, default=5000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.crawlers.fixture_site import FixtureServer, FixtureSite, sources_yaml

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
        report["pipeline_only"] = {}
        for ops in ("basic_ops", "cxtext_ops"):
            for batch in (500, 1):
                limit = args.pipeline_items if batch > 1 else min(args.pipeline_items, 400)
                key = f"{ops}-batch{batch}"
                report["pipeline_only"][key] = _pipeline_only(site, ops, batch, limit)
                print(key, json.dumps(report["pipeline_only"][key]), file=sys.stderr)
        for ops in ("basic_ops", "cxtext_ops"):
            b, u = (report["pipeline_only"][f"{ops}-batch{n}"]["items_per_s"] for n in (500, 1))
            report["pipeline_only"][f"{ops}-batched_vs_unbatched"] = round(b / u, 1)
    bare = report["variants"].get("scrapy-bare")
    for name, v in report["variants"].items():
        if bare and name != "scrapy-bare" and bare["crawl_s"]:
            v["crawl_time_vs_bare"] = round(v["crawl_s"] / bare["crawl_s"], 2)
    in_crawl = report["variants"].get("cx-cxtext", {}).get("pipeline_items_per_s")
    steady = report["pipeline_only"]["cxtext_ops-batch500"]["items_per_s"]
    report["acceptance"] = {
        "target_items_per_s": 1000,
        "cxtext_pipeline_in_crawl_items_per_s": in_crawl,
        "cxtext_pipeline_only_items_per_s": steady,
        "met": bool(in_crawl and in_crawl >= 1000 and steady >= 1000),
    }
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
