"""Locating and verifying model files (``models/<name>/``) shared by cxaudio and cxtext.

Each model folder holds a ``manifest.json`` written by its build script::

    {"name": "silero_vad", "version": "6.2.3", "file": "silero_vad.onnx", "sha256": "…"}

and a ``MODEL_CARD.md``. :func:`model_file` returns the verified path or raises
:class:`ModelFileError` that says how to rebuild it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import CxVocError

__all__ = ["ModelFileError", "ModelInfo", "model_file", "models_dir", "sha256_file"]


class ModelFileError(CxVocError, FileNotFoundError):
    """A model file is missing, or its sha256 does not match its manifest."""

    exit_code = 3


@dataclass(frozen=True)
class ModelInfo:
    name: str
    version: str
    path: Path
    sha256: str


def models_dir() -> Path:
    """``$CX_MODELS_DIR`` if set, else the ``models/`` folder of the cxkit checkout."""
    env = os.environ.get("CX_MODELS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "models"


def sha256_file(path: str | Path, *, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def model_file(name: str, *, verify: bool = True) -> ModelInfo:
    """The verified model file of ``models/<name>/`` (cached per path and mtime)."""
    folder = models_dir() / name
    rebuild = f"rebuild it with `make models` (or `python models/{name}/build.py`)"
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        raise ModelFileError(f"model {name!r} is not built: {manifest} is missing; {rebuild}")
    try:
        meta = json.loads(manifest.read_text(encoding="utf-8"))
        path = folder / meta["file"]
        expected = str(meta["sha256"])
        version = str(meta.get("version", "unknown"))
    except (ValueError, KeyError) as exc:
        raise ModelFileError(
            f"model manifest {manifest} is unreadable ({exc}); {rebuild}"
        ) from None
    if not path.is_file():
        raise ModelFileError(f"model file {path} is missing; {rebuild}")
    if verify:
        actual = _cached_sha(str(path), path.stat().st_mtime_ns, path.stat().st_size)
        if actual != expected:
            raise ModelFileError(
                f"model file {path} is corrupt: sha256 {actual[:12]}… does not match the manifest's "
                f"{expected[:12]}…; {rebuild}"
            )
    return ModelInfo(name=name, version=version, path=path, sha256=expected)


@cache
def _cached_sha(path: str, mtime_ns: int, size: int) -> str:
    return sha256_file(path)
