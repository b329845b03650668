"""Benchmark of call scoring (issue 4): speed, memory, resume, and accuracy against synthetic truth.

1. Generates (once, cached) an archive of synthetic calls, half stereo half mono, with
   known talk times, silences, interruptions and escalations (cxaudio.synth).
2. Scores it with the local engine and N worker processes into a fresh DuckDB store:
   × real time end to end, peak RSS per worker.
3. Reruns with resume: wall time, calls re-scored (must be 0).
4. Compares the stored records with the truth files: talk % within 2 points, silence counts
   (gaps >= 1.5 × threshold), interruption counts (overlaps >= 1 s), escalation recall and
   false alarms.
5. Peer in the same run: ``librosa.pyin`` (the usual prosody front end) on the customer channels
   of 5 calls against cxaudio's whole per-call analysis of the same calls.

Prints one JSON document; ``--out`` also writes it (benchmarks/results/bench_calls.json).

    .venv/bin/python benchmarks/bench_calls.py --n-calls 200 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path


def _generate(
    folder: Path, n_calls: int, seed: int, min_s: float, max_s: float, workers: int
) -> float:
    from cxaudio.synth import generate_archive

    done = folder / ".complete"
    if done.exists() and done.read_text() == f"{n_calls} {seed} {min_s} {max_s}":
        return 0.0
    t0 = time.perf_counter()
    generate_archive(
        folder,
        n_calls=n_calls,
        seed=seed,
        min_duration_s=min_s,
        max_duration_s=max_s,
        stereo_fraction=0.5,
        workers=workers,
    )
    done.write_text(f"{n_calls} {seed} {min_s} {max_s}")
    return time.perf_counter() - t0


def _accuracy(folder: Path, store_url: str, silence_min_s: float) -> dict:
    from cxvoc import open_store

    with open_store(store_url) as st:
        recs = {r.attributes.get("call_id"): r for r in st.iter_records(where="source = 'call'")}
    talk_ok = {"stereo": [0, 0], "mono": [0, 0]}
    talk_err: dict[str, list[float]] = {"stereo": [], "mono": []}
    sil = [0, 0]
    talk_off: list[str] = []
    intr_off: list[str] = []
    rate_err: list[float] = []
    intr = {"stereo": [0, 0], "mono": [0, 0]}
    esc_found, esc_total, calm_alarm, calm_total, quiet_alarm, quiet_total = 0, 0, 0, 0, 0, 0
    misses = []
    for truth_path in sorted(folder.glob("*.truth.json")):
        t = json.loads(truth_path.read_text(encoding="utf-8"))
        rec = recs.get(t["call_id"]) or recs.get(t["files"]["audio"])
        if rec is None:
            continue
        m = rec.metrics or {}
        kind = "stereo" if t["channels"] == 2 else "mono"
        for party in ("agent", "customer"):
            err = abs(m[f"talk_time_pct_{party}"] - t["talk_pct"][party])
            talk_err[kind].append(err)
            talk_ok[kind][0] += err <= 2.0
            talk_ok[kind][1] += 1
            if err > 2.0:
                talk_off.append(f"{t['call_id']}:{party}:{err:.2f}")
        words = json.loads((folder / t["files"]["transcript"]).read_text(encoding="utf-8"))
        for party in ("agent", "customer"):
            syllables = sum(len(s["text"].split()) for s in words if s["speaker"] == party)
            got_rate = m.get(f"speaking_rate_syl_s_{party}")
            if got_rate and t["talk_s"][party] > 0:
                rate_err.append(abs(got_rate / (syllables / t["talk_s"][party]) - 1.0))
        want = sum(s["duration_s"] >= 1.5 * silence_min_s for s in t["silences"])
        sil[0] += m["silence_count"] == want
        sil[1] += 1
        got = (m["interruptions_agent"], m["interruptions_customer"])
        exp = tuple(
            sum(i["overlap_s"] >= 1.0 for i in t["interruptions"][p]) for p in ("agent", "customer")
        )
        intr[kind][0] += got == exp
        if got != exp:
            intr_off.append(f"{t['call_id']}:{kind}:got {got[0]}/{got[1]}, truth {exp[0]}/{exp[1]}")
        intr[kind][1] += 1
        escalated = bool((rec.emotion or {}).get("escalated"))
        strong = [
            e
            for e in t.get("escalations", [])
            if e["gain_db"] >= 6 and e["pitch_semitones"] >= 3 and e["duration_s"] >= 10
        ]
        if strong:
            esc_total += 1
            esc_found += escalated
            if not escalated:
                misses.append(t["files"]["audio"])
        elif not t.get("escalations"):
            quiet_total += 1
            quiet_alarm += escalated
            if "calm" in t.get("labels", []):
                calm_total += 1
                calm_alarm += escalated

    def frac(a: list[int]) -> float | None:
        return round(a[0] / a[1], 4) if a[1] else None

    return {
        "calls_compared": len(recs),
        "talk_pct_within_2_points": {k: frac(v) for k, v in talk_ok.items()},
        "talk_pct_abs_error_mean": {
            k: round(sum(v) / len(v), 3) if v else None for k, v in talk_err.items()
        },
        "talk_pct_abs_error_max": {k: round(max(v), 3) if v else None for k, v in talk_err.items()},
        "talk_pct_off_by_more_than_2": talk_off,
        "speaking_rate_mean_abs_rel_error": round(sum(rate_err) / len(rate_err), 4)
        if rate_err
        else None,
        "silence_count_exact": frac(sil),
        "interruption_count_exact": {k: frac(v) for k, v in intr.items()},
        "interruption_count_off": intr_off,
        "escalation_recall": round(esc_found / esc_total, 4) if esc_total else None,
        "escalation_calls": esc_total,
        "escalation_missed": misses,
        "calm_false_alarm_rate": round(calm_alarm / calm_total, 4) if calm_total else None,
        "calm_calls": calm_total,
        "no_escalation_false_alarm_rate": round(quiet_alarm / quiet_total, 4)
        if quiet_total
        else None,
        "no_escalation_calls": quiet_total,
    }


def _peer(folder: Path, n: int = 5) -> dict:
    """librosa.pyin on the customer channel vs cxaudio.analyze_call on the whole call."""
    import librosa

    from cxaudio import load
    from cxaudio.call import analyze_call

    wavs = sorted(folder.glob("*stereo.wav"))[:n]
    audio_s = 0.0
    t_ours = t_peer = 0.0
    analyze_call(wavs[0])  # warm caches (numba, ONNX) for a fair comparison
    for w in wavs:
        y, sr = load(w)
        audio_s += y.shape[-1] / sr
        t0 = time.perf_counter()
        analyze_call(w)
        t_ours += time.perf_counter() - t0
        t0 = time.perf_counter()
        librosa.pyin(y[1], fmin=70, fmax=450, sr=sr, frame_length=512, hop_length=80)
        t_peer += time.perf_counter() - t0
    return {
        "calls": len(wavs),
        "audio_s": round(audio_s, 1),
        "cxaudio_analyze_call_x_realtime": round(audio_s / t_ours, 1),
        "librosa_pyin_customer_channel_only_x_realtime": round(audio_s / t_peer, 1),
        "speedup_vs_peer": round(t_peer / t_ours, 2),
    }


def _asr_run(folder: Path, store: Path, workers: int) -> dict:
    """The same calls with their transcripts withheld: the pipeline transcribes them (ASR)."""
    from dataclasses import replace

    from cxaudio.batch import score_calls
    from cxaudio.batch.jobs import discover_jobs
    from cxaudio.call import CallConfig

    jobs = [replace(j, transcript=None) for j in discover_jobs(folder / "manifest.csv")]
    out = score_calls(jobs, store=str(store), workers=workers, config=CallConfig(asr=True))
    return {
        "what": "diarization + ASR (bundled Whisper base, CPU int8) + metrics + emotion + QA",
        "workers": workers,
        "wall_s": round(out.wall_s, 2),
        "x_realtime": round(out.realtime_factor or 0.0, 2),
        "scored": out.scored,
        "failed": out.failed,
        "errors": list(out.errors)[:5],
        "peak_rss_mb_per_worker": {str(k): round(v, 1) for k, v in out.peak_rss_mb.items()},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n-calls", type=int, default=200)
    ap.add_argument("--min-s", type=float, default=165.0, help="shortest call (s)")
    ap.add_argument(
        "--max-s", type=float, default=200.0, help="longest call (s), before the closing"
    )
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument(
        "--archive", type=Path, default=Path.home() / ".cache" / "cxkit" / "bench_calls"
    )
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON result here")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument(
        "--asr",
        action="store_true",
        help="also score the calls with speech recognition instead of their transcripts "
        "(the bundled Whisper base) and print that speed beside the no-ASR one",
    )
    args = ap.parse_args(argv)

    from cxaudio.batch import score_calls

    folder = args.archive / f"n{args.n_calls}-s{args.seed}"
    folder.mkdir(parents=True, exist_ok=True)
    gen_s = _generate(folder, args.n_calls, args.seed, args.min_s, args.max_s, max(args.workers, 1))
    load_before = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory() as tmp:
        store = str(Path(tmp) / "bench.duckdb")
        first = score_calls(folder / "manifest.csv", store=store, workers=args.workers)
        t0 = time.perf_counter()
        again = score_calls(folder / "manifest.csv", store=store, workers=args.workers)
        resume_s = time.perf_counter() - t0
        acc = _accuracy(folder, store, 3.0)
        asr = _asr_run(folder, Path(tmp) / "asr.duckdb", args.workers) if args.asr else None
    peer = None if args.no_peer else _peer(folder)
    result = {
        "benchmark": "bench_calls",
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
        },
        "load_avg_before": load_before,
        "load_avg_after": [round(x, 2) for x in os.getloadavg()],
        "archive": {
            "calls": first.total,
            "audio_h": round(first.audio_s / 3600, 3),
            "generate_s": round(gen_s, 1),
        },
        "score": {
            "workers": args.workers,
            "engine": "local",
            "wall_s": round(first.wall_s, 2),
            "x_realtime": round(first.realtime_factor or 0.0, 1),
            "scored": first.scored,
            "failed": first.failed,
            "errors": list(first.errors)[:5],
            "peak_rss_mb_per_worker": {str(k): round(v, 1) for k, v in first.peak_rss_mb.items()},
        },
        "resume": {
            "wall_s": round(resume_s, 2),
            "rescored": again.scored,
            "skipped": again.skipped,
        },
        "accuracy": acc,
        "asr": asr,
        "peer": peer,
        "targets": {
            "x_realtime": 150,
            "peak_rss_mb_per_worker": 1536,
            "resume_wall_s": 10,
            "talk_within_2_points": 1.0,
            "escalation_recall": 0.9,
            "calm_false_alarm_rate": 0.1,
        },
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if asr is not None:
        print(
            f"calls x real time, {args.workers} workers: no ASR (transcripts supplied) "
            f"{result['score']['x_realtime']}x | with ASR {asr['x_realtime']}x"
        )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
