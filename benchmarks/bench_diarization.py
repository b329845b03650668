"""Diarization error rate and speed of ``cxaudio.diarize`` on real voices and generated calls.

- Real voices (``realvoice``): the TEST part of the real-voice set of ``benchmarks/data/``
  (Debian's Asterisk prompts, voices allison, carlo and july; built by
  ``benchmarks/data/build_realvoice.py`` when absent), DER per subset (two_party_tel,
  two_party_wide, one_voice, three_voice) with the speaker count given (the reference count) and
  not given, for ``cxaudio.diarize`` and for the peer in the same run: Silero VAD + the same GE2E
  + spectral clustering, 1.6 s windows every 0.2 s, frame vote (``benchmarks/diar_peer.py``);
  speaker-count accuracy of the runs without a count. Each file runs in a child pinned to one
  core (``--workers`` children side by side); speeds are x real time of that one core.

Synthetic (``stereo``, ``mono``, ``mono_long``; labelled ``"data": "synthetic ..."``):

- DER with pyannote.metrics (``collar=0``, ``skip_overlap=False``: overlapped speech is scored),
  against the reference RTTM of synthetic two-party calls (``cxaudio.synth``: calm, escalating,
  long-silence and interruption calls, 20–35 dB SNR, a quarter G.711 µ-law), >= 2 minutes each.
  Mono calls: the speaker count is not given. Stereo calls: channel 0 = agent.
- Speed as x real time on ONE core: the timed run is a child process pinned to one CPU with
  NUMBA_NUM_THREADS=1, OMP/OPENBLAS/MKL threads 1 and ONNX Runtime ``intra_op_num_threads=1``;
  each call is read from its WAV file (decode included).
- ``--long-hours H``: a H-hour 8 kHz mono file (synthetic calls back to back, written in
  blocks) diarized in a child process; reports its peak resident memory (ru_maxrss).
- ``der_by_kind``: DER per kind of call (``interruption`` calls hold 1-2.5 s overlaps, which the
  mono path gives to both speakers; the other kinds have none).
- Peer in the same run: ``webrtcvad`` (mode 3, 30 ms frames) as the per-channel VAD of the stereo
  path, DER and speed side by side.

    .venv/bin/python benchmarks/bench_diarization.py [--calls 20] [--long-hours 6] [--device cpu]
        [--realvoice benchmarks/data/realvoice] [--part test] [--limit 0] [--workers 2]

Prints one JSON line per measure and writes benchmarks/results/diarization[_<device>].json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ONE_CORE_ENV = {
    "NUMBA_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def write_calls(folder: Path, n: int, *, stereo: bool, seed: int) -> list[dict]:
    import soundfile as sf

    from cxaudio.synth import generate_call
    from cxaudio.synth.archive import archive_specs

    specs = archive_specs(
        n_calls=n,
        seed=seed,
        stereo_fraction=1.0 if stereo else 0.0,
        mulaw_fraction=0.25,
        min_duration_s=125.0,
    )
    out = []
    for name, kind, spec in specs:
        call = generate_call(spec)
        audio = call.audio if stereo else call.mono()[None]
        path = folder / f"{name}.wav"
        subtype = "ULAW" if spec.mulaw else "PCM_16"
        sf.write(path, np.clip(audio.T, -1, 1), call.sr, subtype=subtype)
        (folder / f"{name}.rttm").write_text(call.diarization.to_rttm(name))
        out.append({"name": name, "kind": kind, "path": str(path), "duration_s": call.duration_s})
    return out


def _child_diarize(paths: list[str], device: str, threads: int, peer: bool) -> None:
    """Runs in the pinned child: diarize each path, print timings and RTTM as JSON."""
    import cxaudio

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    # warm up (numba cache, ONNX session) on a short signal of each layout
    rng = np.random.default_rng(0)
    warm = (rng.standard_normal(8000 * 5) * 0.1).astype(np.float32)
    cxaudio.diarize(warm, 8000, device=device, intra_op_num_threads=threads)
    cxaudio.diarize(np.stack([warm, warm[::-1]]), 8000)
    for p in paths:
        t = time.perf_counter()
        d = cxaudio.diarize(p, device=device, intra_op_num_threads=threads)
        dt = time.perf_counter() - t
        rec = {"path": p, "seconds": dt, "rttm": d.to_rttm(Path(p).stem)}
        if peer:
            t = time.perf_counter()
            rttm = webrtcvad_stereo(p)
            rec["peer_seconds"] = time.perf_counter() - t
            rec["peer_rttm"] = rttm
        print(json.dumps(rec), flush=True)
    print(json.dumps({"maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def webrtcvad_stereo(path: str) -> str:
    """The peer: webrtcvad (mode 3) on each channel, 30 ms frames, gaps < 0.3 s filled."""
    import webrtcvad

    import cxaudio
    from cxaudio.diarization.activity import mask_to_runs, smooth_mask

    y, sr = cxaudio.load(path)
    lines = []
    stem = Path(path).stem
    for ch, role in zip(y, ("agent", "customer"), strict=False):
        pcm = (np.clip(ch, -1, 1) * 32767).astype(np.int16).tobytes()
        step = int(sr * 0.03)
        vad = webrtcvad.Vad(3)
        flags = np.array(
            [
                vad.is_speech(pcm[2 * s : 2 * (s + step)], sr)
                for s in range(0, len(ch) - step + 1, step)
            ]
        )
        mask = smooth_mask(flags, min_gap=10, min_len=4)
        for s, e in mask_to_runs(mask):
            lines.append(
                f"SPEAKER {stem} 1 {s * 0.03:.3f} {(e - s) * 0.03:.3f} <NA> <NA> {role} <NA> <NA>\n"
            )
    return "".join(lines)


def run_child(paths: list[str], device: str, threads: int, peer: bool) -> list[dict]:
    env = dict(os.environ, **ONE_CORE_ENV)
    cmd = [sys.executable, __file__, "--child", json.dumps([paths, device, threads, peer])]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-4000:])
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def der(calls: list[dict], results: list[dict], key: str = "rttm") -> dict:
    from pyannote.metrics.diarization import DiarizationErrorRate

    from cxaudio.types import Diarization, read_rttm

    metric = DiarizationErrorRate(collar=0.0, skip_overlap=False)
    per = []
    for call, res in zip(calls, results, strict=True):
        name = call["name"]
        ref_turns = read_rttm(Path(call["path"]).with_suffix(".rttm").read_text())[name]
        hyp_turns = read_rttm(res[key]).get(name, [])
        ref = Diarization.from_turns(ref_turns, call["duration_s"]).to_annotation(name)
        hyp = Diarization.from_turns(hyp_turns, call["duration_s"]).to_annotation(name)
        uem = _uem(call["duration_s"])
        per.append(metric(ref, hyp, uem=uem))
    comps = {k: metric[k] for k in ("missed detection", "false alarm", "confusion", "total")}
    return {
        "der": abs(metric),
        "der_max_call": max(per),
        "missed_pct": 100 * comps["missed detection"] / comps["total"],
        "false_alarm_pct": 100 * comps["false alarm"] / comps["total"],
        "confusion_pct": 100 * comps["confusion"] / comps["total"],
    }


def _der_by_kind(calls: list[dict], results: list[dict]) -> dict:
    """DER of each kind of call (``interruption`` calls hold overlapped speech, the others none)."""
    out = {}
    for kind in sorted({c["kind"] for c in calls}):
        pick = [i for i, c in enumerate(calls) if c["kind"] == kind]
        d = der([calls[i] for i in pick], [results[i] for i in pick])
        out[kind] = {"calls": len(pick), "der": round(d["der"], 5)}
    return out


def _uem(duration_s: float):  # noqa: ANN202
    from pyannote.core import Segment, Timeline

    return Timeline([Segment(0.0, duration_s)])


def speed(calls: list[dict], results: list[dict], key: str = "seconds") -> float:
    return sum(c["duration_s"] for c in calls) / sum(r[key] for r in results)


def write_long(path: Path, hours: float, seed: int) -> float:
    """A long 8 kHz mono file of synthetic calls back to back (two recurring voices)."""
    import soundfile as sf

    from cxaudio.synth import CallSpec, generate_call

    calls = [generate_call(CallSpec(duration_s=300, seed=seed + i, stereo=False)) for i in range(4)]
    total = 0
    target = int(hours * 3600 * 8000)
    with sf.SoundFile(path, "w", samplerate=8000, channels=1, subtype="PCM_16") as fh:
        i = 0
        while total < target:
            y = calls[i % len(calls)].mono()[: target - total]
            fh.write(np.clip(y, -1, 1))
            total += len(y)
            i += 1
    return total / 8000


# ---------------------------------------------------------------------------------------------
# real voices

REALVOICE_DATA = (
    "real voices: Debian Asterisk prompt packages (benchmarks/data/README.md), {part} part "
    "(voices {voices}), build_realvoice.py v{version} seed {seed}"
)
SYSTEMS = ("cxkit", "peer_silero_ge2e_spectral")


def ensure_realvoice(folder: Path) -> dict:
    """The set's manifest, building the set first when it is absent."""
    manifest = folder / "manifest.json"
    if not manifest.exists():
        builder = ROOT / "benchmarks" / "data" / "build_realvoice.py"
        print(json.dumps({"building": str(folder)}), flush=True)
        subprocess.run([sys.executable, str(builder), "--out", str(folder)], check=True)
    return json.loads(manifest.read_text())


def _child_realvoice(items: list[list], device: str, threads: int, core: int) -> None:
    """Runs in a pinned child: cxkit with and without the count, and the peer, per file."""
    from diar_peer import peer_cluster, peer_embeddings, peer_rttm

    import cxaudio

    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[core % len(cpus)]})
    rng = np.random.default_rng(0)
    warm = (rng.standard_normal(8000 * 5) * 0.1).astype(np.float32)
    cxaudio.diarize(warm, 8000, device=device, intra_op_num_threads=threads)
    peer_cluster(peer_embeddings(warm, 8000, device=device, threads=threads).embeddings, 2)
    for path, uri, k in items:
        rec: dict[str, object] = {"uri": uri}
        for key, num in (("k_given", k), ("k_estimated", None)):
            t = time.perf_counter()
            d = cxaudio.diarize(path, num_speakers=num, device=device, intra_op_num_threads=threads)
            rec[f"cxkit/{key}/seconds"] = time.perf_counter() - t
            rec[f"cxkit/{key}/rttm"] = d.to_rttm(uri)
        t = time.perf_counter()
        y, sr = cxaudio.load(path)
        pe = peer_embeddings(y, sr, device=device, threads=threads)
        embed_s = time.perf_counter() - t
        for key, num in (("k_given", k), ("k_estimated", None)):
            t = time.perf_counter()
            rttm = peer_rttm(pe, peer_cluster(pe.embeddings, num), uri)
            rec[f"peer_silero_ge2e_spectral/{key}/seconds"] = embed_s + time.perf_counter() - t
            rec[f"peer_silero_ge2e_spectral/{key}/rttm"] = rttm
        print(json.dumps(rec), flush=True)


def run_realvoice(refs: list, device: str, threads: int, workers: int) -> list[dict]:
    env = dict(os.environ, **ONE_CORE_ENV)
    items = [[str(r.audio_path), r.uri, r.num_speakers] for r in refs]
    procs = []
    for w in range(workers):
        arg = json.dumps([items[w::workers], device, threads, w])
        cmd = [sys.executable, __file__, "--child-realvoice", arg]
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True))
    out = []
    for proc in procs:
        stdout, _ = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"real-voice child failed with exit code {proc.returncode}")
        out += [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return out


def realvoice(folder: Path, part: str, limit: int, device: str, threads: int, workers: int):
    import io

    from cxaudio.diarization.evaluation import load_references, score_diarization
    from cxaudio.types import Diarization

    manifest = ensure_realvoice(folder)
    refs = load_references(folder / part)
    if limit > 0:  # the first ``limit`` files of each subset
        groups = sorted({r.group for r in refs})
        refs = [r for g in groups for r in [x for x in refs if x.group == g][:limit]]
    results = {r["uri"]: r for r in run_realvoice(refs, device, threads, workers)}
    voices = sorted(v for v, meta in manifest["voices"].items() if meta["part"] == part)
    data = REALVOICE_DATA.format(
        part=part,
        voices=", ".join(voices),
        version=manifest["builder_version"],
        seed=manifest["seed"],
    )
    audio_s = sum(r.duration_s for r in refs)
    row: dict[str, object] = {
        "data": data,
        "folder": str(folder / part),
        "files": len(refs),
        "hours": round(audio_s / 3600, 3),
        "settings": {"collar": 0.0, "skip_overlap": False, "k_given": "the reference count"},
    }
    per_file: dict[str, object] = {"data": data}
    for system in SYSTEMS:
        sys_row: dict[str, object] = {}
        for key in ("k_given", "k_estimated"):
            hyps = {
                r.uri: Diarization.from_rttm(
                    io.StringIO(results[r.uri][f"{system}/{key}/rttm"]),
                    uri=r.uri,
                    duration_s=r.duration_s,
                )
                for r in refs
            }
            report = score_diarization(refs, hyps, data=data, settings={"num_speakers": key})
            groups = report.by_group()
            summary = {g: _rv_summary(rep.serialize(), key) for g, rep in groups.items()}
            summary["all"] = _rv_summary(report.serialize(), key)
            seconds = sum(results[r.uri][f"{system}/{key}/seconds"] for r in refs)
            summary["all"]["x_realtime_one_core"] = round(audio_s / seconds, 1)
            sys_row[key] = summary
            per_file[f"{system}/{key}"] = [f.serialize() for f in report.files]
        row[system] = sys_row
    return row, per_file


def _rv_summary(rep: dict, key: str) -> dict:
    keep = [
        "files",
        "hours",
        "der",
        "der_max_file",
        "missed_pct",
        "false_alarm_pct",
        "confusion_pct",
    ]
    if key == "k_estimated":
        keep += ["speaker_count_accuracy", "hyp_speakers", "ref_speakers"]
    return {k: rep[k] for k in keep}


def _keep_skipped_sections(report: dict, out: Path) -> None:
    """Sections this run skipped keep their figures from the previous results file, marked."""
    if not out.exists():
        return
    previous = json.loads(out.read_text(encoding="utf-8"))
    for key in ("realvoice", "stereo", "mono", "mono_long"):
        if key not in report and key in previous:
            row = {**previous[key], "from_previous_run": True}
            if key != "realvoice":
                row.setdefault("data", "synthetic: cxaudio.synth (espeak-ng voices)")
            report[key] = row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=20, help="calls per layout; 0: long file only")
    ap.add_argument("--long-hours", type=float, default=6.0, help="0 to skip the long file")
    ap.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument(
        "--realvoice",
        default=str(ROOT / "benchmarks" / "data" / "realvoice"),
        help="the real-voice set (built there when absent); 'none' to skip",
    )
    ap.add_argument("--part", default="test", choices=["test", "tune"])
    ap.add_argument("--limit", type=int, default=0, help="files per real-voice subset; 0: all")
    ap.add_argument("--workers", type=int, default=2, help="pinned children for real voices")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--child-realvoice", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        paths, device, threads, peer = json.loads(args.child)
        _child_diarize(paths, device, threads, peer)
        return 0
    if args.child_realvoice:
        items, device, threads, core = json.loads(args.child_realvoice)
        _child_realvoice(items, device, threads, core)
        return 0
    warnings.filterwarnings("ignore")
    report: dict[str, object] = {
        "benchmark": "diarization",
        "device": args.device,
        "machine": {"cpu_count": os.cpu_count(), "python": platform.python_version()},
        "settings": {"collar": 0.0, "skip_overlap": False, **ONE_CORE_ENV, "ort_threads": 1},
    }
    threads = 1 if args.device == "cpu" else 0
    suffix = "" if args.device == "cpu" else f"_{args.device}"
    results_dir = ROOT / "benchmarks" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    if args.realvoice != "none":
        row, per_file = realvoice(
            Path(args.realvoice), args.part, args.limit, args.device, threads, args.workers
        )
        print(json.dumps(row), flush=True)
        report["realvoice"] = row
        name = f"diarization_realvoice_files{suffix}.json"
        (results_dir / name).write_text(json.dumps(per_file, indent=1) + "\n", encoding="utf-8")
    synthetic = f"synthetic: cxaudio.synth (espeak-ng voices), seed {args.seed}"
    with tempfile.TemporaryDirectory(prefix="cx_bench_diar_") as tmp:
        folder = Path(tmp)
        for layout, stereo in (("stereo", True), ("mono", False)) if args.calls > 0 else ():
            t = time.perf_counter()
            sub = folder / layout
            sub.mkdir()
            calls = write_calls(sub, args.calls, stereo=stereo, seed=args.seed)
            gen_s = time.perf_counter() - t
            results = run_child([c["path"] for c in calls], args.device, threads, stereo)
            row = {
                "data": synthetic,
                "layout": layout,
                "calls": len(calls),
                "audio_s": round(sum(c["duration_s"] for c in calls), 1),
                "min_call_s": round(min(c["duration_s"] for c in calls), 1),
                "generate_s": round(gen_s, 1),
                **{k: round(v, 5) for k, v in der(calls, results[:-1]).items()},
                "x_realtime_one_core": round(speed(calls, results[:-1]), 1),
                "der_by_kind": _der_by_kind(calls, results[:-1]),
            }
            if stereo:
                peer = der(calls, results[:-1], key="peer_rttm")
                row["peer_webrtcvad"] = {
                    "der": round(peer["der"], 5),
                    "x_realtime_one_core": round(speed(calls, results[:-1], "peer_seconds"), 1),
                }
            print(json.dumps(row), flush=True)
            report[layout] = row
        if args.long_hours > 0:
            path = folder / "long.wav"
            t = time.perf_counter()
            dur = write_long(path, args.long_hours, args.seed)
            gen_s = time.perf_counter() - t
            res = run_child([str(path)], args.device, threads, False)
            row = {
                "data": synthetic + " (calls back to back)",
                "layout": "mono-long",
                "audio_s": round(dur, 1),
                "generate_s": round(gen_s, 1),
                "seconds": round(res[0]["seconds"], 1),
                "x_realtime_one_core": round(dur / res[0]["seconds"], 1),
                "peak_rss_mb": round(res[-1]["maxrss_mb"], 1),
                "speakers_found": len({ln.split()[7] for ln in res[0]["rttm"].splitlines()}),
            }
            print(json.dumps(row), flush=True)
            report["mono_long"] = row
    out = results_dir / f"diarization{suffix}.json"
    _keep_skipped_sections(report, out)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
