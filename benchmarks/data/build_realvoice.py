"""Build the real-voice diarization development set from Debian's Asterisk prompt packages.

Real recorded telephone voices (8 kHz prompts read by professional voice actors) are fetched
with ``apt-get download`` (never committed), unpacked with ``dpkg -x`` into a cache folder, and
mixed with a fixed seed into conversations with a reference RTTM each. See
``benchmarks/data/README.md`` for the voices, their licences, the tune/test split and the layout.

    python benchmarks/data/build_realvoice.py [--out benchmarks/data/realvoice] [--cache ...]

Reference convention (SPEC section 9): a speaker's speech is where their voice is audible;
inside a prompt, frames below an energy threshold are silent; a silence of 0.25 s or more
(inside a prompt, between prompts of one turn, or between turns) is not speech, a shorter one is.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SR = 8000
BUILDER_VERSION = "1"
SEED = 15  # issue 15
MIN_PAUSE_S = 0.25  # SPEC section 9: a pause this long or longer is not speech
FRAME_S, HOP_S = 0.02, 0.01

# package -> the copyright text that must be in its copyright file (else the package is skipped)
PACKAGES: dict[str, str] = {
    "asterisk-core-sounds-en-wav": "License: CC-BY-SA-3.0",
    "asterisk-core-sounds-es-wav": "License: CC-BY-SA-3.0",
    "asterisk-core-sounds-fr-wav": "License: CC-BY-SA-3.0",
    "asterisk-core-sounds-it-wav": "License: CC-BY-3.0",
    "asterisk-core-sounds-ru-wav": "License: CC-BY-3.0",
    "asterisk-prompt-es-co": "GNU General Public License",
    "asterisk-prompt-fr-armelle": "Redistribution and use, with or without modification, are",
    "asterisk-prompt-it-menardi-wav": "License: CC-SA-BY-3.0",
}


@dataclass(frozen=True)
class Voice:
    id: str
    part: str  # "tune" or "test"
    packages: tuple[str, ...]
    licence: str
    credit: str


# One voice per package, except en and es: both are Allison Smith. The tune/test assignment is
# fixed (no voice in both); each part has one GSM-coded package (es-co, fr-armelle).
VOICES: tuple[Voice, ...] = (
    Voice(
        "allison",
        "test",
        ("asterisk-core-sounds-en-wav", "asterisk-core-sounds-es-wav"),
        "CC-BY-SA-3.0",
        "Allison Smith (theivrvoice.com), Asterisk core sounds en/es, Digium",
    ),
    Voice(
        "carlo",
        "test",
        ("asterisk-core-sounds-it-wav",),
        "CC-BY-3.0",
        "Carlo Flora (carloflora.com, segreterietelefoniche.it), translation Silvia Petrin",
    ),
    Voice(
        "july",
        "test",
        ("asterisk-prompt-es-co",),
        "GPL-2",
        "July E. Jimenez, recorded by Avatar Ltda. (avatar.com.co)",
    ),
    Voice(
        "june",
        "tune",
        ("asterisk-core-sounds-fr-wav",),
        "CC-BY-SA-3.0",
        "June Wallack (junewallack.com), French translation Clod Patry, Kristopher Lalletti",
    ),
    Voice(
        "ivrvoiceru",
        "tune",
        ("asterisk-core-sounds-ru-wav",),
        "CC-BY-3.0",
        "Russian core sounds provided by Maxim Topal (ivrvoice.ru)",
    ),
    Voice(
        "armelle",
        "tune",
        ("asterisk-prompt-fr-armelle",),
        "BSD-style (copyright notice kept)",
        "Armelle Desjardins (voice), (C) 2006 Michel Gutierrez (aclap.com)",
    ),
    Voice(
        "paola",
        "tune",
        ("asterisk-prompt-it-menardi-wav",),
        "CC-BY-SA-3.0-IT",
        "Marco Menardi and Paola Dal Zot, http://www.voip.ammdomus.it",
    ),
)

# Non-speech files shipped among the prompts (tones, beeps, animal sounds) and silence files.
EXCLUDE_NAMES = {"beep", "beeperr", "ascending-2tone", "descending-2tone", "tt-monkeys"}


# ---------------------------------------------------------------------------------------------
# fetching


def fetch(cache: Path) -> dict[str, dict]:
    """Download and unpack each package once; returns package -> {root, licence_ok, version}."""
    debs, root = cache / "debs", cache / "x"
    debs.mkdir(parents=True, exist_ok=True)
    out: dict[str, dict] = {}
    for pkg, marker in PACKAGES.items():
        dest = root / pkg
        if not (dest / ".done").exists():
            found = sorted(debs.glob(f"{pkg}_*.deb"))
            if not found:
                if shutil.which("apt-get") is None:
                    raise SystemExit(f"{pkg}: apt-get is not available to download it")
                proc = subprocess.run(
                    ["apt-get", "download", pkg], cwd=debs, capture_output=True, text=True
                )
                found = sorted(debs.glob(f"{pkg}_*.deb"))
                if proc.returncode != 0 or not found:
                    raise SystemExit(
                        f"{pkg}: apt-get download failed: {proc.stderr.strip()} "
                        "(a Debian/Ubuntu system with package lists is needed: "
                        "sudo apt-get update)"
                    )
            if dest.exists():
                shutil.rmtree(dest)
            dest.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["dpkg", "-x", str(found[-1]), str(dest)], check=True)
            (dest / ".done").write_text(found[-1].name)
        copyright_file = dest / "usr/share/doc" / pkg / "copyright"
        text = copyright_file.read_text(errors="replace") if copyright_file.exists() else ""
        out[pkg] = {
            "root": dest,
            "deb": (dest / ".done").read_text(),
            "licence_ok": marker in text,
        }
        if marker not in text:
            print(f"warning: {pkg}: licence text {marker!r} not found; package not used")
    return out


# ---------------------------------------------------------------------------------------------
# prompts


@dataclass
class Prompt:
    audio: np.ndarray  # trimmed to its first and last speech frame, active level -20 dBFS
    speech: list[tuple[float, float]]  # speech intervals in seconds from the prompt's start

    @property
    def duration_s(self) -> float:
        return len(self.audio) / SR


def _read(path: Path) -> np.ndarray:
    import soundfile as sf

    if path.suffix == ".gsm":
        y, sr = sf.read(
            path, format="RAW", subtype="GSM610", samplerate=SR, channels=1, dtype="float32"
        )
    else:
        y, sr = sf.read(path, dtype="float32", always_2d=True)
        y = y.mean(axis=1)
    if sr != SR:
        raise SystemExit(f"{path}: sample rate {sr} Hz, expected {SR}")
    return np.asarray(y, dtype=np.float32)


def _frame_db(y: np.ndarray) -> np.ndarray:
    win, hop = int(FRAME_S * SR), int(HOP_S * SR)
    if len(y) < win:
        return np.full(1, -120.0)
    frames = np.lib.stride_tricks.sliding_window_view(y, win)[::hop]
    return 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def merge_pauses(
    intervals: list[tuple[float, float]], min_pause_s: float = MIN_PAUSE_S
) -> list[tuple[float, float]]:
    """Join intervals separated by less than ``min_pause_s`` (such pauses count as speech)."""
    out: list[list[float]] = []
    for s, e in sorted(intervals):
        if out and s - out[-1][1] < min_pause_s:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def load_voice(voice: Voice, roots: dict[str, Path]) -> tuple[list[Prompt], dict]:
    """All distinct speech prompts of a voice, trimmed, with their speech intervals.

    Energy threshold per prompt: ``max(peak - 35 dB, floor + 12 dB)``, with ``peak`` the
    prompt's 95th percentile frame level and ``floor`` the voice's noise floor (the lower
    quartile over its prompts of their quietest frame: some voices' prompts are cut so close
    that most hold no silence); 20 ms frames every 10 ms.
    """
    paths: list[Path] = []
    seen: set[str] = set()
    for pkg in voice.packages:
        for p in sorted(roots[pkg].rglob("*")):
            if p.suffix not in (".wav", ".gsm") or "silence" in p.parts:
                continue
            if p.stem in EXCLUDE_NAMES:
                continue
            digest = hashlib.sha1(p.read_bytes()).hexdigest()
            if digest not in seen:
                seen.add(digest)
                paths.append(p)
    signals = [_read(p) for p in paths]
    dbs = [_frame_db(y) for y in signals]
    floor = float(np.percentile([np.min(d) for d in dbs], 25))
    prompts = []
    hop = int(HOP_S * SR)
    for y, db in zip(signals, dbs, strict=True):
        thr = max(float(np.percentile(db, 95)) - 35.0, floor + 12.0)
        runs = [(s, e) for s, e in _runs(db > thr) if e - s >= 5]  # drop clicks < 50 ms
        if not runs:
            continue
        first, last = runs[0][0] * hop, min(len(y), runs[-1][1] * hop + int(FRAME_S * SR))
        seg = y[first:last]
        speech = merge_pauses(
            [
                (
                    s * hop / SR - first / SR,
                    min(len(y), e * hop + int(FRAME_S * SR)) / SR - first / SR,
                )
                for s, e in runs
            ]
        )
        active = np.concatenate([seg[int(s * SR) : int(e * SR)] for s, e in speech])
        level = 10 * np.log10(np.mean(active.astype(np.float64) ** 2) + 1e-12)
        if sum(e - s for s, e in speech) < 0.25:
            continue
        prompts.append(Prompt((seg * 10 ** ((-20.0 - level) / 20)).astype(np.float32), speech))
    stats = {
        "files": len(paths),
        "prompts": len(prompts),
        "speech_min": round(sum(sum(e - s for s, e in p.speech) for p in prompts) / 60, 1),
        "noise_floor_db": round(floor, 1),
    }
    return prompts, stats


# ---------------------------------------------------------------------------------------------
# conversations


def _turn(rng: np.random.Generator, pool: list[Prompt], durs: np.ndarray, target_s: float):
    """Prompts of one voice back to back until about ``target_s``; returns audio and intervals.

    Pauses between prompts: half of them 0.05-0.2 s (speech under the convention), half
    0.25-0.7 s (not speech).
    """
    pieces: list[np.ndarray] = []
    speech: list[tuple[float, float]] = []
    t = 0.0
    while t < target_s:
        room = target_s - t
        n = int(np.searchsorted(durs, room + 0.4))
        if n == 0 and pieces:
            break
        p = pool[int(rng.integers(max(n, 1)))]
        if pieces:
            gap = rng.uniform(0.05, 0.2) if rng.random() < 0.5 else rng.uniform(0.25, 0.7)
            pieces.append(np.zeros(int(gap * SR), np.float32))
            t += int(gap * SR) / SR
        pieces.append(p.audio)
        speech += [(t + s, t + e) for s, e in p.speech]
        t += p.duration_s
    return np.concatenate(pieces), speech


def conversation(
    rng: np.random.Generator,
    voices: list[str],
    pools: dict[str, list[Prompt]],
    duration_s: float,
) -> tuple[dict[str, np.ndarray], dict[str, list[tuple[float, float]]]]:
    """Clean tracks per voice and their speech intervals.

    Turns of 0.5-8 s (log-uniform target). After a turn (two or more voices): 60 % a pause
    (0.25-1.5 s, one in seven 1.5-4 s), 25 % a fast change (0-0.1 s, no pause), 15 % an overlap
    (the next voice starts 0.3-2 s before the end, at most 80 % of the turn). The next speaker is
    another voice, chosen at random. One voice: pauses only.
    """
    n = int(duration_s * SR)
    tracks = {v: np.zeros(n, np.float32) for v in voices}
    speech: dict[str, list[tuple[float, float]]] = {v: [] for v in voices}
    durs = {v: np.array([p.duration_s for p in pools[v]]) for v in voices}
    order = {v: np.argsort(durs[v]) for v in voices}
    sorted_pools = {v: [pools[v][i] for i in order[v]] for v in voices}
    sorted_durs = {v: durs[v][order[v]] for v in voices}
    t = rng.uniform(0.3, 1.5)
    end_all = t
    cur = voices[int(rng.integers(len(voices)))]
    last_end = dict.fromkeys(voices, 0.0)
    while True:
        target = float(np.exp(rng.uniform(np.log(0.5), np.log(8.0))))
        audio, ivals = _turn(rng, sorted_pools[cur], sorted_durs[cur], target)
        start = int(round(t * SR))
        if start + len(audio) > n - int(0.3 * SR):
            break
        tracks[cur][start : start + len(audio)] += audio
        speech[cur] += [(t + s, t + e) for s, e in ivals]
        turn_len = len(audio) / SR
        end_all = max(end_all, t + turn_len)
        last_end[cur] = t + turn_len
        others = [v for v in voices if v != cur]
        nxt = others[int(rng.integers(len(others)))] if others else cur
        r = rng.random()
        if not others or r < 0.6:
            long = rng.random() < 1 / 7
            t = end_all + (rng.uniform(1.5, 4.0) if long else rng.uniform(0.25, 1.5))
        elif r < 0.85:
            t = end_all + rng.uniform(0.0, 0.1)
        else:
            ov = min(rng.uniform(0.3, 2.0), 0.8 * turn_len)
            t = max(t, end_all - ov, last_end[nxt])  # a voice never overlaps itself
        cur = nxt
    return tracks, {v: merge_pauses(s) for v, s in speech.items()}


def _noise(rng: np.random.Generator, n: int) -> np.ndarray:
    """Gaussian noise with a random tilt (one-pole low-pass, coefficient 0-0.95), unit RMS."""
    from scipy.signal import lfilter

    a = rng.uniform(0.0, 0.95)
    x = lfilter([1.0], [1.0, -a], rng.standard_normal(n))
    return (x / np.sqrt(np.mean(x**2))).astype(np.float32)


def render(
    rng: np.random.Generator, tracks: dict[str, np.ndarray], band: str
) -> tuple[np.ndarray, dict]:
    """Mix: party levels -26..-16 dBFS, the others 0-10 dB apart; noise at 15-35 dB SNR (to the
    loudest party); ``tel``: 4th-order Butterworth 300-3400 Hz band-pass (µ-law on writing)."""
    from scipy.signal import butter, sosfilt

    voices = list(tracks)
    base = rng.uniform(-26.0, -16.0)
    levels = {v: base if i == 0 else base - rng.uniform(0.0, 10.0) for i, v in enumerate(voices)}
    if len(voices) > 1 and rng.random() < 0.5:  # the louder party is not always the first
        first, second = voices[0], voices[1]
        levels[first], levels[second] = levels[second], levels[first]
    y = sum(tracks[v] * np.float32(10 ** ((levels[v] + 20.0) / 20)) for v in voices)
    snr = rng.uniform(15.0, 35.0)
    y = y + _noise(rng, len(y)) * np.float32(10 ** ((max(levels.values()) - snr) / 20))
    if band == "tel":
        y = sosfilt(butter(4, [300, 3400], btype="bandpass", fs=SR, output="sos"), y)
    peak = float(np.max(np.abs(y)))
    if peak > 0.98:
        y = y * (0.98 / peak)
    meta = {"levels_dbfs": {v: round(x, 1) for v, x in levels.items()}, "snr_db": round(snr, 1)}
    return np.asarray(y, np.float32), meta


def rttm(uri: str, speech: dict[str, list[tuple[float, float]]]) -> str:
    lines = [
        (s, f"SPEAKER {uri} 1 {s:.3f} {e - s:.3f} <NA> <NA> {v} <NA> <NA>\n")
        for v, ivals in speech.items()
        for s, e in ivals
    ]
    return "".join(line for _, line in sorted(lines))


# ---------------------------------------------------------------------------------------------
# the set


SUBSETS = ("two_party_tel", "two_party_wide", "one_voice", "three_voice")


def plan(part_voices: list[str], counts: dict[str, int], rng: np.random.Generator) -> list[dict]:
    """Which voices, band and length each file of a part gets (pairs in turn, all of them)."""
    pairs = [(a, b) for i, a in enumerate(part_voices) for b in part_voices[i + 1 :]]
    items = []
    for subset in SUBSETS:
        for i in range(counts[subset]):
            if subset.startswith("two_party"):
                voices = list(pairs[i % len(pairs)])
                band = subset.rsplit("_", 1)[1]
                dur = rng.uniform(60.0, 180.0)
            elif subset == "one_voice":
                voices = [part_voices[i % len(part_voices)]]
                band = ("tel", "wide")[i % 2]
                dur = rng.uniform(30.0, 120.0)
            else:
                k = len(part_voices)
                voices = [part_voices[(i + j) % k] for j in range(3)]
                band = ("tel", "wide")[i % 2]
                dur = rng.uniform(60.0, 180.0)
            rng.shuffle(voices)
            items.append({"subset": subset, "index": i, "voices": voices, "band": band, "dur": dur})
    return items


def build(out: Path, cache: Path, counts: dict[str, int], seed: int = SEED) -> dict:
    import soundfile as sf

    t0 = time.perf_counter()
    pkgs = fetch(cache)
    roots = {p: info["root"] for p, info in pkgs.items() if info["licence_ok"]}
    voices = [v for v in VOICES if all(p in roots for p in v.packages)]
    pools, voice_stats = {}, {}
    for v in voices:
        pools[v.id], voice_stats[v.id] = load_voice(v, roots)
    manifest: dict = {
        "builder_version": BUILDER_VERSION,
        "seed": seed,
        "sample_rate": SR,
        "min_pause_s": MIN_PAUSE_S,
        "packages": {p: info["deb"] for p, info in pkgs.items() if info["licence_ok"]},
        "voices": {
            v.id: {
                "part": v.part,
                "packages": list(v.packages),
                "licence": v.licence,
                "credit": v.credit,
                **voice_stats[v.id],
            }
            for v in voices
        },
        "files": [],
    }
    if out.exists():
        for part in ("tune", "test"):
            shutil.rmtree(out / part, ignore_errors=True)
    for part_i, part in enumerate(("tune", "test")):
        part_voices = [v.id for v in voices if v.part == part]
        if len(part_voices) < 3:
            raise SystemExit(f"part {part!r} has {len(part_voices)} voices; 3 are needed")
        rng = np.random.default_rng([seed, part_i])
        for item in plan(part_voices, counts, rng):
            uri = f"{part}-{item['subset']}-{item['index']:03d}"
            frng = np.random.default_rng(
                [seed, part_i, SUBSETS.index(item["subset"]), item["index"]]
            )
            tracks, speech = conversation(frng, item["voices"], pools, item["dur"])
            y, meta = render(frng, tracks, item["band"])
            folder = out / part / item["subset"]
            folder.mkdir(parents=True, exist_ok=True)
            subtype = "ULAW" if item["band"] == "tel" else "PCM_16"
            sf.write(folder / f"{uri}.wav", y, SR, subtype=subtype)
            (folder / f"{uri}.rttm").write_text(rttm(uri, speech))
            manifest["files"].append(
                {
                    "uri": uri,
                    "part": part,
                    "subset": item["subset"],
                    "band": item["band"],
                    "voices": item["voices"],
                    "duration_s": round(len(y) / SR, 3),
                    **meta,
                    **_stats(speech),
                }
            )
    manifest["build_seconds"] = round(time.perf_counter() - t0, 1)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    shutil.copy(HERE / "README.md", out / "README.md")
    return manifest


def _stats(speech: dict[str, list[tuple[float, float]]]) -> dict:
    """Speech and overlapped-speech seconds of a file (overlap: two or more voices at once)."""
    edges = sorted(
        [(s, 1) for iv in speech.values() for s, _ in iv]
        + [(e, -1) for iv in speech.values() for _, e in iv]
    )
    active = overlap = 0.0
    level, last = 0, 0.0
    for t, d in edges:
        if level >= 1:
            active += t - last
        if level >= 2:
            overlap += t - last
        level, last = level + d, t
    return {"speech_s": round(active, 2), "overlap_s": round(overlap, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "realvoice")
    parser.add_argument("--cache", type=Path, default=HERE / "cache")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--two-party", type=int, default=30, help="calls per band and part")
    parser.add_argument("--one-voice", type=int, default=10)
    parser.add_argument("--three-voice", type=int, default=10)
    args = parser.parse_args(argv)
    counts = {
        "two_party_tel": args.two_party,
        "two_party_wide": args.two_party,
        "one_voice": args.one_voice,
        "three_voice": args.three_voice,
    }
    manifest = build(args.out, args.cache, counts, seed=args.seed)
    hours = sum(f["duration_s"] for f in manifest["files"]) / 3600
    print(
        json.dumps(
            {
                "out": str(args.out),
                "files": len(manifest["files"]),
                "hours": round(hours, 2),
                "voices": {k: v["part"] for k, v in manifest["voices"].items()},
                "build_seconds": manifest["build_seconds"],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
