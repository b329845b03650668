"""``python -m cxaudio.demo``: the README's main job on synthetic calls.

Generates an archive of synthetic Vietnamese care-center calls (espeak-ng voices, with
transcripts; some calm, some escalating, some with long silences or interruptions; half
stereo, half mono), scores it into a VoC store (``voc.duckdb``) with the batch runner, and
prints the summary and one line per call. Running it again resumes: stored calls are skipped.
When speech recognition is available (``cxkit[asr]`` and ``make models``), the calls are
transcribed by it and their generated transcripts are not used (QA phrases, customer words).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["main", "run_demo"]


def run_demo(
    *,
    out: str = "voc.duckdb",
    folder: str | Path = "demo/calls",
    n_calls: int = 24,
    seed: int = 7,
    workers: int = 2,
    min_duration_s: float = 60.0,
    hook: Any = None,
) -> Any:
    """Generate ``n_calls`` synthetic calls into ``folder`` (kept if already there) and score them."""
    from dataclasses import replace

    from .batch import score_calls
    from .batch.jobs import discover_jobs
    from .call import CallConfig
    from .synth import generate_archive

    folder = Path(folder)
    if not (folder / "manifest.csv").exists() or len(list(folder.glob("*.wav"))) < n_calls:
        generate_archive(
            folder,
            n_calls=n_calls,
            seed=seed,
            min_duration_s=min_duration_s,
            max_duration_s=min_duration_s * 1.5,
            workers=max(workers, 1),
        )
    manifest = _demo_manifest(folder)
    config = CallConfig()
    if not config.asr_enabled():
        return score_calls(manifest, store=out, workers=workers, hook=hook, salt=DEMO_SALT)
    # speech recognition is there: the calls are transcribed, their synthetic transcripts unused
    jobs = [replace(j, transcript=None) for j in discover_jobs(manifest)]
    return score_calls(
        jobs,
        store=out,
        workers=workers,
        hook=hook,
        salt=DEMO_SALT,
        config=replace(config, asr=True),
    )


DEMO_SALT = "cxkit-demo-salt"  # demo data only: real deployments keep their salt secret
_UNITS = ("Hà Nội", "TP Hồ Chí Minh", "Đà Nẵng")
_SERVICES = {"network": "mobile", "data": "mobile", "billing": "fixed_broadband"}


def _demo_manifest(folder: Path) -> Path:
    """The archive's manifest plus what a PBX export would carry: agent id, unit, service."""
    import csv
    import json

    src = folder / "manifest.csv"
    with src.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for i, row in enumerate(rows):
        truth = json.loads((folder / f"{row['call_id']}.truth.json").read_text(encoding="utf-8"))
        row["agent_id"] = f"agent-{truth.get('agent_name', 'unknown')}"
        row["unit"] = _UNITS[i % len(_UNITS)]
        row["service"] = _SERVICES.get(str(truth.get("topic")), "mobile")
    dst = folder / "manifest.demo.csv"
    with dst.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return dst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="voc.duckdb", help="store URL (default: voc.duckdb)")
    parser.add_argument("--folder", default="demo/calls", help="where the synthetic archive goes")
    parser.add_argument("-n", "--n-calls", type=int, default=24, help="number of calls (>= 20)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    from cxvoc import open_store
    from cxvoc.cli.calls import ProgressHook, print_summary

    console = Console()
    console.print(
        f"generating {args.n_calls} synthetic calls in {args.folder} (skipped when present) …"
    )
    with ProgressHook(Console(stderr=True)) as hook:
        summary = run_demo(
            out=args.out,
            folder=args.folder,
            n_calls=args.n_calls,
            seed=args.seed,
            workers=args.workers,
            hook=hook,
        )
    print_summary(summary, args.out, console=console)
    with open_store(args.out) as st:
        records = sorted(
            st.iter_records(where="source = 'call'"), key=lambda r: str(r.attributes.get("call_id"))
        )
    rows = []
    for r in records:
        m, q, e = r.metrics or {}, r.qa or {}, r.emotion or {}
        rows.append(
            (
                r.attributes.get("call_id"),
                q.get("score"),
                e.get("escalated"),
                m.get("silence_count"),
                m.get("interruptions_agent"),
                m.get("interruptions_customer"),
                m.get("talk_time_pct_agent"),
            )
        )
    table = Table(title="calls")
    for col in (
        "call",
        "QA",
        "escalated",
        "silences",
        "interruptions agent/customer",
        "agent talk %",
    ):
        table.add_column(col)
    for call_id, qa, esc, sil, ia, ic, talk in rows:
        table.add_row(
            str(call_id),
            str(qa),
            "[red]yes[/]" if esc else "no",
            str(sil),
            f"{ia}/{ic}",
            f"{float(talk):.1f}" if talk is not None else "-",
        )
    console.print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
