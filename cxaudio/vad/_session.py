"""ONNX Runtime sessions: device -> execution providers, explicit thread counts, one per key."""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from ..errors import ModelError, ParameterError

__all__ = ["DEVICES", "providers_for", "onnx_session"]

logger = logging.getLogger(__name__)

DEVICES = ("auto", "cpu", "cuda")


def providers_for(device: str, *, prefer_cpu: bool = False) -> list[str]:
    """Execution providers for ``device``; ``cuda`` falls back to CPU with a logged warning.

    ``auto`` picks CUDA when onnxruntime offers it, unless ``prefer_cpu`` (models whose steps are
    too small to gain from a GPU)."""
    if device not in DEVICES:
        raise ParameterError(f"device={device!r} is not supported; accepted: {', '.join(DEVICES)}")
    import onnxruntime as ort

    available = ort.get_available_providers()
    has_cuda = "CUDAExecutionProvider" in available
    if device == "cuda" and not has_cuda:
        logger.warning(
            "device='cuda' requested but onnxruntime offers only %s; falling back to CPU "
            "(install the cxkit[gpu] extra for CUDA)",
            available,
        )
    if (device == "cuda" or (device == "auto" and not prefer_cpu)) and has_cuda:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


@cache
def onnx_session(path: str, sha256: str, providers: tuple[str, ...], intra_op_threads: int) -> Any:
    """One cached InferenceSession per (file, content, providers, threads)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = intra_op_threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.log_severity_level = 3
    try:
        sess = ort.InferenceSession(path, sess_options=opts, providers=list(providers))
    except Exception as exc:  # onnxruntime raises its own exception types
        raise ModelError(
            f"cannot load ONNX model {path} ({exc}); rebuild it with `make models`"
        ) from None
    logger.info("loaded %s with providers %s", path, sess.get_providers())
    return sess
