"""Decoding audio files: :func:`load`, :func:`info` and the chunked reader :func:`stream`.

Decoding is done by libsndfile (through ``soundfile``): WAV (PCM 8/16/24/32-bit, float,
µ-law and A-law as PBX systems export them), FLAC, OGG/Vorbis/Opus, MP3, AU, AIFF, W64, RF64.
Resampling uses ``soxr``. Audio comes back as ``float32`` in [-1, 1]: 1-D ``(n,)`` for a mono
file (or with ``mono=True``), ``(channels, n)`` for several channels.

Every problem with a file raises :class:`cxaudio.AudioFileError` naming the file and the problem;
bad arguments raise :class:`cxaudio.ParameterError`.
"""

from __future__ import annotations

import logging
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
import soxr

from .errors import AudioFileError, ParameterError

__all__ = ["AudioInfo", "info", "load", "stream", "SUPPORTED_EXTENSIONS"]

logger = logging.getLogger(__name__)

# extension -> container family detected from the first bytes of the file
SUPPORTED_EXTENSIONS: dict[str, str] = {
    ".wav": "wav",
    ".wave": "wav",
    ".bwf": "wav",
    ".rf64": "wav",
    ".w64": "w64",
    ".flac": "flac",
    ".ogg": "ogg",
    ".oga": "ogg",
    ".opus": "ogg",
    ".mp3": "mp3",
    ".au": "au",
    ".snd": "au",
    ".aif": "aiff",
    ".aiff": "aiff",
    ".caf": "caf",
}

# WAV format tags libsndfile decodes (PCM, ADPCM, float, A-law, µ-law, GSM 6.10, G.721, MP3, ext.)
_WAV_TAGS = {
    0x0001: "PCM",
    0x0002: "MS ADPCM",
    0x0003: "IEEE float",
    0x0006: "A-law",
    0x0007: "µ-law",
    0x0011: "IMA ADPCM",
    0x0031: "GSM 6.10",
    0x0040: "G.721 ADPCM",
    0x0055: "MPEG Layer III",
    0xFFFE: "extensible",
}
_WAV_TAG_NAMES = {
    0x0022: "TrueSpeech",
    0x0050: "MPEG",
    0x0064: "G.726 ADPCM",
    0x0065: "G.722 ADPCM",
    0x0083: "G.729",
    0x0133: "G.729A",
    0x0161: "Windows Media Audio",
    0x0270: "Sony ATRAC3",
    0x1610: "AAC (HE)",
    0x00FF: "AAC",
}


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What :func:`info` learns from a file header without decoding the samples."""

    path: str
    sr: int
    channels: int
    frames: int
    format: str
    subtype: str
    declared_frames: int | None = None
    """Frames the header promises (a WAV data chunk's size) when it says more than the file holds."""

    @property
    def duration_s(self) -> float:
        return self.frames / self.sr if self.sr else 0.0

    @property
    def truncated(self) -> bool:
        """The header declares more audio than the file holds (a cut-off copy or upload)."""
        return self.declared_frames is not None and self.declared_frames > self.frames

    def serialize(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sr": self.sr,
            "channels": self.channels,
            "frames": self.frames,
            "duration_s": self.duration_s,
            "format": self.format,
            "subtype": self.subtype,
            "declared_frames": self.declared_frames,
        }


def _sniff(head: bytes) -> str | None:
    """Container family from the first bytes, or None when it is not a known audio file."""
    if head[:4] in (b"RIFF", b"RIFX", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"riff":
        return "w64"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0):
        return "mp3"
    if head[:4] == b".snd":
        return "au"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head[:4] == b"caff":
        return "caf"
    return None


def _describe_head(head: bytes) -> str:
    text = _as_text(head[:512])
    if text is not None:
        return f"it looks like text, not audio: {text[:32]!r}…"
    return f"its first bytes are {head[:8]!r}"


def _as_text(sample: bytes) -> str | None:
    """``sample`` decoded when it reads as text (UTF-8 or UTF-16 with a BOM), else None.

    A multi-byte character cut off at the end of the sample does not make it binary.
    """
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if sample.startswith(bom):
            sample, encoding = sample[2 : len(sample) - len(sample) % 2], codec
            break
    else:
        sample, encoding = sample.removeprefix(b"\xef\xbb\xbf"), "utf-8"
    for cut in range(4):
        try:
            text = sample[: len(sample) - cut].decode(encoding)
        except UnicodeDecodeError:
            continue
        if text and all(c.isprintable() or c in "\r\n\t" for c in text):
            return text
        return None
    return None


def _wav_format_tag(head: bytes) -> int | None:
    """The format tag of the ``fmt `` chunk of a RIFF/WAVE header, if found in ``head``."""
    if head[:4] != b"RIFF":
        return None
    pos = 12
    while pos + 8 <= len(head):
        cid, size = head[pos : pos + 4], struct.unpack("<I", head[pos + 4 : pos + 8])[0]
        if cid == b"fmt ":
            if pos + 10 > len(head):
                return None
            tag = struct.unpack("<H", head[pos + 8 : pos + 10])[0]
            if tag == 0xFFFE and pos + 8 + 26 <= len(head):  # WAVE_FORMAT_EXTENSIBLE subformat
                tag = struct.unpack("<H", head[pos + 8 + 24 : pos + 8 + 26])[0]
            return int(tag)
        pos += 8 + size + (size & 1)
    return None


def _wav_declared_frames(head: bytes, file_size: int) -> int | None:
    """Frames a RIFF/WAVE header declares in its data chunk, when more than the file holds.

    None when the header agrees with the file, or leaves the size open (0 or 0xFFFFFFFF, as
    streaming writers do).
    """
    if head[:4] != b"RIFF":
        return None
    pos, align = 12, 0
    while pos + 8 <= len(head):
        cid, size = head[pos : pos + 4], struct.unpack("<I", head[pos + 4 : pos + 8])[0]
        if cid == b"fmt " and pos + 22 <= len(head):
            align = struct.unpack("<H", head[pos + 20 : pos + 22])[0]
        if cid == b"data":
            if size in (0, 0xFFFFFFFF) or not align:
                return None
            held = file_size - (pos + 8)
            return size // align if size > held else None
        pos += 8 + size + (size & 1)
    return None


def _check_file(path: str | os.PathLike[str]) -> Path:
    """Validate a path before decoding; raise AudioFileError naming the problem."""
    if not isinstance(path, str | os.PathLike):
        raise ParameterError(f"path={path!r} must be a str or os.PathLike")
    p = Path(path)
    if not p.exists():
        raise AudioFileError(f"{p}: file not found")
    if not p.is_file():
        raise AudioFileError(f"{p}: not a regular file")
    size = p.stat().st_size
    if size == 0:
        raise AudioFileError(f"{p}: file is empty (0 bytes)")
    ext = p.suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        accepted = ", ".join(sorted(SUPPORTED_EXTENSIONS))
        raise AudioFileError(
            f"{p}: unsupported file extension {p.suffix or '(none)'!r}; accepted: {accepted}"
        )
    with open(p, "rb") as fh:
        head = fh.read(4096)
    kind = _sniff(head)
    if kind is None:
        raise AudioFileError(
            f"{p}: not an audio file ({size} bytes; {_describe_head(head)}); "
            f"expected {SUPPORTED_EXTENSIONS[ext].upper()} content for a {ext} file"
        )
    if kind != SUPPORTED_EXTENSIONS[ext]:
        raise AudioFileError(
            f"{p}: wrong extension: the content is {kind.upper()} but the name ends in {ext!r}; "
            f"rename the file to match its content"
        )
    if kind == "wav":
        tag = _wav_format_tag(head)
        if tag is not None and tag not in _WAV_TAGS:
            name = _WAV_TAG_NAMES.get(tag, "unknown")
            supported = ", ".join(sorted(set(_WAV_TAGS.values()) - {"extensible"}))
            raise AudioFileError(
                f"{p}: unsupported codec in WAV: format tag 0x{tag:04X} ({name}); "
                f"supported WAV codecs: {supported}; convert it first (e.g. `sox in.wav -e "
                f"signed -b 16 out.wav`)"
            )
    return p


def _open(p: Path) -> sf.SoundFile:
    try:
        return sf.SoundFile(str(p))
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        detail = str(exc).split(":", 1)[-1].strip() if ":" in str(exc) else str(exc)
        raise AudioFileError(
            f"{p}: cannot decode: corrupt or unsupported header ({detail})"
        ) from None


def _check_sr(sr: int | None) -> int | None:
    if sr is None:
        return None
    if isinstance(sr, bool) or not isinstance(sr, int | np.integer) or sr <= 0:
        raise ParameterError(
            f"sr={sr!r} must be a positive integer (Hz) or None to keep the file's"
        )
    return int(sr)


def info(path: str | os.PathLike[str]) -> AudioInfo:
    """Header facts of an audio file (sample rate, channels, frames) without decoding it.

    >>> meta = cxaudio.info("call.wav")
    >>> meta.sr, meta.channels, meta.duration_s
    (8000, 2, 183.4)
    """
    p = _check_file(path)
    with open(p, "rb") as raw:
        head = raw.read(4096)
    with _open(p) as fh:
        frames = max(int(fh.frames), 0)
        declared = _wav_declared_frames(head, p.stat().st_size)
        return AudioInfo(
            path=str(p),
            sr=int(fh.samplerate),
            channels=int(fh.channels),
            frames=frames,
            format=str(fh.format),
            subtype=str(fh.subtype),
            declared_frames=declared if declared is not None and declared > frames else None,
        )


def _finish(block: np.ndarray, mono: bool) -> np.ndarray:
    """(n, ch) float32 -> (ch, n) or (n,) contiguous, clipped to [-1, 1]."""
    out = block.mean(axis=1, dtype=np.float32) if mono or block.shape[1] == 1 else block.T
    out = np.ascontiguousarray(out, dtype=np.float32)
    np.clip(out, -1.0, 1.0, out=out)
    return out


def load(
    path: str | os.PathLike[str],
    *,
    sr: int | None = None,
    mono: bool = False,
    offset_s: float = 0.0,
    duration_s: float | None = None,
    min_duration_s: float = 0.01,
) -> tuple[np.ndarray, int]:
    """Decode an audio file to float32 in [-1, 1].

    Returns ``(y, sr)``: ``y`` is 1-D ``(n,)`` for a mono file or with ``mono=True`` (channels are
    averaged), else ``(channels, n)`` (a stereo call keeps agent and customer apart). ``sr=None``
    keeps the file's rate; any other rate resamples with soxr (high quality).
    ``offset_s`` / ``duration_s`` read a part of the file. A file (or part) shorter than
    ``min_duration_s`` raises :class:`AudioFileError` (pass ``min_duration_s=0`` to allow it).

    >>> y, sr = cxaudio.load("call.wav")             # stereo PBX export: y.shape == (2, n)
    >>> y, sr = cxaudio.load("call.mp3", sr=16000, mono=True)
    """
    target = _check_sr(sr)
    if offset_s < 0:
        raise ParameterError(f"offset_s={offset_s!r} must be >= 0")
    if duration_s is not None and duration_s <= 0:
        raise ParameterError(f"duration_s={duration_s!r} must be > 0 or None")
    if min_duration_s < 0:
        raise ParameterError(f"min_duration_s={min_duration_s!r} must be >= 0")
    p = _check_file(path)
    with _open(p) as fh:
        file_sr = int(fh.samplerate)
        start = int(round(offset_s * file_sr))
        count = -1 if duration_s is None else int(round(duration_s * file_sr))
        total = int(fh.frames)
        if start:
            fh.seek(min(start, max(fh.frames, 0)))
        want = max(total - start, 0) if count < 0 else min(count, max(total - start, 0))
        data = _read_blocks(fh, p, want, target, mono)
    n = data.shape[-1]
    out_sr = target or file_sr
    if n == 0 and start > 0:
        raise AudioFileError(
            f"{p}: offset_s={offset_s} is at or past the end of the audio "
            f"({max(total, 0) / file_sr:.3f} s)"
        )
    if n == 0:
        raise AudioFileError(f"{p}: no audio samples (header declares {file_sr} Hz but no data)")
    if n < min_duration_s * out_sr:
        raise AudioFileError(
            f"{p}: audio is too short: {n / out_sr * 1000:.1f} ms ({n} frames at {out_sr} Hz), "
            f"shorter than min_duration_s={min_duration_s}; pass min_duration_s=0 to load it anyway"
        )
    return data, out_sr


_BLOCK_FRAMES = 1 << 18  # 5.5 s at 48 kHz: the decoder's working set, whatever the file's length


def _read_blocks(
    fh: sf.SoundFile, p: Path, want: int, target: int | None, mono: bool
) -> np.ndarray:
    """Decode ``want`` frames in blocks into one preallocated array, resampling block by block.

    Peak memory is the output (at the target rate) plus one block, not the file at its own rate
    in several copies. A file whose data ends before its header says (a cut-off copy) gives the
    frames decoded up to the damage, with a logged warning; nothing decodable raises.
    """
    file_sr, channels = int(fh.samplerate), int(fh.channels)
    out_sr = target or file_sr
    resampler = (
        soxr.ResampleStream(file_sr, out_sr, channels, dtype="float32", quality="HQ")
        if out_sr != file_sr
        else None
    )
    rows = 1 if mono or channels == 1 else channels
    capacity = int(np.ceil(want * out_sr / file_sr)) + 16
    out = np.empty((rows, capacity), dtype=np.float32)
    filled = read = 0
    while read < want:
        try:
            block = fh.read(frames=min(_BLOCK_FRAMES, want - read), dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError) as exc:
            if read == 0:
                raise AudioFileError(f"{p}: cannot decode samples: corrupt data ({exc})") from None
            logger.warning(
                "%s: data ends after %d of %d frames (%s); using the decoded part",
                p,
                read,
                want,
                exc,
            )
            block = np.zeros((0, channels), dtype=np.float32)
        read += block.shape[0]
        last = block.shape[0] == 0 or read >= want
        if resampler is not None:
            block = resampler.resample_chunk(block, last=last)
        if block.shape[0]:
            piece = _finish(block, mono)
            piece = piece.reshape(rows, -1)
            if filled + piece.shape[1] > out.shape[1]:
                out = np.concatenate([out[:, :filled], piece], axis=1)
            else:
                out[:, filled : filled + piece.shape[1]] = piece
            filled += piece.shape[1]
        if last:
            break
    if filled < out.shape[1]:  # compact the rows in place: no second copy of a long file
        flat = out.reshape(-1)
        for r in range(1, rows):
            flat[r * filled : (r + 1) * filled] = out[r, :filled]
        out = flat[: rows * filled].reshape(rows, filled)
    return out[0] if rows == 1 else out


def stream(
    path: str | os.PathLike[str],
    *,
    block_s: float = 60.0,
    sr: int | None = None,
    mono: bool = False,
) -> Iterator[tuple[np.ndarray, int]]:
    """Read a long file in consecutive blocks of about ``block_s`` seconds.

    Yields ``(y, sr)`` pairs shaped as :func:`load` returns them; concatenating the blocks along the
    last axis gives the same signal as :func:`load` (resampling is streamed, so block edges leave
    no seams). Memory stays at one block whatever the file's length.

    >>> for y, sr in cxaudio.stream("6h_call.wav", block_s=300, sr=16000):
    ...     process(y)
    """
    target = _check_sr(sr)
    if not block_s > 0:
        raise ParameterError(f"block_s={block_s!r} must be > 0 (seconds)")
    p = _check_file(path)
    with _open(p) as fh:
        file_sr = int(fh.samplerate)
        out_sr = target or file_sr
        resampler = (
            soxr.ResampleStream(file_sr, out_sr, fh.channels, dtype="float32", quality="HQ")
            if out_sr != file_sr
            else None
        )
        frames = max(1, int(round(block_s * file_sr)))
        total = 0
        while True:
            try:
                data = fh.read(frames=frames, dtype="float32", always_2d=True)
            except (sf.LibsndfileError, RuntimeError) as exc:
                raise AudioFileError(f"{p}: cannot decode samples: corrupt data ({exc})") from None
            last = data.shape[0] < frames
            total += data.shape[0]
            if resampler is not None:
                data = resampler.resample_chunk(data, last=last)
            if data.shape[0]:
                yield _finish(data, mono), out_sr
            if last:
                break
        if total == 0:
            raise AudioFileError(
                f"{p}: no audio samples (header declares {file_sr} Hz but no data)"
            )
