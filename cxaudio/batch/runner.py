"""The batch runner: score a folder or manifest of calls into a VoC store.

- **identity**: a call's record is keyed by the manifest's ``call_id`` when given, else by the
  hash of its audio bytes, so one recording reached through different paths is stored once.
  A stored record of the same audio under another key (an older store keyed by path, or a
  folder run before a manifest with ids) is adopted, or replaced by the call_id-keyed one;
- **resume**: a call whose record is already stored with the same content hash and the same
  config hash is skipped without decoding it;
- **errors**: a call that fails is stored in the ``call_errors`` table with its reason
  (``Store.execute``) and the batch goes on; a later success removes the row;
- **workers**: separate processes (``spawn``, one pipe each), each writing its own batches
  of records to the store (the DuckDB store serializes several writer processes with a file
  lock). A call counts as scored only once its record is committed: when a worker dies, the
  calls it had scored but not yet written are scored again, and the call it was working on is
  recorded as an error;
- **signals**: SIGINT/SIGTERM stop the run: workers abandon the call in hand, write what they
  finished and exit; the summary says ``interrupted`` and the CLI exits 130/143;
- **engines**: ``local`` (processes on this machine) or ``ray`` (tasks on a Ray cluster,
  ``ray.init(address=...)``; the store must be reachable from every node).

Progress goes through ``hook(step, artifact, completed=, total=, **info)``: step ``"plan"``
once (``info``: ``audio_s`` to score, ``skipped``), then ``"call"`` per call stored or failed
with its :class:`CallOutcome` as artifact.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import signal
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
from ._signals import Interrupted, StopRequest
from .jobs import CallJob, discover_jobs, mask_name

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
    """What happened to one call. ``scored`` is only ever reported once the record is stored."""

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
    no_speech: bool = False
    warnings: tuple[str, ...] = ()

    def serialize(self) -> dict[str, Any]:
        return asdict(self)


EXIT_OK = 0
EXIT_ALL_FAILED = 1
EXIT_SOME_FAILED = 4


@dataclass(frozen=True)
class BatchSummary:
    """Totals of a batch run. ``scored`` counts records that are in the store, nothing else.

    ``interrupted``: the signal that stopped the run (``SIGINT``/``SIGTERM``), or None;
    ``unfinished``: calls neither stored nor failed because of it; ``no_speech``: scored calls
    with (almost) no speech, QA not applicable; ``requeued``: calls scored again after the
    worker holding them died; ``workers_lost``: worker processes that died during the run (killed
    or crashed; their calls were handed out again or recorded as errors).
    """

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
    no_speech: int = 0
    warned: int = 0
    unfinished: int = 0
    requeued: int = 0
    workers_lost: int = 0
    interrupted: str | None = None

    @property
    def realtime_factor(self) -> float | None:
        return self.audio_s / self.wall_s if self.wall_s > 0 and self.audio_s > 0 else None

    @property
    def exit_code(self) -> int:
        """0 all stored or skipped; 130/143 stopped by SIGINT/SIGTERM; 1 nothing stored and
        something failed; 4 some calls failed (the others are stored) or a worker process died
        (every call is accounted for, but an operator must see that workers are being killed)."""
        if self.interrupted:
            return 128 + int(getattr(signal.Signals, self.interrupted, signal.SIGINT))
        if self.failed and not self.scored and not self.skipped:
            return EXIT_ALL_FAILED
        return EXIT_SOME_FAILED if self.failed or self.workers_lost else EXIT_OK

    def serialize(self) -> dict[str, Any]:
        out = asdict(self)
        out["peak_rss_mb"] = {str(k): v for k, v in self.peak_rss_mb.items()}
        out["errors"] = [list(e) for e in self.errors]
        out["realtime_factor"] = self.realtime_factor
        out["exit_code"] = self.exit_code
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
    lock_timeout_s: float | None = None
    log_level: int = logging.WARNING


@dataclass(frozen=True)
class _Item:
    """One call to score: its place in the run, the job, its record id and what it replaces."""

    idx: int
    job: CallJob
    record_id: str
    supersedes: tuple[str, ...] = ()


def _rss_mb() -> float:
    """Peak resident memory of this process, MB. Linux's ``VmHWM`` where there is one:
    ``ru_maxrss`` also keeps the peak of the process that spawned a worker (carried across
    exec), so a worker would report its parent's peak as its own."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


Report = Callable[[list[tuple[int, CallOutcome]]], None]


def _failed(item: _Item, exc: BaseException | str, **kw: Any) -> CallOutcome:
    etype = kw.pop("etype", "WorkerDied")
    etype = type(exc).__name__ if isinstance(exc, BaseException) else etype
    return CallOutcome(
        item.job.label,
        item.job.path,
        item.record_id,
        "failed",
        error_type=etype,
        reason=str(exc),
        **kw,
    )


class _Writer:
    """Buffers one process's records and writes them in batches.

    Outcomes go to ``report`` only once durable: a scored call after its record's transaction
    committed, a failed one after its ``call_errors`` row was written (or could not be).
    A batch that cannot be written is retried record by record, so one bad record does not
    take the others with it; records that still cannot be stored are reported failed.
    """

    def __init__(self, opts: _Options, report: Report) -> None:
        from cxvoc import open_store

        self.opts = opts
        self.report = report
        kwargs = {} if opts.lock_timeout_s is None else {"lock_timeout_s": opts.lock_timeout_s}
        self.store = open_store(opts.store_url, **kwargs)
        self.buffer: list[tuple[Any, _Item, CallOutcome]] = []
        self.last = time.monotonic()

    def add(self, record: Any, item: _Item, outcome: CallOutcome) -> None:
        self.buffer.append((record, item, outcome))
        if (
            len(self.buffer) >= self.opts.batch_size
            or time.monotonic() - self.last > self.opts.flush_s
        ):
            self.flush()

    def flush(self) -> None:
        from cxvoc.errors import StoreError

        self.last = time.monotonic()
        if not self.buffer:
            return
        batch, self.buffer = self.buffer, []
        try:
            self._write(batch)
            done = [(it.idx, out) for _, it, out in batch]
        except StoreError as exc:
            if len(batch) == 1 or _store_unavailable(exc):
                done = [self._not_stored(it, out, exc) for _, it, out in batch]
            else:
                log.warning(
                    "a batch of %d records failed (%s); writing one by one", len(batch), exc
                )
                done = []
                for entry in batch:
                    try:
                        self._write([entry])
                        done.append((entry[1].idx, entry[2]))
                    except StoreError as one:
                        done.append(self._not_stored(entry[1], entry[2], one))
        self.report(done)

    def _write(self, batch: list[tuple[Any, _Item, CallOutcome]]) -> None:
        self.store.upsert([r for r, _, _ in batch])
        ids = [it.record_id for _, it, _ in batch]
        gone = [rid for _, it, _ in batch for rid in it.supersedes if rid not in ids]
        paths = [mask_name(it.job.path) for _, it, _ in batch]
        try:
            self.store.execute(
                f"DELETE FROM {ERRORS_TABLE} WHERE record_id IN ({','.join('?' * len(ids))}) "
                f"OR path IN ({','.join('?' * len(paths))})",
                [*ids, *paths],
            )
            if gone:  # the same audio stored before under another identity
                self.store.execute(
                    f"DELETE FROM records WHERE record_id IN ({','.join('?' * len(gone))})", gone
                )
        except Exception as exc:  # noqa: BLE001 - the records are stored; the rest is tidying
            log.warning("stored %d records but could not tidy up after them: %s", len(ids), exc)

    def _not_stored(
        self, item: _Item, out: CallOutcome, exc: BaseException
    ) -> tuple[int, CallOutcome]:
        failed = replace(
            out, status="failed", error_type=type(exc).__name__, reason=f"not stored: {exc}"
        )
        self._error_row(item, None, failed.error_type or "StoreError", failed.reason or "")
        return item.idx, failed

    def error(
        self,
        item: _Item,
        chash: str | None,
        exc: BaseException | str,
        outcome: CallOutcome | None = None,
    ) -> None:
        """Record a failed call in ``call_errors`` and report it (``exc`` text: a dead worker)."""
        out = outcome or _failed(item, exc, worker=os.getpid(), peak_rss_mb=_rss_mb())
        self._error_row(item, chash, out.error_type or "Error", out.reason or str(exc))
        self.report([(item.idx, out)])

    def _error_row(self, item: _Item, chash: str | None, etype: str, text: str) -> None:
        try:
            self.store.execute(f"DELETE FROM {ERRORS_TABLE} WHERE record_id = ?", [item.record_id])
            self.store.execute(
                f"INSERT INTO {ERRORS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    item.record_id,
                    mask_name(item.job.label),
                    mask_name(item.job.path),
                    etype,
                    mask_name(text[:2000]),
                    chash,
                    self.opts.config_hash,
                    datetime.now(UTC),
                ],
            )
        except Exception as err:  # noqa: BLE001 - the summary still counts it as failed
            log.warning("could not record the failure of %s: %s", item.job.path, err)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.store.close()


def _store_unavailable(exc: BaseException) -> bool:
    """The whole store is out of reach (locked too long, connection lost): no per-record retry."""
    from cxvoc.errors import StoreLockedError

    return isinstance(exc, StoreLockedError)


def _analyze(item: _Item, opts: _Options, stop: StopRequest) -> tuple[CallOutcome, Any, str | None]:
    """Score one call: (outcome, record or None, content hash); never raises but Interrupted."""
    job = item.job
    t0 = time.perf_counter()
    chash = None
    try:
        with stop.section():
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
        attributes: dict[str, Any] = {"file": mask_name(job.name or Path(job.path).name)}
        attributes["call_id"] = mask_name(job.call_id) if job.call_id else attributes["file"]
        record = analysis.to_record(
            call_id=job.call_id or job.path,
            occurred_at=occurred,
            customer_id=job.customer_id,
            agent_id=job.agent_id,
            salt=opts.salt,
            brand=job.brand,
            service=job.service,
            unit=job.unit,
            attributes=attributes,
        )
        uri = record.audio_uri
        record = record.model_copy(
            update={"record_id": item.record_id, "audio_uri": mask_name(uri) if uri else uri}
        )
    except Exception as exc:  # noqa: BLE001 - one bad call must not stop the batch
        if not isinstance(exc, CxAudioError):
            log.warning(
                "call %s failed with an unexpected %s:\n%s",
                job.path,
                type(exc).__name__,
                traceback.format_exc(),
            )
        out = _failed(
            item, exc, wall_s=time.perf_counter() - t0, worker=os.getpid(), peak_rss_mb=_rss_mb()
        )
        return out, None, chash
    ce = analysis.customer_emotion
    out = CallOutcome(
        job.label,
        job.path,
        item.record_id,
        "scored",
        audio_s=analysis.duration_s,
        wall_s=time.perf_counter() - t0,
        qa_score=None if analysis.qa is None else analysis.qa.score,
        escalated=None if ce is None else ce.escalated,
        worker=os.getpid(),
        peak_rss_mb=_rss_mb(),
        no_speech=analysis.no_speech,
        warnings=analysis.warnings,
    )
    return out, record, chash


def _score_into(
    item: _Item,
    opts: _Options,
    writer: _Writer,
    stop: StopRequest,
    buffered: Callable[[int], None] | None = None,
) -> None:
    out, record, chash = _analyze(item, opts, stop)
    if record is None:
        writer.error(item, chash, out.reason or "failed", out)  # reports the failure
        return
    if buffered is not None:
        buffered(item.idx)
    log.info("scored %s in process %d; waiting to be written", item.job.path, os.getpid())
    writer.add(record, item, out)


_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


def _limit_threads() -> None:
    for var in _THREAD_VARS:
        os.environ.setdefault(var, "1")


def _run_chunk(items: Sequence[_Item], opts: _Options) -> list[tuple[int, CallOutcome]]:
    """Score a chunk inline (one Ray task): outcomes once stored."""
    done: list[tuple[int, CallOutcome]] = []
    stop = StopRequest()
    writer = _Writer(opts, done.extend)
    try:
        for item in items:
            _score_into(item, opts, writer, stop)
    finally:
        writer.close()
    return done


def _stored(
    store: Any, record_ids: list[str], hashes: list[str]
) -> tuple[dict[str, tuple[str | None, str | None]], dict[str, list[str]]]:
    """Stored call records: record_id -> (content_hash, config_hash); content_hash -> record_ids."""
    by_id: dict[str, tuple[str | None, str | None]] = {}
    by_hash: dict[str, list[str]] = {}
    for column, values in (("record_id", record_ids), ("content_hash", hashes)):
        values = list(dict.fromkeys(values))
        for start in range(0, len(values), 1000):
            chunk = values[start : start + 1000]
            rows = store.query(
                "SELECT record_id, content_hash, provenance FROM records "
                f"WHERE source = 'call' AND {column} IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for rid, chash, prov in rows:
                try:
                    data = json.loads(prov) if isinstance(prov, str) else prov or {}
                    cfg = data.get("config_hash")
                except (json.JSONDecodeError, AttributeError):
                    cfg = None
                if rid not in by_id:
                    by_id[rid] = (chash, cfg)
                    if chash:
                        by_hash.setdefault(chash, []).append(rid)
    return by_id, by_hash


def _audio_id(chash: str) -> str:
    from cxvoc import make_record_id

    return make_record_id("call", f"audio:{chash}")


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
    lock_timeout_s: float | None = None,
    hook: Hook | None = None,
) -> BatchSummary:
    """Score every call of ``source`` (a folder, a manifest, a file, or CallJob objects) into ``store``.

    ``workers``: processes (0 or 1 runs in this process with the local engine). SIGINT and
    SIGTERM stop the run (when called from the main thread): calls already scored are stored,
    the rest is left for a rerun, and the summary says ``interrupted``. ``lock_timeout_s``: how
    long a write waits for a store locked by another process (DuckDB; default 600 s).
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
    opts = _Options(
        str(store),
        cfg,
        cfg.hash(),
        device,
        salt,
        batch_size,
        flush_s,
        0,
        lock_timeout_s,
        logging.getLogger().getEffectiveLevel(),
    )
    hook = hook or (lambda *a, **k: None)
    stop = StopRequest(force_second=True).install()
    try:
        # identity: the manifest's call_id, else the audio bytes' hash (unreadable: the path)
        hashes: list[str | None] = []
        for job in jobs:
            try:
                hashes.append(content_hash(job.path))
            except CxAudioError:
                hashes.append(None)
        ids = [
            make_record_id("call", j.call_id)
            if j.call_id
            else _audio_id(h)
            if h
            else make_record_id("call", f"path:{j.path}")
            for j, h in zip(jobs, hashes, strict=True)
        ]
        with open_store(store) as st:
            st.execute(_ERRORS_DDL)
            by_id, by_hash = _stored(st, ids, [h for h in hashes if h])
        outcomes: list[CallOutcome] = []
        pending: list[_Item] = []
        plan_audio = 0.0
        from ..io import info

        early: list[tuple[_Item, BaseException]] = []
        seen: dict[str, str] = {}
        for i, (job, rid, chash) in enumerate(zip(jobs, ids, hashes, strict=True)):
            same_audio = by_hash.get(chash, []) if chash else []
            if not job.call_id and rid not in by_id and same_audio:
                rid = same_audio[0]  # stored before under another identity: adopt it
            supersedes = tuple(r for r in same_audio if r != rid)
            if rid in seen:
                outcomes.append(
                    CallOutcome(
                        job.label, job.path, rid, "skipped", reason=f"same call as {seen[rid]}"
                    )
                )
                continue
            seen[rid] = job.path
            if resume and not supersedes and by_id.get(rid) == (chash, opts.config_hash):
                outcomes.append(CallOutcome(job.label, job.path, rid, "skipped"))
                continue
            item = _Item(i, job, rid, supersedes)
            try:
                plan_audio += info(job.path).duration_s
            except CxAudioError as exc:
                early.append((item, exc))
                continue
            pending.append(item)
        total = len(pending) + len(early)
        hook("plan", None, completed=0, total=total, audio_s=plan_audio, skipped=len(outcomes))
        done = 0

        def report(batch: list[tuple[int, CallOutcome]]) -> None:
            nonlocal done
            for _idx, out in batch:
                outcomes.append(out)
                done += 1
                hook("call", out, completed=done, total=total)

        if early:
            writer = _Writer(opts, report)
            for item, err in early:
                writer.error(item, None, err)
            writer.close()

        rss: dict[int, float] = {}
        requeued = workers_lost = 0
        if pending:
            if engine == "ray":
                _run_ray(pending, opts, workers, ray_address, report)
            elif workers <= 1:
                writer = _Writer(opts, report)
                try:
                    for item in pending:
                        if stop.stopped:
                            break
                        try:
                            _score_into(item, opts, writer, stop)
                        except Interrupted:
                            break
                finally:
                    writer.close()
            else:
                from ._pool import run_pool

                rss, requeued, workers_lost = run_pool(pending, opts, workers, report, stop)
    finally:
        stop.restore()
    for o in outcomes:
        if o.worker is not None and o.peak_rss_mb is not None:
            rss[o.worker] = max(rss.get(o.worker, 0.0), o.peak_rss_mb)
    scored = [o for o in outcomes if o.status == "scored"]
    qa = [o.qa_score for o in scored if o.qa_score is not None]
    failed = [o for o in outcomes if o.status == "failed"]
    skipped = sum(o.status == "skipped" for o in outcomes)
    return BatchSummary(
        total=len(jobs),
        scored=len(scored),
        skipped=skipped,
        failed=len(failed),
        audio_s=sum(o.audio_s for o in scored),
        wall_s=time.perf_counter() - t0,
        qa_mean=sum(qa) / len(qa) if qa else None,
        escalated=sum(bool(o.escalated) for o in scored),
        peak_rss_mb=rss,
        errors=tuple((o.path, f"{o.error_type}: {o.reason}") for o in failed),
        config_hash=opts.config_hash,
        no_speech=sum(o.no_speech for o in scored),
        warned=sum(bool(o.warnings) for o in scored),
        unfinished=len(jobs) - len(scored) - len(failed) - skipped,
        requeued=requeued,
        workers_lost=workers_lost,
        interrupted=signal.Signals(stop.signum).name if stop.signum else None,
    )


def _run_ray(
    pending: list[_Item],
    opts: _Options,
    workers: int,
    address: str | None,
    report: Report,
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
            report(ray.get(ready[0]))
    finally:
        if started:
            ray.shutdown()
