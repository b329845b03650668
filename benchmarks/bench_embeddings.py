"""GE2E speaker-embedding throughput: our ONNX model vs the torch encoder of Resemblyzer, same run.

Both models get the same batch of 1.6 s mel windows; the figure is seconds of audio embedded per
second of wall time (x real time). ONNX Runtime and torch run with the same thread count
(default 1: "per core"). Also reports how far the two models' embeddings are apart.

The torch peer needs ``torch`` (CPU, e.g. ``pip install --target /tmp/torchsite
/opt/wheels/torch-2.13.0+cpu-...whl`` then ``PYTHONPATH=/tmp/torchsite``); it is built from
Resemblyzer's own definition (LSTM(40, 256, 3) + Linear + ReLU + L2) and its ``pretrained.pt``.
Without torch only the ONNX figure is printed. torch is never a cxkit dependency.

    .venv/bin/python benchmarks/bench_embeddings.py [--device cpu|cuda|auto] [--threads 1]
    PYTHONPATH=/tmp/torchsite .venv/bin/python benchmarks/bench_embeddings.py --write-reference

``--write-reference`` (torch needed) writes tests/cxaudio/data/ge2e_reference.npz: three short
espeak-ng signals and the torch model's utterance embeddings of them (Resemblyzer's
``embed_utterance`` procedure), which tests/cxaudio/test_embedding.py checks without torch.
Prints one JSON line and writes benchmarks/results/embeddings[_<device>].json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REFERENCE = ROOT / "tests" / "cxaudio" / "data" / "ge2e_reference.npz"
WHEEL = ROOT / "models" / "cache" / "Resemblyzer-0.1.4-py3-none-any.whl"
SIGNALS = (  # (espeak-ng voice, pitch, text)
    ("vi+m3", 35, "Xin chào quý khách, em có thể giúp gì cho anh chị ạ"),
    ("vi+f2", 70, "Tôi muốn hỏi về hóa đơn cước tháng này"),
    ("vi-vn-x-south+m1", 50, "Dạ vâng, anh chờ em một chút nhé"),
)


def torch_encoder(threads: int):  # noqa: ANN201
    import torch
    from torch import nn

    torch.set_num_threads(threads)

    class VoiceEncoder(nn.Module):  # Resemblyzer 0.1.4 voice_encoder.py
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(40, 256, 3, batch_first=True)
            self.linear = nn.Linear(256, 256)
            self.relu = nn.ReLU()

        def forward(self, mels):  # noqa: ANN001, ANN202
            _, (hidden, _) = self.lstm(mels)
            embeds_raw = self.relu(self.linear(hidden[-1]))
            return embeds_raw / torch.norm(embeds_raw, dim=1, keepdim=True)

    if not WHEEL.is_file():
        subprocess.run([sys.executable, str(ROOT / "models" / "ge2e" / "build.py"), "--force"])
    with zipfile.ZipFile(WHEEL) as zf:
        data = zf.read("resemblyzer/pretrained.pt")
    ckpt = torch.load(io.BytesIO(data), map_location="cpu", weights_only=False)
    model = VoiceEncoder()
    model.load_state_dict(ckpt["model_state"], strict=False)
    model.eval()
    return model, torch


def espeak_16k(voice: str, pitch: int, text: str) -> np.ndarray:
    import soundfile as sf
    import soxr

    raw = subprocess.run(
        ["espeak-ng", "-v", voice, "-p", str(pitch), "--stdout", text],
        capture_output=True,
        check=True,
    ).stdout
    y, sr = sf.read(io.BytesIO(raw), dtype="float32")
    y = soxr.resample(y, sr, 16000).astype(np.float32)
    idx = np.flatnonzero(np.abs(y) > 1e-3)
    return y[idx[0] : idx[-1] + 1]


def write_reference(threads: int) -> dict[str, object]:
    from cxaudio.diarization import _frontend as fe
    from cxaudio.diarization.embedding import _normalize_volume, _partials

    model, torch = torch_encoder(threads)
    import librosa

    audio, embeds, partials = [], [], []
    for voice, pitch, text in SIGNALS:
        y = espeak_16k(voice, pitch, text)
        q = np.round(np.clip(y, -1, 1) * 32767).astype(np.int16)
        audio.append(q)
        y = _normalize_volume(q.astype(np.float32) / 32767)
        # Resemblyzer's embed_utterance with librosa's mel (the reference frontend)
        _, starts = _partials(y, 1.3, 0.75)
        total = (starts[-1] + 160) * fe.HOP
        yp = np.pad(y, (0, max(0, total - len(y))))
        mel = librosa.feature.melspectrogram(
            y=yp, sr=16000, n_fft=400, hop_length=160, n_mels=40
        ).T.astype(np.float32)
        mels = np.stack([mel[s : s + 160] for s in starts])
        with torch.no_grad():
            part = model(torch.from_numpy(mels)).numpy()
        e = part.mean(0)
        embeds.append(e / np.linalg.norm(e))
        partials.append(part[0])
    lengths = np.array([len(a) for a in audio])
    np.savez_compressed(
        REFERENCE,
        audio=np.concatenate(audio),
        lengths=lengths,
        sr=np.array(16000),
        embeddings=np.stack(embeds).astype(np.float32),
        first_partial=np.stack(partials).astype(np.float32),
        torch_version=np.array(torch.__version__),
    )
    return {"reference": str(REFERENCE.relative_to(ROOT)), "signals": len(audio)}


def bench(device: str, threads: int, batch: int, n_windows: int, repeat: int) -> dict[str, object]:
    from cxaudio.diarization.embedding import SpeakerEncoder

    rng = np.random.default_rng(0)
    # realistic inputs: mel power of noise shaped like speech levels
    mels = (rng.gamma(0.5, 1.0, size=(n_windows, 160, 40)) * 0.05).astype(np.float32)
    audio_s = n_windows * 1.6
    enc = SpeakerEncoder(device=device, intra_op_num_threads=threads, batch_size=batch)
    enc.embed_mels(mels[:batch])
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        onnx_out = enc.embed_mels(mels)
        best = min(best, time.perf_counter() - t)
    out: dict[str, object] = {
        "benchmark": "ge2e_embeddings",
        "device": enc.device,
        "providers": list(enc.providers),
        "threads": threads,
        "batch": batch,
        "windows": n_windows,
        "onnx_x_realtime": round(audio_s / best, 1),
        "onnx_windows_per_s": round(n_windows / best, 1),
    }
    try:
        model, torch = torch_encoder(threads)
    except ImportError:
        out["torch"] = "not installed (PYTHONPATH=/tmp/torchsite for the peer)"
        return out
    tdev = "cuda" if enc.device == "cuda" and torch.cuda.is_available() else "cpu"
    model = model.to(tdev)
    best_t = np.inf
    with torch.no_grad():
        for _ in range(repeat):
            t = time.perf_counter()
            parts = []
            for s in range(0, n_windows, batch):
                parts.append(model(torch.from_numpy(mels[s : s + batch]).to(tdev)).cpu().numpy())
            best_t = min(best_t, time.perf_counter() - t)
    torch_out = np.concatenate(parts)
    out.update(
        {
            "torch_version": torch.__version__,
            "torch_device": tdev,
            "torch_x_realtime": round(audio_s / best_t, 1),
            "speedup_onnx_vs_torch": round(best_t / best, 2),
            "max_abs_diff": float(np.abs(onnx_out - torch_out).max()),
            "min_cosine": float((onnx_out * torch_out).sum(1).min()),
        }
    )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--threads", type=int, default=1, help="ORT intra-op and torch threads")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--windows", type=int, default=256)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write-reference", action="store_true")
    args = ap.parse_args()
    if args.write_reference:
        print(json.dumps(write_reference(args.threads)))
        return 0
    res = bench(args.device, args.threads, args.batch, args.windows, args.repeat)
    res["machine"] = {"cpu_count": os.cpu_count(), "python": platform.python_version()}
    print(json.dumps(res))
    out = (
        ROOT
        / "benchmarks"
        / "results"
        / ("embeddings.json" if args.device == "cpu" else f"embeddings_{res['device']}.json")
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
