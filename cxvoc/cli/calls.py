"""``cx calls``: score call archives into VoC records; generate a synthetic archive."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

NAME = "calls"
app = typer.Typer(
    help="Score recorded calls (metrics, customer emotion, QA) into a VoC store.",
    no_args_is_help=True,
)


class Device(StrEnum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


class Engine(StrEnum):
    local = "local"
    ray = "ray"


class ProgressHook:
    """Turns the batch runner's hook calls into a rich progress bar (calls, audio hours, ETA, ×RT)."""

    def __init__(self, console: Any) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]scoring calls"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[hours]}"),
            TextColumn("{task.fields[speed]}"),
            TextColumn("{task.fields[failed]}"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task: Any = None
        self.audio_total = 0.0
        self.audio_done = 0.0
        self.failed = 0
        self.started = 0.0

    def __enter__(self) -> ProgressHook:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def __call__(
        self, step: str, artifact: Any, *, completed: int, total: int, **info: Any
    ) -> None:
        import time

        if step == "plan":
            self.audio_total = float(info.get("audio_s", 0.0))
            self.started = time.perf_counter()
            skipped = info.get("skipped", 0)
            if skipped:
                self.progress.console.print(
                    f"resume: {skipped} call(s) already stored with the same audio "
                    "and config; skipped"
                )
            self.task = self.progress.add_task(
                "calls",
                total=max(total, 1) if total else 0,
                hours=self._hours(),
                speed="",
                failed="",
            )
            return
        if step != "call" or self.task is None:
            return
        self.audio_done += getattr(artifact, "audio_s", 0.0) or 0.0
        if getattr(artifact, "status", "") == "failed":
            self.failed += 1
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        self.progress.update(
            self.task,
            completed=completed,
            hours=self._hours(),
            speed=f"{self.audio_done / elapsed:,.0f}× real time",
            failed=f"[red]{self.failed} failed" if self.failed else "",
        )

    def _hours(self) -> str:
        return f"{self.audio_done / 3600:.2f}/{self.audio_total / 3600:.2f} h audio"


@app.command()
def score(
    source: Annotated[
        Path,
        typer.Argument(
            help="A folder of calls, one audio file, or a manifest (.csv/.jsonl/.json)."
        ),
    ],
    out: Annotated[
        str, typer.Option("--out", "-o", help="Store URL: a .duckdb file or postgresql://…")
    ] = "voc.duckdb",
    scorecard: Annotated[
        Path | None, typer.Option(help="QA scorecard YAML (default: the Vietnamese telecom card).")
    ] = None,
    workers: Annotated[
        int, typer.Option(min=0, help="Worker processes (0/1: in this process).")
    ] = 1,
    device: Annotated[Device, typer.Option(help="Where models run.")] = Device.auto,
    engine: Annotated[
        Engine, typer.Option(help="local processes or a Ray cluster.")
    ] = Engine.local,
    ray_address: Annotated[
        str | None, typer.Option(help="Ray cluster address (default: a local instance).")
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="Skip calls stored with the same audio and config.")
    ] = True,
    salt: Annotated[
        str | None, typer.Option(envvar="CX_PSEUDONYM_SALT", help="Salt for customer/agent ids.")
    ] = None,
    silence_min_s: Annotated[float, typer.Option(help="Silences are gaps longer than this.")] = 3.0,
    emotion_model: Annotated[
        Path | None,
        typer.Option(
            help="ONNX categorical emotion classifier (contract in cxaudio.emotion.classifier)."
        ),
    ] = None,
    agent_emotion: Annotated[
        bool, typer.Option(help="Also infer the agent's emotion (prohibited at work in the EU).")
    ] = False,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Records each worker writes per transaction.")
    ] = 8,
    lock_timeout_s: Annotated[
        float,
        typer.Option(min=0.0, help="Seconds a write waits for a store locked by another process."),
    ] = 600.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    asr: Annotated[
        bool | None,
        typer.Option(
            "--asr/--no-asr",
            help="Transcribe calls without a transcript (default: on when the speech model "
            "is built and cxkit[asr] is installed).",
        ),
    ] = None,
    asr_model: Annotated[
        Path | None,
        typer.Option(help="A CTranslate2 Whisper folder (default: the bundled Whisper base)."),
    ] = None,
    language: Annotated[str, typer.Option(help="Language spoken in the calls.")] = "vi",
) -> None:
    """Score every call into VoC records: metrics, customer emotion, QA; failures go to call_errors.

    Exit status: 0 every call stored or skipped; 4 some calls failed (the rest are stored);
    1 every call failed; 130/143 stopped by SIGINT/SIGTERM (finished calls are stored, a rerun
    scores the rest).
    """
    from rich.console import Console

    from cxaudio.batch import score_calls
    from cxaudio.call import CallConfig

    console = Console(stderr=True)
    if asr or (asr is None and asr_model is not None):
        from cxaudio.asr import _require_runtime, check_model_dir

        _require_runtime()
        check_model_dir(asr_model)  # a bad folder stops here, not once per call
        asr = True
    config = CallConfig(
        silence_min_s=silence_min_s,
        include_agent_emotion=agent_emotion,
        emotion_model=str(emotion_model) if emotion_model else None,
        asr=asr,
        asr_model=str(asr_model) if asr_model else None,
        asr_language=language,
    )
    kwargs: dict[str, Any] = dict(
        store=out,
        scorecard=scorecard,
        config=config,
        workers=workers,
        device=device.value,
        engine=engine.value,
        ray_address=ray_address,
        resume=resume,
        salt=salt,
        batch_size=batch_size,
        lock_timeout_s=lock_timeout_s,
    )
    if quiet or as_json:
        summary = score_calls(source, **kwargs)
    else:
        with ProgressHook(console) as hook:
            summary = score_calls(source, hook=hook, **kwargs)
    if as_json:
        typer.echo(json.dumps(summary.serialize(), ensure_ascii=False, indent=2))
    else:
        print_summary(summary, out, console=Console())
    if summary.exit_code:
        raise typer.Exit(summary.exit_code)


def print_summary(summary: Any, store: str, *, console: Any) -> None:
    """The end-of-batch table."""
    from rich.table import Table

    t = Table(title=f"calls scored into {store}")
    t.add_column("")
    t.add_column("value", justify="right")
    rt = summary.realtime_factor
    rows = [
        ("calls", f"{summary.total:,}"),
        ("scored", f"{summary.scored:,}"),
        ("skipped (resume)", f"{summary.skipped:,}"),
        ("failed", f"{summary.failed:,}"),
        ("no speech (QA n/a)", f"{summary.no_speech:,}"),
        ("audio scored", f"{summary.audio_s / 3600:.2f} h"),
        ("wall time", f"{summary.wall_s:.1f} s"),
        ("speed", f"{rt:,.0f}× real time" if rt else "-"),
        ("mean QA score", f"{summary.qa_mean:.1f}" if summary.qa_mean is not None else "-"),
        ("customer escalations", f"{summary.escalated:,}"),
        (
            "peak memory per worker",
            ", ".join(f"{v:.0f} MB" for v in summary.peak_rss_mb.values()) or "-",
        ),
    ]
    if summary.interrupted:
        rows.insert(4, (f"not done ({summary.interrupted})", f"{summary.unfinished:,}"))
    if summary.requeued:
        rows.insert(4, ("re-scored after a worker died", f"{summary.requeued:,}"))
    if summary.workers_lost:
        rows.insert(4, ("worker processes lost", f"{summary.workers_lost:,}"))
    for k, v in rows:
        t.add_row(k, v)
    console.print(t)
    if summary.interrupted:
        console.print(
            f"[yellow]interrupted by {summary.interrupted}[/]: {summary.scored:,} call(s) stored; "
            "run the same command again to score the rest"
        )
    for path, reason in summary.errors[:20]:
        console.print(f"[red]failed[/] {path}: {reason}")
    if len(summary.errors) > 20:
        console.print(f"… and {len(summary.errors) - 20} more in the call_errors table")


class TranscriptFormat(StrEnum):
    srt = "srt"
    vtt = "vtt"
    json = "json"


_AUDIO_SUFFIXES = (".wav", ".mp3", ".flac", ".ogg", ".opus", ".m4a", ".aac", ".wma")


@app.command()
def transcribe(
    source: Annotated[Path, typer.Argument(help="An audio file or a folder of them.")],
    format: Annotated[
        TranscriptFormat, typer.Option("--format", "-f", help="Output format.")
    ] = TranscriptFormat.srt,
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for the transcripts (default: beside each audio file)."),
    ] = None,
    language: Annotated[str, typer.Option(help="Spoken language ('auto' to detect).")] = "vi",
    asr_model: Annotated[
        Path | None,
        typer.Option(help="A CTranslate2 Whisper folder (default: the bundled Whisper base)."),
    ] = None,
    device: Annotated[Device, typer.Option(help="Where the model runs.")] = Device.auto,
    words: Annotated[bool, typer.Option(help="Word times in JSON output.")] = False,
    threads: Annotated[int, typer.Option(min=0, help="CPU threads (0: automatic).")] = 0,
) -> None:
    """Transcribe calls to SRT, VTT or JSON (stereo: agent = channel 0, customer = channel 1).

    Transcripts are written as recognized, not PII-masked: treat them as the recordings."""
    from cxaudio.asr import _require_runtime, check_model_dir
    from cxaudio.asr import transcribe as run_asr
    from cxaudio.errors import AudioFileError

    _require_runtime()
    check_model_dir(asr_model)
    if source.is_dir():
        files = sorted(p for p in source.iterdir() if p.suffix.lower() in _AUDIO_SUFFIXES)
        if not files:
            raise AudioFileError(f"{str(source)!r}: no audio files ({', '.join(_AUDIO_SUFFIXES)})")
    elif source.is_file():
        files = [source]
    else:
        raise AudioFileError(f"{str(source)!r} does not exist")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for path in files:
        try:
            tr = run_asr(
                path,
                language=None if language == "auto" else language,
                model=asr_model,
                device=device.value,
                word_timestamps=words,
                threads=threads,
            )
        except AudioFileError as exc:
            failed += 1
            typer.echo(f"failed {path}: {exc}", err=True)
            continue
        text = {"srt": tr.to_srt, "vtt": tr.to_vtt, "json": tr.to_json}[format.value]()
        dest = (out or path.parent) / f"{path.stem}.{format.value}"
        dest.write_text(text, encoding="utf-8")
        typer.echo(f"{path} -> {dest} ({len(tr.segments)} segments)")
    if failed:
        raise typer.Exit(1)


@app.command()
def generate(
    folder: Annotated[Path, typer.Argument(help="Where to write the archive (created).")],
    n_calls: Annotated[int, typer.Option("--n-calls", "-n", min=1, help="How many calls.")] = 24,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    min_duration_s: Annotated[
        float, typer.Option(min=10.0, help="Shortest call in seconds.")
    ] = 120.0,
    stereo_fraction: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of stereo calls.")
    ] = 0.5,
    workers: Annotated[int, typer.Option(min=1, help="Processes.")] = 1,
) -> None:
    """Write a synthetic archive of Vietnamese calls (audio, RTTM, transcript, truth JSON, manifest.csv)."""
    from cxaudio.synth import generate_archive

    paths = generate_archive(
        folder,
        n_calls=n_calls,
        seed=seed,
        min_duration_s=min_duration_s,
        stereo_fraction=stereo_fraction,
        workers=workers,
    )
    typer.echo(
        f"wrote {len(paths)} synthetic calls into {folder} (manifest: {folder / 'manifest.csv'})"
    )
