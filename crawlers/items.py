"""Scraped items and the item loader that cleans them (cleaning lives here, not in spiders)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

import scrapy
from itemloaders.processors import Join, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

__all__ = ["PageDone", "SocialItem", "SocialLoader", "clean_text", "parse_time"]


class SocialItem(scrapy.Item):
    """A post, article or comment as scraped (before the pipeline scores and stores it)."""

    kind = scrapy.Field()  # "post" | "article" | "comment"
    native_id = scrapy.Field()  # stable id at the source: "<host>:post:<id>", canonical URL, …
    source = scrapy.Field()  # the source name from the sources file
    url = scrapy.Field()
    page_url = scrapy.Field()
    title = scrapy.Field()
    text = scrapy.Field()  # the author's own words (quotes removed)
    quoted_text = scrapy.Field()  # what the post quotes from others
    author = scrapy.Field()
    published_at = scrapy.Field()  # ISO 8601 with offset, or None
    thread_id = scrapy.Field()
    parent_id = scrapy.Field()
    # filled by the incremental middleware and the pipeline
    content_hash = scrapy.Field()
    seen_key = scrapy.Field()
    analysis_text = scrapy.Field()
    brands = scrapy.Field()
    keywords = scrapy.Field()
    fingerprint = scrapy.Field()  # masked analysis text: the near-duplicate index's key text


class PageDone(scrapy.Item):
    """Marks a page (or a whole paginated thread) as fully emitted; committed after its items."""

    source = scrapy.Field()
    page_key = scrapy.Field()
    marker = scrapy.Field()


_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")


def clean_text(value: str | None) -> str | None:
    """NFC, no invisible characters, runs of spaces collapsed, blank lines dropped."""
    if value is None:
        return None
    value = _INVISIBLE.sub("", unicodedata.normalize("NFC", str(value)))
    lines = (_SPACE.sub(" ", line).strip() for line in value.splitlines())
    text = "\n".join(line for line in lines if line)
    return text or None


def parse_time(value: Any, loader_context: dict[str, Any] | None = None) -> str | None:
    """ISO 8601 or RFC 822 (RSS) time -> ISO 8601 with offset; naive times get the source zone."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    zone = (loader_context or {}).get("zone") or ZoneInfo("Asia/Ho_Chi_Minh")
    parsed: datetime | None = None
    if text.isdigit():  # XenForo data-time: unix seconds
        parsed = datetime.fromtimestamp(int(text), tz=UTC)
    else:
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                parsed = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                parsed = _day_first(text)
                if parsed is None:
                    return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.isoformat()


_DAY_FIRST = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[,\sT]+(?:lúc\s+)?(\d{1,2})[:h](\d{2})(?::(\d{2}))?)?$"
)


def _day_first(text: str) -> datetime | None:
    """``01/11/2026 08:13`` (day first, as Vietnamese boards write it), naive."""
    match = _DAY_FIRST.match(text.strip())
    if not match:
        return None
    day, month, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


class SocialLoader(ItemLoader):
    """Loads a :class:`SocialItem`: text cleaned and joined, times parsed, first value kept."""

    default_item_class = SocialItem
    default_output_processor = TakeFirst()
    text_in = MapCompose(clean_text)
    text_out = Join("\n")
    quoted_text_in = MapCompose(clean_text)
    quoted_text_out = Join("\n")
    title_in = MapCompose(clean_text)
    author_in = MapCompose(clean_text)
    published_at_in = MapCompose(parse_time)
