"""GE2E speaker embeddings with ONNX Runtime (model: ``models/ge2e``, built by its build.py).

Three layers, as in pyannote: the *model* file (``ge2e.onnx`` with a manifest and sha256), the
*inference* object :class:`SpeakerEncoder` (one cached ONNX Runtime session per model, device and
thread count; batching), and the public verb :func:`embed` for one utterance.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ModelError, ParameterError
from . import _frontend as fe

logger = logging.getLogger(__name__)

MODEL_NAME = "ge2e"
WINDOW_FRAMES = 160  # 1.6 s partial utterances, as Resemblyzer
EMBEDDING_SIZE = 256
DEVICES = ("auto", "cpu", "cuda")

__all__ = ["DEVICES", "EMBEDDING_SIZE", "SpeakerEncoder", "WINDOW_FRAMES", "embed", "get_encoder"]


def _providers(device: str) -> list[str]:
    import onnxruntime as ort

    available = ort.get_available_providers()
    if device == "cpu":
        return ["CPUExecutionProvider"]
    if "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    if device == "cuda":
        logger.warning(
            "device='cuda' asked for but onnxruntime offers %s; falling back to CPU "
            "(install the cxkit[gpu] extra for CUDA)",
            available,
        )
    return ["CPUExecutionProvider"]


def check_device(device: str) -> str:
    if device not in DEVICES:
        raise ParameterError(f"device={device!r} is not supported; use one of {DEVICES}")
    return device


@dataclass(frozen=True)
class ModelSpec:
    path: str
    sha256: str
    version: str


def _model_spec() -> ModelSpec:
    from cxvoc.modelfiles import ModelFileError, model_file

    try:
        info = model_file(MODEL_NAME)
    except ModelFileError as exc:
        raise ModelError(str(exc)) from None
    return ModelSpec(str(info.path), info.sha256, info.version)


class SpeakerEncoder:
    """The GE2E encoder in an ONNX Runtime session.

    ``device`` is ``"auto"`` (CUDA when onnxruntime offers it, else CPU), ``"cpu"`` or ``"cuda"``
    (falls back to CPU with a logged warning). ``intra_op_num_threads`` of 0 lets ONNX Runtime
    choose. Use :func:`get_encoder` to share one session per configuration.
    """

    def __init__(
        self,
        *,
        device: str = "auto",
        intra_op_num_threads: int = 0,
        batch_size: int = 16,
        model_path: str | None = None,
    ) -> None:
        check_device(device)
        if batch_size < 1:
            raise ParameterError(f"batch_size={batch_size} must be a positive integer")
        import onnxruntime as ort

        spec = _model_spec() if model_path is None else ModelSpec(model_path, "", "custom")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = int(intra_op_num_threads)
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.log_severity_level = 3
        opts.enable_cpu_mem_arena = False  # varying window lengths: no arena growth
        providers = _providers(device)
        try:
            self._session = ort.InferenceSession(spec.path, opts, providers=providers)
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(
                f"cannot load the speaker model {spec.path} ({exc}); rebuild it with "
                "`make models` (or `python models/ge2e/build.py --force`)"
            ) from None
        self.providers = tuple(self._session.get_providers())
        self.device = "cuda" if self.providers[0] == "CUDAExecutionProvider" else "cpu"
        if providers[0] == "CUDAExecutionProvider" and self.device != "cuda":
            logger.warning(
                "onnxruntime could not start CUDA for %s (see its log); running on CPU", spec.path
            )
        self.batch_size = batch_size
        self.model = spec
        logger.debug("GE2E session on %s (threads=%s)", self.providers, intra_op_num_threads)

    def embed_mels(self, mels: np.ndarray) -> np.ndarray:
        """Embeddings ``(n, 256)`` of mel power windows ``(n, frames, 40)``, in batches."""
        mels = np.asarray(mels, dtype=np.float32)
        if mels.ndim != 3 or mels.shape[2] != fe.N_MELS:
            raise ParameterError(f"mels of shape {mels.shape} must be (n, frames, {fe.N_MELS})")
        out = np.empty((mels.shape[0], EMBEDDING_SIZE), np.float32)
        for s in range(0, mels.shape[0], self.batch_size):
            batch = np.ascontiguousarray(mels[s : s + self.batch_size])
            out[s : s + len(batch)] = self._session.run(None, {"mels": batch})[0]
        return out

    def embed_utterance(
        self, y16k: np.ndarray, *, rate: float = 1.3, min_coverage: float = 0.75
    ) -> np.ndarray:
        """Resemblyzer's ``embed_utterance``: mean of 1.6 s partials, L2-normalised (16 kHz input)."""
        mel, slices = _partials(np.asarray(y16k, np.float32), rate, min_coverage)
        e = self.embed_mels(np.stack([mel[s : s + WINDOW_FRAMES] for s in slices])).mean(axis=0)
        return (e / np.linalg.norm(e)).astype(np.float32)


def _partials(y: np.ndarray, rate: float, min_coverage: float) -> tuple[np.ndarray, list[int]]:
    n = len(y)
    n_frames = int(np.ceil((n + 1) / fe.HOP))
    step = int(np.round((fe.SAMPLE_RATE / rate) / fe.HOP))
    if not 0 < step <= WINDOW_FRAMES:
        raise ParameterError(f"rate={rate} must be between 0.625 and 100 partials per second")
    starts = list(range(0, max(1, n_frames - WINDOW_FRAMES + step + 1), step))
    last = starts[-1] * fe.HOP
    coverage = (n - last) / (WINDOW_FRAMES * fe.HOP)
    if coverage < min_coverage and len(starts) > 1:
        starts = starts[:-1]
    total = (starts[-1] + WINDOW_FRAMES) * fe.HOP
    if total >= n:
        y = np.pad(y, (0, total - n))
    return fe.mel_power(y), starts


_ENCODERS: dict[tuple[Any, ...], SpeakerEncoder] = {}
_LOCK = threading.Lock()


def get_encoder(
    *, device: str = "auto", intra_op_num_threads: int = 0, batch_size: int = 16
) -> SpeakerEncoder:
    """The cached :class:`SpeakerEncoder` for this device, thread count and model file."""
    check_device(device)
    spec = _model_spec()
    key = (device, intra_op_num_threads, batch_size, spec.path, spec.sha256)
    with _LOCK:
        enc = _ENCODERS.get(key)
        if enc is None:
            enc = SpeakerEncoder(
                device=device, intra_op_num_threads=intra_op_num_threads, batch_size=batch_size
            )
            _ENCODERS[key] = enc
    return enc


def embed(
    audio: np.ndarray | Sequence[float],
    sr: int,
    *,
    device: str = "auto",
    normalize_volume: bool = True,
) -> np.ndarray:
    """The 256-d GE2E embedding (L2-normalised, float32) of one utterance of one speaker.

    ``audio`` is mono float audio at ``sr`` Hz (resampled to 16 kHz). As Resemblyzer, the volume is
    raised to -30 dBFS when quieter (``normalize_volume``) and 1.6 s partials are averaged.
    """
    from ._audio import as_mono_16k

    y = as_mono_16k(audio, sr)
    if len(y) < fe.HOP:
        raise ParameterError(
            f"audio of {len(y)} samples at 16 kHz is too short to embed (>= 10 ms)"
        )
    if normalize_volume:
        y = _normalize_volume(y)
    return get_encoder(device=device).embed_utterance(y)


def _normalize_volume(y: np.ndarray) -> np.ndarray:
    rms = float(np.sqrt(np.mean(np.square(y, dtype=np.float64))))
    if rms <= 0:
        return y
    change_db = fe.TARGET_DBFS - 20 * np.log10(rms)
    return y * np.float32(10 ** (change_db / 20)) if change_db > 0 else y
