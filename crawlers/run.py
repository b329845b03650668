"""Run a crawl of every (or some) configured source: ``cx social crawl`` calls :func:`crawl`.

One Scrapy crawler per source, all in one Twisted reactor (so one crawl per process). Crawl
state lives in a folder next to the output store (``<out>.state/``): the RFC 2616 HTTP cache,
the seen-store, and one ``JOBDIR`` per source. A source whose previous run was paused (SIGINT,
SIGTERM) resumes from its ``JOBDIR``; after a crash (SIGKILL, power loss) its frontier cannot be
trusted, so it is discarded and the source restarts from its start URLs, which the HTTP cache
and the seen-store make cheap. With ``redis_url`` several processes (or machines) share one
frontier and dupefilter per source and run, and one seen-store (scrapy-redis).
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .dedupe import StoreNearDuplicates
from .errors import CrawlerError, require_crawl_extra
from .health import HISTORY_FILE, MIN_YIELD_RATIO, assess_yields, source_yield
from .sources import SourcesConfig, load_sources

__all__ = ["CrawlResult", "crawl", "crawl_settings", "purge_http_cache", "state_dir_for"]

log = logging.getLogger(__name__)

_JOB_STATE = "cx-job.json"


@dataclass(frozen=True)
class CrawlResult:
    """What a crawl did, per source: Scrapy's stats and the finish reason."""

    stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    finish_reasons: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # source -> why it looks broken

    def total(self, key: str) -> int:
        return int(sum(s.get(key, 0) for s in self.stats.values()))

    def by_prefix(self, prefix: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for stats in self.stats.values():
            for key, value in stats.items():
                if key.startswith(prefix) and isinstance(value, int | float):
                    name = key.removeprefix(prefix)
                    out[name] = out.get(name, 0) + int(value)
        return dict(sorted(out.items()))

    @property
    def stored(self) -> int:
        return self.total("cx/stored")

    def serialize(self) -> dict[str, Any]:
        return {
            "stored": self.stored,
            "dropped": self.by_prefix("cx/dropped/"),
            "malformed": self.by_prefix("cx/malformed/"),
            "incremental": self.by_prefix("cx/incremental/"),
            "finish_reasons": dict(self.finish_reasons),
            "problems": dict(self.problems),
            "stats": {k: {n: _jsonable(v) for n, v in s.items()} for k, s in self.stats.items()},
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value if isinstance(value, int | float | str | bool | type(None)) else str(value)


def state_dir_for(out: str) -> Path:
    """``<out>.state`` next to a file store; ``./cx-social-state`` for a database URL."""
    if "://" in out and not out.startswith("duckdb://"):
        return Path("cx-social-state")
    return Path(out.removeprefix("duckdb://")).with_name(Path(out).name + ".state")


def crawl_settings(
    config: SourcesConfig,
    *,
    out: str,
    salt: str,
    state_dir: Path,
    redis_url: str | None = None,
    run_id: str | None = None,
    namespace: str = "default",
    overrides: Mapping[str, Any] | None = None,
) -> Any:
    """The Scrapy ``Settings`` shared by every source of a crawl."""
    require_crawl_extra("scrapy")
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawlers.settings", priority="project")
    settings.set("CX_OUT", out, priority="cmdline")
    settings.set("CX_AUTHOR_SALT", salt, priority="cmdline")
    settings.set("CX_CONFIG_HASH", config.config_hash(), priority="cmdline")
    settings.set("HTTPCACHE_DIR", str((state_dir / "httpcache").resolve()), priority="cmdline")
    if redis_url:
        require_crawl_extra("scrapy_redis")
        run = run_id or datetime.now(UTC).strftime("%Y%m%d")
        base = f"cx:social:{namespace}:run:{run}"
        settings.setdict(
            {
                "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
                "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
                "SCHEDULER_PERSIST": True,
                "SCHEDULER_QUEUE_KEY": base + ":%(spider)s:requests",
                "SCHEDULER_DUPEFILTER_KEY": base + ":%(spider)s:dupefilter",
                "REDIS_URL": redis_url,
                "CX_SEEN": redis_url,
                "CX_SEEN_PREFIX": f"cx:social:{namespace}:seen",
            },
            priority="cmdline",
        )
        extensions = dict(settings.getdict("EXTENSIONS"))
        extensions["crawlers.scaleout.SharedFrontierExtension"] = 600
        settings.set("EXTENSIONS", extensions, priority="cmdline")
    else:
        settings.set("CX_SEEN", str(state_dir / "seen.sqlite"), priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def _source_settings(base: Any, source: Any, state_dir: Path, *, use_jobdir: bool) -> Any:
    """Per-source settings; ``CX_RESUMED`` is True when the source resumes a paused run."""
    settings = base.copy()
    limits = source.limits
    if "CONCURRENT_REQUESTS_PER_DOMAIN" not in _cmdline_keys(base):
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", limits.concurrency, priority="spider")
    if "DOWNLOAD_DELAY" not in _cmdline_keys(base):
        settings.set("DOWNLOAD_DELAY", limits.download_delay_s, priority="spider")
    settings.set("DEPTH_LIMIT", limits.depth + 2, priority="spider")
    if limits.max_pages:
        settings.set("CLOSESPIDER_PAGECOUNT", limits.max_pages, priority="spider")
    if limits.max_items:
        settings.set("CLOSESPIDER_ITEMCOUNT", limits.max_items, priority="spider")
    if use_jobdir:
        jobdir = state_dir / "jobs" / source.name
        resumed = _prepare_jobdir(jobdir, source.name) == "paused"
        settings.set("CX_RESUMED", resumed, priority="spider")
        settings.set("JOBDIR", str(jobdir), priority="spider")
    return settings


def purge_http_cache(folder: Path, max_age_s: float, *, now: float | None = None) -> int:
    """Delete cached pages (Scrapy's filesystem cache entries) downloaded more than
    ``max_age_s`` seconds ago; returns how many. ``max_age_s <= 0`` keeps everything."""
    if max_age_s <= 0 or not folder.is_dir():
        return 0
    cutoff = (time.time() if now is None else now) - max_age_s
    removed = 0
    for meta in folder.glob("*/*/*/pickled_meta"):
        try:
            if meta.stat().st_mtime < cutoff:
                shutil.rmtree(meta.parent)
                removed += 1
        except OSError as exc:
            log.warning("cannot remove the expired cache entry %s: %s", meta.parent, exc)
    return removed


def _cmdline_keys(settings: Any) -> set[str]:
    return {k for k in settings if settings.getpriority(k) >= 40}


def _prepare_jobdir(jobdir: Path, name: str) -> str:
    """Make the JOBDIR ready; returns the previous run's status (``paused`` means resumed)."""
    marker = jobdir / _JOB_STATE
    status = "new"
    if jobdir.exists():
        status = "crashed"
        if marker.exists():
            try:
                status = json.loads(marker.read_text())["status"]
            except (OSError, ValueError, KeyError):
                status = "crashed"
        if status == "paused":
            log.info("%s: resuming the paused crawl in %s", name, jobdir)
        else:
            if status == "running":
                log.warning(
                    "%s: the previous run did not shut down cleanly; its frontier is "
                    "discarded and the source restarts (cached pages are revalidated, "
                    "stored items are not emitted again)",
                    name,
                )
            shutil.rmtree(jobdir)
    jobdir.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"status": "running", "started": time.time()}))
    return status


def crawl(
    sources: SourcesConfig | str | Path,
    *,
    out: str = "voc.duckdb",
    salt: str,
    only: Sequence[str] | None = None,
    state_dir: str | Path | None = None,
    redis_url: str | None = None,
    run_id: str | None = None,
    namespace: str = "default",
    settings: Mapping[str, Any] | None = None,
    hook: Callable[..., None] | None = None,
) -> CrawlResult:
    """Crawl the sources into the store ``out``; returns the stats of every source.

    ``hook(step, artifact, completed=, total=)`` is called after each stored batch with
    ``step="stored"``, ``artifact={"source": name, "records": n}`` and the source's running
    count. Blocks until done; runs Twisted's reactor, which cannot restart: one call per process.
    """
    require_crawl_extra("scrapy")
    require_crawl_extra("trafilatura")
    from scrapy import signals
    from scrapy.crawler import Crawler, CrawlerProcess

    from .spiders import SPIDERS

    config = sources if isinstance(sources, SourcesConfig) else load_sources(sources)
    chosen = [config.get(n) for n in only] if only else list(config.sources)
    if not salt:
        raise CrawlerError("salt must be a non-empty secret (author pseudonyms)")
    state = Path(state_dir) if state_dir is not None else state_dir_for(out)
    state.mkdir(parents=True, exist_ok=True)
    base = crawl_settings(
        config,
        out=out,
        salt=salt,
        state_dir=state,
        redis_url=redis_url,
        run_id=run_id,
        namespace=namespace,
        overrides=settings,
    )
    if base.getbool("HTTPCACHE_ENABLED"):
        expired = purge_http_cache(
            Path(base.get("HTTPCACHE_DIR")), base.getfloat("HTTPCACHE_EXPIRATION_SECS")
        )
        if expired:
            log.info("deleted %d expired pages from the HTTP cache", expired)
    if hook is not None:
        base.set("CX_PROGRESS_HOOK", hook, priority="cmdline")
    base.set("CX_NEAR_DUPS", StoreNearDuplicates(out), priority="cmdline")
    process = CrawlerProcess(base)
    crawlers: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    for i, source in enumerate(chosen):
        per_source = _source_settings(base, source, state, use_jobdir=not redis_url)
        crawler = Crawler(SPIDERS[source.type], per_source, init_reactor=i == 0)
        crawlers[source.name] = crawler

        def _closed(
            spider: Any,
            reason: str,
            _name: str = source.name,
            _jobdir: str | None = per_source.get("JOBDIR"),
        ) -> None:
            reasons[_name] = reason
            if _jobdir:
                status = "finished" if reason == "finished" else "paused"
                if reason not in ("finished", "shutdown"):
                    status = "finished"  # closespider limits: the next run starts afresh
                Path(_jobdir, _JOB_STATE).write_text(
                    json.dumps({"status": status, "reason": reason})
                )

        crawler.signals.connect(_closed, signal=signals.spider_closed, weak=False)
        process.crawl(crawler, source=source)
    process.start()
    stats = {name: dict(c.stats.get_stats()) for name, c in crawlers.items() if c.stats}
    # a worker of a shared (Redis) run sees only part of each source; a paused or resumed
    # source only part of its night: neither is judged
    judge = {
        name: not redis_url
        and reasons.get(name) != "shutdown"
        and not c.settings.getbool("CX_RESUMED")
        for name, c in crawlers.items()
    }
    problems = assess_yields(
        {name: source_yield(stats.get(name, {})) for name in crawlers},
        history_path=None if redis_url else state / HISTORY_FILE,
        judge=judge,
        min_ratio=base.getfloat("CX_MIN_YIELD_RATIO", MIN_YIELD_RATIO),
    )
    for name, problem in problems.items():
        log.warning("source %s: %s", name, problem)
    return CrawlResult(stats=stats, finish_reasons=reasons, problems=problems)
