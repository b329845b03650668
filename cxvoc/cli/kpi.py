"""``cx kpi``: import survey/ticket tables, compute CX KPIs, detect spikes."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

NAME = "kpi"
app = typer.Typer(
    help="CX KPIs (CSAT, NPS, CES, TTR, churn, sentiment, …) and spikes.", no_args_is_help=True
)

StoreOpt = Annotated[
    str, typer.Option("--store", "-s", help="Store URL: a .duckdb file or postgresql://…")
]


class TableSource(StrEnum):
    survey = "survey"
    ticket = "ticket"


class BucketOpt(StrEnum):
    day = "day"
    week = "week"


class PeriodOpt(StrEnum):
    day = "day"
    week = "week"
    month = "month"
    quarter = "quarter"


@app.command("import")
def import_(
    path: Annotated[
        Path, typer.Argument(help="CSV or Parquet table, one row per answer or ticket.")
    ],
    source: Annotated[TableSource, typer.Option(help="What the rows are.")],
    store: StoreOpt = "voc.duckdb",
    salt: Annotated[
        str | None,
        typer.Option(
            envvar="CX_PSEUDONYM_SALT",
            help="Secret salt for hashing customer_id (default: $CX_PSEUDONYM_SALT).",
            show_default=False,
        ),
    ] = None,
    keep_column: Annotated[
        list[str] | None,
        typer.Option("--keep-column", help="Keep this extra column (PII-masked if text)."),
    ] = None,
) -> None:
    """Import a survey or ticket table into records: free text PII-masked, customer ids
    hashed with the salt, columns the import does not know dropped unless kept."""
    import os
    import warnings

    from cxtext import mask_pii

    from ..kpi import import_table
    from ..store import open_store

    if not salt and os.environ.get("CXKIT_SALT"):
        warnings.warn(
            "CXKIT_SALT is deprecated: set CX_PSEUDONYM_SALT (the one salt variable of cxkit)",
            DeprecationWarning,
            stacklevel=1,
        )
        typer.echo("warning: CXKIT_SALT is deprecated; set CX_PSEUDONYM_SALT", err=True)
        salt = os.environ["CXKIT_SALT"]
    records = import_table(
        path, source=source.value, salt=salt, mask_text=mask_pii, keep_columns=keep_column or ()
    )
    with open_store(store) as st:
        n = st.upsert(records)
    typer.echo(f"imported {n:,} {source.value} records from {path} into {store}")


@app.command()
def show(
    store: StoreOpt = "voc.duckdb",
    by: Annotated[str, typer.Option(help="Comma-separated group keys.")] = "period,brand",
    period: Annotated[PeriodOpt, typer.Option(help="Period length.")] = PeriodOpt.month,
    kpi: Annotated[
        list[str] | None, typer.Option("--kpi", help="KPI(s) to compute (default: all).")
    ] = None,
    where: Annotated[str | None, typer.Option(help="SQL filter on the records.")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write the table to .csv or .parquet instead.")
    ] = None,
) -> None:
    """KPIs per group (long layout: keys, kpi, numerator, denominator, value)."""
    from ..kpi import kpi_table
    from ..store import open_store

    keys = [k.strip() for k in by.split(",") if k.strip()]
    if where is not None:
        from ..store._where import check_where

        check_where(where)  # one expression, before any database sees it
    with open_store(store) as st:
        table = kpi_table(st, by=keys, period=period.value, kpis=kpi, where=where)
    if out is not None:
        if out.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            pq.write_table(table, out)
        else:
            from ._csv import write_csv

            write_csv(table, out)  # text cells that spreadsheets would run as formulas escaped
        typer.echo(f"wrote {table.num_rows:,} rows to {out}")
        return
    from rich.console import Console
    from rich.table import Table

    view = Table()
    for name in table.column_names:
        view.add_column(name)
    for row in table.to_pylist():
        view.add_row(
            *(
                "" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v)
                for v in row.values()
            )
        )
    Console().print(view)


@app.command()
def spikes(
    store: StoreOpt = "voc.duckdb",
    bucket: Annotated[BucketOpt, typer.Option(help="Bucket length.")] = BucketOpt.day,
    baseline_weeks: Annotated[int, typer.Option(help="Trailing weeks of baseline.")] = 2,
    alpha: Annotated[float, typer.Option(help="One-sided significance level.")] = 1e-3,
    min_count: Annotated[int, typer.Option(help="Fewest mentions in a bucket to test.")] = 20,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Spikes of mention volume and negative share per brand."""
    from ..spikes import SpikeParams, detect_spikes
    from ..store import open_store

    params = SpikeParams(
        bucket=bucket.value, baseline_weeks=baseline_weeks, alpha=alpha, min_count=min_count
    )
    with open_store(store) as st:
        alerts = detect_spikes(st, params)
    if as_json:
        typer.echo(json.dumps([a.serialize() for a in alerts], ensure_ascii=False, indent=2))
        return
    for a in alerts:
        typer.echo(f"{a.bucket_start} {a.brand}: {a.metric} {a.observed:.3g} vs {a.expected:.3g} "
                   f"({a.test}, statistic {a.statistic:.2f}, p={a.p_value:.2e})")  # fmt: skip
    if not alerts:
        typer.echo("no spikes")
