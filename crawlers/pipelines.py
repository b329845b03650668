"""The item pipeline: validate → normalize → brand filter → near-duplicate drop → (in batches)
PII mask → sentiment (of the post, and towards each brand it names) and aspects → upsert into
the VoC store, then the seen-store commit.

Each stage that drops an item raises ``DropItem`` with a reason and counts it in the crawl stats
under ``cx/dropped/<reason>``. The last stage buffers items and writes them a batch at a time;
only after a batch is in the store are its item keys and finished pages committed to the
seen-store, so a crawl killed at any moment loses nothing and the rerun duplicates nothing.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import DropItem

from .items import PageDone, SocialItem
from .state import crawl_state

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from .sources import Source

__all__ = [
    "BrandFilterPipeline",
    "NearDuplicatePipeline",
    "NormalizePipeline",
    "ScoreAndStorePipeline",
    "ValidatePipeline",
]

log = logging.getLogger(__name__)

_MAX_TEXT = 100_000


class _Stage:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.state = crawl_state(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    @property
    def source(self) -> Source:
        return self.crawler.spider.source  # type: ignore[union-attr]

    def drop(self, reason: str, item: SocialItem, detail: str = "") -> DropItem:
        self.stats.inc_value(f"cx/dropped/{reason}")
        return DropItem(f"{reason}: {item.get('native_id')} {detail}".rstrip())

    def _timed(self, t0: float) -> None:
        dt = time.perf_counter() - t0
        for key in ("cx/pipeline_seconds", f"cx/pipeline_seconds/{type(self).__name__}"):
            self.stats.set_value(key, self.stats.get_value(key, 0.0) + dt)


class ValidatePipeline(_Stage):
    """Items need a native id, an http(s) URL and some text; over-long text is cut."""

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, SocialItem):
            return item
        for field in ("native_id", "url", "source", "kind"):
            if not item.get(field):
                raise self.drop("invalid", item, f"missing {field}")
        if urlsplit(item["url"]).scheme not in ("http", "https"):
            raise self.drop("invalid", item, f"url={item['url']!r} is not http(s)")
        text = item.get("text")
        if not text or not text.strip():
            raise self.drop("empty_text", item)
        if len(text) > _MAX_TEXT:
            item["text"] = text[:_MAX_TEXT]
            self.stats.inc_value("cx/truncated_text")
        return item


class NormalizePipeline(_Stage):
    """Analysis text: NFC, one tone-mark convention and social-text normalization."""

    def open_spider(self) -> None:
        """Load the text operations (and their models) before the first item arrives."""
        t0 = time.perf_counter()
        ops = self.state.ops
        sample = "Mạng Viettel hôm nay ổn định, gọi 0912345678"
        ops.mask_pii(ops.display(sample))
        if ops.brands:
            ops.brands(ops.analysis(sample))
        if ops.sentiment_batch:
            ops.sentiment_batch([sample])
        if ops.brand_sentiment_batch:
            ops.brand_sentiment_batch([sample])
        if ops.aspects:
            ops.aspects(sample)
        ops.near_duplicates(0.9).add("warm-up", ops.analysis(sample))
        self.stats.set_value("cx/pipeline_startup_s", round(time.perf_counter() - t0, 3))

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, SocialItem):
            return item
        t0 = time.perf_counter()
        # the analysis form feeds the brand filter, dedupe and the models; the stored (display)
        # form is made in the last stage, for the items that survive the filters
        item["analysis_text"] = self.state.ops.analysis(item["text"])
        self._timed(t0)
        if not item["analysis_text"].strip():
            raise self.drop("empty_text", item, "after normalization")
        return item


class BrandFilterPipeline(_Stage):
    """Keeps items naming a watched brand (or keyword) of their source."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._matchers: dict[
            str, tuple[list[tuple[str, re.Pattern[str]]], re.Pattern[str] | None]
        ] = {}

    def _matcher(self) -> tuple[list[tuple[str, re.Pattern[str]]], re.Pattern[str] | None]:
        source = self.source
        if source.name not in self._matchers:
            ops = self.state.ops
            brands = []
            for spec in source.brands:
                words = sorted({ops.analysis(s).casefold() for s in spec.spellings}, key=len)
                brands.append((spec.name, _word_pattern(words[::-1])))
            keywords = sorted({ops.analysis(k).casefold() for k in source.keywords}, key=len)
            self._matchers[source.name] = (
                brands,
                _word_pattern(keywords[::-1]) if keywords else None,
            )
        return self._matchers[source.name]

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, SocialItem):
            return item
        t0 = time.perf_counter()
        brands, keyword_re = self._matcher()
        text = item["analysis_text"].casefold()
        counts: dict[str, int] = {}
        for name, pattern in brands:
            n = len(pattern.findall(text))
            if n:
                counts[name] = n
        found_by_model = (
            self.state.ops.brands(item["analysis_text"]) if self.state.ops.brands else []
        )
        watched = {spec.name.casefold(): spec.name for spec in self.source.brands}
        by_model: dict[str, int] = {}
        for brand in found_by_model:
            canonical = watched.get(str(brand).casefold())
            if canonical is not None or not watched:
                key = canonical or str(brand)
                by_model[key] = by_model.get(key, 0) + 1
        for key, n in by_model.items():  # the same mention found both ways counts once
            counts[key] = max(counts.get(key, 0), n)
        keywords = sorted(set(keyword_re.findall(text))) if keyword_re else []
        self._timed(t0)
        if not counts and not keywords and self.source.require_brand:
            raise self.drop("no_brand", item)
        item["brands"] = sorted(counts, key=lambda b: (-counts[b], b))
        item["keywords"] = keywords
        return item


def _word_pattern(words: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in words if w)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


class NearDuplicatePipeline(_Stage):
    """Drops an item whose text nearly repeats a record stored earlier (this night or before,
    from any source), and links it to that record in the store (``social_duplicates``)."""

    def open_spider(self) -> None:
        self.state.near_dups  # noqa: B018 - load the index before the first item

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, SocialItem):
            return item
        from cxvoc import make_record_id

        t0 = time.perf_counter()
        index = self.state.near_dups
        record_id = make_record_id("social", item["native_id"])
        item["fingerprint"] = self.state.ops.mask_pii(item["analysis_text"])
        earlier = index.check(record_id, item["fingerprint"])
        self._timed(t0)
        if earlier is not None:
            index.link(record_id, earlier, item["source"], item["url"])
            raise self.drop("near_duplicate", item, f"of {earlier}")
        return item


class ScoreAndStorePipeline(_Stage):
    """Buffers items; per batch: PII mask, sentiment, aspects, records, upsert, seen commit."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.batch_size = settings.getint("CX_BATCH_SIZE", 500)
        self.flush_interval_s = settings.getfloat("CX_FLUSH_INTERVAL_S", 15.0)
        salt = settings.get("CX_AUTHOR_SALT")
        if not salt:
            from .errors import CrawlerError

            raise CrawlerError(
                "CX_AUTHOR_SALT is not set: author pseudonyms need a secret salt "
                "(cx social crawl --salt, or the CX_PSEUDONYM_SALT variable)"
            )
        self.salt = str(salt)
        self.out = str(settings.get("CX_OUT", "voc.duckdb"))
        self.config_hash = settings.get("CX_CONFIG_HASH")
        self._items: list[SocialItem] = []
        self._pages: list[tuple[str, str]] = []
        self._dropped_keys: list[str] = []
        self._last_flush = time.monotonic()
        self._titles: dict[str, str] = {}
        self._store: Any = None
        crawler.signals.connect(self._on_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self._on_idle, signal=signals.spider_idle)

    def open_spider(self) -> None:
        from cxvoc import open_store

        self._store = open_store(self.out)

    def close_spider(self) -> None:
        self.flush()
        if self._store is not None:
            self._store.close()

    def _on_dropped(self, item: Any, response: Any = None, exception: Any = None, **_: Any) -> None:
        if isinstance(item, SocialItem) and item.get("seen_key"):
            self._dropped_keys.append(item["seen_key"])

    def _on_idle(self, **_: Any) -> None:
        if self._items or self._pages or self._dropped_keys or self.state.near_dups.pending:
            self.flush()

    def process_item(self, item: Any) -> Any:
        if isinstance(item, PageDone):
            if item.get("marker"):
                self._pages.append((item["page_key"], item["marker"]))
            return item
        if not isinstance(item, SocialItem):
            return item
        self._items.append(item)
        if (
            len(self._items) >= self.batch_size
            or time.monotonic() - self._last_flush > self.flush_interval_s
        ):
            self.flush()
        return item

    def flush(self) -> None:
        """Score and store the buffered items, then commit their keys and finished pages."""
        items, pages, dropped = self._items, self._pages, self._dropped_keys
        self._items, self._pages, self._dropped_keys = [], [], []
        self._last_flush = time.monotonic()
        if not (items or pages or dropped or self.state.near_dups.pending):
            return
        t0 = time.perf_counter()
        records = self._records(items) if items else []
        if records:
            self._store.upsert(records, batch_size=max(len(records), 1))
        self._commit_fingerprints(items, records)
        keys = [i["seen_key"] for i in items if i.get("seen_key")] + dropped
        self.state.seen.commit(items=keys, pages=pages)
        self.stats.inc_value("cx/stored", len(records))
        self.stats.inc_value("cx/batches")
        hook = self.crawler.settings.get("CX_PROGRESS_HOOK")
        if callable(hook) and records:
            name = getattr(self.crawler.spider, "name", "?")
            done = int(self.stats.get_value("cx/stored", 0))
            hook("stored", {"source": name, "records": len(records)}, completed=done, total=None)
        self._timed(t0)
        log.info(
            "%s: stored %d records, %d pages done",
            getattr(self.crawler.spider, "name", "?"),
            len(records),
            len(pages),
        )

    def _commit_fingerprints(self, items: list[SocialItem], records: list[Any]) -> None:
        from cxvoc import make_record_id

        stored = {r.record_id for r in records}
        rows = []
        for item in items:
            record_id = make_record_id("social", item["native_id"])
            if record_id in stored and item.get("fingerprint"):
                rows.append((record_id, item["source"], item["fingerprint"]))
        self.state.near_dups.commit(self._store, rows)

    def _title(self, title: str) -> str:
        """Normalized, masked title (cached: every post of a thread page repeats it)."""
        cached = self._titles.get(title)
        if cached is None:
            if len(self._titles) > 10_000:
                self._titles.clear()
            ops = self.state.ops
            cached = self._titles[title] = ops.mask_pii(ops.display(title))
        return cached

    def _records(self, items: list[SocialItem]) -> list[Any]:
        from cxvoc import (
            AspectSentiment,
            BrandSentiment,
            Provenance,
            Record,
            Sentiment,
            ValidationError,
            make_record_id,
            pseudonymize,
        )

        ops = self.state.ops
        masked = [ops.mask_pii(ops.display(i["text"])) for i in items]
        scoring = ops.sentiment_batch is not None or ops.aspects is not None
        analysed = [ops.mask_pii(i["analysis_text"]) if scoring else "" for i in items]
        scores: list[Any] = (
            ops.sentiment_batch(analysed) if ops.sentiment_batch else [None] * len(items)
        )
        per_brand: list[dict[str, Any]] = (
            ops.brand_sentiment_batch(masked)
            if ops.brand_sentiment_batch and scoring
            else [{} for _ in items]
        )
        provenance = Provenance(models=dict(ops.models), config_hash=self.config_hash)
        source = self.source
        now = datetime.now(UTC)
        records = []
        for item, text, scored, plain, by_brand in zip(
            items, masked, scores, analysed, per_brand, strict=True
        ):
            occurred = item.get("published_at")
            attributes: dict[str, Any] = {
                "source_name": item["source"],
                "kind": item["kind"],
                "brands": item.get("brands") or [],
            }
            if item.get("title"):
                attributes["title"] = self._title(item["title"])
            for key in ("thread_id", "parent_id", "keywords"):
                if item.get(key):
                    attributes[key] = item[key]
            if item.get("quoted_text"):
                attributes["quoted_text"] = ops.mask_pii(ops.display(item["quoted_text"]))
            if not occurred:
                attributes["occurred_at_estimated"] = True
            host = urlsplit(item["url"]).netloc
            try:
                record = Record(
                    record_id=make_record_id("social", item["native_id"]),
                    source="social",
                    channel=source.channel,
                    brand=(item.get("brands") or [None])[0],
                    occurred_at=datetime.fromisoformat(occurred) if occurred else now,
                    collected_at=now,
                    language=source.language,
                    text=text,
                    author_ref=pseudonymize(f"{host}:{item['author']}", salt=self.salt)
                    if item.get("author")
                    else None,
                    url=item["url"],
                    sentiment=Sentiment(label=scored[0], score=max(-1.0, min(1.0, scored[1])))
                    if scored
                    else None,
                    aspects=tuple(
                        AspectSentiment(
                            aspect=a,
                            label=lab,  # type: ignore[arg-type]
                            score=max(-1.0, min(1.0, s)),
                        )
                        for a, lab, s in (ops.aspects(plain) if ops.aspects else ())
                    ),
                    brand_sentiment=tuple(
                        BrandSentiment(brand=b, label=lab, score=max(-1.0, min(1.0, s)))  # type: ignore[arg-type]
                        for b, (lab, s) in _per_brand(item.get("brands") or [], by_brand, scored)
                    ),
                    attributes=attributes,
                    content_hash=item.get("content_hash"),
                    provenance=provenance,
                )
            except ValidationError as exc:  # one bad item must not sink its batch
                self.stats.inc_value("cx/dropped/invalid_record")
                log.warning("dropped %s: %s", item["native_id"], exc)
                continue
            records.append(record)
        return records


def _per_brand(
    brands: list[str], found: dict[str, tuple[str, float]], post: tuple[str, float] | None
) -> list[tuple[str, tuple[str, float]]]:
    """The label of each brand of an item: its own where the brand sentiment found it, else the
    post's (a brand the source watches by its own words that the brand lexicon does not know).
    """
    if not found and post is None:
        return []
    folded = {b.casefold(): b for b in found}
    out = dict(found)
    for brand in brands:
        if brand not in out and brand.casefold() not in folded and post is not None:
            out[brand] = post
    return list(out.items())
