"""Worker processes of the local engine.

Workers are spawned processes (direct children of the batch); each has its own pipe (no lock shared between processes: a worker killed in the middle
of a message cannot block the others) and gets one call at a time. It tells the parent when it
starts a call, when the call's record is in its buffer, and which calls are stored (after the
transaction committed) or failed (after the ``call_errors`` row was written). The parent
therefore knows, when a worker dies, which call it was working on (recorded as an error: it may
be the reason, e.g. the OOM killer) and which finished calls were lost with its buffer (handed
to another worker). Nothing is reported as scored before it is stored.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import signal
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from typing import Any

from ._signals import Interrupted, StopRequest
from .runner import (
    _THREAD_VARS,
    CallOutcome,
    Report,
    _Item,
    _limit_threads,
    _Options,
    _rss_mb,
    _score_into,
    _Writer,
)

__all__ = ["run_pool"]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
"""A finished call lost with a dying worker's buffer is scored again at most this many times."""


def _parent_alive() -> bool:
    parent = mp.parent_process()
    return parent is None or parent.is_alive()


def _worker_main(conn: Connection, opts: _Options) -> None:
    logging.basicConfig(level=opts.log_level, format="%(levelname)s %(name)s: %(message)s")
    stop = StopRequest().install()

    def send(msg: Any) -> None:
        with contextlib.suppress(OSError, ValueError):  # the parent is gone; the store is not
            conn.send(msg)

    writer = _Writer(opts, lambda batch: send(("stored", batch)))
    try:
        while not stop.stopped:
            try:
                if not conn.poll(1.0):
                    if not _parent_alive():
                        break  # an orphan stops rather than running on
                    continue
                item = conn.recv()
            except (EOFError, OSError):
                break
            if item is None:
                break
            send(("start", item.idx))
            try:
                _score_into(item, opts, writer, stop, lambda i: send(("buffered", i)))
            except Interrupted:
                break  # the call in hand is abandoned; what is finished is written below
    finally:
        try:
            writer.close()
        finally:
            send(("exit", _rss_mb(), stop.signum))
            conn.close()


@dataclass
class _Worker:
    proc: Any
    conn: Connection
    held: dict[int, _Item] = field(default_factory=dict)  # handed out, not yet reported
    inflight: int | None = None  # being analyzed (not yet in the buffer)
    closing: bool = False
    exited: bool = False
    exit_signum: int | None = None


def run_pool(
    pending: list[_Item],
    opts: _Options,
    workers: int,
    report: Report,
    stop: StopRequest,
) -> tuple[dict[int, float], int]:
    """Score ``pending`` in ``workers`` processes; returns (peak MB per worker, requeued calls,
    workers that died while the run was not being stopped)."""
    opts = replace(opts, threads=1)
    saved = {v: os.environ.get(v) for v in _THREAD_VARS}
    _limit_threads()  # before the workers start: they inherit the environment
    # spawn, not forkserver: a signal to the process group also kills a forkserver, whose death
    # closes every worker's sentinel at once, so live workers flushing their buffers would look
    # dead (exit code 255) and their stored calls unreported
    ctx = mp.get_context("spawn")
    procs: dict[int, _Worker] = {}

    def spawn() -> None:
        here, there = ctx.Pipe()
        p = ctx.Process(target=_worker_main, args=(there, opts), daemon=True)  # type: ignore[attr-defined]
        p.start()
        there.close()
        procs[int(p.pid or 0)] = _Worker(p, here)

    try:
        for _ in range(min(workers, len(pending))):
            spawn()
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value

    todo = deque(pending)
    attempts: Counter[int] = Counter()
    reported: set[int] = set()
    rss: dict[int, float] = {}
    requeued = 0
    workers_lost = 0
    spawns = len(procs)
    forwarded = False

    def deliver(batch: list[tuple[int, CallOutcome]]) -> None:
        fresh = [(i, o) for i, o in batch if i not in reported]
        reported.update(i for i, _ in fresh)
        if fresh:
            report(fresh)

    def drain(w: _Worker) -> None:
        while True:
            try:
                if not w.conn.poll():
                    return
                msg = w.conn.recv()
            except (EOFError, OSError, ValueError, TypeError, AttributeError, ImportError):
                return  # a worker killed mid-message: its state is settled in bury()
            except Exception:  # noqa: BLE001 - a torn pickle raises whatever it raises
                return
            kind = msg[0]
            log.debug("worker %d says %s", w.proc.pid, kind)
            if kind == "buffered" and w.inflight == msg[1]:
                w.inflight = None
            elif kind == "stored":
                for idx, _ in msg[1]:
                    w.held.pop(idx, None)
                    if w.inflight == idx:
                        w.inflight = None
                deliver(msg[1])
            elif kind == "exit":
                w.exited, w.exit_signum = True, msg[2]
                rss[w.proc.pid] = msg[1]

    def fail(items: list[tuple[_Item, str]]) -> None:
        writer = _Writer(opts, deliver)
        try:
            for item, reason in items:
                writer.error(item, None, reason)
        finally:
            writer.close()

    def bury(w: _Worker) -> None:
        nonlocal requeued, workers_lost
        log.debug("worker %d gone (exit code %s)", w.proc.pid, w.proc.exitcode)
        procs.pop(w.proc.pid, None)
        w.conn.close()
        died = not w.exited or w.proc.exitcode not in (0, None) or w.exit_signum is not None
        if died and not stop.stopped:
            workers_lost += 1  # killed (OOM killer, a signal) or crashed: the run says so
        lost = [it for idx, it in w.held.items() if idx not in reported]
        if not lost:
            return
        if stop.stopped:
            return  # left for the rerun: neither stored nor failed
        crashed = not w.exited or (w.proc.exitcode not in (0, None))
        if not crashed and w.exit_signum is None:
            log.warning(
                "worker %d exited holding %d call(s); handing them out again", w.proc.pid, len(lost)
            )
        # killed by SIGTERM/SIGINT before its handler was installed: stopped, not crashed by its
        # call; only other deaths (SIGKILL of the OOM killer, a crash) blame the call in hand
        blamed = crashed and w.proc.exitcode not in (-signal.SIGTERM, -signal.SIGINT)
        errors: list[tuple[_Item, str]] = []
        for item in lost:
            if blamed and item.idx == w.inflight:
                errors.append(
                    (
                        item,
                        f"worker process died (exit code {w.proc.exitcode}) while scoring this call",
                    )
                )
                continue
            attempts[item.idx] += 1
            if attempts[item.idx] > MAX_ATTEMPTS:
                errors.append((item, f"lost with {MAX_ATTEMPTS} dying workers; not stored"))
                continue
            todo.appendleft(item)
            requeued += 1
        if crashed:
            log.warning(
                "worker %d died (exit code %s); %d finished call(s) of its buffer scored again",
                w.proc.pid,
                w.proc.exitcode,
                sum(1 for it in lost if it.idx != w.inflight),
            )
        if errors:
            fail(errors)

    while procs or (todo and not stop.stopped):
        if stop.stopped and not forwarded:
            forwarded = True  # workers not in the signalled process group stop too
            for w in procs.values():
                with contextlib.suppress(OSError):
                    os.kill(w.proc.pid, stop.signum or 2)
        if todo and not stop.stopped and len(procs) < min(workers, len(todo) + _busy(procs)):
            if spawns > 2 * (len(pending) + workers):
                fail([(it, "worker processes keep dying; not scored") for it in todo])
                todo.clear()
            else:
                spawns += 1
                spawn()
        for w in procs.values():
            if w.closing or w.inflight is not None:
                continue
            if todo and not stop.stopped:
                item = todo.popleft()
                w.held[item.idx], w.inflight = item, item.idx
                _send(w, item)
            else:
                w.closing = True
                _send(w, None)
        handles = [w.conn for w in procs.values()] + [w.proc.sentinel for w in procs.values()]
        ready = set(wait(handles, timeout=0.5)) if handles else set()
        for w in list(procs.values()):
            if w.conn in ready:
                drain(w)
            if w.proc.sentinel in ready or not w.proc.is_alive():
                w.proc.join(timeout=5)
                drain(w)
                bury(w)
    return rss, requeued, workers_lost


def _busy(procs: dict[int, _Worker]) -> int:
    return sum(1 for w in procs.values() if w.inflight is not None)


def _send(w: _Worker, msg: Any) -> None:
    with contextlib.suppress(OSError, ValueError):  # it died: its sentinel says so next
        w.conn.send(msg)
