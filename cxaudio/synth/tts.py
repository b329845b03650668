"""Offline Vietnamese speech from Debian's ``espeak-ng``, trimmed to speech and cached on disk.

Each utterance goes through: espeak-ng (22.05 kHz) → soxr resampling to the call rate →
telephone band-pass 300–3400 Hz (zero-phase Butterworth) → trim → unit RMS.

Trim rule (what makes the reference segments exact): the signal is cut into 10 ms frames; a frame
is *active* when its RMS is within ``TRIM_THRESHOLD_DB`` (40 dB) of the loudest frame of the
utterance. The utterance is cut to [first active frame, last active frame]; inside it, runs of
inactive frames of at least ``MIN_PAUSE_S`` (0.3 s) are pauses: they are zeroed and split the
utterance into speech segments. So the placed audio is non-zero exactly on the reference
segments (within 10 ms frame precision of where speech energy starts and ends).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import subprocess
import wave
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr
from scipy.signal import butter, sosfiltfilt

from cxaudio.errors import ModelError, ParameterError

log = logging.getLogger(__name__)

TRIM_THRESHOLD_DB = -40.0
MIN_PAUSE_S = 0.3
FRAME_S = 0.01
BAND_HZ = (300.0, 3400.0)
_FADE_S = 0.004
_PROCESS_VERSION = 2


class TTSUnavailableError(ModelError):
    """espeak-ng (or its Vietnamese voice) is not installed."""


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice: ``name`` such as ``vi+f3`` or ``vi-vn-x-south+m3``, pitch 0–99, speed
    in words per minute."""

    name: str
    pitch: int = 50
    speed: int = 160

    def __post_init__(self) -> None:
        if not self.name.startswith("vi"):
            raise ParameterError(f"Voice.name={self.name!r} must be a Vietnamese voice (vi...)")
        if not 0 <= self.pitch <= 99:
            raise ParameterError(f"Voice.pitch={self.pitch!r} must be in 0..99")
        if not 80 <= self.speed <= 450:
            raise ParameterError(f"Voice.speed={self.speed!r} must be in 80..450 words/min")


@dataclass(frozen=True)
class Speech:
    """One synthesized utterance at unit RMS over its speech samples.

    ``segments`` are ``(start, end)`` sample indices of the speech parts; the audio is zero
    outside them, starts at the first segment and ends with the last.
    """

    audio: np.ndarray
    segments: tuple[tuple[int, int], ...]
    sr: int

    @property
    def duration_s(self) -> float:
        return self.audio.shape[-1] / self.sr


def default_cache_dir() -> Path:
    """``$CXKIT_CACHE/tts``, else ``$XDG_CACHE_HOME/cxkit/tts``, else ``~/.cache/cxkit/tts``."""
    if os.environ.get("CXKIT_CACHE"):
        return Path(os.environ["CXKIT_CACHE"]) / "tts"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cxkit" / "tts"


class EspeakTTS:
    """Text to :class:`Speech` with espeak-ng; results are cached in memory and on disk.

    ``cache_dir=None`` uses :func:`default_cache_dir`; ``cache_dir=False`` disables the disk
    cache. ``executable`` is the espeak-ng program (a name on PATH or a path). The memory cache
    keeps the most recently used utterances up to ``memory_budget_mb``.
    """

    def __init__(
        self,
        *,
        sr: int = 8000,
        cache_dir: Path | str | None | bool = None,
        executable: str = "espeak-ng",
        memory_budget_mb: float = 64.0,
    ) -> None:
        self.sr = sr
        self.executable = executable
        if cache_dir is None or cache_dir is True:
            self.cache_dir: Path | None = default_cache_dir()
        elif cache_dir is False:
            self.cache_dir = None
        else:
            self.cache_dir = Path(cache_dir)
        self._program: str | None = None
        self._version = ""
        self._memory: OrderedDict[str, Speech] = OrderedDict()
        self._memory_bytes = 0
        self.memory_budget_bytes = memory_budget_mb * 2**20
        self._sos = butter(6, BAND_HZ, btype="bandpass", fs=sr, output="sos")

    @property
    def version(self) -> str:
        """espeak-ng's version number, e.g. ``1.51`` (empty before :meth:`check`)."""
        words = self._version.split()
        return next((w for w in words if w[:1].isdigit()), "")

    def check(self) -> str:
        """Find espeak-ng and its Vietnamese voice; return the program path or raise."""
        if self._program is not None:
            return self._program
        program = shutil.which(self.executable)
        if program is None:
            raise TTSUnavailableError(
                f"espeak-ng was not found (looked for {self.executable!r} on PATH); the synthetic "
                "call generator needs it: install it with `apt-get install espeak-ng` "
                "(scripts/sysdeps.sh does this)"
            )
        try:
            out = subprocess.run(
                [program, "--voices=vi"], capture_output=True, text=True, timeout=30, check=True
            ).stdout
            version = subprocess.run(
                [program, "--version"], capture_output=True, text=True, timeout=30, check=True
            ).stdout
        except (OSError, subprocess.SubprocessError) as exc:
            raise TTSUnavailableError(f"{program} does not run: {exc}") from exc
        if " vi " not in out and "/vi" not in out:
            raise TTSUnavailableError(
                f"{program} has no Vietnamese voice (`espeak-ng --voices=vi` lists none); "
                "install the espeak-ng-data package"
            )
        self._version = version.strip()
        self._program = program
        return program

    def synthesize(self, text: str, voice: Voice) -> Speech:
        """The processed utterance for ``text`` spoken by ``voice`` (cached)."""
        text = " ".join(text.split())
        if not text:
            raise ParameterError("text='' must contain something to say")
        program = self.check()
        key = self._key(text, voice)
        hit = self._memory.get(key)
        if hit is not None:
            self._memory.move_to_end(key)
            return hit
        speech = self._load(key)
        if speech is None:
            raw, raw_sr = self._run(program, text, voice)
            speech = self._process(raw, raw_sr, text)
            self._store(key, speech)
        self._remember(key, speech)
        return speech

    # -- internals -----------------------------------------------------------------------------

    def _remember(self, key: str, speech: Speech) -> None:
        self._memory[key] = speech
        self._memory_bytes += speech.audio.nbytes
        while self._memory_bytes > self.memory_budget_bytes and len(self._memory) > 1:
            _, old = self._memory.popitem(last=False)
            self._memory_bytes -= old.audio.nbytes

    def _key(self, text: str, voice: Voice) -> str:
        blob = json.dumps(
            [text, voice.name, voice.pitch, voice.speed, self.sr, self._version, _PROCESS_VERSION],
            ensure_ascii=False,
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]

    def _run(self, program: str, text: str, voice: Voice) -> tuple[np.ndarray, int]:
        cmd = [program, "-b", "1", "-v", voice.name, "-p", str(voice.pitch)]
        cmd += ["-s", str(voice.speed), "--stdout"]
        try:
            proc = subprocess.run(cmd, input=text.encode("utf-8"), capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as exc:
            raise TTSUnavailableError(f"{program} failed on {text[:40]!r}: {exc}") from exc
        if proc.returncode != 0 or len(proc.stdout) < 100:
            raise ModelError(
                f"{program} failed on {text[:40]!r} with voice {voice.name!r} "
                f"(exit {proc.returncode}): {proc.stderr.decode(errors='replace')[:200]}"
            )
        return _parse_wav(proc.stdout)

    def _process(self, raw: np.ndarray, raw_sr: int, text: str) -> Speech:
        y = soxr.resample(raw, raw_sr, self.sr, quality="HQ").astype(np.float64)
        y = sosfiltfilt(self._sos, y)
        frame = int(round(FRAME_S * self.sr))
        n_frames = len(y) // frame
        if n_frames == 0:
            raise ModelError(f"espeak-ng produced no audio for {text[:40]!r}")
        rms = np.sqrt(np.mean(y[: n_frames * frame].reshape(n_frames, frame) ** 2, axis=1))
        active = rms >= rms.max() * 10.0 ** (TRIM_THRESHOLD_DB / 20.0)
        idx = np.flatnonzero(active)
        first, last = int(idx[0]), int(idx[-1]) + 1
        min_pause = int(round(MIN_PAUSE_S / FRAME_S))
        segments: list[tuple[int, int]] = []
        seg_start = first
        run_start: int | None = None
        for f in range(first, last):
            if active[f]:
                if run_start is not None and f - run_start >= min_pause:
                    segments.append((seg_start, run_start))
                    seg_start = f
                run_start = None
            elif run_start is None:
                run_start = f
        segments.append((seg_start, last))
        offset = first * frame
        out = np.zeros((last - first) * frame, dtype=np.float64)
        fade = max(1, int(_FADE_S * self.sr))
        ramp = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, fade))
        bounds = []
        for a, b in segments:
            s, e = a * frame - offset, b * frame - offset
            piece = y[a * frame : b * frame].copy()
            if len(piece) > 2 * fade:
                piece[:fade] *= ramp
                piece[-fade:] *= ramp[::-1]
            out[s:e] = piece
            bounds.append((s, e))
        speech_power = np.mean(np.concatenate([out[s:e] for s, e in bounds]) ** 2)
        out /= np.sqrt(speech_power)
        # float16 precision (-66 dB) is plenty for telephone speech and halves the disk cache;
        # rounding here keeps cached and fresh utterances identical
        return Speech(out.astype(np.float16).astype(np.float32), tuple(bounds), self.sr)

    def _path(self, key: str) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / key[:2] / f"{key}.npz"

    def _load(self, key: str) -> Speech | None:
        path = self._path(key)
        if path is None or not path.exists():
            return None
        try:
            with np.load(path) as data:
                audio = data["audio"].astype(np.float32)
                bounds = tuple((int(a), int(b)) for a, b in data["segments"])
            return Speech(audio, bounds, self.sr)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("ignoring unreadable TTS cache file %s: %s", path, exc)
            return None

    def _store(self, key: str, speech: Speech) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                np.savez(
                    fh,
                    audio=speech.audio.astype(np.float16),
                    segments=np.asarray(speech.segments, np.int64),
                )
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("cannot write TTS cache file %s: %s", path, exc)


def _parse_wav(data: bytes) -> tuple[np.ndarray, int]:
    """16-bit mono WAV bytes from espeak-ng's --stdout (its size fields may be unset)."""
    pos = data.find(b"fmt ")
    sr = int.from_bytes(data[pos + 12 : pos + 16], "little") if pos >= 0 else 22050
    pos = data.find(b"data")
    if pos < 0:
        with wave.open(io.BytesIO(data)) as w:  # pragma: no cover - espeak always writes "data"
            return np.frombuffer(w.readframes(w.getnframes()), "<i2") / 32768.0, w.getframerate()
    body = data[pos + 8 :]
    body = body[: len(body) // 2 * 2]
    return np.frombuffer(body, dtype="<i2").astype(np.float32) / 32768.0, sr


__all__ = [
    "MIN_PAUSE_S",
    "TRIM_THRESHOLD_DB",
    "EspeakTTS",
    "Speech",
    "TTSUnavailableError",
    "Voice",
    "default_cache_dir",
]
