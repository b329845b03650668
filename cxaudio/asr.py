"""Offline speech recognition: :func:`transcribe` → :class:`cxaudio.Transcript`.

Runtime: faster-whisper on CTranslate2 (the ``cxkit[asr]`` extra); CPU int8, CUDA float16.
The bundled model is Whisper base (multilingual) built by ``models/whisper_base/build.py``
(``make models``) into ``models/cache/whisper_base/model``; ``model=`` (or the
``CX_ASR_MODEL`` environment variable) takes any CTranslate2 Whisper folder instead, such as a
larger or Vietnamese fine-tuned Whisper converted with ``ct2-transformers-converter``.

Speed by design: only speech is decoded. The speech of each party (its VAD segments on its own
channel for stereo, its diarized turns on mono) is cut out, joined with short gaps into
windows of up to 30 s (Whisper's window), and the windows are decoded in batches; times are
mapped back to the call. A call with 40 % silence costs about 60 % of a whole-file pass, and
no window is spent on a few seconds of speech padded to 30 s.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelError, ParameterError
from .transcript import Transcript, TranscriptSegment, Word
from .types import Diarization

__all__ = ["ASRParams", "asr_available", "default_model_dir", "model_name", "transcribe"]

log = logging.getLogger(__name__)

ASR_SR = 16000
MODEL_ENV = "CX_ASR_MODEL"
_REQUIRED = ("model.bin", "config.json", "tokenizer.json")
_BUILD_HINT = (
    "build the bundled model with `make models` (or `python models/whisper_base/build.py`), "
    "or point model= / --asr-model / CX_ASR_MODEL to a CTranslate2 Whisper folder"
)


@dataclass(frozen=True)
class ASRParams:
    """Decoding settings (ranges in brackets); tuned by ``benchmarks/bench_asr.py``.

    ``window_s`` [5, 30]: most speech joined into one decoder window (Whisper sees 30 s).
    ``join_gap_s`` [0.1, 1.0]: silence put between joined speech pieces.
    ``pad_s`` [0, 0.5]: audio kept around each speech piece.
    ``bridge_s`` [0, 2]: pauses shorter than this inside a party's speech are kept as they are.
    ``beam_size`` [1, 5]: beam search width. ``batch_size`` [1, 16]: windows decoded together.
    ``max_compression`` [1.5, 4] and ``min_logprob`` [-3, 0]: a window whose text compresses
    more (it repeats itself) or whose confidence is lower is decoded again alone, with
    Whisper's temperature fallback (faster-whisper's batched pipeline has none), emitting at
    most ``max_tokens_per_s`` [5, 30] tokens per second of the window (a loop stops there).
    """

    window_s: float = 30.0
    join_gap_s: float = 0.3
    pad_s: float = 0.2
    bridge_s: float = 0.6
    beam_size: int = 1
    batch_size: int = 8
    max_compression: float = 2.4
    min_logprob: float = -1.0
    max_tokens_per_s: float = 15.0

    def __post_init__(self) -> None:
        checks = (
            ("window_s", self.window_s, 5.0, 30.0),
            ("join_gap_s", self.join_gap_s, 0.1, 1.0),
            ("pad_s", self.pad_s, 0.0, 0.5),
            ("bridge_s", self.bridge_s, 0.0, 2.0),
            ("beam_size", self.beam_size, 1, 5),
            ("batch_size", self.batch_size, 1, 16),
            ("max_compression", self.max_compression, 1.5, 4.0),
            ("min_logprob", self.min_logprob, -3.0, 0.0),
            ("max_tokens_per_s", self.max_tokens_per_s, 5.0, 30.0),
        )
        for name, value, lo, hi in checks:
            if not lo <= value <= hi:
                raise ParameterError(f"ASRParams.{name}={value!r} must be in [{lo}, {hi}]")


# -- the model --------------------------------------------------------------------------------
def _require_runtime() -> Any:
    try:
        import faster_whisper
    except ImportError as exc:
        raise ImportError(
            f"speech recognition needs faster-whisper ({exc}); install it with "
            "pip install 'cxkit[asr]'"
        ) from None
    return faster_whisper


def default_model_dir() -> Path:
    """``CX_ASR_MODEL`` when set, else the bundled ``models/cache/whisper_base/model``."""
    env = os.environ.get(MODEL_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / "models" / "cache" / "whisper_base" / "model"


def check_model_dir(model: str | os.PathLike[str] | None) -> Path:
    """The model folder, or :class:`ModelError` naming it, what is wrong and how to fix it."""
    folder = Path(model) if model is not None else default_model_dir()
    if not folder.exists():
        raise ModelError(f"speech model folder {str(folder)!r} does not exist; {_BUILD_HINT}")
    if not folder.is_dir():
        raise ModelError(f"speech model {str(folder)!r} is not a folder; {_BUILD_HINT}")
    missing = [n for n in _REQUIRED if not (folder / n).is_file()]
    if missing:
        raise ModelError(
            f"speech model folder {str(folder)!r} is incomplete (missing {', '.join(missing)}); "
            f"{_BUILD_HINT}"
        )
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"speech model folder {str(folder)!r}: config.json is unreadable ({exc}); {_BUILD_HINT}"
        ) from None
    if not isinstance(config, dict) or "lang_ids" not in config and "suppress_ids" not in config:
        raise ModelError(
            f"{str(folder)!r} is not a CTranslate2 Whisper model (config.json has no Whisper "
            f"fields); {_BUILD_HINT}"
        )
    return folder


def model_name(model: str | os.PathLike[str] | None = None) -> str:
    """A short name for provenance: the folder name (``whisper_base`` for the bundled one)."""
    folder = Path(model) if model is not None else default_model_dir()
    name = folder.parent.name if folder.name == "model" else folder.name
    return f"whisper:{name}"


def asr_available(model: str | os.PathLike[str] | None = None) -> bool:
    """True when the runtime is installed and the model folder looks complete."""
    try:
        _require_runtime()
        check_model_dir(model)
    except (ImportError, ModelError):
        return False
    return True


def _resolve_device(device: str) -> tuple[str, str]:
    """(device, compute type): CUDA float16 when asked (or auto and a GPU is there), else CPU int8."""
    if device not in ("auto", "cpu", "cuda"):
        raise ParameterError(f"device={device!r} must be 'auto', 'cpu' or 'cuda'")
    if device == "auto":
        try:
            import ctranslate2

            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        except Exception:  # noqa: BLE001 - no CUDA runtime: CPU
            device = "cpu"
    return (device, "float16" if device == "cuda" else "int8")


@functools.cache
def _pipeline(folder: str, device: str, compute_type: str, threads: int) -> Any:
    """One loaded model per (folder, device, compute type, threads) in this process."""
    fw = _require_runtime()
    try:
        model = fw.WhisperModel(
            folder,
            device=device,
            compute_type=compute_type,
            cpu_threads=threads,
            num_workers=1,
            local_files_only=True,
        )
    except Exception as exc:  # noqa: BLE001 - ctranslate2 raises plain RuntimeError/ValueError
        raise ModelError(
            f"cannot load speech model {folder!r} on {device} ({exc}); {_BUILD_HINT}"
        ) from None
    return fw.BatchedInferencePipeline(model=model)


def _threads(threads: int) -> int:
    if threads > 0:
        return threads
    env = os.environ.get("OMP_NUM_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(4, os.cpu_count() or 1))


# -- speech pieces → windows -------------------------------------------------------------------
@dataclass(frozen=True)
class _Piece:
    start: float  # in the call, seconds
    end: float
    at: float  # where it starts in the joined audio


def _merge_spans(
    spans: Sequence[tuple[float, float]], duration: float, p: ASRParams
) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for a, b in sorted(spans):
        a, b = max(0.0, a - p.pad_s), min(duration, b + p.pad_s)
        if b <= a:
            continue
        if out and a - out[-1][1] <= p.bridge_s:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    # a piece longer than a window is cut into window-sized parts
    limit = p.window_s - 2 * p.join_gap_s
    cut: list[tuple[float, float]] = []
    for a, b in out:
        n = max(1, math.ceil((b - a) / limit))
        step = (b - a) / n
        cut.extend((a + i * step, a + (i + 1) * step) for i in range(n))
    return cut


def _windows(
    y16: np.ndarray, spans: list[tuple[float, float]], p: ASRParams
) -> tuple[np.ndarray, list[_Piece], list[dict[str, float]]]:
    """Joined speech audio, its pieces, and the windows (``clip_timestamps``) over it."""
    gap = np.zeros(int(p.join_gap_s * ASR_SR), dtype=np.float32)
    parts: list[np.ndarray] = []
    pieces: list[_Piece] = []
    windows: list[dict[str, float]] = []
    at = 0.0
    win_start = 0.0
    for a, b in spans:
        audio = y16[int(a * ASR_SR) : int(b * ASR_SR)]
        length = audio.shape[0] / ASR_SR
        if pieces and at + length + p.join_gap_s - win_start > p.window_s:
            windows.append({"start": win_start, "end": at})
            win_start = at
        parts.append(audio.astype(np.float32, copy=False))
        pieces.append(_Piece(a, a + length, at))
        at += length
        parts.append(gap)
        at += gap.shape[0] / ASR_SR
    if pieces:
        windows.append({"start": win_start, "end": at})
    joined = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    return joined, pieces, windows


def _to_call(t: float, pieces: list[_Piece], *, start: bool = False) -> float:
    """A time in the joined audio → the call. A time in a joining gap goes to the end of the
    piece before it, or with ``start`` to the beginning of the piece after it."""
    ats = [pc.at for pc in pieces]
    i = max(0, int(np.searchsorted(ats, t, side="right")) - 1)
    pc = pieces[i]
    if start and t > pc.at + (pc.end - pc.start) and i + 1 < len(pieces):
        return float(pieces[i + 1].start)
    return float(min(pc.start + max(t - pc.at, 0.0), pc.end))


# -- the verb ---------------------------------------------------------------------------------
def transcribe(
    audio: str | os.PathLike[str] | np.ndarray,
    sr: int | None = None,
    *,
    language: str | None = "vi",
    model: str | os.PathLike[str] | None = None,
    device: str = "auto",
    diarization: Diarization | None = None,
    hotwords: str | Sequence[str] | None = None,
    word_timestamps: bool = False,
    threads: int = 0,
    params: ASRParams | None = None,
) -> Transcript:
    """Transcribe a call (or any speech) offline.

    ``audio``: a file path, or a signal ``(n,)`` / ``(2, n)`` with its rate ``sr``.
    Stereo: each channel is transcribed alone (speakers ``agent`` = channel 0 and ``customer``
    = channel 1 unless ``diarization`` says otherwise). Mono: with ``diarization`` each role's
    turns are transcribed as that role; without, the VAD's speech, speaker None.
    ``language``: ISO code (``"vi"``), or None to detect. ``model``: a CTranslate2 Whisper folder
    (default: the bundled Whisper base). ``device``: ``auto`` | ``cpu`` (int8) | ``cuda``
    (float16). ``hotwords``: words or phrases to bias decoding. ``word_timestamps``: fill each
    segment's ``words``. ``threads``: CPU threads (0: ``OMP_NUM_THREADS`` or up to 4).

    Segments carry ``confidence``: Whisper's average log-probability of their tokens (0 is
    certain; below about -1 the text is unreliable).

    >>> tr = cxaudio.transcribe("call.wav")                    # Vietnamese, bundled model
    >>> tr.text("agent")
    """
    from . import load

    if isinstance(audio, str | os.PathLike):
        source = str(audio)
        y, sr = load(audio)
    else:
        source = "<memory>"
        if sr is None:
            raise ParameterError("transcribe(array, sr=None): pass the sample rate with sr=")
        y = np.asarray(audio, dtype=np.float32)
    if y.ndim == 2 and y.shape[0] == 1:
        y = y[0]
    if y.ndim not in (1, 2) or (y.ndim == 2 and y.shape[0] != 2):
        raise ParameterError(
            f"{source}: audio of shape {y.shape} must be mono (n,) or stereo (2, n)"
        )
    duration = y.shape[-1] / sr
    if y.ndim == 2:
        channels = {"agent": y[0], "customer": y[1]}
        if diarization is not None:
            channels = _channels_by_turns(y, sr, _role_turns(diarization))
        turns = {role: _vad_spans(sig, sr, device) for role, sig in channels.items()}
    elif diarization is not None:
        turns = _role_turns(diarization)
        channels = {role: y for role in turns}
    else:
        channels = {"": y}
        turns = {"": _vad_spans(y, sr, device)}
    return transcribe_parties(
        channels,
        sr,
        turns,
        duration_s=duration,
        language=language,
        model=model,
        device=device,
        hotwords=hotwords,
        word_timestamps=word_timestamps,
        threads=threads,
        params=params,
        source=source,
    )


def transcribe_parties(
    channels: Mapping[str, np.ndarray],
    sr: int,
    turns: Mapping[str, Sequence[tuple[float, float]]],
    *,
    duration_s: float,
    language: str | None = "vi",
    model: str | os.PathLike[str] | None = None,
    device: str = "auto",
    hotwords: str | Sequence[str] | None = None,
    word_timestamps: bool = False,
    threads: int = 0,
    params: ASRParams | None = None,
    source: str = "<memory>",
) -> Transcript:
    """Transcribe each party's speech (``turns[role]``) on its own signal (``channels[role]``).

    The call pipeline's entry (it has the diarization and the per-party channels already); role
    ``""`` gives segments without a speaker.
    """
    import soxr

    p = params or ASRParams()
    folder = check_model_dir(model)
    dev, compute = _resolve_device(device)
    pipe = _pipeline(str(folder.resolve()), dev, compute, _threads(threads))
    if isinstance(hotwords, str) or hotwords is None:
        hot = hotwords or None
    else:
        hot = " ".join(h for h in hotwords if h) or None
    resampled: dict[int, np.ndarray] = {}
    out: list[TranscriptSegment] = []
    for role, spans in turns.items():
        sig = channels[role]
        key = id(sig)
        if key not in resampled:
            x = np.asarray(sig, dtype=np.float32)
            resampled[key] = x if sr == ASR_SR else soxr.resample(x, sr, ASR_SR).astype(np.float32)
        merged = _merge_spans(spans, duration_s, p)
        if not merged:
            continue
        joined, pieces, windows = _windows(resampled[key], merged, p)
        _seed()  # the temperature fallback samples: same audio, same text
        segments = _decode(pipe, joined, windows, language, hot, word_timestamps, p)
        for seg in segments:
            text = seg.text.strip()
            if not text:
                continue
            words = None
            if word_timestamps and seg.words is not None:
                words = tuple(
                    Word(
                        _to_call(w.start, pieces, start=True),
                        _to_call(w.end, pieces),
                        w.word.strip(),
                        float(w.probability),
                    )
                    for w in seg.words
                )
            start = round(_to_call(seg.start, pieces, start=True), 3)
            end = round(_to_call(seg.end, pieces), 3)
            out.append(
                TranscriptSegment(
                    start,
                    max(end, start),
                    text,
                    role or None,
                    confidence=round(float(seg.avg_logprob), 4),
                    words=words,
                )
            )
    out.sort(key=lambda s: (s.start, s.end))
    return Transcript(tuple(out), source=source, asr_model=model_name(folder))


def _decode(
    pipe: Any,
    joined: np.ndarray,
    windows: list[dict[str, float]],
    language: str | None,
    hot: str | None,
    word_timestamps: bool,
    p: ASRParams,
) -> list[Any]:
    """Segments of every window: all windows in batches (one encoder pass each, greedy or beam
    search at temperature 0), then the windows whose text repeats itself (gzip compression
    ratio > ``ASRParams.max_compression``) or whose confidence is below ``min_logprob`` again,
    one by one with Whisper's temperature fallback."""
    from faster_whisper.transcribe import get_compression_ratio

    segments, _ = pipe.transcribe(
        joined,
        language=language,
        clip_timestamps=windows,
        vad_filter=False,
        without_timestamps=False,
        word_timestamps=word_timestamps,
        beam_size=p.beam_size,
        batch_size=p.batch_size,
        hotwords=hot,
        log_progress=False,
    )
    by_window: list[list[Any]] = [[] for _ in windows]
    starts = [w["start"] for w in windows]
    for seg in segments:
        i = max(0, int(np.searchsorted(starts, seg.start + 1e-3, side="right")) - 1)
        by_window[i].append(seg)
    out: list[Any] = []
    for w, segs in zip(windows, by_window, strict=True):
        text = " ".join(s.text.strip() for s in segs)
        logprob = min((s.avg_logprob for s in segs), default=0.0)
        if text and (get_compression_ratio(text) <= p.max_compression and logprob >= p.min_logprob):
            out.extend(segs)
            continue
        if not text and w["end"] - w["start"] < 1.0:
            continue
        redo, _ = pipe.model.transcribe(
            joined,
            language=language,
            clip_timestamps=[w["start"], w["end"]],
            vad_filter=False,
            condition_on_previous_text=False,
            temperature=(0.2, 0.4, 0.6, 0.8, 1.0),  # 0 was the batched pass
            max_new_tokens=min(440, int(p.max_tokens_per_s * (w["end"] - w["start"])) + 10),
            word_timestamps=word_timestamps,
            beam_size=p.beam_size,
            hotwords=hot,
        )
        redo = list(redo)
        # when every fallback fails Whisper drops the window; keep the first pass then
        out.extend(redo if redo or not text else segs)
    return out


def _seed() -> None:
    try:
        import ctranslate2

        ctranslate2.set_random_seed(0)
    except (ImportError, AttributeError):
        pass


def _role_turns(diarization: Diarization) -> dict[str, list[tuple[float, float]]]:
    turns: dict[str, list[tuple[float, float]]] = {}
    for t in diarization.segments:
        turns.setdefault(diarization.role_of(t.speaker), []).append((t.start, t.end))
    return turns


def _channels_by_turns(
    y: np.ndarray, sr: int, turns: Mapping[str, Sequence[tuple[float, float]]]
) -> dict[str, np.ndarray]:
    """The channel where each role's turns carry the most energy."""
    out = {}
    for role, spans in turns.items():
        energy = np.zeros(y.shape[0])
        for a, b in spans:
            seg = y[:, int(a * sr) : int(b * sr)].astype(np.float64)
            energy += (seg**2).sum(axis=1)
        out[role] = y[int(np.argmax(energy))]
    return out


def _vad_spans(sig: np.ndarray, sr: int, device: str) -> list[tuple[float, float]]:
    from . import vad

    return [(s.start, s.end) for s in vad(np.asarray(sig, dtype=np.float32), sr, device=device)]
