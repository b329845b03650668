"""``cx cemi``: compute the CEMI index and its pain points."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

NAME = "cemi"
app = typer.Typer(help="The CEMI customer-experience index (SPEC section 6).", no_args_is_help=True)

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="CEMI YAML config (default: bundled).")
]


@app.command()
def compute(
    period: Annotated[str, typer.Option(help="Period label, e.g. 2026-10 (monthly records).")],
    config: ConfigOpt = None,
    unit: Annotated[
        list[str] | None, typer.Option("--unit", "-u", help="Unit(s) to show (default: all).")
    ] = None,
    store: Annotated[
        str | None, typer.Option("--store", "-s", help="Take KPI values from this store's records.")
    ] = None,
    values: Annotated[
        Path | None, typer.Option(help="KPI values table (CSV/Parquet); overrides the store's.")
    ] = None,
    pain: Annotated[int, typer.Option("--pain-points", help="How many pain points to list.")] = 10,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of the tree.")
    ] = False,
) -> None:
    """Compute CEMI for a period and print the tree coloured by band, then the pain points."""
    from rich.console import Console
    from rich.table import Table
    from rich.tree import Tree

    from ..cemi import BAND_COLORS, KpiValues, compute_cemi, load_config, pain_points
    from ..errors import ConfigError
    from ..store import open_store

    cfg = load_config(config)
    kv = KpiValues()
    if store:
        with open_store(store) as st:
            kv = KpiValues.from_records(st, touchpoints=cfg.record_touchpoints)
    if values:
        kv = kv.merged(KpiValues.from_table(values))
    if not store and not values:
        raise ConfigError("give KPI values with --store and/or --values")
    result = compute_cemi(cfg, kv, period=period, units=unit or None)
    from ..kpi import previous_period

    prev = previous_period(period, strict=False)
    previous = compute_cemi(cfg, kv, period=prev, network=False) if prev in kv.periods() else None
    pains = pain_points(result, previous=previous, top=pain)
    if as_json:
        out = {"cemi": result.serialize(), "pain_points": [p.serialize() for p in pains]}
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return

    def label(name: str, score: float | None, band: str | None) -> str:
        if score is None or band is None:
            return f"[grey50]{name}: no data[/]"
        return f"[bold {BAND_COLORS[band]}]{score:.2f} {band}[/] {name}"

    console = Console()
    units = list(result.units) + ([result.network] if result.network and not unit else [])
    for u in units:
        root = Tree(
            label(f"[b]{u.unit}[/] ({u.period}){_cover(u.coverage, u.records)}", u.score, u.band)
        )
        for s in u.services:
            node = root.add(label(f"{s.name} (weight {s.weight:.2f}, effective {s.effective_weight:.2f})"
                                  f"{_cover(s.coverage, s.records)}", s.score, s.band))  # fmt: skip
            for t in s.touchpoints:
                tp = node.add(label(f"{t.touchpoint}. {t.name} (weight {t.weight:.2f}, effective "
                                    f"{t.effective_weight:.2f}){_cover(t.coverage, t.records)}",
                                    t.score, t.band))  # fmt: skip
                for k in t.kpis:
                    if k.points is None:
                        tp.add(f"[grey50]{k.kpi}: {k.status}[/]")
                    else:
                        shown = f"{k.value:.2f} → " if k.value is not None else ""
                        tp.add(f"{k.kpi}: {shown}{k.points:.2f} pts (w {k.effective_weight:.2f})")
        console.print(root)
    if pains:
        table = Table(title="pain points (weighted gap)")
        for col in (
            "unit",
            "service",
            "touchpoint",
            "KPI",
            "below",
            "points",
            "ref",
            "weighted gap",
        ):
            table.add_column(col)
        for p in pains:
            table.add_row(p.unit, p.service, f"{p.touchpoint}. {p.touchpoint_name}", p.kpi or "(touchpoint)",
                          p.basis, f"{p.points:.2f}", f"{p.reference_points:.2f}", f"{p.weighted_gap:.4f}")  # fmt: skip
        console.print(table)


def _cover(coverage: float, records: int | None) -> str:
    n = "" if records is None else f", {records:,} records"
    return f" [grey50]coverage {100 * coverage:.0f} %{n}[/]"


@app.command()
def validate(config: Annotated[Path, typer.Argument(help="CEMI YAML config.")]) -> None:
    """Validate a CEMI config (weights, references, cycles); exit code 78 on error."""
    from ..cemi import load_config

    cfg = load_config(config)
    typer.echo(f"{config}: OK ({len(cfg.kpis)} KPIs, {len(cfg.touchpoints)} touchpoints, "
               f"{sum(len(p.stages) for p in cfg.phases)} stages, {len(cfg.services)} services)")  # fmt: skip


@app.command("default-config")
def default_config() -> None:
    """Print the bundled default telecom configuration (YAML)."""
    from ..cemi import default_config_path

    typer.echo(default_config_path().read_text(encoding="utf-8"), nl=False)
