from __future__ import annotations

import logging
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

import cxaudio
from cxaudio import ModelError, ParameterError, Segment
from cxaudio.vad import SileroVAD, energy_levels
from cxaudio.vad._kernels import frame_energy_db, hysteresis_segments
from cxaudio.vad._session import providers_for

DATA = Path(__file__).parent / "data"
MODELS = Path(__file__).resolve().parents[2] / "models"


# ---- plain-python references of the kernels ----


def ref_hysteresis(score, on, off, min_speech, min_silence):
    starts, ends = [], []
    triggered, start, temp_end = False, 0, -1
    for i, s in enumerate(score):
        if s >= on and temp_end >= 0:
            temp_end = -1
        if s >= on and not triggered:
            triggered, start = True, i
            continue
        if triggered and s < off:
            if temp_end < 0:
                temp_end = i
            if i + 1 - temp_end >= min_silence:
                if temp_end - start >= min_speech:
                    starts.append(start)
                    ends.append(temp_end)
                triggered, temp_end = False, -1
    if triggered and len(score) - start >= min_speech:
        starts.append(start)
        ends.append(len(score) if temp_end < 0 else temp_end)
    return np.array(starts, np.int64), np.array(ends, np.int64)


def ref_energy_db(y, frame, hop, floor_db):
    n_frames = 1 + max(0, math.ceil((len(y) - frame) / hop))
    out = []
    for i in range(n_frames):
        seg = y[i * hop : i * hop + frame].astype(np.float64)
        out.append(10 * np.log10(max(np.mean(seg**2), 10 ** (floor_db / 10))))
    return np.array(out)


@pytest.mark.parametrize("seed", range(5))
def test_hysteresis_kernel_matches_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # a smoothed random walk crosses the thresholds many times
    score = np.convolve(rng.random(3000), np.ones(15) / 15, mode="same").astype(np.float32)
    args = (0.52, 0.47, int(rng.integers(1, 10)), int(rng.integers(1, 10)))
    got = hysteresis_segments(score, *args)
    want = ref_hysteresis(score, *args)
    assert len(want[0]) > 3
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


@pytest.mark.parametrize(("n", "frame", "hop"), [(1000, 200, 80), (1003, 200, 80), (50, 200, 80)])
def test_energy_kernel_matches_reference(n: int, frame: int, hop: int) -> None:
    y = np.random.default_rng(n).standard_normal(n).astype(np.float32) * 0.1
    y[:30] = 0.0
    got = frame_energy_db(y, frame, hop, -120.0)
    np.testing.assert_allclose(got, ref_energy_db(y, frame, hop, -120.0), atol=1e-4)


# ---- synthetic calls with reference segments ----


def _utterances(sr: int) -> list[np.ndarray]:
    return [cxaudio.load(DATA / f"speech_vi_{c}.flac", sr=sr)[0] for c in "abc"]


def _reference(u: np.ndarray, sr: int, offset: float) -> list[tuple[float, float]]:
    """Speech spans of a clean utterance: frames within 40 dB of its peak, pauses < 0.3 s bridged."""
    db, hop_s, frame_s = energy_levels(u, sr)
    on = np.where(db > db.max() - 40)[0]
    spans: list[list[float]] = []
    for i in on:
        t = offset + i * hop_s
        if spans and t - spans[-1][1] < 0.3:
            spans[-1][1] = t + frame_s
        else:
            spans.append([t, t + frame_s])
    return [(a, b) for a, b in spans]


def _scene(sr: int, noise: float = 0.003, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = (noise * rng.standard_normal(sr * 30)).astype(np.float32)
    ref: list[tuple[float, float]] = []
    for pos, u in zip((1.0, 9.5, 17.0), _utterances(sr), strict=True):
        y[int(pos * sr) : int(pos * sr) + u.size] += u
        ref += _reference(u, sr, pos)
    return y, ref


def _mask(segs, total_s: float, step: float = 0.01) -> np.ndarray:
    m = np.zeros(int(total_s / step), bool)
    for s in segs:
        a, b = (s.start, s.end) if isinstance(s, Segment) else s
        m[int(a / step) : int(b / step)] = True
    return m


@pytest.mark.parametrize("backend", ["silero", "energy"])
@pytest.mark.parametrize("sr", [8000, 16000, 44100])
def test_vad_finds_reference_speech(backend: str, sr: int) -> None:
    y, ref = _scene(sr)
    segs = cxaudio.vad(y, sr, backend=backend)
    assert all(isinstance(s, Segment) and s.end > s.start for s in segs)
    assert all(a.end <= b.start for a, b in zip(segs, segs[1:], strict=False))
    hyp, want = _mask(segs, 30.0), _mask(ref, 30.0)
    miss = (want & ~hyp).sum() / want.sum()
    false_alarm = (hyp & ~want).sum() / (~want).sum()
    assert miss < 0.08, f"missed {miss:.1%} of reference speech"
    assert false_alarm < 0.05, f"false alarm {false_alarm:.1%} of non-speech"


@pytest.mark.parametrize("backend", ["silero", "energy"])
def test_vad_digital_silence_does_not_fool_the_noise_floor(backend: str) -> None:
    sr = 8000
    y, ref = _scene(sr, seed=7)
    y[: 8 * sr // 10] = 0.0  # PBX files often start with digital silence
    y = np.concatenate([np.zeros(10 * sr, np.float32), y])
    segs = cxaudio.vad(y, sr, backend=backend)
    hyp = _mask(segs, 40.0)
    want = _mask([(a + 10, b + 10) for a, b in ref], 40.0)
    assert (want & ~hyp).sum() / want.sum() < 0.08
    assert (hyp & ~want).sum() / (~want).sum() < 0.05


@pytest.mark.parametrize("backend", ["silero", "energy"])
def test_vad_no_speech_in_noise_and_silence(backend: str) -> None:
    sr = 8000
    noise = (0.003 * np.random.default_rng(1).standard_normal(sr * 10)).astype(np.float32)
    assert cxaudio.vad(noise, sr, backend=backend) == []
    assert cxaudio.vad(np.zeros(sr * 5, np.float32), sr, backend=backend) == []


def test_silero_pieces_agree_with_sequential_run() -> None:
    sr = 8000
    y, _ = _scene(sr, seed=3)
    model = SileroVAD(device="cpu")
    seq, hop = model.probabilities(y, sr, piece_s=math.inf, skip_quiet_db=None)
    batched, hop2 = model.probabilities(y, sr, piece_s=5.0, warmup_s=1.0, skip_quiet_db=None)
    assert hop == hop2 == 0.032 and seq.shape == batched.shape == (math.ceil(y.size / 256),)
    assert np.abs(seq - batched).mean() < 0.02  # the model has seconds of memory
    assert np.mean((seq > 0.5) == (batched > 0.5)) > 0.98


def test_silero_skips_quiet_stretches_without_changing_decisions() -> None:
    sr = 8000
    rng = np.random.default_rng(6)
    utts = _utterances(sr)
    gap = (0.003 * rng.standard_normal(6 * sr)).astype(np.float32)
    y = np.concatenate([gap, utts[0], gap, utts[1], gap[: 2 * sr], utts[2], gap])
    y[-sr:] = 0.0  # digital silence at the end
    model = SileroVAD(device="cpu")
    full, _ = model.probabilities(y, sr, skip_quiet_db=None)
    gated, _ = model.probabilities(y, sr)
    skipped = gated == 0.0
    assert 0.3 < skipped.mean() < 0.8  # the long pauses are not run
    assert (full[skipped] < 0.35).all()  # the model would have called them non-speech
    assert np.mean((full > 0.5) == (gated > 0.5)) > 0.99
    assert cxaudio.vad(y, sr) == _segments_from(full, sr)


def _segments_from(prob: np.ndarray, sr: int) -> list[Segment]:
    from cxaudio.vad.api import _to_segments

    starts, ends = hysteresis_segments(prob, 0.5, 0.35, math.ceil(0.25 / 0.032), 4)
    return _to_segments(starts, ends, 0.032, 0.032, 0.03, 0.0 + len(prob) * 0.032)


def test_silero_matches_direct_onnx_reference() -> None:
    """Our windowing and context handling reproduce the upstream wrapper's loop."""
    import onnxruntime as ort

    sr = 16000
    y, _ = _scene(sr, seed=4)
    y = y[: sr * 6]
    sess = ort.InferenceSession(
        str(MODELS / "silero_vad" / "silero_vad.onnx"), providers=["CPUExecutionProvider"]
    )
    state = np.zeros((2, 1, 128), np.float32)
    context = np.zeros((1, 64), np.float32)
    want = []
    for i in range(0, y.size, 512):
        chunk = np.zeros((1, 512), np.float32)
        part = y[i : i + 512]
        chunk[0, : part.size] = part
        x = np.concatenate([context, chunk], axis=1)
        out, state = sess.run(None, {"input": x, "state": state, "sr": np.array(sr, np.int64)})
        context = x[:, -64:]
        want.append(out[0, 0])
    model = SileroVAD(device="cpu")
    got, _ = model.probabilities(y, sr, piece_s=math.inf, skip_quiet_db=None)
    np.testing.assert_allclose(got, np.array(want), atol=1e-5)


def test_vad_parameters_shape_segments() -> None:
    sr = 8000
    y, _ = _scene(sr, seed=5)
    default = cxaudio.vad(y, sr, backend="energy", pad_s=0.0)
    merged = cxaudio.vad(y, sr, backend="energy", pad_s=0.0, min_silence_s=1.0)
    assert len(merged) < len(default)
    padded = cxaudio.vad(y, sr, backend="energy", pad_s=0.2, min_silence_s=1.0)
    assert padded[0].start == pytest.approx(merged[0].start - 0.2, abs=1e-3)
    strict = cxaudio.vad(y, sr, backend="energy", min_speech_s=5.0)
    assert all(s.duration >= 5.0 for s in strict)


def test_vad_rejects_bad_input() -> None:
    y = np.zeros((2, 8000), np.float32)
    with pytest.raises(ParameterError, match=r"shape \(2, 8000\)"):
        cxaudio.vad(y, 8000)
    with pytest.raises(ParameterError, match="backend='webrtc'"):
        cxaudio.vad(y[0], 8000, backend="webrtc")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="threshold=1.5"):
        cxaudio.vad(y[0], 8000, threshold=1.5)
    with pytest.raises(ParameterError, match="sr=0"):
        cxaudio.vad(y[0], 0)
    with pytest.raises(ParameterError, match="device='tpu'"):
        cxaudio.vad(y[0], 8000, device="tpu")
    with pytest.raises(ParameterError, match="min_silence_s=-1"):
        cxaudio.vad(y[0], 8000, min_silence_s=-1)


def test_missing_or_corrupt_model_says_how_to_rebuild(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CX_MODELS_DIR", str(tmp_path))
    with pytest.raises(ModelError, match="make models"):
        SileroVAD(device="cpu")
    shutil.copytree(MODELS / "silero_vad", tmp_path / "silero_vad")
    onnx = tmp_path / "silero_vad" / "silero_vad.onnx"
    onnx.write_bytes(onnx.read_bytes()[:-10] + b"corrupted!")
    with pytest.raises(ModelError, match="corrupt.*make models"):
        SileroVAD(device="cpu")


def test_cuda_request_falls_back_to_cpu_with_warning(caplog) -> None:
    import onnxruntime as ort

    has_cuda = "CUDAExecutionProvider" in ort.get_available_providers()
    with caplog.at_level(logging.WARNING, logger="cxaudio.vad._session"):
        providers = providers_for("cuda")
    assert providers[-1] == "CPUExecutionProvider"
    assert (providers[0] == "CUDAExecutionProvider") == has_cuda
    assert ("falling back to CPU" in caplog.text) == (not has_cuda)
    assert providers_for("cpu") == ["CPUExecutionProvider"]
    assert providers_for("auto", prefer_cpu=True) == ["CPUExecutionProvider"]
