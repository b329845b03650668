from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import cxaudio
from cxaudio import AudioFileError, ParameterError


def _tone(sr: int, seconds: float = 0.5, channels: int = 1, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(sr * seconds)) / sr
    chans = [0.5 * np.sin(2 * np.pi * (300 + 200 * c) * t) for c in range(channels)]
    y = np.stack(chans, axis=1) + 0.01 * rng.standard_normal((t.size, channels))
    return y.astype(np.float32)  # (n, ch) as soundfile writes it


# (extension, format, subtype, max abs error vs the float source)
CODECS = [
    (".wav", "WAV", "PCM_U8", 1.5e-2),
    (".wav", "WAV", "PCM_16", 1e-4),
    (".wav", "WAV", "PCM_24", 1e-6),
    (".wav", "WAV", "PCM_32", 1e-6),
    (".wav", "WAV", "FLOAT", 1e-7),
    (".wav", "WAV", "ULAW", 3e-2),
    (".wav", "WAV", "ALAW", 3e-2),
    (".flac", "FLAC", "PCM_16", 1e-4),
    (".ogg", "OGG", "VORBIS", None),
    (".mp3", "MP3", "MPEG_LAYER_III", None),
]


@pytest.mark.parametrize(("ext", "fmt", "subtype", "tol"), CODECS)
@pytest.mark.parametrize("sr", [8000, 16000, 44100, 48000])
def test_load_codecs_and_rates(tmp_path: Path, ext, fmt, subtype, tol, sr) -> None:
    if fmt == "MP3" and sr not in (8000, 16000, 44100, 48000):
        pytest.fail("unexpected rate")
    src = _tone(sr)
    path = tmp_path / f"x_{subtype}{ext}"
    sf.write(path, src, sr, format=fmt, subtype=subtype)
    y, got_sr = cxaudio.load(path)
    assert got_sr == sr
    assert y.dtype == np.float32 and y.ndim == 1
    assert np.abs(y).max() <= 1.0
    if tol is not None:
        assert y.shape == (src.shape[0],)
        assert np.abs(y - src[:, 0]).max() < tol
    else:  # lossy codecs: same length (within codec padding) and strongly correlated
        n = min(y.size, src.shape[0])
        assert abs(y.size - src.shape[0]) < 0.1 * sr
        best = max(
            np.corrcoef(y[lag : n - 2000 + lag], src[: n - 2000, 0])[0, 1] for lag in range(0, 1200)
        )
        assert best > 0.9


def test_stereo_kept_as_channels_and_mono_mix(tmp_path: Path) -> None:
    src = _tone(8000, channels=2)
    path = tmp_path / "stereo.wav"
    sf.write(path, src, 8000, subtype="PCM_16")
    y, sr = cxaudio.load(path)
    assert sr == 8000 and y.shape == (2, src.shape[0]) and y.flags.c_contiguous
    np.testing.assert_allclose(y, src.T, atol=1e-4)
    m, _ = cxaudio.load(path, mono=True)
    np.testing.assert_allclose(m, src.mean(axis=1), atol=1e-4)


@pytest.mark.parametrize(("src_sr", "dst_sr"), [(8000, 16000), (48000, 16000), (44100, 8000)])
def test_resampling_keeps_a_tone(tmp_path: Path, src_sr: int, dst_sr: int) -> None:
    t = np.arange(src_sr) / src_sr
    path = tmp_path / "tone.wav"
    sf.write(path, (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), src_sr, subtype="FLOAT")
    y, sr = cxaudio.load(path, sr=dst_sr)
    assert sr == dst_sr and abs(y.size - dst_sr) <= 1
    ref = 0.5 * np.sin(2 * np.pi * 440 * np.arange(y.size) / dst_sr)
    assert np.abs(y[200:-200] - ref[200:-200]).max() < 1e-3


def test_info_and_offset(tmp_path: Path) -> None:
    src = _tone(16000, seconds=2.0, channels=2)
    path = tmp_path / "a.flac"
    sf.write(path, src, 16000, subtype="PCM_16")
    meta = cxaudio.info(path)
    assert (meta.sr, meta.channels, meta.frames) == (16000, 2, 32000)
    assert meta.duration_s == pytest.approx(2.0)
    assert meta.serialize()["format"] == "FLAC"
    y, _ = cxaudio.load(path, offset_s=0.5, duration_s=1.0)
    np.testing.assert_allclose(y, src[8000:24000].T, atol=1e-4)


@pytest.mark.parametrize("sr", [None, 16000])
@pytest.mark.parametrize("channels", [1, 2])
def test_stream_concatenates_to_load(tmp_path: Path, sr, channels: int) -> None:
    src = _tone(8000, seconds=3.3, channels=channels)
    path = tmp_path / "long.wav"
    sf.write(path, src, 8000, subtype="PCM_16")
    blocks = list(cxaudio.stream(path, block_s=1.0, sr=sr))
    assert len(blocks) >= 3
    joined = np.concatenate([b for b, _ in blocks], axis=-1)
    whole, _ = cxaudio.load(path, sr=sr)
    assert joined.shape == whole.shape
    if sr is None:
        np.testing.assert_array_equal(joined, whole)
    else:  # streamed and one-shot soxr agree up to filter precision
        assert np.abs(joined - whole).max() < 1e-3


# ---- bad input: each gives AudioFileError naming the file and the problem ----


def _wav_bytes(tag: int = 1, bits: int = 16, data: bytes = b"\x00\x00" * 800) -> bytes:
    block = bits // 8
    fmt = struct.pack("<HHIIHH", tag, 1, 8000, 8000 * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    out: dict[str, tuple[Path, str]] = {}
    p = tmp / "corrupt.wav"
    raw = bytearray(_wav_bytes())
    raw[22:36] = b"\x00" * 14  # PCM, but 0 channels, 0 Hz, 0 bits: a broken fmt chunk
    p.write_bytes(bytes(raw))
    out["corrupt header"] = (p, "corrupt or unsupported header")
    p = tmp / "truncated.wav"
    p.write_bytes(_wav_bytes()[:30])  # cut inside the fmt chunk
    out["truncated header"] = (p, "corrupt or unsupported header")
    p = tmp / "empty.wav"
    p.write_bytes(b"")
    out["zero-length"] = (p, "empty")
    p = tmp / "short.wav"
    sf.write(p, np.zeros(8, np.float32), 8000, subtype="PCM_16")  # 1 ms
    out["1 ms"] = (p, "too short")
    p = tmp / "call.m4a"
    sf.write(tmp / "tmp.wav", np.zeros(800, np.float32), 8000)
    p.write_bytes((tmp / "tmp.wav").read_bytes())
    out["unknown extension"] = (p, "unsupported file extension")
    p = tmp / "really_flac.wav"
    sf.write(p, np.zeros(800, np.float32), 8000, format="FLAC")
    out["wrong extension"] = (p, "wrong extension")
    p = tmp / "g729.wav"
    p.write_bytes(_wav_bytes(tag=0x0083, bits=16))
    out["unsupported codec"] = (p, "unsupported codec")
    p = tmp / "notes.wav"
    p.write_text("call notes: customer asked about the bill\n" * 20)
    out["text named .wav"] = (p, "not an audio file")
    return out


@pytest.mark.parametrize(
    "case",
    [
        "corrupt header",
        "truncated header",
        "zero-length",
        "1 ms",
        "unknown extension",
        "wrong extension",
        "unsupported codec",
        "text named .wav",
    ],
)
def test_bad_input_raises_audio_file_error(tmp_path: Path, case: str) -> None:
    path, words = _bad_files(tmp_path)[case]
    with pytest.raises(AudioFileError) as err:
        cxaudio.load(path)
    msg = str(err.value)
    assert str(path) in msg and words in msg.replace(str(path), "")
    assert isinstance(err.value, cxaudio.CxAudioError)


def test_short_file_loads_when_allowed(tmp_path: Path) -> None:
    p = tmp_path / "short.wav"
    sf.write(p, np.full(8, 0.25, np.float32), 8000, subtype="PCM_16")
    y, sr = cxaudio.load(p, min_duration_s=0)
    assert sr == 8000 and y.shape == (8,) and np.allclose(y, 0.25, atol=1e-4)


def test_text_file_error_says_it_is_text(tmp_path: Path) -> None:
    p = tmp_path / "notes.wav"
    p.write_text("hello")
    with pytest.raises(AudioFileError, match="looks like text"):
        cxaudio.info(p)


def test_missing_file_and_bad_parameters(tmp_path: Path) -> None:
    with pytest.raises(AudioFileError, match="not found"):
        cxaudio.load(tmp_path / "nope.wav")
    p = tmp_path / "ok.wav"
    sf.write(p, np.zeros(800, np.float32), 8000)
    with pytest.raises(ParameterError, match="sr=-1"):
        cxaudio.load(p, sr=-1)
    with pytest.raises(AudioFileError, match="offset_s=5 is at or past the end"):
        cxaudio.load(p, offset_s=5)
    with pytest.raises(ParameterError, match="block_s=0"):
        next(cxaudio.stream(p, block_s=0))
