"""The plain diarization peer of ``bench_diarization.py``: Silero VAD + GE2E + spectral clustering.

The textbook recipe, with cxkit's own models so that only the method differs:

1. speech: ``cxaudio.vad(y, sr, backend="silero")`` (defaults);
2. embeddings: the same GE2E ONNX model as cxkit (``SpeakerEncoder.embed_mels``) on 1.6 s
   windows every 0.2 s over the whole file (16 kHz, volume raised to -30 dBFS as Resemblyzer),
   keeping windows that are at least half speech;
3. clustering: cosine affinity pruned to each row's top 10 % (at least 5 neighbours) and
   symmetrised (Park et al. 2019); spectral clustering (Ng, Jordan and Weiss 2001): the first k
   eigenvectors of the normalised Laplacian, rows normalised, scikit-learn ``KMeans``; without a
   given count, k is the largest eigengap among 1-8 speakers;
4. labels: each 10 ms speech frame takes the vote of the kept windows that cover it (the nearest
   window where none does); one speaker per frame (no overlap).

No parameter here was tuned on any data.
"""

from __future__ import annotations

import numpy as np

WINDOW_S, STEP_S, FRAME_S = 1.6, 0.2, 0.01
MAX_SPEAKERS = 8
PRUNE_FRACTION = 0.1

__all__ = ["PeerEmbeddings", "peer_cluster", "peer_embeddings", "peer_rttm"]


class PeerEmbeddings:
    """Kept windows (start frame), their embeddings and the speech mask (10 ms frames)."""

    def __init__(self, starts: np.ndarray, embeddings: np.ndarray, speech: np.ndarray) -> None:
        self.starts = starts
        self.embeddings = embeddings
        self.speech = speech


def peer_embeddings(y: np.ndarray, sr: int, *, device: str = "cpu", threads: int = 1):
    import soxr

    import cxaudio
    from cxaudio.diarization import _frontend as fe
    from cxaudio.diarization.embedding import get_encoder

    n_frames = int(len(y) / sr / FRAME_S)
    speech = np.zeros(n_frames, bool)
    for seg in cxaudio.vad(y, sr, backend="silero", device=device, num_threads=threads):
        speech[int(seg.start / FRAME_S) : int(np.ceil(seg.end / FRAME_S))] = True
    y16 = y if sr == 16000 else soxr.resample(y, sr, 16000, quality="HQ").astype(np.float32)
    rms = float(np.sqrt(np.mean(np.square(y16, dtype=np.float64))))
    if 0 < rms < 10 ** (fe.TARGET_DBFS / 20):
        y16 = y16 * np.float32(10 ** (fe.TARGET_DBFS / 20) / rms)
    mel = fe.mel_power(y16)
    win, step = int(WINDOW_S / FRAME_S), int(STEP_S / FRAME_S)
    starts = np.arange(0, max(1, min(len(mel), n_frames) - win + 1), step)
    cover = np.concatenate([[0], np.cumsum(speech)])
    frac = (cover[np.minimum(starts + win, n_frames)] - cover[starts]) / win
    keep = starts[frac >= 0.5]
    if len(keep) == 0:
        return PeerEmbeddings(keep, np.zeros((0, 256), np.float32), speech)
    enc = get_encoder(device=device, intra_op_num_threads=threads)
    emb = enc.embed_mels(np.stack([mel[s : s + win] for s in keep]))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True) + 1e-9
    return PeerEmbeddings(keep, emb, speech)


def _affinity(x: np.ndarray) -> np.ndarray:
    sim = np.clip(x @ x.T, 0.0, 1.0)
    n = len(sim)
    k = min(n, max(5, int(np.ceil(PRUNE_FRACTION * n))))
    thr = np.sort(sim, axis=1)[:, -k][:, None]
    a = np.where(sim >= thr, sim, 0.0)
    return (a + a.T) / 2


def peer_cluster(emb: np.ndarray, num_speakers: int | None) -> np.ndarray:
    """Cluster labels of the window embeddings (Ng-Jordan-Weiss spectral clustering)."""
    from sklearn.cluster import KMeans

    n = len(emb)
    if n < 2:
        return np.zeros(n, int)
    a = _affinity(emb)
    inv = 1 / np.sqrt(np.maximum(a.sum(axis=1), 1e-12))
    lap = np.eye(n) - inv[:, None] * a * inv[None, :]
    vals, vecs = np.linalg.eigh(lap)
    k = num_speakers or int(np.argmax(np.diff(vals[: min(MAX_SPEAKERS, n - 1) + 1]))) + 1
    k = min(k, n)
    if k <= 1:
        return np.zeros(n, int)
    x = vecs[:, :k]
    x = x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-12)
    return KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(x)


def peer_rttm(pe: PeerEmbeddings, labels: np.ndarray, uri: str) -> str:
    """RTTM of the frame vote (one speaker per speech frame)."""
    n = len(pe.speech)
    if len(labels) == 0:
        return ""
    win = int(WINDOW_S / FRAME_S)
    k = int(labels.max()) + 1
    votes = np.zeros((n + win, k), np.int32)
    for s, c in zip(pe.starts, labels, strict=True):
        votes[s : s + win, c] += 1
    votes = votes[:n]
    frame_label = votes.argmax(axis=1)
    none = votes.sum(axis=1) == 0
    if none.any():
        centres = pe.starts + win // 2
        idx = np.flatnonzero(none)
        pos = np.clip(np.searchsorted(centres, idx), 1, len(centres) - 1) if len(centres) > 1 else 0
        left = np.abs(idx - centres[np.maximum(pos - 1, 0)]) if len(centres) > 1 else 0
        right = np.abs(centres[pos] - idx) if len(centres) > 1 else 1
        nearest = np.where(left <= right, np.maximum(pos - 1, 0), pos) if len(centres) > 1 else 0
        frame_label[idx] = labels[nearest]
    lab = np.where(pe.speech, frame_label, -1)
    lines = []
    edges = np.flatnonzero(np.diff(np.concatenate([[-2], lab, [-2]])))
    for s, e in zip(edges[:-1], edges[1:], strict=True):
        if lab[s] >= 0:
            lines.append(
                f"SPEAKER {uri} 1 {s * FRAME_S:.3f} {(e - s) * FRAME_S:.3f} <NA> <NA> "
                f"P{lab[s]} <NA> <NA>\n"
            )
    return "".join(lines)
