"""The batch runner: score a folder or manifest of calls into a VoC store.

- **resume**: a call whose record is already stored with the same content hash (of the audio
  bytes) and the same config hash is skipped without decoding it;
- **errors**: a call that fails is stored in the ``call_errors`` table with its reason
  (``Store.execute``) and the batch goes on; a later success removes the row;
- **workers**: separate processes (``forkserver``), each writing its own batches of records to
  the store (the DuckDB store serializes several writer processes with a file lock); a worker
  that dies is replaced and its call recorded as an error;
- **engines**: ``local`` (processes on this machine) or ``ray`` (tasks on a Ray cluster,
  ``ray.init(address=...)``; the store must be reachable from every node).

Progress goes through ``hook(step, artifact, completed=, total=, **info)``: step ``"plan"``
once (``info``: ``audio_s`` to score, ``skipped``), then ``"call"`` per finished call with its
:class:`CallOutcome` as artifact.
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import os
import queue
import resource
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ..call import CallConfig, analyze_call, content_hash
from ..errors import CxAudioError, ParameterError
from ..qa import Scorecard, resolve_scorecard
from .jobs import CallJob, discover_jobs

__all__ = ["ERRORS_TABLE", "BatchSummary", "CallOutcome", "Hook", "score_calls"]

log = logging.getLogger(__name__)

ERRORS_TABLE = "call_errors"
_ERRORS_DDL = f"""CREATE TABLE IF NOT EXISTS {ERRORS_TABLE} (
    record_id VARCHAR PRIMARY KEY, call_id VARCHAR, path VARCHAR, error_type VARCHAR,
    reason VARCHAR, content_hash VARCHAR, config_hash VARCHAR, failed_at TIMESTAMP WITH TIME ZONE)"""

Hook = Callable[..., None]
Engine = Literal["local", "ray"]


@dataclass(frozen=True)
class CallOutcome:
    """What happened to one call."""

    call_id: str
    path: str
    record_id: str
    status: str  # scored | skipped | failed
    audio_s: float = 0.0
    wall_s: float = 0.0
    error_type: str | None = None
    reason: str | None = None
    qa_score: float | None = None
    escalated: bool | None = None
    worker: int | None = None
    peak_rss_mb: float | None = None

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BatchSummary:
    """Totals of a batch run."""

    total: int
    scored: int
    skipped: int
    failed: int
    audio_s: float
    wall_s: float
    qa_mean: float | None
    escalated: int
    peak_rss_mb: dict[int, float] = field(default_factory=dict)
    errors: tuple[tuple[str, str], ...] = ()
    config_hash: str = ""

    @property
    def realtime_factor(self) -> float | None:
        return self.audio_s / self.wall_s if self.wall_s > 0 and self.audio_s > 0 else None

    def serialize(self) -> dict[str, Any]:
        out = asdict(self)
        out["peak_rss_mb"] = {str(k): v for k, v in self.peak_rss_mb.items()}
        out["errors"] = [list(e) for e in self.errors]
        out["realtime_factor"] = self.realtime_factor
        return out


@dataclass(frozen=True)
class _Options:
    store_url: str
    config: CallConfig
    config_hash: str
    device: str
    salt: str | None
    batch_size: int
    flush_s: float
    threads: int = 0


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class _Writer:
    """Buffers one worker's records and writes them in batches; records errors at once."""

    def __init__(self, opts: _Options) -> None:
        from cxvoc import open_store

        self.opts = opts
        self.store = open_store(opts.store_url)
        self.buffer: list[Any] = []
        self.last = time.monotonic()

    def add(self, record: Any) -> None:
        self.buffer.append(record)
        if (
            len(self.buffer) >= self.opts.batch_size
            or time.monotonic() - self.last > self.opts.flush_s
        ):
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            ids = [r.record_id for r in self.buffer]
            self.store.upsert(self.buffer)
            self.store.execute(
                f"DELETE FROM {ERRORS_TABLE} WHERE record_id IN ({','.join('?' * len(ids))})", ids
            )
            self.buffer = []
        self.last = time.monotonic()

    def error(
        self, job: CallJob, record_id: str, chash: str | None, exc: BaseException | str
    ) -> None:
        etype = type(exc).__name__ if isinstance(exc, BaseException) else "WorkerDied"
        reason = str(exc) if isinstance(exc, BaseException) else exc
        self.store.execute(f"DELETE FROM {ERRORS_TABLE} WHERE record_id = ?", [record_id])
        self.store.execute(
            f"INSERT INTO {ERRORS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                record_id,
                job.call_id,
                job.path,
                etype,
                reason[:2000],
                chash,
                self.opts.config_hash,
                datetime.now(UTC),
            ],
        )

    def close(self) -> None:
        self.flush()
        self.store.close()


def _process(job: CallJob, record_id: str, opts: _Options, writer: _Writer) -> CallOutcome:
    t0 = time.perf_counter()
    chash = None
    try:
        analysis = analyze_call(
            job.path,
            threads=opts.threads,
            transcript=job.transcript,
            channel_map=job.channel_map,
            device=opts.device,
            config=opts.config,
        )
        chash = analysis.content_hash
        occurred = datetime.fromisoformat(job.occurred_at) if job.occurred_at else None
        record = analysis.to_record(
            call_id=job.call_id,
            occurred_at=occurred,
            customer_id=job.customer_id,
            agent_id=job.agent_id,
            salt=opts.salt,
            brand=job.brand,
            service=job.service,
            unit=job.unit,
            attributes={"call_id": job.call_id},
        )
        writer.add(record)
    except Exception as exc:  # noqa: BLE001 - one bad call must not stop the batch
        if not isinstance(exc, CxAudioError):
            log.warning(
                "call %s failed with an unexpected %s:\n%s",
                job.path,
                type(exc).__name__,
                traceback.format_exc(),
            )
        writer.error(job, record_id, chash, exc)
        return CallOutcome(
            job.call_id,
            job.path,
            record_id,
            "failed",
            wall_s=time.perf_counter() - t0,
            error_type=type(exc).__name__,
            reason=str(exc),
            worker=os.getpid(),
            peak_rss_mb=_rss_mb(),
        )
    ce = analysis.customer_emotion
    return CallOutcome(
        job.call_id,
        job.path,
        record_id,
        "scored",
        audio_s=analysis.duration_s,
        wall_s=time.perf_counter() - t0,
        qa_score=None if analysis.qa is None else analysis.qa.score,
        escalated=None if ce is None else ce.escalated,
        worker=os.getpid(),
        peak_rss_mb=_rss_mb(),
    )


_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


def _limit_threads() -> None:
    for var in _THREAD_VARS:
        os.environ.setdefault(var, "1")


def _parent_alive() -> bool:
    parent = mp.parent_process()
    return parent is None or parent.is_alive()


def _worker_main(tasks: Any, results: Any, opts: _Options) -> None:
    _limit_threads()
    writer = _Writer(opts)
    try:
        while True:
            try:
                item = tasks.get(timeout=1.0)
            except queue.Empty:
                if not _parent_alive():
                    return  # the parent is gone: stop rather than run on as an orphan
                continue
            if item is None:
                break
            idx, job, record_id = item
            results.put(("start", idx, os.getpid()))
            results.put(("done", idx, _process(job, record_id, opts, writer)))
            if not _parent_alive():
                return
    finally:
        writer.close()
        results.put(("exit", os.getpid(), _rss_mb()))


def _run_chunk(
    items: Sequence[tuple[int, CallJob, str]], opts: _Options
) -> list[tuple[int, CallOutcome]]:
    """Score a chunk inline (one Ray task, or the in-process engine)."""
    writer = _Writer(opts)
    try:
        return [(idx, _process(job, rid, opts, writer)) for idx, job, rid in items]
    finally:
        writer.close()


def _stored(store: Any, record_ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
    """record_id -> (content_hash, config_hash) of the call records already stored."""
    out = {}
    for start in range(0, len(record_ids), 1000):
        chunk = record_ids[start : start + 1000]
        rows = store.query(
            f"SELECT record_id, content_hash, provenance FROM records WHERE record_id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        for rid, chash, prov in rows:
            try:
                cfg = (json.loads(prov) if isinstance(prov, str) else prov or {}).get("config_hash")
            except (json.JSONDecodeError, AttributeError):
                cfg = None
            out[rid] = (chash, cfg)
    return out


def score_calls(
    source: str | Path | Iterable[CallJob],
    *,
    store: str | Path = "voc.duckdb",
    scorecard: Scorecard | str | Path | None = None,
    config: CallConfig | None = None,
    workers: int = 1,
    device: str = "auto",
    engine: Engine = "local",
    ray_address: str | None = None,
    resume: bool = True,
    salt: str | None = None,
    batch_size: int = 8,
    flush_s: float = 30.0,
    hook: Hook | None = None,
) -> BatchSummary:
    """Score every call of ``source`` (a folder, a manifest, a file, or CallJob objects) into ``store``.

    ``workers``: processes (0 or 1 runs in this process with the local engine).
    """
    from cxvoc import make_record_id, open_store

    if not isinstance(workers, int) or workers < 0:
        raise ParameterError(f"workers={workers!r} must be a non-negative integer")
    if engine not in ("local", "ray"):
        raise ParameterError(f"engine={engine!r} must be 'local' or 'ray'")
    if device not in ("auto", "cpu", "cuda"):
        raise ParameterError(f"device={device!r} must be 'auto', 'cpu' or 'cuda'")
    if batch_size < 1:
        raise ParameterError(f"batch_size={batch_size!r} must be a positive integer")
    t0 = time.perf_counter()
    jobs = discover_jobs(source) if isinstance(source, str | Path) else list(source)
    cfg = config or CallConfig()
    card = resolve_scorecard(scorecard if scorecard is not None else cfg.scorecard)
    cfg = CallConfig(
        **{**{f: getattr(cfg, f) for f in cfg.__dataclass_fields__}, "scorecard": card}
    )
    salt = salt or os.environ.get("CX_PSEUDONYM_SALT")
    if not salt and any(j.customer_id or j.agent_id for j in jobs):
        raise ParameterError(
            "the manifest has customer_id/agent_id: give a salt (--salt or CX_PSEUDONYM_SALT) "
            "so they are pseudonymized"
        )
    opts = _Options(str(store), cfg, cfg.hash(), device, salt, batch_size, flush_s)
    with open_store(store) as st:
        st.execute(_ERRORS_DDL)
        ids = [make_record_id("call", j.call_id) for j in jobs]
        stored = _stored(st, ids) if resume else {}

    hook = hook or (lambda *a, **k: None)
    outcomes: list[CallOutcome] = []
    pending: list[tuple[int, CallJob, str]] = []
    plan_audio = 0.0
    from ..io import info

    early_errors: list[tuple[CallJob, str, BaseException]] = []
    for i, (job, rid) in enumerate(zip(jobs, ids, strict=True)):
        if resume and rid in stored:
            try:
                chash = content_hash(job.path)
            except CxAudioError:
                chash = None
            if stored[rid] == (chash, opts.config_hash):
                outcomes.append(CallOutcome(job.call_id, job.path, rid, "skipped"))
                continue
        try:
            plan_audio += info(job.path).duration_s
        except CxAudioError as exc:
            early_errors.append((job, rid, exc))
            continue
        pending.append((i, job, rid))
    hook(
        "plan",
        None,
        completed=0,
        total=len(pending) + len(early_errors),
        audio_s=plan_audio,
        skipped=len(outcomes),
    )
    done = 0
    if early_errors:
        writer = _Writer(opts)
        for job, rid, err in early_errors:
            writer.error(job, rid, None, err)
            out = CallOutcome(
                job.call_id, job.path, rid, "failed", error_type=type(err).__name__, reason=str(err)
            )
            outcomes.append(out)
            done += 1
            hook("call", out, completed=done, total=len(pending) + len(early_errors))
        writer.close()
    total = len(pending) + len(early_errors)

    def report(out: CallOutcome) -> None:
        nonlocal done
        outcomes.append(out)
        done += 1
        hook("call", out, completed=done, total=total)

    rss: dict[int, float] = {}
    if pending:
        if engine == "ray":
            _run_ray(pending, opts, workers, ray_address, report)
        elif workers <= 1:
            writer = _Writer(opts)
            try:
                for _idx, job, rid in pending:
                    report(_process(job, rid, opts, writer))
            finally:
                writer.close()
        else:
            rss = _run_processes(pending, opts, workers, report)
    for o in outcomes:
        if o.worker is not None and o.peak_rss_mb is not None:
            rss[o.worker] = max(rss.get(o.worker, 0.0), o.peak_rss_mb)
    scored = [o for o in outcomes if o.status == "scored"]
    qa = [o.qa_score for o in scored if o.qa_score is not None]
    return BatchSummary(
        total=len(jobs),
        scored=len(scored),
        skipped=sum(o.status == "skipped" for o in outcomes),
        failed=sum(o.status == "failed" for o in outcomes),
        audio_s=sum(o.audio_s for o in scored),
        wall_s=time.perf_counter() - t0,
        qa_mean=sum(qa) / len(qa) if qa else None,
        escalated=sum(bool(o.escalated) for o in scored),
        peak_rss_mb=rss,
        errors=tuple(
            (o.path, f"{o.error_type}: {o.reason}") for o in outcomes if o.status == "failed"
        ),
        config_hash=opts.config_hash,
    )


def _run_processes(
    pending: list[tuple[int, CallJob, str]],
    opts: _Options,
    workers: int,
    report: Callable[[CallOutcome], None],
) -> dict[int, float]:
    opts = replace(opts, threads=1)
    saved = {v: os.environ.get(v) for v in _THREAD_VARS}
    _limit_threads()  # before the forkserver starts: its children inherit the environment
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    tasks, results = ctx.Queue(), ctx.Queue()
    by_idx = {idx: (job, rid) for idx, job, rid in pending}
    for item in pending:
        tasks.put(item)
    n = min(workers, len(pending))
    for _ in range(n):
        tasks.put(None)

    def spawn() -> Any:
        p = ctx.Process(target=_worker_main, args=(tasks, results, opts), daemon=True)  # type: ignore[attr-defined]
        p.start()
        return p

    procs = {p.pid: p for p in (spawn() for _ in range(n))}
    for var, value in saved.items():
        if value is None:
            os.environ.pop(var, None)
        else:
            os.environ[var] = value
    running: dict[int, int] = {}  # pid -> idx in flight
    exited: set[int] = set()
    finished: set[int] = set()
    rss: dict[int, float] = {}
    respawns = 0
    while len(exited) < len(procs) or len(finished) < len(pending):
        if len(exited) == len(procs):
            if respawns > len(pending) + workers:
                raise RuntimeError("worker processes keep exiting before the batch is done")
            respawns += 1
            tasks.put(None)
            q = spawn()
            procs[q.pid] = q
        try:
            msg = results.get(timeout=0.5)
        except queue.Empty:
            for pid, p in list(procs.items()):
                if pid not in exited and not p.is_alive():
                    exited.add(pid)
                    idx = running.pop(pid, None)
                    if idx is not None and idx not in finished:
                        job, rid = by_idx[idx]
                        reason = (
                            f"worker process died (exit code {p.exitcode}) while scoring this call"
                        )
                        w = _Writer(opts)
                        w.error(job, rid, None, reason)
                        w.close()
                        finished.add(idx)
                        report(
                            CallOutcome(
                                job.call_id,
                                job.path,
                                rid,
                                "failed",
                                error_type="WorkerDied",
                                reason=reason,
                            )
                        )
                    if p.exitcode != 0 and len(finished) < len(pending):
                        log.warning(
                            "worker %d died (exit code %s); starting another", pid, p.exitcode
                        )
                        q = spawn()
                        procs[q.pid] = q
            continue
        kind = msg[0]
        if kind == "start":
            running[msg[2]] = msg[1]
        elif kind == "done":
            out: CallOutcome = msg[2]
            running.pop(out.worker or -1, None)
            if msg[1] not in finished:
                finished.add(msg[1])
                report(out)
        else:
            exited.add(msg[1])
            rss[msg[1]] = msg[2]
    for p in procs.values():
        p.join(timeout=5)
    return rss


def _run_ray(
    pending: list[tuple[int, CallJob, str]],
    opts: _Options,
    workers: int,
    address: str | None,
    report: Callable[[CallOutcome], None],
) -> None:
    try:
        import ray
    except ImportError:
        raise ImportError("--engine ray needs the 'ray' extra: pip install 'cxkit[ray]'") from None
    started = False
    if not ray.is_initialized():
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=max(workers, 1), include_dashboard=False, log_to_driver=False)
        started = True
    try:
        task = ray.remote(num_cpus=1)(_run_chunk)
        size = max(1, len(pending) // max(4 * max(workers, 1), 1))
        refs = [task.remote(pending[i : i + size], opts) for i in range(0, len(pending), size)]
        while refs:
            ready, refs = ray.wait(refs, num_returns=1)
            for _idx, out in ray.get(ready[0]):
                report(out)
    finally:
        if started:
            ray.shutdown()
