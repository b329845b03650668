"""``cx social``: crawl news, forums and review pages into VoC records, and summarize them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

NAME = "social"


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


app = typer.Typer(
    help="Social listening: crawl configured sources, summarize brand mentions.",
    no_args_is_help=True,
)


def _parse_set(values: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"--set {item!r} must look like NAME=VALUE")
        try:
            out[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            out[key.strip()] = raw
    return out


@app.command()
def crawl(
    sources: Annotated[Path, typer.Option("--sources", help="Sources YAML file.")],
    out: Annotated[
        str, typer.Option("--out", "-o", help="VoC store: a .duckdb file or postgresql://…")
    ] = "voc.duckdb",
    salt: Annotated[
        str | None,
        typer.Option(envvar="CX_PSEUDONYM_SALT", help="Secret salt of author pseudonyms."),
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Crawl only these sources (repeatable).")
    ] = None,
    state_dir: Annotated[
        Path | None,
        typer.Option(help="HTTP cache, seen-store and job folders (default <out>.state)."),
    ] = None,
    redis: Annotated[
        str | None,
        typer.Option(help="redis://… to share the frontier and seen-set between processes."),
    ] = None,
    run_id: Annotated[
        str | None,
        typer.Option(help="Processes of one distributed run share it (default: today's date)."),
    ] = None,
    namespace: Annotated[
        str, typer.Option(help="Redis key namespace of this deployment.")
    ] = "default",
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", "-s", help="Scrapy setting NAME=VALUE (repeatable)."),
    ] = None,
    log_level: Annotated[LogLevel, typer.Option(help="Scrapy log level.")] = LogLevel.INFO,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the crawl result as JSON.")
    ] = False,
    allow_empty: Annotated[
        bool,
        typer.Option(
            "--allow-empty",
            help="Exit 0 even when a source yields nothing or far fewer items than usual.",
        ),
    ] = False,
) -> None:
    """Crawl every configured source (incremental, polite, resumable) into the store.

    Exits 1 when a source yields nothing, or far fewer items than its recent runs (named in
    the summary under "problems"), unless --allow-empty is given.
    """
    import logging

    from crawlers import crawl as run_crawl

    if not salt:
        from cxvoc.errors import ConfigError

        raise ConfigError(
            "no salt: pass --salt or set CX_PSEUDONYM_SALT (a secret kept per deployment)"
        )
    for handler in list(logging.root.handlers):  # Scrapy installs its own, at --log-level
        logging.root.removeHandler(handler)
    overrides = _parse_set(set_ or [])
    overrides.setdefault("LOG_LEVEL", log_level.value)

    def progress(step: str, artifact: dict[str, Any], *, completed: int, total: int | None) -> None:
        if not as_json:
            typer.echo(f"{artifact['source']}: {completed:,} records stored", err=True)

    result = run_crawl(
        sources,
        out=out,
        salt=salt,
        only=source or None,
        state_dir=state_dir,
        redis_url=redis,
        run_id=run_id,
        namespace=namespace,
        settings=overrides,
        hook=progress,
    )
    summary = result.serialize()
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        typer.echo(f"stored {summary['stored']:,} records into {out}")
        for title in ("dropped", "malformed", "incremental"):
            if summary[title]:
                typer.echo(f"{title}: " + ", ".join(f"{k}={v}" for k, v in summary[title].items()))
        reasons = summary["finish_reasons"]
        typer.echo("finished: " + ", ".join(f"{k}={v}" for k, v in reasons.items()))
    for name, problem in result.problems.items():
        typer.echo(f"problem: source {name} {problem}", err=True)
    if result.problems and not allow_empty:
        from crawlers.errors import SourceYieldError

        names = ", ".join(result.problems)
        raise SourceYieldError(
            f"{len(result.problems)} source(s) yielded nothing or far fewer items than usual: "
            f"{names} (--allow-empty to accept)"
        )


@app.command()
def check(
    sources: Annotated[Path, typer.Option("--sources", help="Sources YAML file.")],
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Check only these sources (repeatable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
) -> None:
    """Dry-run each source on its first page (and the first page it links to): print what
    every selector found. Stores nothing. Exits 1 if a source finds no post or article."""
    from crawlers.check import check_sources
    from crawlers.errors import SourceYieldError
    from crawlers.sources import load_sources

    results = check_sources(load_sources(sources), only=source or None)
    if as_json:
        typer.echo(json.dumps([r.serialize() for r in results], ensure_ascii=False, indent=2))
    else:
        for r in results:
            typer.echo(f"{r.source} ({r.type}): {'ok' if r.ok else 'PROBLEM: ' + str(r.problem)}")
            for url, status in r.pages:
                typer.echo(f"  fetched {url} -> {status}")
            for key, value in r.found.items():
                typer.echo(f"  {key}: {value}")
    bad = [r.source for r in results if not r.ok]
    if bad:
        raise SourceYieldError(f"no post or article found for: {', '.join(bad)}")


def _when(text: str | None, name: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"--{name} {text!r} must be an ISO date such as 2026-11-01"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=timezone(timedelta(hours=7)))


@app.command()
def summary(
    store: Annotated[str, typer.Option("--store", "-s", help="VoC store URL.")] = "voc.duckdb",
    since: Annotated[
        str | None, typer.Option(help="Start (inclusive), ISO date/time; naive = UTC+7.")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="End (exclusive), ISO date/time; naive = UTC+7.")
    ] = None,
    days: Annotated[int | None, typer.Option(help="The last N days (instead of --since).")] = None,
    channel: Annotated[
        str | None, typer.Option(help="Only this channel (news, forum, review, …).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Mentions, net sentiment and share of voice per brand for a period."""
    from crawlers.summary import older_mentions, social_summary
    from cxvoc.store import open_store

    start = _when(since, "since")
    end = _when(until, "until")
    if days is not None:
        if days < 1:
            raise typer.BadParameter(f"--days {days} must be a positive number of days")
        start = (end or datetime.now(UTC)) - timedelta(days=days)
    hint = None
    with open_store(store) as st:
        result = social_summary(st, since=start, until=end, channel=channel)
        if result.total_mentions == 0 and start is not None:
            older, latest = older_mentions(st, start)
            if older:
                hint = (
                    f"no mentions in this window, but {older:,} older ones, the latest on "
                    f"{latest:%Y-%m-%d}: widen it with --days or --since"
                    if latest
                    else f"no mentions in this window, but {older:,} older ones"
                )
    if hint:
        typer.echo(hint, err=True)
    if as_json:
        typer.echo(json.dumps(result.serialize(), ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"social mentions {result.since or '…'} → {result.until or '…'} "
        f"({result.total_mentions:,} in all)"
    )
    columns = ("brand", "mentions", "positive", "negative", "net sentiment", "share of voice",
               "top aspects")  # fmt: skip
    for col in columns:
        table.add_column(col, justify="left" if col in ("brand", "top aspects") else "right")
    for b in result.brands:
        table.add_row(
            b.brand,
            f"{b.mentions:,}",
            f"{b.positive:,}",
            f"{b.negative:,}",
            f"{b.net_sentiment:+.1f}",
            f"{100 * b.share_of_voice:.1f}%",
            ", ".join(f"{a} ({n})" for a, n in b.top_aspects),
        )
    Console().print(table)
