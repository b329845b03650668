"""``cx report``: the one-file HTML report of a store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

NAME = "report"


def register(app: typer.Typer) -> None:
    """Add ``cx report`` as a top-level command (not a group)."""
    app.command(name="report", help="Write the HTML report (one self-contained file) of a store.")(
        report
    )


def report(
    store: Annotated[
        str, typer.Option("--store", "-s", help="Store URL: a .duckdb file or postgresql://…")
    ] = "voc.duckdb",
    out: Annotated[Path, typer.Option("--out", "-o", help="Output HTML file.")] = Path(
        "report.html"
    ),
    config: Annotated[
        Path | None, typer.Option(help="CEMI YAML config (default: the bundled one).")
    ] = None,
    values: Annotated[
        Path | None, typer.Option(help="KPI values table (CSV/Parquet) overlaying the records.")
    ] = None,
    period: Annotated[
        str | None, typer.Option(help="CEMI period, e.g. 2026-10 (default: latest).")
    ] = None,
) -> None:
    """Write the HTML report of a store."""
    from ..cemi import KpiValues, load_config
    from ..report import build_report
    from ..store import open_store

    cfg = load_config(config)
    kv = KpiValues.from_table(values) if values else None
    with open_store(store) as st:
        summary = build_report(st, out, config=cfg, kpi_values=kv, period=period)
    typer.echo(f"wrote {summary.path}: {summary.bytes:,} bytes, {summary.records:,} records, "
               f"CEMI period {summary.period or '-'}, {summary.pain_points} pain points, "
               f"{summary.spike_alerts} spike alerts, {summary.seconds:.2f} s")  # fmt: skip
