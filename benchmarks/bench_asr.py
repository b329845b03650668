"""Speech recognition: accuracy (WER, CER) and speed of cxaudio.transcribe against its peer.

Real data: Debian's ``asterisk-core-sounds-en`` (prompt texts, ``core-sounds-en.txt.gz``) and
``asterisk-core-sounds-en-wav`` (Allison Smith's recordings, 8 kHz telephone prompts,
CC-BY-SA-3.0), fetched with ``apt-get download`` and unpacked with ``dpkg -x`` into the ignored
``benchmarks/data/cache/asr``; no audio is committed. Prompts whose text has no bracketed
sound description are joined into call-like files: prompt, 2-8 s of silence (with a little
noise), prompt, ... like one party's channel of a call, silent while the other party talks.

Synthetic data (labelled so): generated Vietnamese calls (espeak-ng voices, cxaudio.synth) with
their known text, stereo; they prove the plumbing, never accuracy (espeak is robotic).

Peer, in the same run, on the same files and the same model: faster-whisper's own
``WhisperModel.transcribe`` on the whole file (its defaults: beam 5, no VAD), CPU int8, the same
thread count. Each system runs in its own process (peak memory is that process's max RSS);
speed is audio seconds / wall seconds, and per core audio seconds / CPU seconds of the process.

    .venv/bin/python benchmarks/bench_asr.py [--files 4] [--minutes 1.5] [--threads 2] [--vi 2]

Writes benchmarks/results/asr.json and prints a summary.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / "data" / "cache" / "asr"
PACKAGES = ("asterisk-core-sounds-en", "asterisk-core-sounds-en-wav")
RESULTS = ROOT / "benchmarks" / "results" / "asr.json"


# -- data ------------------------------------------------------------------------------------
def fetch_asterisk() -> Path:
    """Unpacked packages under CACHE/root (downloaded once)."""
    root = CACHE / "root"
    if (root / "usr" / "share" / "asterisk" / "sounds").is_dir():
        return root
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "download", *PACKAGES], cwd=CACHE, check=True)
    for deb in sorted(CACHE.glob("*.deb")):
        subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    return root


def prompts(root: Path) -> list[tuple[Path, str]]:
    text_file = next(root.rglob("core-sounds-en.txt.gz"))
    sounds = next(p for p in (root / "usr/share/asterisk/sounds").iterdir() if p.is_dir())
    out = []
    with gzip.open(text_file, "rt", encoding="utf-8") as fh:
        lines = list(fh)
    for line in lines:
        if line.startswith(";") or ":" not in line:
            continue
        name, text = line.split(":", 1)
        text = text.strip()
        wav = sounds / f"{name.strip()}.wav"
        if not text or "[" in text or not wav.is_file() or len(text.split()) < 2:
            continue
        out.append((wav, text))
    return out


def build_calls(
    n_files: int, minutes: float, seed: int, gaps: tuple[float, float] = (2.0, 8.0)
) -> list[dict[str, Any]]:
    import soundfile as sf

    items = prompts(fetch_asterisk())
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(items))
    folder = CACHE / "calls"
    folder.mkdir(parents=True, exist_ok=True)
    calls, k = [], 0
    for i in range(n_files):
        parts, texts, total = [], [], 0.0
        while total < minutes * 60 and k < len(order):
            wav, text = items[order[k]]
            k += 1
            y, sr = sf.read(wav, dtype="float32")
            gap = rng.uniform(*gaps)
            noise = (rng.standard_normal(int(gap * sr)) * 10 ** (-60 / 20)).astype(np.float32)
            parts += [y, noise]
            texts.append(text)
            total += (len(y) + len(noise)) / sr
        path = folder / f"asterisk-en-{seed}-{i:02d}.wav"
        sf.write(path, np.concatenate(parts), sr)
        calls.append({"path": str(path), "text": " ".join(texts), "audio_s": total})
    return calls


def build_vi(n: int, seed: int) -> list[dict[str, Any]]:
    from cxaudio.synth import CallSpec, generate_call

    folder = CACHE / "vi"
    folder.mkdir(parents=True, exist_ok=True)
    calls = []
    for i in range(n):
        call = generate_call(CallSpec(duration_s=60, seed=seed + i, stereo=True))
        call.write(folder, f"synthetic-{seed + i:04d}")
        tr = json.loads((folder / f"synthetic-{seed + i:04d}.transcript.json").read_text("utf-8"))
        text = " ".join(s["text"] for s in tr)
        calls.append(
            {
                "path": str(folder / f"synthetic-{seed + i:04d}.wav"),
                "text": text,
                "audio_s": call.audio.shape[-1] / call.sr,
            }
        )
    return calls


# -- scoring ---------------------------------------------------------------------------------
_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _number(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + _number(rest))
    return " ".join(_ONES[int(d)] for d in str(n))


def normalize(text: str, language: str) -> list[str]:
    """Lower case, no punctuation; English digits spelled out, '#' pound, '*' star."""
    from cxaudio.transcript import normalize_text

    if language == "en":
        text = text.replace("#", " pound ").replace("*", " star ").replace("-", " ")
        text = re.sub(r"\d+", lambda m: f" {_number(int(m.group()))} ", text)
    return normalize_text(text).split()


def edits(ref: list[Any], hyp: list[Any]) -> int:
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def score(calls: list[dict[str, Any]], hyps: list[str], language: str) -> dict[str, float]:
    we = wn = ce = cn = 0
    for call, hyp in zip(calls, hyps, strict=True):
        r, h = normalize(call["text"], language), normalize(hyp, language)
        we += edits(r, h)
        wn += len(r)
        rc, hc = list("".join(r)), list("".join(h))
        ce += edits(rc, hc)
        cn += len(rc)
    return {"wer": round(we / max(wn, 1), 4), "cer": round(ce / max(cn, 1), 4), "words": wn}


# -- one system in its own process -------------------------------------------------------------
def worker(
    system: str, files: list[str], language: str, threads: int, params: dict[str, Any]
) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from cxaudio.asr import default_model_dir

    model = str(default_model_dir())
    t_load = time.perf_counter()
    if system == "peer":
        from faster_whisper import WhisperModel

        fw = WhisperModel(model, device="cpu", compute_type="int8", cpu_threads=threads)
    else:
        from cxaudio.asr import ASRParams, _pipeline, _threads, transcribe

        _pipeline(model, "cpu", "int8", _threads(threads))
    load_s = time.perf_counter() - t_load
    texts = []
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for f in files:
        if system == "peer":
            segments, _ = fw.transcribe(f, language=language)
            texts.append(" ".join(s.text.strip() for s in segments))
        else:
            tr = transcribe(
                f, language=language, device="cpu", threads=threads, params=ASRParams(**params)
            )
            texts.append(tr.text())
    return {
        "texts": texts,
        "wall_s": time.perf_counter() - wall0,
        "cpu_s": time.process_time() - cpu0,
        "load_s": load_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_system(
    system: str,
    calls: list[dict[str, Any]],
    language: str,
    threads: int,
    params: dict[str, Any] | None = None,
) -> Any:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": str(threads)}
    cmd = [sys.executable, __file__, "--worker", system, "--language", language]
    cmd += ["--threads", str(threads), "--params", json.dumps(params or {})]
    cmd += [c["path"] for c in calls]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{system} failed:\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    audio = sum(c["audio_s"] for c in calls)
    out.update(
        score(calls, out["texts"], language),
        x_realtime=round(audio / out["wall_s"], 2),
        x_realtime_per_cpu_s=round(audio / out["cpu_s"], 2),
        audio_s=round(audio, 1),
    )
    out["peak_rss_mb"] = round(out["peak_rss_mb"], 1)
    return out


VARIANTS: dict[str, dict[str, Any]] = {
    "unbatched_beam1": {"batch_size": 1},
    "batched_beam5": {"beam_size": 5},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=4, help="call-like English files")
    ap.add_argument("--minutes", type=float, default=1.5, help="length of each file")
    ap.add_argument("--vi", type=int, default=2, help="generated Vietnamese calls (synthetic)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--worker", choices=("ours", "peer"))
    ap.add_argument("--language", default="en")
    ap.add_argument("--params", default="{}", help="ASRParams fields for ours, as JSON")
    ap.add_argument("--variants", action="store_true", help="also run beam/batch variants")
    ap.add_argument("paths", nargs="*")
    args = ap.parse_args()
    if args.worker:
        params = json.loads(args.params)
        print(json.dumps(worker(args.worker, args.paths, args.language, args.threads, params)))
        return
    sys.path.insert(0, str(ROOT))
    results: dict[str, Any] = {
        "model": "whisper_base (models/whisper_base, CTranslate2 int8 on CPU)",
        "threads": args.threads,
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg()[0],
        "peer": "faster_whisper.WhisperModel.transcribe on the whole file (beam 5, no VAD)",
    }
    en = build_calls(args.files, args.minutes, args.seed)
    results["asterisk_en"] = {
        "data": "real: Debian asterisk-core-sounds-en(-wav) 1.6.1 prompts (Allison Smith, 8 kHz), "
        f"{len(en)} call-like files of prompts with 2-8 s silences, seed {args.seed}",
        "ours": run_system("ours", en, "en", args.threads),
        "peer": run_system("peer", en, "en", args.threads),
    }
    if args.variants:
        results["asterisk_en"]["variants"] = variants = {}
        for name, params in VARIANTS.items():
            v = run_system("ours", en, "en", args.threads, params)
            variants[name] = {k: v[k] for k in ("wer", "cer", "x_realtime", "cpu_s", "wall_s")}
            print(f"variant {name}: {variants[name]}")
    if args.vi:
        vi = build_vi(args.vi, args.seed)
        results["synthetic_vi"] = {
            "data": f"SYNTHETIC: {len(vi)} generated Vietnamese calls (espeak-ng, stereo, 8 kHz)",
            "ours": run_system("ours", vi, "vi", args.threads),
            "peer": run_system("peer", vi, "vi", args.threads),
        }
    for part in ("asterisk_en", "synthetic_vi"):
        if part not in results:
            continue
        r = results[part]
        r["speedup_wall"] = round(r["peer"]["wall_s"] / r["ours"]["wall_s"], 2)
        r["speedup_cpu"] = round(r["peer"]["cpu_s"] / r["ours"]["cpu_s"], 2)
        for side in ("ours", "peer"):
            s = r[side]
            print(
                f"{part:13s} {side:4s} WER {s['wer']:.3f} CER {s['cer']:.3f} "
                f"x{s['x_realtime']:.2f} RT wall, x{s['x_realtime_per_cpu_s']:.2f} RT per CPU-s, "
                f"peak {s['peak_rss_mb']:.0f} MB"
            )
            s["examples"] = s.pop("texts")[:1]
        print(f"{part:13s} speed-up vs peer: {r['speedup_wall']}x wall, {r['speedup_cpu']}x CPU")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
