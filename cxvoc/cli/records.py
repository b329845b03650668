"""``cx records``: inspect and export a store."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

NAME = "records"
app = typer.Typer(help="Inspect and export VoC records.", no_args_is_help=True)

StoreOpt = Annotated[
    str, typer.Option("--store", "-s", help="Store URL: a .duckdb file or postgresql://…")
]


class Format(StrEnum):
    parquet = "parquet"
    jsonl = "jsonl"


@app.command()
def stats(
    store: StoreOpt = "voc.duckdb", as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Counts of records by source, channel, brand and sentiment."""
    from rich.console import Console
    from rich.table import Table

    from ..store import open_store

    with open_store(store) as st:
        s = st.stats()
    if as_json:
        typer.echo(json.dumps(s.serialize(), ensure_ascii=False, indent=2))
        return
    console = Console()
    console.print(
        f"[bold]{store}[/]: {s.total:,} records, occurred {s.first_occurred_at} … {s.last_occurred_at}"
    )
    for title, counts in (
        ("source", s.by_source),
        ("channel", s.by_channel),
        ("brand", s.by_brand),
        ("sentiment", s.by_sentiment),
    ):
        table = Table(title=f"by {title}")
        table.add_column(title)
        table.add_column("records", justify="right")
        for key, value in counts.items():
            table.add_row(key, f"{value:,}")
        console.print(table)


@app.command()
def export(
    out: Annotated[Path, typer.Argument(help="Output file (.parquet or .jsonl).")],
    store: StoreOpt = "voc.duckdb",
    format: Annotated[
        Format | None, typer.Option("--format", "-f", help="Default: from the suffix.")
    ] = None,
    where: Annotated[
        str | None,
        typer.Option(help="One SQL condition, e.g. \"source = 'call'\" (run read-only)."),
    ] = None,
) -> None:
    """Export records to Parquet or JSONL."""
    from ..store import open_store

    with open_store(store) as st:
        n = st.export(out, format=format.value if format else None, where=where)
    typer.echo(f"exported {n:,} records to {out}")
