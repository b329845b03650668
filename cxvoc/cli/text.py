"""``cx text``: score Vietnamese text files (CSV, JSONL, Parquet) into VoC records."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

NAME = "text"
app = typer.Typer(help="Vietnamese text: batch scoring into VoC records.", no_args_is_help=True)


class InputFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"
    parquet = "parquet"


class SourceKind(StrEnum):
    social = "social"
    survey = "survey"
    ticket = "ticket"
    chat = "chat"
    call = "call"


@app.command()
def score(
    file: Annotated[Path, typer.Argument(help="Input file: .csv, .jsonl or .parquet.")],
    text_col: Annotated[str, typer.Option("--text-col", help="Column holding the text.")],
    out: Annotated[
        str, typer.Option("--out", "-o", help="Store: a .duckdb file, postgresql://…, .parquet.")
    ] = "voc.duckdb",
    id_col: Annotated[
        str | None, typer.Option(help="Column with a native id (default: a hash of the text).")
    ] = None,
    author_col: Annotated[
        str | None, typer.Option(help="Column with the author (pseudonymized with the salt).")
    ] = None,
    time_col: Annotated[str | None, typer.Option(help="Column with the post time.")] = None,
    url_col: Annotated[str | None, typer.Option(help="Column with the post URL.")] = None,
    source: Annotated[SourceKind, typer.Option(help="Record source.")] = SourceKind.social,
    channel: Annotated[str, typer.Option(help="Record channel (e.g. facebook, forum).")] = "social",
    salt: Annotated[
        str | None,
        typer.Option(
            help="Pseudonymization salt (default: $CX_PSEUDONYM_SALT).", show_default=False
        ),
    ] = None,
    format: Annotated[
        InputFormat | None, typer.Option("--format", "-f", help="Default: from the suffix.")
    ] = None,
    brands: Annotated[
        Path | None, typer.Option("--brands", help="Your brand lexicon (YAML).")
    ] = None,
    dedupe: Annotated[
        bool, typer.Option("--dedupe", help="Mark near-duplicates (attributes.near_duplicate_of).")
    ] = False,
    no_models: Annotated[
        bool, typer.Option("--no-models", help="Skip sentiment and aspects.")
    ] = False,
    batch_size: Annotated[int, typer.Option(help="Rows per model batch and store write.")] = 1000,
    encoding: Annotated[
        str,
        typer.Option(help="Encoding of CSV/JSONL input (e.g. cp1258 for Windows-1258)."),
    ] = "utf-8",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Normalize, mask PII, find brands, score sentiment and aspects; upsert the records.

    Exits 65 when the file has rows and none of them could be scored."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from cxtext import TextInputError
    from cxtext.batch import TextScorer, score_file

    console = Console(stderr=True)
    scorer = TextScorer(lexicon=brands, use_default_models=not no_models)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=as_json,
    ) as progress:
        task = progress.add_task(f"scoring {file.name}", total=None)

        def hook(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        report = score_file(
            file,
            out,
            text_col=text_col,
            id_col=id_col,
            author_col=author_col,
            time_col=time_col,
            url_col=url_col,
            source=source.value,
            channel=channel,
            salt=salt,
            format=format.value if format else None,
            near_duplicates=dedupe,
            batch_size=batch_size,
            scorer=scorer,
            hook=hook,
            encoding=encoding,
        )
    if as_json:
        typer.echo(json.dumps(report.serialize(), ensure_ascii=False, indent=2))
    else:
        _summary(report, out, dedupe, console)
    if report.rows and not report.scored:
        first = f" (first: {report.problems[0]})" if report.problems else ""
        raise TextInputError(f"{file}: none of the {report.rows:,} rows could be scored{first}")


def _summary(report: Any, out: str, dedupe: bool, console: Any) -> None:
    for problem in report.problems[:20]:
        console.print(f"[yellow]skipped[/] {problem}", highlight=False)
    if report.malformed > 20:
        console.print(f"… and {report.malformed - 20:,} more malformed rows")
    typer.echo(
        f"{report.rows:,} rows: {report.scored:,} scored, {report.written:,} written to {out}, "
        f"{report.malformed:,} malformed"
        + (f", {report.near_duplicates:,} near-duplicates" if dedupe else "")
        + (f", {report.nul_removed:,} NUL characters removed" if report.nul_removed else "")
        + f" (analyzers: {', '.join(report.analyzers)})"
    )
