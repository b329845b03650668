"""KPI values for the CEMI index: from a table file (CSV/Parquet) and/or from the records.

A KPI values table has the columns ``unit``, ``period``, ``kpi`` and either ``value`` or
``numerator`` and ``denominator`` (both may be given), optionally ``service`` and
``touchpoint``. A row without ``service`` (or ``touchpoint``) applies to every service (or
every touchpoint that uses the KPI); the most specific row wins. A row whose denominator is 0
means the KPI did not occur: it is excluded from the index.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..errors import ValidationError
from ..store import Store
from ..touchmap import DEFAULT_TOUCHPOINT_MAP, TouchpointMap

__all__ = ["NETWORK", "KpiObservation", "KpiValues"]

NETWORK = "(network)"
"""The unit name of the network-wide aggregate (all units pooled)."""
NO_UNIT = "(no unit)"
"""Where records without a unit count: in the network-wide aggregate, never as a unit."""


@dataclass(frozen=True)
class KpiObservation:
    """One KPI measured in a unit and period (``service``/``touchpoint`` None = any)."""

    unit: str
    period: str
    kpi: str
    service: str | None = None
    touchpoint: int | None = None
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None

    def resolved(self, factor: float) -> float | None:
        """The KPI value, or None when it did not occur (denominator 0)."""
        if self.denominator is not None and self.denominator == 0:
            return None
        if self.value is not None:
            return self.value
        if self.numerator is not None and self.denominator is not None:
            return factor * self.numerator / self.denominator
        return None

    def exact_value(self, factor: float) -> Fraction | None:
        """:meth:`resolved` in exact arithmetic (the decimals as written)."""
        from .config import exact

        if self.denominator is not None and self.denominator == 0:
            return None
        if self.value is not None:
            return exact(self.value)
        if self.numerator is not None and self.denominator is not None:
            return exact(factor) * exact(self.numerator) / exact(self.denominator)
        return None

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


def _opt_float(v: Any) -> float | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return float(v)


def _opt_str(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() in ("", "*"):
        return None
    return str(v)


class KpiValues:
    """An index of KPI observations, looked up by unit, period, service, touchpoint and KPI."""

    def __init__(
        self,
        observations: Iterable[KpiObservation] = (),
        *,
        counts: Mapping[tuple[str, str, str | None, int | str | None], int] | None = None,
    ) -> None:
        self._index: dict[tuple[str, str, str | None, int | None, str], KpiObservation] = {}
        for obs in observations:
            self._index[(obs.unit, obs.period, obs.service, obs.touchpoint, obs.kpi)] = obs
        self._counts: dict[tuple[str, str, str | None, int | str | None], int] = dict(counts or {})

    def record_count(
        self, unit: str, period: str, service: str | None = None, touchpoint: int | None = None
    ) -> int | None:
        """Distinct records behind a node (unit; unit and service; unit, service and touchpoint),
        counting the records of any service with each service; None when not known (values
        from a table)."""
        if not self._counts:
            return None
        if service is None:
            return self._counts.get((unit, period, ALL, ALL), 0)
        tp: int | str | None = ALL if touchpoint is None else touchpoint
        return self._counts.get((unit, period, service, tp), 0) + self._counts.get(  # type: ignore[arg-type]
            (unit, period, None, tp),
            0,  # type: ignore[arg-type]
        )

    def __len__(self) -> int:
        return len(self._index)

    def __iter__(self) -> Iterator[KpiObservation]:
        return iter(self._index.values())

    def lookup(
        self, *, unit: str, period: str, service: str, touchpoint: int, kpi: str
    ) -> KpiObservation | None:
        """The most specific observation: (service, touchpoint), (service, any), (any, touchpoint), (any, any)."""
        for s, t in ((service, touchpoint), (service, None), (None, touchpoint), (None, None)):
            found = self._index.get((unit, period, s, t, kpi))
            if found is not None:
                return found
        return None

    def units(self, period: str) -> list[str]:
        return sorted(
            {k[0] for k in self._index if k[1] == period and k[0] not in (NETWORK, NO_UNIT)}
        )

    def periods(self) -> list[str]:
        return sorted({k[1] for k in self._index})

    def merged(self, other: KpiValues) -> KpiValues:
        """These observations, with ``other``'s replacing those of the same key."""
        return KpiValues([*self, *other], counts={**self._counts, **other._counts})

    def with_network(self, period: str) -> KpiValues:
        """Add the network-wide aggregate of ``period`` as unit :data:`NETWORK`.

        Rows with numerator and denominator are pooled (sums); rows with only a value are averaged.
        Records without a unit (:data:`NO_UNIT`) are pooled too. Keys that already have a
        network observation keep it.
        """
        groups: dict[tuple[str | None, int | None, str], list[KpiObservation]] = {}
        for (unit, per, s, t, k), obs in self._index.items():
            if per == period and unit != NETWORK:
                groups.setdefault((s, t, k), []).append(obs)
        # a unit without a row for a service counts with its any-service row (what its own
        # lookup would use), e.g. social posts without a unit or service
        for (s, t, k), rows in groups.items():
            if s is None:
                continue
            have = {r.unit for r in rows}
            rows += [r for r in groups.get((None, t, k), ()) if r.unit not in have]
        pooled = []
        for (s, t, k), rows in groups.items():
            if (NETWORK, period, s, t, k) in self._index:
                continue
            if all(r.numerator is not None and r.denominator is not None for r in rows):
                num = sum(r.numerator or 0.0 for r in rows)
                den = sum(r.denominator or 0.0 for r in rows)
                pooled.append(KpiObservation(NETWORK, period, k, s, t, None, num, den))
            else:
                vals = [r.value for r in rows if r.value is not None]
                if vals:
                    pooled.append(KpiObservation(NETWORK, period, k, s, t, sum(vals) / len(vals)))
        return KpiValues([*pooled, *self], counts=self._counts)

    # -- constructors -----------------------------------------------------------------------
    @classmethod
    def from_table(cls, table: pa.Table | str | Path, *, name: str = "<table>") -> KpiValues:
        """Observations from an Arrow table or a CSV/Parquet file in the KPI values layout."""
        if not isinstance(table, pa.Table):
            from ..kpi import read_table

            name = str(table)
            table = read_table(table)
        cols = set(table.column_names)
        missing = [c for c in ("unit", "period", "kpi") if c not in cols]
        if missing:
            raise ValidationError(f"KPI values {name}: missing column(s) {', '.join(missing)} "
                                  f"(columns: {', '.join(table.column_names)})")  # fmt: skip
        if "value" not in cols and not {"numerator", "denominator"} <= cols:
            raise ValidationError(
                f"KPI values {name}: needs a 'value' column or 'numerator' and 'denominator'"
            )
        out = []
        for i, row in enumerate(table.to_pylist(), start=1):
            obs = KpiObservation(
                unit=str(row["unit"]), period=str(row["period"]), kpi=str(row["kpi"]),
                service=_opt_str(row.get("service")),
                touchpoint=None if _opt_str(row.get("touchpoint")) is None else int(row["touchpoint"]),
                value=_opt_float(row.get("value")), numerator=_opt_float(row.get("numerator")),
                denominator=_opt_float(row.get("denominator")),
            )  # fmt: skip
            if obs.value is None and (obs.numerator is None or obs.denominator is None):
                raise ValidationError(f"KPI values {name}: row {i} ({obs.unit}, {obs.period}, {obs.kpi}) "
                                      f"has neither a value nor numerator and denominator")  # fmt: skip
            if obs.denominator is not None and obs.denominator < 0:
                raise ValidationError(
                    f"KPI values {name}: row {i}: denominator {obs.denominator:g} is negative"
                )
            out.append(obs)
        return cls(out)

    @classmethod
    def from_records(
        cls,
        source: Store | pa.Table,
        *,
        period: str = "month",
        kpis: Sequence[str] | None = None,
        touchpoints: TouchpointMap | None = DEFAULT_TOUCHPOINT_MAP,
        slim: bool = False,
    ) -> KpiValues:
        """Observations computed from records by :func:`cxvoc.kpi.kpi_table`, per unit, service
        and touchpoint, with records mapped onto touchpoints by ``touchpoints``
        (:mod:`cxvoc.touchmap`), and the distinct records behind each node.

        Records without a unit count only in the network-wide aggregate (unit :data:`NETWORK`,
        pooled by :meth:`with_network`), under the pseudo-unit :data:`NO_UNIT`. ``slim``:
        ``source`` is already :func:`cxvoc.kpi.kpi_records` of the records.
        """
        from ..kpi import kpi_records, kpi_table, mapped_records, records_arrow

        table = source if slim else kpi_records(records_arrow(source))  # type: ignore[arg-type]
        mapped = mapped_records(table, touchpoints) if touchpoints is not None else table
        wanted = [k for k in (kpis or ()) if k not in ("share_of_voice", "mentions")] or [
            k for k in KPI_FOR_CEMI
        ]
        by = ("period", "unit", "service", "touchpoint")
        rows = kpi_table(mapped, by=by, period=period, kpis=wanted, touchpoints=None)  # type: ignore[arg-type]
        units = rows.column("unit").to_pylist()
        rows = rows.set_column(rows.column_names.index("unit"), "unit",
                               pa.array([NO_UNIT if u is None else u for u in units], pa.string()))  # fmt: skip
        values = cls.from_table(rows, name="records")
        # the value of records-derived rows is recomputed from numerator/denominator with each
        # KPI's factor from the config, so drop the precomputed one where a ratio exists
        obs = [replace(o, value=None) if o.denominator is not None else o for o in values]
        return cls(_pool_any_service(obs), counts=_record_counts(table, mapped, period))


def _pool_any_service(obs: list[KpiObservation]) -> list[KpiObservation]:
    """Records without a service (social posts) count for every service: their numerator and
    denominator are added to each service's own row of the same unit, touchpoint and KPI (the
    lookup falls back to the any-service row where a service has none)."""
    anyservice = {(o.unit, o.period, o.touchpoint, o.kpi): o for o in obs if o.service is None}
    out = []
    for o in obs:
        extra = (
            anyservice.get((o.unit, o.period, o.touchpoint, o.kpi))
            if o.service is not None
            else None
        )
        if extra is not None and None not in (
            o.numerator,
            o.denominator,
            extra.numerator,
            extra.denominator,
        ):
            o = replace(o, numerator=o.numerator + extra.numerator,  # type: ignore[operator]
                        denominator=o.denominator + extra.denominator)  # type: ignore[operator]  # fmt: skip
        out.append(o)
    return out


KPI_FOR_CEMI = ("csat", "nps", "ces", "ttr", "churn", "net_sentiment", "escalation_rate",
                "qa_pass_rate")  # fmt: skip
ALL = "*"
"""The service/touchpoint key of a count over all of them."""


def _record_counts(
    table: pa.Table, mapped: pa.Table, period: str
) -> dict[tuple[str, str, str | None, int | str | None], int]:
    """Records behind each node: per (unit, service, touchpoint) from the mapped rows (one row
    per record and touchpoint), per (unit, service) and unit from the records; and the same for
    the network (records without a unit included)."""
    import duckdb

    from ..kpi import period_expression

    per = period_expression(period)  # type: ignore[arg-type]
    con = duckdb.connect()
    try:
        con.register("records", table)
        con.register("mapped", mapped)
        fine = con.execute(f"""
SELECT {per} AS p, unit, service, touchpoint, count(*) FROM mapped
WHERE touchpoint IS NOT NULL GROUP BY ALL""").fetchall()
        rolled = con.execute(f"""
SELECT {per} AS p, unit, service, GROUPING(unit), GROUPING(service), count(*) FROM records
GROUP BY GROUPING SETS ((p, unit, service), (p, unit), (p, service), (p))""").fetchall()
    finally:
        con.close()
    out: dict[tuple[str, str, str | None, int | str | None], int] = {}
    for p, u, s, t, n in fine:
        for unit in (NETWORK, NO_UNIT if u is None else str(u)):
            key = (unit, str(p), s, int(t))
            out[key] = out.get(key, 0) + int(n)
    for p, u, s, gu, gs, n in rolled:
        unit = NETWORK if gu else (NO_UNIT if u is None else str(u))
        out[(unit, str(p), ALL if gs else s, ALL)] = int(n)
    return out
