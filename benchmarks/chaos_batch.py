"""Chaos run of the batch (issue 17): random signals to the batch and to single workers.

1. Generates (once, cached) an archive of short synthetic calls (plumbing, not accuracy).
2. Runs ``cx calls score`` on it ``--rounds`` times with 2 workers and small write batches,
   each time sending one random signal after a random delay: SIGKILL, SIGTERM or SIGINT to the
   whole process group (the batch, as systemd or Ctrl-C do), or SIGKILL/SIGTERM to one worker
   process (the OOM killer, an operator). Every run resumes the store left by the ones before;
   once a store holds every call, the next round starts a new run in a fresh store.
3. After each run: the calls the run's summary says it scored must all be new in the store
   (stored after - stored before >= summary.scored); an interrupted batch must exit non-zero.
4. A rerun without signals of every store: every call exactly once (one record per audio
   content hash, no call_errors left).

Prints one JSON document; ``--out`` also writes it (benchmarks/results/chaos_batch.json).

    .venv/bin/python benchmarks/chaos_batch.py --n-calls 40 --rounds 10
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CX = [sys.executable, "-c", "from cxvoc.cli import main; main()"]
ACTIONS = ("batch:SIGKILL", "batch:SIGTERM", "batch:SIGINT", "worker:SIGKILL", "worker:SIGTERM")


def _generate(folder: Path, n_calls: int, seed: int) -> None:
    from cxaudio.synth import generate_archive

    done = folder / ".complete"
    if done.exists() and done.read_text() == f"{n_calls} {seed}":
        return
    generate_archive(folder, n_calls=n_calls, seed=seed, min_duration_s=20.0, max_duration_s=24.0)
    (folder / "manifest.csv").unlink(missing_ok=True)  # the folder itself: identity by audio
    done.write_text(f"{n_calls} {seed}")


def _stored(store: str) -> tuple[int, int, int]:
    """(records, distinct content hashes, call_errors rows)."""
    import duckdb

    for _ in range(100):
        try:
            con = duckdb.connect(store, read_only=True)
            break
        except duckdb.Error:
            time.sleep(0.1)
    else:
        raise RuntimeError(f"{store} stayed locked")
    try:
        n, hashes = con.execute(
            "SELECT count(*), count(DISTINCT content_hash) FROM records WHERE source = 'call'"
        ).fetchone()
        errors = con.execute("SELECT count(*) FROM call_errors").fetchone()[0]
    finally:
        con.close()
    return int(n), int(hashes), int(errors)


def _workers(pgid: int, main_pid: int) -> list[int]:
    """Worker processes of the batch: its spawned children (same process group)."""
    procs = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmd = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid, group = int(fields[1]), int(fields[2])
        if group == pgid:
            procs[int(entry.name)] = (ppid, cmd)
    return sorted(p for p, (pp, cmd) in procs.items() if pp == main_pid and b"spawn_main" in cmd)


def _round(folder: Path, store: str, rng: random.Random, action: str, delay_s: float) -> dict:
    before = _stored(store)[0] if Path(store).exists() else 0
    proc = subprocess.Popen(
        [*CX, "calls", "score", str(folder), "--out", store, "--workers", "2",
         "--batch-size", "2", "--json"],
        start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    target, sig = action.split(":")
    signum = getattr(signal, sig)
    time.sleep(delay_s)
    hit = None
    if proc.poll() is None:
        if target == "batch":
            os.killpg(proc.pid, signum)
            hit = "batch"
        else:
            workers = _workers(proc.pid, proc.pid)
            if workers:
                hit = rng.choice(workers)
                os.kill(hit, signum)
    try:
        out, err = proc.communicate(timeout=900)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
    after, hashes, errors = _stored(store)
    try:
        summary = json.loads(out) if out.strip() else None
    except json.JSONDecodeError:
        summary = None
    claimed = summary["scored"] if summary else 0
    row = {
        "action": action,
        "delay_s": round(delay_s, 1),
        "hit": hit,
        "exit_code": proc.returncode,
        "stored_before": before,
        "stored_after": after,
        "summary_scored": claimed if summary else None,
        "summary_failed": summary["failed"] if summary else None,
        "summary_requeued": summary["requeued"] if summary else None,
        "summary_interrupted": summary["interrupted"] if summary else None,
        "call_errors": errors,
        "claims_unstored": bool(summary) and after - before < claimed,
        "duplicates": after - hashes,
    }
    if hit is not None:  # the batch or one of its workers was hit while running
        row["nonzero_exit"] = proc.returncode != 0
    if proc.returncode not in (0, 4, 130, 143, -9) or (summary is None and proc.returncode >= 0):
        row["stderr_tail"] = err[-1500:]
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n-calls", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--seed", type=int, default=17, help="archive seed")
    ap.add_argument("--chaos-seed", type=int, default=17, help="seed of the signals and delays")
    ap.add_argument("--min-delay-s", type=float, default=30.0)
    ap.add_argument("--max-delay-s", type=float, default=100.0)
    ap.add_argument(
        "--folder", type=Path, default=Path(tempfile.gettempdir()) / "cxkit-chaos-archive"
    )
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = ap.parse_args(argv)
    rng = random.Random(args.chaos_seed)
    _generate(args.folder, args.n_calls, args.seed)
    work = Path(tempfile.mkdtemp(prefix="cx-chaos-"))
    stores = [str(work / "chaos-0.duckdb")]
    t0 = time.perf_counter()
    rounds = []
    for _ in range(args.rounds):
        if Path(stores[-1]).exists() and _stored(stores[-1])[0] == args.n_calls:
            stores.append(str(work / f"chaos-{len(stores)}.duckdb"))  # a new 40-call run
        action = rng.choice(ACTIONS)
        delay = rng.uniform(args.min_delay_s, args.max_delay_s)
        row = _round(args.folder, stores[-1], rng, action, delay)
        rounds.append({"run": len(stores) - 1, **row})
        print(json.dumps(rounds[-1]), file=sys.stderr)
    finals = []
    for store in stores:
        final = subprocess.run(
            [*CX, "calls", "score", str(args.folder), "--out", store, "--workers", "2", "--json"],
            capture_output=True, text=True,
        )  # fmt: skip
        n, hashes, errors = _stored(store)
        finals.append(
            {
                "exit_code": final.returncode,
                "summary": json.loads(final.stdout) if final.stdout.strip() else None,
                "stored": n,
                "distinct_audio": hashes,
                "call_errors_left": errors,
                "every_call_once": n == hashes == args.n_calls and errors == 0,
            }
        )
    result = {
        "benchmark": "chaos_batch",
        "data": f"{args.n_calls} synthetic calls (cxaudio.synth, seed {args.seed}, 20-24 s)",
        "rounds": rounds,
        "reruns": finals,
        "every_call_once": all(f["every_call_once"] for f in finals),
        "summaries_claiming_unstored": sum(r["claims_unstored"] for r in rounds),
        "batch_interruptions": sum(r["hit"] == "batch" for r in rounds),
        "batch_interruptions_exit_nonzero": sum(
            r["hit"] == "batch" and bool(r.get("nonzero_exit")) for r in rounds
        ),
        "worker_kills": sum(isinstance(r["hit"], int) for r in rounds),
        "worker_kills_exit_nonzero": sum(
            isinstance(r["hit"], int) and bool(r.get("nonzero_exit")) for r in rounds
        ),
        "wall_s": round(time.perf_counter() - t0, 1),
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    ok = (
        result["every_call_once"]
        and result["summaries_claiming_unstored"] == 0
        and result["batch_interruptions"] == result["batch_interruptions_exit_nonzero"]
        and result["worker_kills"] == result["worker_kills_exit_nonzero"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
