"""``diarize``: who spoke when, by channel (stereo) or by speaker embeddings (mono).

Stereo (PBX exports keep each party on its own channel): 10 ms energies per channel, adaptive
thresholds, crosstalk removed by comparing the channels frame by frame (:mod:`.activity`); the
roles come from ``channel_map`` (default channel 0 = agent, 1 = customer).

Mono, in two passes over the audio so that a long call needs memory for one block only:

1. energies at the file's rate -> speech mask -> speech regions -> embedding windows of up to
   1.6 s inside each region (regions shorter than 0.4 s get none);
2. 16 kHz blocks -> mel frames -> GE2E embeddings of the windows (batched) and 19 cepstral
   coefficients per frame.

The windows are clustered (:func:`.cluster.cluster`), each speaker gets a full-covariance Gaussian
of its frames' cepstra, and a Viterbi pass over the speech frames (:func:`._kernels.viterbi`)
re-assigns every 10 ms frame, guided by the window labels: speaker changes are located at frame
resolution, finer than the embedding windows.

Overlapped speech (an interruption: both talk for a second or two): each speaker, and each
speaker pair, gets a diagonal Gaussian mixture of log energy and cepstra, a pair's fitted to
simulated overlap (the mel powers of random frames of the two speakers added), and a second
Viterbi pass over single-speaker and pair states (:func:`._kernels.viterbi_costs`) gives the
frames it assigns to a pair to both speakers (``MonoParams.overlap*``; turns then
overlap across speakers, as in a stereo call).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ParameterError
from ..features.pitch import pitch
from ..types import Diarization, SpeakerTurn
from . import _frontend as fe
from ._audio import Source, open_source, rechunk
from ._gmm import fit_diag_gmm
from ._kernels import block_energy_db, viterbi, viterbi_costs
from ._overlap_model import load_overlap_model, overlap_features, smooth
from .activity import ActivityParams, channel_activity, mask_to_runs, smooth_mask, speech_threshold
from .cluster import METHODS, check_speaker_counts, cluster
from .embedding import check_device, get_encoder

logger = logging.getLogger(__name__)

FRAME_S = 0.01
CHUNK_FRAMES = 6000  # 60 s of 16 kHz audio per mel/embedding chunk
Hook = Callable[..., Any]

__all__ = ["MonoParams", "diarize"]


@dataclass(frozen=True)
class MonoParams:
    """Tunable settings of the mono pipeline (fixed defaults tuned on synthetic calls)."""

    window_frames: int = 160  # 1.6 s, as GE2E was trained
    min_window_frames: int = 40
    length_quantum: int = 20  # short windows are cut to a multiple of this (fewer batch shapes)
    n_cepstra: int = 19
    switch_cost: float = 40.0  # nats to change speaker between adjacent speech frames
    gap_switch_cost: float = 2.0  # ... across a pause
    label_bonus: float = 1.5  # nats per frame for the speaker its embedding window was given
    max_cluster_windows: int = 1500
    cluster_method: str = "spectral"
    vad: str = "energy"  # or "silero" (cxaudio.vad's model: noisier calls, slower)
    activity: ActivityParams = ActivityParams()
    speech_pad_s: float = 0.0  # speech runs are widened by this on both sides
    turn_pad_s: float = 0.02  # final turns are widened by this into the silence either side
    # overlapped speech: a second Viterbi pass with one state per speaker pair, whose Gaussian is
    # fitted to mixtures (mel powers added) of random frames of the two speakers
    overlap: bool = True
    overlap_cost: float = 40.0  # nats to enter (and again to leave) an overlap state
    overlap_min_s: float = 0.3  # shorter overlaps go back to the first pass's speaker
    overlap_max_speakers: int = 4  # more speakers than this: no overlap pass (too many pairs)
    overlap_sample_frames: int = 8000  # speech frames whose mel spectra are kept for mixing
    overlap_components: int = 32  # diagonal Gaussians per speaker / pair model of that pass
    overlap_energy: bool = True  # log energy in those models (two voices: louder)
    overlap_raised_db: float = 8.0  # speaker models also see their own frames this much louder
    overlap_bridge_s: float = 1.25  # pieces of one overlap this close are joined (_tidy_overlaps)
    overlap_weak_bridge_s: float = 0.8  # ... this close when both are weak
    overlap_lead_s: float = 1.5  # an overlap's start given to the interrupter alone, at most
    overlap_flicker_s: float = 1.2  # a first-pass speaker run this short inside another's: both
    overlap_held_s: float = 3.0  # ... and the other's run after it, up to this long, too
    overlap_keep_s: float = 0.7  # shorter overlaps the first pass heard as one voice are dropped
    overlap_lone_s: float = 1.2  # ... and these, when it heard one voice from pause to pause
    # a small trained detector (models/overlap) reads the evidence of both passes in context and
    # adds the overlaps they found too short or missed (a voice going on quietly under another)
    overlap_model: bool = True
    overlap_model_threshold: float = 0.5  # probability of two voices, per speech frame ...
    overlap_model_smooth_s: float = 0.5  # ... averaged over this span around it
    overlap_model_min_s: float = 0.5  # shorter runs above the threshold are left alone

    def __post_init__(self) -> None:
        if self.vad not in ("energy", "silero"):
            raise ParameterError(f"MonoParams.vad={self.vad!r} must be 'energy' or 'silero'")
        if self.cluster_method not in METHODS:
            raise ParameterError(
                f"MonoParams.cluster_method={self.cluster_method!r} must be one of {METHODS}"
            )
        for name in (
            "overlap_cost",
            "overlap_min_s",
            "overlap_bridge_s",
            "overlap_weak_bridge_s",
            "overlap_lead_s",
            "overlap_flicker_s",
            "overlap_held_s",
            "overlap_keep_s",
            "overlap_lone_s",
            "overlap_model_min_s",
            "overlap_model_smooth_s",
            "overlap_raised_db",
            "speech_pad_s",
            "turn_pad_s",
        ):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and np.isfinite(value) and value >= 0):
                raise ParameterError(f"MonoParams.{name}={value!r} must be a number >= 0")
        if not (isinstance(self.overlap_max_speakers, int) and self.overlap_max_speakers >= 2):
            raise ParameterError(
                f"MonoParams.overlap_max_speakers={self.overlap_max_speakers!r} must be an int >= 2"
            )
        if not (isinstance(self.overlap_components, int) and 1 <= self.overlap_components <= 64):
            raise ParameterError(
                f"MonoParams.overlap_components={self.overlap_components!r} must be an int in 1..64"
            )
        if not (isinstance(self.overlap_sample_frames, int) and self.overlap_sample_frames >= 100):
            raise ParameterError(
                f"MonoParams.overlap_sample_frames={self.overlap_sample_frames!r} must be an "
                "int >= 100"
            )
        if not (
            isinstance(self.overlap_model_threshold, int | float)
            and 0 < self.overlap_model_threshold < 1
        ):
            raise ParameterError(
                f"MonoParams.overlap_model_threshold={self.overlap_model_threshold!r} must be a "
                "probability in (0, 1)"
            )
        if not 20 <= self.window_frames <= 1000:
            raise ParameterError(
                f"MonoParams.window_frames={self.window_frames!r} must be in 20..1000 (10 ms frames)"
            )


def _channel_roles(channel_map: Any, channels: int) -> list[str]:
    default = ["agent", "customer"] + [f"ch{i}" for i in range(2, channels)]
    if channel_map is None:
        return default[:channels]
    if isinstance(channel_map, Mapping):
        bad = [k for k in channel_map if not isinstance(k, int) or not 0 <= k < channels]
        if bad:
            raise ParameterError(
                f"channel_map={dict(channel_map)!r}: keys must be channel numbers 0..{channels - 1}"
            )
        roles = [str(channel_map.get(i, default[i])) for i in range(channels)]
    elif isinstance(channel_map, Sequence) and not isinstance(channel_map, str):
        if len(channel_map) != channels:
            raise ParameterError(
                f"channel_map={list(channel_map)!r} names {len(channel_map)} channels; "
                f"the audio has {channels}"
            )
        roles = [str(r) for r in channel_map]
    else:
        raise ParameterError(
            f"channel_map={channel_map!r} must be a dict {{channel: role}} or a list of roles"
        )
    if len(set(roles)) != len(roles):
        raise ParameterError(f"channel_map gives the roles {roles}; each must be distinct")
    return roles


def diarize(
    audio: str | os.PathLike[str] | np.ndarray,
    sr: int | None = None,
    *,
    num_speakers: int | None = None,
    min_speakers: int = 1,
    max_speakers: int | None = None,
    channel_map: Mapping[int, str] | Sequence[str] | None = None,
    device: str = "auto",
    intra_op_num_threads: int = 0,
    hook: Hook | None = None,
    params: MonoParams | None = None,
) -> Diarization:
    """Who spoke when in a call.

    ``audio`` is a path (read in blocks; ``sr`` None) or a float array ``(n,)`` / ``(channels, n)``
    with its ``sr``. Two or more channels are diarized by channel (``channel_map`` gives the roles,
    default ``{0: "agent", 1: "customer"}``) unless both carry the same mix or one is silent (a
    mono call saved as stereo, diarized as mono); mono by speaker embeddings and clustering, with
    ``num_speakers`` or an estimated count in ``[min_speakers, max_speakers]``, speakers labelled
    ``SPK1``, ``SPK2``… in order of appearance (``roles``: the first is the agent).
    ``device`` (``auto``/``cpu``/``cuda``) runs the embedding model. ``hook(step, artifact,
    completed=, total=)`` reports progress.

    >>> d = cxaudio.diarize("call.wav")
    >>> d.segments[0]
    SpeakerTurn(start=0.52, end=3.1, speaker='agent')
    """
    check_device(device)
    check_speaker_counts(num_speakers, min_speakers, max_speakers)
    src = open_source(audio, sr)
    if src.channels >= 2:
        roles = _channel_roles(channel_map, src.channels)
        energy, frame_s = _energies(src, mono=False, hook=hook)
        if not _one_mix_in_channels(energy, frame_s):
            return _diarize_stereo(src, roles, energy, frame_s)
        logger.info("the channels carry one mix (identical or one silent): diarizing as mono")
    elif channel_map is not None:
        _channel_roles(channel_map, 1)
    p = params or MonoParams()
    return _diarize_mono(
        src,
        p,
        num_speakers=num_speakers,
        min_speakers=min_speakers,
        max_speakers=max_speakers,
        device=device,
        threads=intra_op_num_threads,
        hook=hook,
    )


def _report(hook: Hook | None, step: str, completed: int, total: int) -> None:
    if hook is not None:
        hook(step, None, completed=completed, total=total)


def _frame_hop(sr: int) -> int:
    return max(1, int(round(sr * FRAME_S)))


def _energies(src: Source, *, mono: bool, hook: Hook | None) -> tuple[np.ndarray, float]:
    """Energies in dB ``(channels, frames)`` at the source's rate, and the frame length in s."""
    hop = _frame_hop(src.sr)
    parts: list[np.ndarray] = []
    carry: np.ndarray | None = None
    done = 0
    for block in src.blocks(mono=mono):
        b = block[None] if block.ndim == 1 else block
        if carry is not None:
            b = np.concatenate([carry, b], axis=1)
        n = (b.shape[1] // hop) * hop
        parts.append(np.stack([block_energy_db(np.ascontiguousarray(ch[:n]), hop) for ch in b]))
        carry = b[:, n:]
        done += block.shape[-1]
        _report(hook, "energy", done, src.n)
    e = np.concatenate(parts, axis=1) if parts else np.zeros((1, 0), np.float32)
    return e, hop / src.sr


def _turns(mask: np.ndarray, speaker: str, frame_s: float) -> list[SpeakerTurn]:
    return [
        SpeakerTurn(round(float(s) * frame_s, 3), round(float(e) * frame_s, 3), speaker)
        for s, e in mask_to_runs(mask)
    ]


def _one_mix_in_channels(energy: np.ndarray, frame_s: float) -> bool:
    """True when two channels hold the same mix (a mono call saved as stereo) or one is silent."""
    if energy.shape[0] != 2 or energy.shape[1] == 0:
        return False
    p = ActivityParams(frame_s=frame_s)
    active = np.stack([ch > speech_threshold(ch, p) for ch in energy])
    counts = active.sum(axis=1)
    if counts.max() == 0:
        return False
    if counts.min() < 0.01 * counts.max():
        return True
    either = active.any(axis=0)
    return float(np.median(np.abs(energy[0, either] - energy[1, either]))) < 3.0


def _diarize_stereo(
    src: Source, roles: list[str], energy: np.ndarray, frame_s: float
) -> Diarization:
    active = channel_activity(energy, ActivityParams(frame_s=frame_s))
    turns = [t for ch, role in enumerate(roles) for t in _turns(active[ch], role, frame_s)]
    return Diarization.from_turns(
        turns, src.duration_s, roles={r: r for r in roles}, method="channel", overlap_aware=True
    )


# ---------------------------------------------------------------------------------------------
# mono
# ---------------------------------------------------------------------------------------------


def _windows(speech: np.ndarray, p: MonoParams) -> np.ndarray:
    """Embedding windows ``(k, 2)`` (start frame, length) inside the speech regions."""
    out = []
    wf = p.window_frames
    for s, e in mask_to_runs(speech):
        n = e - s
        if n < p.min_window_frames:
            continue
        if n <= wf:
            length = n - n % p.length_quantum if n < wf else wf
            out.append((s + (n - length) // 2, length))
            continue
        k = int(np.ceil(n / wf))
        for st in np.linspace(s, e - wf, k).round().astype(int):
            out.append((int(st), wf))
    return np.array(out, np.int64).reshape(-1, 2)


def _dct_matrix(n_in: int, n_out: int) -> np.ndarray:
    k = np.arange(n_out)[None, :]
    n = np.arange(n_in)[:, None]
    return (np.cos(np.pi / n_in * (n + 0.5) * k) * np.sqrt(2.0 / n_in)).astype(np.float32)


class _WindowEmbedder:
    """Collects window mel frames as the 16 kHz pass goes and embeds them in batches."""

    def __init__(self, windows: np.ndarray, encoder: Any, gain: float) -> None:
        self.windows = windows
        self.encoder = encoder
        self.power_gain = np.float32(gain**2)
        self.out = np.zeros((len(windows), 256), np.float32)
        self.next = 0
        self.pending: dict[int, list[tuple[int, np.ndarray]]] = {}
        self.n_pending = 0

    def feed(self, mel: np.ndarray, f0: int, final: bool) -> None:
        """``mel`` holds frames ``f0 .. f0 + len(mel)`` (including a look-back margin)."""
        f1 = f0 + len(mel)
        while self.next < len(self.windows):
            s, n = self.windows[self.next]
            if s + n > f1 and not final:
                break
            seg = mel[max(0, s - f0) : s + n - f0]
            if len(seg) < n:  # past the end of the signal
                seg = np.pad(seg, ((0, n - len(seg)), (0, 0)))
            self.pending.setdefault(int(n), []).append((self.next, seg * self.power_gain))
            self.n_pending += 1
            self.next += 1
        if self.n_pending >= 4 * self.encoder.batch_size or final:
            self.flush()

    def flush(self) -> None:
        for _, items in self.pending.items():
            idx = [i for i, _ in items]
            self.out[idx] = self.encoder.embed_mels(np.stack([m for _, m in items]))
        self.pending.clear()
        self.n_pending = 0


def _diarize_mono(
    src: Source,
    p: MonoParams,
    *,
    num_speakers: int | None,
    min_speakers: int,
    max_speakers: int | None,
    device: str,
    threads: int,
    hook: Hook | None,
) -> Diarization:
    # pass 1: speech activity from energies (at 16 kHz when the native rate has no 10 ms grid)
    if src.sr % 100 == 0:
        energy, _ = _energies(src, mono=True, hook=hook)
    else:
        e16 = [
            block_energy_db(b, 160)
            for b, _, _ in rechunk(src.blocks(sr=16000, mono=True), 160 * 6000, 0)
        ]
        energy = np.concatenate(e16)[None]
    energy = energy[0]
    act = p.activity
    raw = (
        energy > speech_threshold(energy, act)
        if p.vad == "energy"
        else _silero_mask(src, len(energy), device)
    )
    speech = smooth_mask(
        raw,
        min_gap=round(act.min_gap_s / FRAME_S),
        min_len=round(act.min_speech_s / FRAME_S),
    )
    pad = round(p.speech_pad_s / FRAME_S)
    if pad > 0 and speech.any():  # energy onsets and offsets miss weak consonants
        runs = mask_to_runs(speech)
        for s, e in runs:
            speech[max(0, s - pad) : e + pad] = True
    n_frames = len(speech)
    if not speech.any():
        return Diarization.from_turns(
            [], src.duration_s, method="embedding", overlap_aware=p.overlap
        )
    speech_db = 10 * np.log10(np.mean(10 ** (energy[speech].astype(np.float64) / 10)) + 1e-12)
    gain = 10 ** (max(0.0, fe.TARGET_DBFS - speech_db) / 20)  # Resemblyzer: raise to -30 dBFS
    windows = _windows(speech, p)
    speech_idx = np.flatnonzero(speech)
    rng = np.random.default_rng(0)
    n_sample = min(len(speech_idx), p.overlap_sample_frames)
    sample_idx = np.sort(rng.choice(speech_idx, n_sample, replace=False)) if p.overlap else None
    sample_mel = np.zeros((0 if sample_idx is None else n_sample, fe.N_MELS), np.float32)

    # pass 2: mel -> window embeddings + cepstra per frame
    encoder = get_encoder(device=device, intra_op_num_threads=threads)
    embedder = _WindowEmbedder(windows, encoder, gain)
    dct_all = _dct_matrix(fe.N_MELS, p.n_cepstra + 1)
    dct, dct0 = dct_all[:, 1:], dct_all[:, 0]
    ceps = np.zeros((n_frames, p.n_cepstra), np.float16)  # 38 bytes per 10 ms: long calls
    c0 = np.zeros(n_frames if p.overlap else 0, np.float16)  # log energy, for the overlap pass
    chunk = fe.HOP * CHUNK_FRAMES
    f0 = 0
    tail = np.zeros((0, fe.N_MELS), np.float32)
    for y, left, right in rechunk(src.blocks(sr=16000, mono=True), chunk, fe.N_FFT // 2):
        final = right is None
        nf = min(len(y) // fe.HOP + (1 if final else 0), n_frames - f0)
        if nf <= 0:
            break
        mel = fe.mel_power(y, left=left, right=right)[:nf]
        logmel = np.log(mel + 1e-9)
        ceps[f0 : f0 + nf] = logmel @ dct
        if p.overlap:
            c0[f0 : f0 + nf] = logmel @ dct0
        if sample_idx is not None:
            lo, hi = np.searchsorted(sample_idx, [f0, f0 + nf])
            sample_mel[lo:hi] = mel[sample_idx[lo:hi] - f0]
        merged = np.concatenate([tail, mel])
        embedder.feed(merged, f0 - len(tail), final=final or f0 + nf >= n_frames)
        tail = mel[-p.window_frames :]
        f0 += nf
        _report(hook, "embeddings", f0, n_frames)
    embedder.feed(tail, f0 - len(tail), final=True)
    emb = embedder.out

    if len(windows) == 0:
        labels = np.zeros(0, np.int64)
        k = 1
    else:
        labels = _cluster_windows(emb, windows, p, num_speakers, min_speakers, max_speakers)
        k = int(labels.max()) + 1
    path, wl = _resegment_labelled(ceps, speech, windows, labels, k, p)
    active = np.stack([path == i for i in range(k)])
    if (
        wl is not None
        and sample_idx is not None
        and p.overlap
        and k <= p.overlap_max_speakers
        and len(sample_mel)
    ):
        hz, periodicity = _pitch_track(src, n_frames) if p.overlap_model else (None, None)
        active = _overlaps(
            ceps, c0, speech, path, k, wl, sample_idx, sample_mel, dct_all, p, hz, periodicity
        )
    _report(hook, "resegmentation", 1, 1)
    _pad_into_silence(active, round(p.turn_pad_s / FRAME_S))

    names = [f"SPK{i + 1}" for i in range(k)]
    turns: list[SpeakerTurn] = []
    for i in range(k):
        turns += _turns(active[i], names[i], FRAME_S)
    d = Diarization.from_turns(turns, src.duration_s, method="embedding")
    # order of appearance from the single-speaker path: an overlap at the very start must not
    # decide which speaker is the agent
    spoken = {t.speaker for t in d.segments}
    firsts = [(int(np.argmax(path == i)), names[i]) for i in range(k) if (path == i).any()]
    order = [name for _, name in sorted(firsts) if name in spoken]
    order += sorted(spoken - set(order))
    rename = {old: f"SPK{i + 1}" for i, old in enumerate(order)}
    turns = [SpeakerTurn(t.start, t.end, rename[t.speaker]) for t in d.segments]
    roles = {}
    if len(order) >= 1:
        roles["SPK1"] = "agent"
    if len(order) == 2:
        roles["SPK2"] = "customer"
    return Diarization.from_turns(
        turns,
        src.duration_s,
        roles=roles,
        method="embedding",
        overlap_aware=p.overlap and k <= p.overlap_max_speakers,
    )


def _pitch_track(src: Source, n_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Pitch (Hz, NaN where unvoiced) and YIN periodicity per 10 ms frame, at 8 kHz (telephone
    band; a quarter of the work at 16 kHz), block by block (bounded memory on long calls)."""
    sr, hop, context = 8000, 80, 400
    f0 = np.full(n_frames, np.nan, np.float32)
    periodicity = np.zeros(n_frames, np.float32)
    t0 = 0
    for y, left, right in rechunk(src.blocks(sr=sr, mono=True), hop * CHUNK_FRAMES, context):
        lead = 0 if left is None else len(left)
        x = np.concatenate([y[:0] if c is None else c for c in (left, y, right)])
        hz, _, prob = pitch(x, sr, fmin=60.0, fmax=400.0, hop_length=hop)
        a = lead // hop
        n = min(-(-len(y) // hop), n_frames - t0)
        if n <= 0:
            break
        f0[t0 : t0 + n] = hz[a : a + n]
        periodicity[t0 : t0 + n] = prob[a : a + n]
        t0 += n
    return f0, periodicity


def _pad_into_silence(active: np.ndarray, pad: int) -> None:
    """Widen every speaker's runs in ``active`` (speakers × frames) by up to ``pad`` frames on
    each side, into frames where nobody speaks only: energy onsets and offsets miss the weak
    start and the decay of a phrase, so the runs come out slightly short."""
    if pad <= 0:
        return
    free = np.logical_not(active.any(axis=0))
    n = active.shape[1]
    for row in active:
        for s, e in mask_to_runs(row):
            left = free[max(0, s - pad) : s]
            take = len(left) if left.all() else len(left) - 1 - int(np.flatnonzero(~left)[-1])
            right = free[e : min(n, e + pad)]
            give = len(right) if right.all() else int(np.argmin(right))
            row[s - take : s] = True
            row[e : e + give] = True
            free[s - take : s] = False
            free[e : e + give] = False


def _silero_mask(src: Source, n_frames: int, device: str) -> np.ndarray:
    """Speech frames from ``cxaudio.vad`` (Silero), block by block."""
    from ..vad import vad

    mask = np.zeros(n_frames, bool)
    offset = 0
    for block in src.blocks(mono=True):
        for seg in vad(block, src.sr, backend="silero", device=device, min_silence_s=0.1):
            a = int(round((offset + seg.start * src.sr) / src.sr / FRAME_S))
            b = int(round((offset + seg.end * src.sr) / src.sr / FRAME_S))
            mask[a:b] = True
        offset += len(block)
    return mask


def _cluster_windows(
    emb: np.ndarray,
    windows: np.ndarray,
    p: MonoParams,
    num_speakers: int | None,
    min_speakers: int,
    max_speakers: int | None,
) -> np.ndarray:
    n = len(emb)
    weights = windows[:, 1].astype(np.float64)

    def run(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        return cluster(
            x,
            method=p.cluster_method,
            num_speakers=num_speakers,
            min_speakers=min_speakers,
            max_speakers=max_speakers,
            weights=w,
        )

    if n <= p.max_cluster_windows:
        return run(emb, weights)
    pick = np.sort(np.random.default_rng(0).choice(n, p.max_cluster_windows, replace=False))
    sub = run(emb[pick], weights[pick])
    cents = np.stack([emb[pick][sub == j].mean(0) for j in range(int(sub.max()) + 1)])
    return np.argmax(emb @ cents.T, axis=1).astype(np.int64)


def _resegment(
    ceps: np.ndarray,
    speech: np.ndarray,
    windows: np.ndarray,
    labels: np.ndarray,
    k: int,
    p: MonoParams,
) -> np.ndarray:
    """Speaker index per frame (-1 where no speech), by Viterbi over the speech frames."""
    return _resegment_labelled(ceps, speech, windows, labels, k, p)[0]


def _resegment_labelled(
    ceps: np.ndarray,
    speech: np.ndarray,
    windows: np.ndarray,
    labels: np.ndarray,
    k: int,
    p: MonoParams,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Speaker index per frame (-1 where no speech), by Viterbi over the speech frames, and the
    window label of each speech frame (-1 outside windows; None with one speaker)."""
    n = len(speech)
    path = np.full(n, -1, np.int64)
    frames = np.flatnonzero(speech)
    if k == 1 or len(windows) == 0:
        path[frames] = 0
        return path, None
    win_label = np.full(n, -1, np.int64)
    for (s, length), lab in zip(windows, labels, strict=True):
        win_label[s : s + length] = lab
    wl = win_label[frames]
    d = ceps.shape[1]
    step = 200_000  # frames per block: bounded memory on long calls
    s0 = np.zeros(k)
    s1 = np.zeros((k, d))
    s2 = np.zeros((k, d, d))
    for b0 in range(0, len(frames), step):
        xb = ceps[frames[b0 : b0 + step]].astype(np.float64)
        lb = wl[b0 : b0 + step]
        for j in range(k):
            own = xb[lb == j]
            s0[j] += len(own)
            s1[j] += own.sum(0)
            s2[j] += own.T @ own
    score = np.full((len(frames), k), -1e3, np.float64)
    for j in range(k):
        if s0[j] < 2 * d:
            continue
        mu = s1[j] / s0[j]
        cov = s2[j] / s0[j] - np.outer(mu, mu)
        score[:, j] = _gauss_loglik(ceps, frames, mu, cov)
    score += p.label_bonus * (wl[:, None] == np.arange(k)[None])
    gaps = np.diff(frames, prepend=frames[0])
    switch = np.where(gaps > 1, p.gap_switch_cost, p.switch_cost)
    path[frames] = viterbi(score, switch.astype(np.float64))
    return path, wl


def _gauss_loglik(
    ceps: np.ndarray, frames: np.ndarray, mu: np.ndarray, cov: np.ndarray
) -> np.ndarray:
    """Log-likelihood (up to a shared constant) of ``ceps[frames]`` under a full-covariance
    Gaussian, in blocks (bounded memory on long calls)."""
    d = len(mu)
    chol = np.linalg.cholesky(cov + 1e-3 * np.eye(d))
    whiten = np.linalg.inv(chol).T.astype(np.float32)
    const = -np.log(np.diag(chol)).sum()
    out = np.empty(len(frames), np.float64)
    step = 200_000
    for b0 in range(0, len(frames), step):
        z = (ceps[frames[b0 : b0 + step]].astype(np.float32) - mu.astype(np.float32)) @ whiten
        out[b0 : b0 + step] = -0.5 * np.einsum("ij,ij->i", z, z) + const
    return out


def _feature_blocks(
    c0: np.ndarray | None, ceps: np.ndarray, frames: np.ndarray, step: int = 100_000
) -> Iterator[tuple[int, np.ndarray]]:
    """``(offset, (log energy, cepstra))`` of the speech ``frames`` (cepstra only without
    ``c0``), block by block (bounded memory)."""
    for b0 in range(0, len(frames), step):
        idx = frames[b0 : b0 + step]
        x = ceps[idx].astype(np.float64)
        if c0 is not None:
            x = np.concatenate([c0[idx, None].astype(np.float64), x], axis=1)
        yield b0, x


def _overlaps(
    ceps: np.ndarray,
    c0: np.ndarray,
    speech: np.ndarray,
    path: np.ndarray,
    k: int,
    wl: np.ndarray,
    sample_idx: np.ndarray,
    sample_mel: np.ndarray,
    dct_all: np.ndarray,
    p: MonoParams,
    f0: np.ndarray | None = None,
    periodicity: np.ndarray | None = None,
) -> np.ndarray:
    """Speaker activity ``(k, frames)`` where a frame may hold two speakers.

    Every speaker, and every speaker pair, gets a diagonal Gaussian mixture of log energy and
    cepstra: a speaker's is fitted to its own frames (as resegmented), also ``overlap_raised_db``
    louder (an angry customer raising their voice is not two people talking), a pair's to
    simulated overlap, the mel powers of random frames of the two speakers added at their own
    levels. A second Viterbi pass over the single-speaker and pair states (entering or leaving a
    pair costs ``overlap_cost``) finds the overlaps, and :func:`_tidy_overlaps` gives those
    shorter than ``overlap_min_s`` back to the first pass's speakers and joins pieces.
    """
    frames = np.flatnonzero(speech)
    single = np.stack([path == i for i in range(k)])
    own = path[sample_idx]
    rng = np.random.default_rng(1)
    min_frames = 4 * dct_all.shape[1]
    dct = dct_all if p.overlap_energy else dct_all[:, 1:]
    log_sample = np.log(sample_mel + 1e-9) @ dct  # ([log energy], cepstra) per sampled frame
    models = []
    for i in range(k):
        fi = np.flatnonzero(own == i)
        if len(fi) < min_frames:
            return single
        xs = log_sample[fi]
        if p.overlap_energy and p.overlap_raised_db > 0:  # a raised voice is still one voice
            raised = xs.copy()
            # column 0 is log energy: a gain shifts it (by sqrt(2 n_mels) ln g), not the cepstra
            raised[:, 0] += np.sqrt(2.0 * fe.N_MELS) * np.log(10.0) * p.overlap_raised_db / 10.0
            xs = np.concatenate([xs, raised])
        models.append(fit_diag_gmm(xs, p.overlap_components, rng))
    pairs = []
    for a in range(k):
        for b in range(a + 1, k):
            fa, fb = np.flatnonzero(own == a), np.flatnonzero(own == b)
            m = len(sample_idx)
            mix = sample_mel[rng.choice(fa, m)] + sample_mel[rng.choice(fb, m)]
            models.append(fit_diag_gmm(np.log(mix + 1e-9) @ dct, p.overlap_components, rng))
            pairs.append((a, b))
    n_states = len(models)
    full = np.empty((len(frames), n_states), np.float64)
    for b0, x in _feature_blocks(c0 if p.overlap_energy else None, ceps, frames):
        for j, gmm in enumerate(models):
            full[b0 : b0 + len(x), j] = gmm.loglik(x)
    # the window-label bonus of the first pass: a pair keeps that of its speakers, so the bonus
    # decides between speakers, never between a speaker and its pairs
    for i in range(k):
        full[:, i] += p.label_bonus * (wl == i)
    for j, (a, b) in enumerate(pairs):
        full[:, k + j] += p.label_bonus * ((wl == a) | (wl == b))
    cost = np.zeros((2, n_states, n_states))
    cost[0, :k, :k] = p.switch_cost
    cost[1, :k, :k] = p.gap_switch_cost
    cost[:, :k, k:] = p.overlap_cost
    cost[:, k:, :k] = p.overlap_cost
    cost[:, k:, k:] = 2 * p.overlap_cost
    for c in cost:
        np.fill_diagonal(c, 0.0)
    gaps = (np.diff(frames, prepend=frames[0]) > 1).astype(np.int8)
    raw = viterbi_costs(full, cost, gaps)
    states = _tidy_overlaps(
        raw,
        frames,
        path[frames],
        k,
        pairs,
        min_len=round(p.overlap_min_s / FRAME_S),
        bridge=round(p.overlap_bridge_s / FRAME_S),
        weak_bridge=round(p.overlap_weak_bridge_s / FRAME_S),
        lead=round(p.overlap_lead_s / FRAME_S),
        flicker=round(p.overlap_flicker_s / FRAME_S),
        held=round(p.overlap_held_s / FRAME_S),
        keep=round(p.overlap_keep_s / FRAME_S),
        lone=round(p.overlap_lone_s / FRAME_S),
    )
    if f0 is not None and periodicity is not None:  # the detector is on (MonoParams)
        x = overlap_features(
            full, k, frames, path[frames], raw, c0[frames], f0[frames], periodicity[frames]
        )
        states = _add_detected_overlaps(states, x, full, frames, k, pairs, p)
    active = np.zeros_like(single)
    for i in range(k):
        active[i, frames[states == i]] = True
    for j, (a, b) in enumerate(pairs):  # after _tidy_overlaps, every pair run is long enough
        both = frames[states == k + j]
        active[a, both] = True
        active[b, both] = True
    return active


def _add_detected_overlaps(
    states: np.ndarray,
    features: np.ndarray,
    loglik: np.ndarray,
    frames: np.ndarray,
    k: int,
    pairs: list[tuple[int, int]],
    p: MonoParams,
) -> np.ndarray:
    """``states`` with the overlaps of the trained detector added: every run of speech frames
    at least ``overlap_model_min_s`` long whose probability of two voices, averaged over
    ``overlap_model_smooth_s``, reaches ``overlap_model_threshold`` becomes a pair run (joined
    to a pair run it touches, whose pair it keeps; else the pair the second pass scored highest
    over the run), and led in as :func:`_lead_in` says."""
    lead = round(p.overlap_lead_s / FRAME_S)
    prob = smooth(
        load_overlap_model().probability(features), round(p.overlap_model_smooth_s / FRAME_S)
    )
    hit = (prob >= p.overlap_model_threshold).astype(np.int64)
    min_len = round(p.overlap_model_min_s / FRAME_S)
    out = states.copy()
    added = np.zeros(len(out), bool)
    for v, s, e in _runs_of(hit):
        if not v or e - s < min_len:
            continue
        inside = out[s:e]
        if (inside >= k).any():
            pair = int(np.bincount(inside[inside >= k]).argmax())
        else:
            pair = k + int(loglik[s:e, k:].sum(axis=0).argmax())
        out[s:e] = pair
        added[s:e] = True
    # as the rules do for theirs: the stretch of one speaker alone that leads into an added
    # overlap from the other's speech is its start
    runs = _runs_of(out)
    for i, (st, s, e) in enumerate(runs):
        if st >= k and added[s:e].any():
            start = _lead_in(runs, i, frames, pairs[st - k], lead)
            if start is not None:
                out[start:s] = st
    return out


def _lead_in(
    runs: list[tuple[int, int, int]],
    i: int,
    frames: np.ndarray,
    pair: tuple[int, int],
    lead: int,
) -> int | None:
    """Where the overlap of pair run ``runs[i]`` really started: the speaker that was talking,
    then (no pause, within ``lead`` frames) a stretch of the two speakers alone, then the pair;
    the stretch is the overlap's start (the interrupter came in while the other still spoke).
    None when the run is not led in like this."""
    s = runs[i][1]
    j = i - 1
    while (
        j >= 0
        and runs[j][0] in pair
        and frames[runs[j + 1][1]] - frames[runs[j][2] - 1] == 1
        and frames[s] - frames[runs[j][1]] <= lead
    ):
        j -= 1
    if (
        j >= 0
        and j < i - 1
        and runs[j][0] in pair
        and frames[runs[j + 1][1]] - frames[runs[j][2] - 1] == 1
    ):
        return runs[j + 1][1]
    return None


def _runs_of(states: np.ndarray) -> list[tuple[int, int, int]]:
    """``(state, start, end)`` runs of equal values."""
    if len(states) == 0:
        return []
    cut = np.flatnonzero(np.diff(states)) + 1
    starts = np.concatenate([[0], cut])
    ends = np.concatenate([cut, [len(states)]])
    return [(int(states[a]), int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def _tidy_overlaps(
    states: np.ndarray,
    frames: np.ndarray,
    first: np.ndarray,
    k: int,
    pairs: list[tuple[int, int]],
    *,
    min_len: int,
    bridge: int,
    lead: int,
    flicker: int,
    held: int,
    keep: int = 0,
    lone: int = 0,
    weak_bridge: int | None = None,
) -> np.ndarray:
    """Overlap runs of the second pass, made whole where the evidence flickers.

    States ``0..k-1`` are speakers and ``k + j`` is ``pairs[j]``; ``first`` holds the first
    pass's speaker per speech frame. A pair run is *weak* when it is shorter than ``min_len``
    frames, or shorter than ``keep`` frames while the first pass heard one speaker alone
    throughout it and on the frames either side, or shorter than ``lone`` frames while the first
    pass heard one speaker alone in the whole stretch of speech around it, from pause to pause (a
    short burst of two-voice evidence in the middle of one voice is more often that voice than a
    second one: someone who cuts in is heard alone before or after the overlap; this test is
    made on the pieces before any joining, as a raised voice gives pieces close together); weak
    runs go back to the first pass's speaker. The per-frame evidence for two voices is weak
    where one of them is quiet, so one overlap can come out in pieces, or start or end with a
    part given to the louder voice alone:

    - a piece shorter than ``min_len`` within ``bridge`` frames (10 ms each) of a run of the same
      pair that is not weak is kept, to be joined to it;
    - two runs of the same pair at most ``bridge`` frames apart, with only its two speakers in
      between, are one run; at most ``weak_bridge`` apart when both are weak (a long line of
      one voice can give short two-voice pieces at a steady pace, about a second apart, and
      joined they would pass for an overlap);
    - a stretch of at most ``lead`` frames where the two speakers take turns alone, with no pause
      between the speaker who was talking and the pair, is the start of the overlap (the
      interrupter came in there while the other was still speaking);
    - one of the pair's speakers alone for less than ``lead`` frames right after the pair, with
      the other taking over without a pause, is the end of the overlap (the other never stopped);
      when the two alternate alone like this several times, all of it, up to ``lead`` frames;
    - flicker in the first pass, a speaker for at most ``flicker`` frames inside another's
      speech with no pause either side, is overlap; when the other then holds on for at most
      ``held`` frames and the first takes over without a pause, that hold is overlap too;
      unless the second pass heard the other speaker alone all through the flicker (a voice
      raised in anger can pass for another speaker in the first pass, whose models never saw
      it louder; the second pass's have).

    Runs that are still weak after all this go back to the first pass's speaker.
    """
    if weak_bridge is None:
        weak_bridge = bridge
    member = {k + j: ab for j, ab in enumerate(pairs)}
    pair_of = {ab: st for st, ab in member.items()}

    # speech between two pauses ("stretch") in which the first pass heard a single speaker
    stretch = np.cumsum(np.diff(frames, prepend=frames[:1]) > 1)
    n_stretches = int(stretch[-1]) + 1 if len(frames) else 0
    lo = np.full(n_stretches, k, np.int64)
    hi = np.full(n_stretches, -1, np.int64)
    np.minimum.at(lo, stretch, first)
    np.maximum.at(hi, stretch, first)
    one_voice = lo == hi

    def alone(s: int, e: int) -> bool:
        return e - s < lone and stretch[s] == stretch[e - 1] and bool(one_voice[stretch[s]])

    def weak(s: int, e: int) -> bool:
        n = e - s
        return (
            n < min_len or (n < keep and len(set(first[max(s - 1, 0) : e + 1])) == 1) or alone(s, e)
        )

    out = states.copy()
    pair_runs = []
    for st, s, e in _runs_of(states):
        if st not in member:
            continue
        if alone(s, e):  # before joining: pieces in one voice are that voice
            out[s:e] = first[s:e]
        else:
            pair_runs.append((st, s, e))
    firm = np.array([r for r in pair_runs if not weak(r[1], r[2])], np.int64).reshape(-1, 3)
    firm_state, firm_start, firm_end = firm[:, 0], frames[firm[:, 1]], frames[firm[:, 2] - 1]
    for st, s, e in pair_runs:
        if e - s >= min_len:
            continue
        gap = np.minimum(np.abs(firm_start - frames[e - 1]), np.abs(frames[s] - firm_end))
        if not ((firm_state == st) & (gap <= bridge)).any():  # a piece near a firm run stays
            out[s:e] = first[s:e]
    # flicker in the first pass: a speaker for a moment in the middle of another's speech, with
    # no pause either side, is two voices at once
    fr = _runs_of(first)
    for i in range(1, len(fr) - 1):
        (y0, _, e0), (x, s, e), (y1, s1, e1) = fr[i - 1], fr[i], fr[i + 1]
        if not (
            y0 == y1 != x
            and min_len <= e - s <= flicker
            and frames[s] - frames[e0 - 1] == 1
            and frames[s1] - frames[e - 1] == 1
        ):
            continue
        if (states[s:e] == y0).all():  # the second pass heard the other's (raised) voice alone
            continue
        end = e
        if (  # the other held on, then stopped, and the interrupter took over without a pause
            i + 2 < len(fr)
            and fr[i + 2][0] == x
            and e1 - s1 <= held
            and frames[fr[i + 2][1]] - frames[e1 - 1] == 1
        ):
            end = e1
        if (out[s:end] < k).all():
            out[s:end] = pair_of[(min(x, y0), max(x, y0))]
    runs = _runs_of(out)
    for i, (st, s, e) in enumerate(runs):
        if st not in member:
            continue
        a, b = member[st]
        # bridge back to the previous run of the same pair
        j = i - 1
        while j >= 0 and runs[j][0] in (a, b) and frames[s] - frames[runs[j][2] - 1] <= bridge:
            j -= 1
        if (
            j >= 0
            and j < i - 1
            and runs[j][0] == st
            and frames[s] - frames[runs[j][2] - 1]
            <= (weak_bridge if weak(runs[j][1], runs[j][2]) and weak(s, e) else bridge)
        ):
            out[runs[j][2] : s] = st
            continue
        start = _lead_in(runs, i, frames, (a, b), lead)
        if start is not None:
            out[start:s] = st
    # lead-out: the pair, then one of its speakers alone (no pause, shorter than ``lead``),
    # then the other without a pause: the second never stopped, the stretch is the overlap's end
    # (repeatedly: the two may alternate before the other holds the floor, within ``lead``)
    runs = _runs_of(out)
    i = 0
    while i < len(runs) - 2:
        st = runs[i][0]
        j = i + 1
        while (
            st in member
            and j + 1 < len(runs)
            and {runs[j][0], runs[j + 1][0]} == set(member[st])
            and frames[runs[j][1]] - frames[runs[j - 1][2] - 1] == 1
            and frames[runs[j + 1][1]] - frames[runs[j][2] - 1] == 1
            and frames[runs[j][2] - 1] - frames[runs[i + 1][1]] + 1 < lead
        ):
            out[runs[j][1] : runs[j][2]] = st
            j += 1
        i = j
    for st, s, e in _runs_of(out):
        if st in member and weak(s, e):
            out[s:e] = first[s:e]
    return out
