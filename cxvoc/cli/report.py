"""``cx report``: the one-file HTML report of a store."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

NAME = "report"


class Lang(StrEnum):
    vi = "vi"
    en = "en"


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
    lang: Annotated[Lang, typer.Option(help="Language of the labels.")] = Lang.vi,
    agents_map: Annotated[
        Path | None,
        typer.Option(help="CSV with columns agent_ref,name: names shown for agent pseudonyms."),
    ] = None,
    brand: Annotated[
        list[str] | None, typer.Option("--brand", "-b", help="Brand(s) shown first (own brand).")
    ] = None,
) -> None:
    """Write the HTML report of a store."""
    from ..cemi import KpiValues, load_config
    from ..report import build_report, read_agents_map
    from ..store import open_store

    cfg = load_config(config)
    kv = KpiValues.from_table(values) if values else None
    names = read_agents_map(agents_map) if agents_map else None
    with open_store(store) as st:
        summary = build_report(st, out, config=cfg, kpi_values=kv, period=period, lang=lang.value,
                               agents_map=names, brands=brand)  # fmt: skip
    typer.echo(f"wrote {summary.path}: {summary.bytes:,} bytes, {summary.records:,} records, "
               f"CEMI period {summary.period or '-'}, {summary.pain_points} pain points, "
               f"{summary.spike_alerts} spike alerts, {summary.seconds:.2f} s")  # fmt: skip
