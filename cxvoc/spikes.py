"""Spikes in mention volume and negative share per brand, against a trailing baseline.

For each brand and each day (or week) bucket, the baseline is the ``baseline_weeks`` weeks
before the bucket (the bucket itself excluded). Two tests, each one-sided at level ``alpha``:

- **volume** — Poisson upper tail: with λ the mean count per bucket in the baseline, the
  p-value of ``k`` mentions is P(X ≥ k | X ~ Poisson(λ)). An alert also needs ``k ≥ min_count``
  and ``k ≥ min_ratio × λ``.
- **negative share** — two-proportion z test (pooled): the bucket's share of negative mentions
  ``x1/n1`` against the baseline's ``x0/n0``; p = P(Z ≥ z). An alert also needs ``n1 ≥ min_count``
  and ``x1/n1 − x0/n0 ≥ min_share_increase``.

A bucket is tested only when the baseline has at least ``min_baseline_buckets`` buckets of data
coverage (the first days of a store are not tested).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any, Literal

import duckdb
import pyarrow as pa
from scipy import stats

from .errors import ValidationError
from .kpi import records_arrow
from .store import Store

__all__ = ["SpikeAlert", "SpikeParams", "detect_spikes"]

Bucket = Literal["day", "week"]


@dataclass(frozen=True)
class SpikeParams:
    """Settings of :func:`detect_spikes` (see the module docstring)."""

    bucket: Bucket = "day"
    baseline_weeks: int = 2
    min_baseline_buckets: int = 7
    alpha: float = 1e-3
    min_count: int = 20
    min_ratio: float = 1.5
    min_share_increase: float = 0.10
    where: str = "source = 'social' AND brand IS NOT NULL"

    def __post_init__(self) -> None:
        if self.bucket not in ("day", "week"):
            raise ValidationError(f"bucket={self.bucket!r} must be 'day' or 'week'")
        for name in ("baseline_weeks", "min_baseline_buckets", "min_count"):
            if getattr(self, name) < 1:
                raise ValidationError(f"{name}={getattr(self, name)!r} must be a positive integer")
        if not 0 < self.alpha < 1:
            raise ValidationError(f"alpha={self.alpha!r} must be in (0, 1)")

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SpikeAlert:
    """One brand's bucket that sits significantly above its baseline."""

    brand: str
    metric: str  # "volume" or "negative_share"
    bucket_start: date
    bucket: str
    observed: float
    expected: float
    count: int
    baseline_count: int
    statistic: float
    p_value: float
    test: str

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected > 0 else math.inf

    def serialize(self) -> dict[str, Any]:
        out = asdict(self)
        out["bucket_start"] = self.bucket_start.isoformat()
        out["ratio"] = self.ratio if math.isfinite(self.ratio) else None
        return out


def poisson_upper_tail(k: int, lam: float) -> float:
    """P(X ≥ k) for X ~ Poisson(lam)."""
    if k <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    return float(stats.poisson.sf(k - 1, lam))


def two_proportion_z(x1: int, n1: int, x0: int, n0: int) -> tuple[float, float]:
    """(z, one-sided p) of the test that x1/n1 > x0/n0, pooled variance."""
    p = (x1 + x0) / (n1 + n0)
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n0)) if 0 < p < 1 else 0.0
    diff = x1 / n1 - x0 / n0
    if se == 0:
        return (math.inf if diff > 0 else 0.0), (0.0 if diff > 0 else 1.0)
    z = diff / se
    return z, float(stats.norm.sf(z))


def _daily(source: Store | pa.Table, params: SpikeParams) -> dict[str, dict[date, tuple[int, int]]]:
    from .store._where import check_where

    table = records_arrow(source)
    check_where(params.where)  # one expression: no '; ATTACH …' on this connection
    con = duckdb.connect()
    con.register("records", table)
    unit = "day" if params.bucket == "day" else "week"
    try:
        rows = con.execute(
            f"SELECT brand, CAST(date_trunc('{unit}', occurred_at) AS DATE) AS d, count(*), "
            f"count(*) FILTER (WHERE sentiment_label = 'negative') FROM records "
            f"WHERE {params.where} GROUP BY ALL"
        ).fetchall()
    except duckdb.Error as exc:
        raise ValidationError(f"where={params.where!r} is not a valid SQL filter: {exc}") from None
    finally:
        con.close()
    out: dict[str, dict[date, tuple[int, int]]] = {}
    for brand, d, n, neg in rows:
        out.setdefault(str(brand), {})[d] = (int(n), int(neg))
    return out


def detect_spikes(
    source: Store | pa.Table, params: SpikeParams | None = None
) -> tuple[SpikeAlert, ...]:
    """Alerts for every brand and bucket whose volume or negative share spikes; by p-value."""
    params = params or SpikeParams()
    series = _daily(source, params)
    if not series:
        return ()
    step = timedelta(days=1 if params.bucket == "day" else 7)
    window = params.baseline_weeks * 7 // step.days
    first = min(min(s) for s in series.values())
    last = max(max(s) for s in series.values())
    alerts: list[SpikeAlert] = []
    for brand, counts in sorted(series.items()):
        day = first + step * min(window, params.min_baseline_buckets)
        while day <= last:
            start = max(first, day - step * window)
            n_buckets = (day - start) // step
            if n_buckets >= params.min_baseline_buckets:
                base = [counts.get(start + step * i, (0, 0)) for i in range(n_buckets)]
                alerts.extend(_test(brand, day, counts.get(day, (0, 0)), base, params))
            day += step
    alerts.sort(key=lambda a: (a.p_value, a.brand, a.bucket_start, a.metric))
    return tuple(alerts)


def _test(
    brand: str,
    day: date,
    current: tuple[int, int],
    base: list[tuple[int, int]],
    params: SpikeParams,
) -> list[SpikeAlert]:
    k, neg = current
    n0 = sum(n for n, _ in base)
    x0 = sum(x for _, x in base)
    lam = n0 / len(base)
    found = []
    common: dict[str, Any] = dict(
        brand=brand, bucket_start=day, bucket=params.bucket, count=k, baseline_count=n0
    )
    if k >= params.min_count and k >= params.min_ratio * lam:
        p = poisson_upper_tail(k, lam)
        if p < params.alpha:
            z = (k - lam) / math.sqrt(lam) if lam > 0 else math.inf
            found.append(SpikeAlert(metric="volume", observed=float(k), expected=lam, statistic=z,
                                    p_value=p, test="poisson_upper_tail", **common))  # fmt: skip
    if k >= params.min_count and n0 > 0:
        share1, share0 = neg / k, x0 / n0
        if share1 - share0 >= params.min_share_increase:
            z, p = two_proportion_z(neg, k, x0, n0)
            if p < params.alpha:
                found.append(SpikeAlert(metric="negative_share", observed=share1, expected=share0,
                                        statistic=z, p_value=p, test="two_proportion_z", **common))  # fmt: skip
    return found
