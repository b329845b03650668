"""KPI values for the CEMI index: from a table file (CSV/Parquet) and/or from the records.

A KPI values table has the columns ``unit``, ``period``, ``kpi`` and either ``value`` or
``numerator`` and ``denominator`` (both may be given), optionally ``service`` and
``touchpoint``. A row without ``service`` (or ``touchpoint``) applies to every service (or
every touchpoint that uses the KPI); the most specific row wins. A row whose denominator is 0
means the KPI did not occur: it is excluded from the index.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..errors import ValidationError
from ..store import Store

__all__ = ["NETWORK", "KpiObservation", "KpiValues"]

NETWORK = "(network)"
"""The unit name of the network-wide aggregate (all units pooled)."""


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

    def __init__(self, observations: Iterable[KpiObservation] = ()) -> None:
        self._index: dict[tuple[str, str, str | None, int | None, str], KpiObservation] = {}
        for obs in observations:
            self._index[(obs.unit, obs.period, obs.service, obs.touchpoint, obs.kpi)] = obs

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
        return sorted({k[0] for k in self._index if k[1] == period and k[0] != NETWORK})

    def periods(self) -> list[str]:
        return sorted({k[1] for k in self._index})

    def merged(self, other: KpiValues) -> KpiValues:
        """These observations, with ``other``'s replacing those of the same key."""
        return KpiValues([*self, *other])

    def with_network(self, period: str) -> KpiValues:
        """Add the network-wide aggregate of ``period`` as unit :data:`NETWORK`.

        Rows with numerator and denominator are pooled (sums); rows with only a value are averaged.
        """
        groups: dict[tuple[str | None, int | None, str], list[KpiObservation]] = {}
        for (unit, per, s, t, k), obs in self._index.items():
            if per == period and unit != NETWORK:
                groups.setdefault((s, t, k), []).append(obs)
        pooled = []
        for (s, t, k), rows in groups.items():
            if all(r.numerator is not None and r.denominator is not None for r in rows):
                num = sum(r.numerator or 0.0 for r in rows)
                den = sum(r.denominator or 0.0 for r in rows)
                pooled.append(KpiObservation(NETWORK, period, k, s, t, None, num, den))
            else:
                vals = [r.value for r in rows if r.value is not None]
                if vals:
                    pooled.append(KpiObservation(NETWORK, period, k, s, t, sum(vals) / len(vals)))
        return self.merged(KpiValues(pooled))

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
        cls, source: Store | pa.Table, *, period: str = "month", kpis: Sequence[str] | None = None
    ) -> KpiValues:
        """Observations computed from records by :func:`cxvoc.kpi.kpi_table`, per unit, service
        and touchpoint (records without a unit are left out)."""
        from ..kpi import kpi_table

        by = ("period", "unit", "service", "touchpoint")
        wanted = [k for k in (kpis or ()) if k != "share_of_voice"] or None
        table = kpi_table(source, by=by, period=period, kpis=wanted, where="unit IS NOT NULL")  # type: ignore[arg-type]
        values = cls.from_table(table, name="records")
        # the value of records-derived rows is recomputed from numerator/denominator with each
        # KPI's factor from the config, so drop the precomputed one where a ratio exists
        return cls(replace(o, value=None) if o.denominator is not None else o for o in values)
