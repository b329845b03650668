"""Decoding odd and long files (issue 17, item 14)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from cxaudio import info, load
from cxaudio.errors import AudioFileError


def test_vietnamese_text_named_wav_is_described_as_text(tmp_path: Path) -> None:
    p = tmp_path / "ghi_chu.wav"
    p.write_text("ạ" * 300 + "\nxin chào", encoding="utf-8")  # byte 256 and 512 fall mid-character
    with pytest.raises(AudioFileError, match="looks like text") as err:
        load(p)
    assert "ạạạ" in str(err.value) and "ghi_chu.wav" in str(err.value)


def test_truncated_wav_header_is_reported_by_info(tmp_path: Path) -> None:
    p = tmp_path / "cut.wav"
    sf.write(p, np.zeros(8000 * 4, np.int16), 8000, subtype="PCM_16")
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    meta = info(p)
    assert meta.truncated and meta.declared_frames == 8000 * 4 and meta.frames < 8000 * 4
    y, sr = load(p)
    assert y.shape[-1] == meta.frames and sr == 8000


def test_block_decode_matches_one_shot_decode(tmp_path: Path) -> None:
    import soxr

    rng = np.random.default_rng(0)
    x = (rng.standard_normal((2, 48000 * 13)) * 0.1).astype(np.float32)
    p = tmp_path / "s.flac"
    sf.write(p, x.T, 48000, subtype="PCM_24")
    y, sr = load(p)
    ref = sf.read(p, dtype="float32")[0].T
    np.testing.assert_array_equal(y, ref)
    y16, sr16 = load(p, sr=16000)
    ref16 = soxr.resample(ref.T, 48000, 16000, quality="HQ").T
    assert sr16 == 16000 and y16.shape == ref16.shape
    np.testing.assert_allclose(y16, ref16, atol=1e-4)


_PEAK = """
import sys
from cxaudio import load
y, sr = load(sys.argv[1], sr=16000)
assert y.shape == (2, 3600 * 16000), y.shape
# VmHWM is this process image's own peak: ru_maxrss also keeps the peak of the parent that
# spawned it (Linux carries it across exec after a vfork), here the whole pytest process
hwm = next(ln for ln in open("/proc/self/status") if ln.startswith("VmHWM:"))
print(int(hwm.split()[1]) / 1024)
"""


@pytest.mark.slow
def test_one_hour_48k_stereo_flac_decodes_under_1_gb(tmp_path: Path) -> None:
    p = tmp_path / "hour.flac"
    t = np.arange(48000 * 60) / 48000
    minute = (0.1 * np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 220 * t)])).T
    with sf.SoundFile(p, "w", 48000, 2, subtype="PCM_16", format="FLAC") as fh:
        for _ in range(60):
            fh.write(minute)
    run = subprocess.run([sys.executable, "-c", _PEAK, str(p)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert float(run.stdout) < 1024  # MB; 3.8 GB when decoded at once
