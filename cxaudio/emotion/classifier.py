"""A categorical emotion classifier that users plug in by configuration: the ONNX contract.

The model is an ONNX file whose graph and ``metadata_props`` follow this contract:

- **input**: one float32 tensor of shape ``[batch, samples]``: mono audio in [-1, 1] at the
  model's sample rate, one window per row (the last window of a segment is zero-padded);
- **output**: the first output, float32 ``[batch, n_labels]``: probabilities, or logits when
  ``cxkit.output`` is ``logits`` (a softmax is applied);
- **metadata_props** (strings):

  ============================  ==========================================================
  ``cxkit.sample_rate``         sample rate of the input windows, e.g. ``16000`` (required)
  ``cxkit.window_s``            window length in seconds, e.g. ``2.0`` (required)
  ``cxkit.labels``              JSON list of label names in output order (required),
                                e.g. ``["neutral", "angry", "happy", "sad"]``
  ``cxkit.hop_s``               hop between windows (default: ``window_s``)
  ``cxkit.output``              ``probs`` (default) or ``logits``
  ``cxkit.version``             model version recorded in the record's provenance
  ============================  ==========================================================

A segment's scores are the mean of its windows' probabilities; its category is the argmax.
Sessions are created once per (path, device) and cached, with explicit providers and threads.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError, ParameterError

__all__ = ["EmotionClassifier", "ModelContract", "read_contract"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelContract:
    """What a classifier's metadata says about its input and output."""

    sample_rate: int
    window_s: float
    hop_s: float
    labels: tuple[str, ...]
    output: str
    version: str

    @property
    def window(self) -> int:
        return int(round(self.window_s * self.sample_rate))

    def serialize(self) -> dict[str, Any]:
        return {
            "sample_rate": self.sample_rate,
            "window_s": self.window_s,
            "hop_s": self.hop_s,
            "labels": list(self.labels),
            "output": self.output,
            "version": self.version,
        }


def read_contract(meta: dict[str, str], *, path: str) -> ModelContract:
    """Validate ``metadata_props`` against the contract; errors name the file and the key."""

    def need(key: str) -> str:
        if key not in meta:
            raise ModelError(
                f"emotion model {path!r}: metadata_props lacks {key!r}; the contract "
                "needs cxkit.sample_rate, cxkit.window_s and cxkit.labels"
            )
        return meta[key]

    try:
        sr = int(need("cxkit.sample_rate"))
        window_s = float(need("cxkit.window_s"))
        hop_s = float(meta.get("cxkit.hop_s", window_s))
    except ValueError as exc:
        raise ModelError(f"emotion model {path!r}: bad number in metadata_props: {exc}") from None
    try:
        labels = json.loads(need("cxkit.labels"))
    except json.JSONDecodeError:
        labels = None
    if not isinstance(labels, list) or not labels or not all(isinstance(x, str) for x in labels):
        raise ModelError(
            f"emotion model {path!r}: cxkit.labels={meta.get('cxkit.labels')!r} must be a "
            "JSON list of label strings"
        )
    output = meta.get("cxkit.output", "probs")
    if output not in ("probs", "logits"):
        raise ModelError(
            f"emotion model {path!r}: cxkit.output={output!r} must be 'probs' or 'logits'"
        )
    if sr <= 0 or window_s <= 0 or hop_s <= 0:
        raise ModelError(
            f"emotion model {path!r}: sample_rate, window_s and hop_s must be positive"
        )
    return ModelContract(
        sr, window_s, hop_s, tuple(labels), output, meta.get("cxkit.version", "unversioned")
    )


def _providers(device: str) -> list[str]:
    import onnxruntime as ort

    available = ort.get_available_providers()
    if device == "cpu":
        return ["CPUExecutionProvider"]
    if "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    if device == "cuda":
        log.warning("device='cuda' asked but onnxruntime has no CUDA provider; using the CPU")
    return ["CPUExecutionProvider"]


@lru_cache(maxsize=8)
def _session(path: str, device: str, threads: int) -> tuple[Any, ModelContract]:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    try:
        sess = ort.InferenceSession(path, sess_options=opts, providers=_providers(device))
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ModelError(f"cannot load emotion model {path!r}: {exc}") from exc
    meta = dict(sess.get_modelmeta().custom_metadata_map)
    return sess, read_contract(meta, path=path)


class EmotionClassifier:
    """Runs a contract-following ONNX classifier over speech segments."""

    def __init__(self, path: str | Path, *, device: str = "auto", threads: int = 1) -> None:
        if device not in ("auto", "cpu", "cuda"):
            raise ParameterError(f"device={device!r} must be 'auto', 'cpu' or 'cuda'")
        if not Path(path).is_file():
            raise ModelError(f"emotion model {str(path)!r} does not exist")
        self.path = str(path)
        self.device = device
        self.threads = threads
        self._session, self.contract = _session(self.path, device, threads)
        self._input = self._session.get_inputs()[0].name

    @property
    def version(self) -> str:
        return self.contract.version

    def _windows(self, y: np.ndarray) -> np.ndarray:
        c = self.contract
        win, hop = c.window, max(1, int(round(c.hop_s * c.sample_rate)))
        n = max(1, int(np.ceil(max(y.size - win, 0) / hop)) + 1)
        out = np.zeros((n, win), dtype=np.float32)
        for i in range(n):
            chunk = y[i * hop : i * hop + win]
            out[i, : chunk.size] = chunk
        return out

    def classify(
        self, y: np.ndarray, sr: int, spans: Sequence[tuple[float, float]]
    ) -> list[tuple[str, dict[str, float]]]:
        """Category and per-label scores for each (start, end) span of mono ``y``."""
        if y.ndim != 1:
            raise ParameterError(f"classify takes mono audio, got shape {y.shape}")
        c = self.contract
        if sr != c.sample_rate:
            import soxr

            y = soxr.resample(y, sr, c.sample_rate).astype(np.float32)
        out = []
        for start, end in spans:
            seg = y[int(start * c.sample_rate) : int(end * c.sample_rate)]
            batch = self._windows(seg)
            try:
                scores = np.asarray(
                    self._session.run(None, {self._input: batch})[0], dtype=np.float64
                )
            except Exception as exc:
                raise ModelError(f"emotion model {self.path!r} failed: {exc}") from exc
            if scores.ndim != 2 or scores.shape[1] != len(c.labels):
                raise ModelError(
                    f"emotion model {self.path!r} returned shape {scores.shape}; the contract "
                    f"needs [batch, {len(c.labels)}]"
                )
            if c.output == "logits":
                scores = np.exp(scores - scores.max(axis=1, keepdims=True))
                scores /= scores.sum(axis=1, keepdims=True)
            mean = scores.mean(axis=0)
            probs = {label: float(v) for label, v in zip(c.labels, mean, strict=True)}
            out.append((c.labels[int(np.argmax(mean))], probs))
        return out
