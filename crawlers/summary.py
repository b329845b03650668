"""Social-listening figures over a period: mentions, net sentiment and share of voice per brand."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

__all__ = ["BrandSummary", "SocialSummary", "older_mentions", "social_summary"]


@dataclass(frozen=True)
class BrandSummary:
    brand: str
    mentions: int
    positive: int
    neutral: int
    negative: int
    net_sentiment: float  # (positive - negative) / mentions * 100, in [-100, 100]
    share_of_voice: float  # this brand's mentions / all brands' mentions, in [0, 1]
    top_aspects: tuple[tuple[str, int], ...] = ()  # most mentioned aspects and their counts

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SocialSummary:
    since: str | None
    until: str | None
    total_mentions: int
    brands: tuple[BrandSummary, ...]

    def serialize(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "until": self.until,
            "total_mentions": self.total_mentions,
            "brands": [b.serialize() for b in self.brands],
        }


def _aspect_counts(store: Any, where: str, params: list[Any]) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = {}
    rows = store.query(
        f"SELECT brand, aspects FROM records WHERE {where} AND aspects IS NOT NULL "
        "AND aspects <> '[]'",
        params,
    )
    for brand, raw in rows:
        found = raw if isinstance(raw, list) else json.loads(raw)
        counts.setdefault(str(brand), Counter()).update({a["aspect"] for a in found})
    return counts


def social_summary(
    store: Any,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    channel: str | None = None,
    top_aspects: int = 3,
) -> SocialSummary:
    """Per-brand figures of ``source='social'`` records with ``since <= occurred_at < until``.

    A record counts once for every brand in its ``brand_sentiment``, with that brand's own label
    (a post that praises one operator and blames another counts positive for the one and
    negative for the other); a record without ``brand_sentiment`` (stored before it existed)
    counts for its ``brand`` with its post ``sentiment``. ``store`` is a :class:`cxvoc.Store`.
    Times must be timezone-aware. ``top_aspects`` is how many of each brand's most mentioned
    aspects to report.
    """
    if top_aspects < 0:
        raise ValueError(f"top_aspects={top_aspects} must be zero or a positive integer")
    clauses = ["source = 'social'"]
    params: list[Any] = []
    for name, value, op in (("since", since, ">="), ("until", until, "<")):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError(f"{name}={value.isoformat()!r} must be timezone-aware")
            clauses.append(f"occurred_at {op} ?")
            params.append(value)
    if channel:
        clauses.append("channel = ?")
        params.append(channel)
    where = " AND ".join(clauses)
    counts: dict[str, Counter[str]] = {}
    rows = store.query(
        f"SELECT brand, sentiment_label, brand_sentiment FROM records WHERE {where}"
        " AND (brand IS NOT NULL OR (brand_sentiment IS NOT NULL AND brand_sentiment <> '[]'))",
        params,
    )
    for brand, label, raw in rows:
        per_brand = (raw if isinstance(raw, list) else json.loads(raw)) if raw else []
        if per_brand:
            for entry in per_brand:
                counts.setdefault(str(entry["brand"]), Counter())[entry["label"]] += 1
        elif brand is not None:
            counts.setdefault(str(brand), Counter())[label or "neutral"] += 1
    total = sum(c.total() for c in counts.values())
    aspects = _aspect_counts(store, where + " AND brand IS NOT NULL", params)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1].total(), kv[0]))
    brands = tuple(
        BrandSummary(
            brand=b,
            mentions=c.total(),
            positive=c["positive"],
            neutral=c["neutral"],
            negative=c["negative"],
            net_sentiment=round(100.0 * (c["positive"] - c["negative"]) / c.total(), 2),
            share_of_voice=round(c.total() / total, 4),
            top_aspects=tuple(aspects.get(b, Counter()).most_common(top_aspects)),
        )
        for b, c in ordered
    )
    return SocialSummary(
        since=since.isoformat() if since else None,
        until=until.isoformat() if until else None,
        total_mentions=total,
        brands=brands,
    )


def older_mentions(store: Any, before: datetime) -> tuple[int, datetime | None]:
    """How many social brand mentions occurred before ``before``, and the latest one's time
    (what ``cx social summary`` hints at when its window is empty)."""
    if before.tzinfo is None:
        raise ValueError(f"before={before.isoformat()!r} must be timezone-aware")
    rows = store.query(
        "SELECT count(*), max(occurred_at) FROM records WHERE source = 'social' "
        "AND brand IS NOT NULL AND occurred_at < ?",
        [before],
    )
    count, latest = rows[0] if rows else (0, None)
    if isinstance(latest, str):
        latest = datetime.fromisoformat(latest)
    return int(count or 0), latest
