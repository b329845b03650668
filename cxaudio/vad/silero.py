"""Silero VAD (ONNX) speech probabilities, run with onnxruntime only.

The model is recurrent: one 32 ms window per step (256 samples at 8 kHz, 512 at 16 kHz) with the
previous window's tail as context. For speed, a long signal is cut into ``piece_s`` pieces that run
side by side as one batch, each piece preceded by ``warmup_s`` of the audio before it so its state
is settled when its own windows start; ``piece_s=inf`` runs the plain sequential model. The
default cuts about 32 pieces (at least 8 s each): onnxruntime's cost per window falls about 4x
from batch 1 to batch 16 on one core, and frame decisions agree with the sequential run on ~99 %
of windows.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from ..errors import ModelError, ParameterError
from ._session import onnx_session, providers_for

__all__ = ["SileroVAD", "silero_model"]

logger = logging.getLogger(__name__)

_WINDOW = {8000: 256, 16000: 512}
_CONTEXT = {8000: 32, 16000: 64}


class SileroVAD:
    """Silero VAD on onnxruntime.

    >>> model = SileroVAD(device="cpu")
    >>> prob, hop_s = model.probabilities(y, 8000)   # one probability per 32 ms window
    """

    def __init__(
        self, *, device: str = "auto", num_threads: int = 1, model_path: str | None = None
    ):
        if isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 1:
            raise ParameterError(f"num_threads={num_threads!r} must be a positive integer")
        if model_path is None:
            from cxvoc.modelfiles import ModelFileError, model_file

            try:
                meta = model_file("silero_vad")
            except ModelFileError as exc:
                raise ModelError(str(exc)) from None
            path, sha = str(meta.path), meta.sha256
        else:
            path, sha = model_path, ""
        # the model's steps are tiny and sequential: a GPU does not pay off unless asked for
        providers = tuple(providers_for(device, prefer_cpu=True))
        self.device = device
        self.session = onnx_session(path, sha, providers, num_threads)

    def probabilities(
        self, y: np.ndarray, sr: int, *, piece_s: float | None = None, warmup_s: float = 1.5
    ) -> tuple[np.ndarray, float]:
        """Speech probability per window of a mono signal at 8000 or 16000 Hz.

        Returns ``(prob, hop_s)``: window ``i`` covers ``[i * hop_s, (i + 1) * hop_s)``.
        ``piece_s``: length of the pieces run side by side (default: about 32 pieces, >= 8 s);
        ``math.inf`` runs the model sequentially over the whole signal."""
        if sr not in _WINDOW:
            raise ParameterError(f"sr={sr} is not supported by Silero VAD; accepted: 8000, 16000")
        if piece_s is None:
            piece_s = max(8.0, y.shape[-1] / sr / 32)
        if not piece_s > 0 or warmup_s < 0:
            raise ParameterError(f"piece_s={piece_s} must be > 0 and warmup_s={warmup_s} >= 0")
        win, ctx = _WINDOW[sr], _CONTEXT[sr]
        n_win = max(1, math.ceil(y.shape[-1] / win))
        # frames[w] = context (previous window's tail) + window w
        xp = np.zeros(ctx + n_win * win, np.float32)
        xp[ctx : ctx + y.shape[-1]] = y
        frames = np.lib.stride_tricks.sliding_window_view(xp, ctx + win)[::win]
        per = n_win if math.isinf(piece_s) else max(1, int(round(piece_s * sr / win)))
        warm = 0 if math.isinf(piece_s) else int(round(warmup_s * sr / win))
        n_pieces = math.ceil(n_win / per)
        first = np.maximum(np.arange(n_pieces) * per - warm, 0)  # first window each piece runs
        steps = per + min(warm, (n_pieces - 1) * per)
        batch = np.zeros((n_pieces, ctx + win), np.float32)
        state = np.zeros((2, n_pieces, 128), np.float32)
        sr_arr = np.array(sr, dtype=np.int64)
        out = np.zeros((steps, n_pieces), np.float32)
        run = self.session.run
        for s in range(steps):
            idx = first + s
            ok = idx < n_win
            batch[ok] = frames[idx[ok]]
            batch[~ok] = 0.0
            try:
                prob, state = run(None, {"input": batch, "state": state, "sr": sr_arr})
            except Exception as exc:  # onnxruntime raises its own exception types
                raise ModelError(f"Silero VAD failed to run ({exc})") from None
            out[s] = prob[:, 0]
        # window w of piece b sits at step w - first[b]; keep each piece's own windows
        prob = np.empty(n_win, np.float32)
        for b in range(n_pieces):
            lo, hi = b * per, min((b + 1) * per, n_win)
            prob[lo:hi] = out[lo - first[b] : hi - first[b], b]
        return prob, win / sr


def silero_model(device: str = "auto", num_threads: int = 1) -> SileroVAD:
    """A SileroVAD for (device, threads), built once per process (the session is cached)."""
    return SileroVAD(device=device, num_threads=num_threads)
