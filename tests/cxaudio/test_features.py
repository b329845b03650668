"""Each feature kernel against a plain-numpy or librosa reference, with stated tolerances."""

from __future__ import annotations

import math
from pathlib import Path

import librosa
import numpy as np
import pytest
import scipy.signal

import cxaudio
from cxaudio import ParameterError
from cxaudio.features import _kernels as K

DATA = Path(__file__).parent / "data"


def _noise(sr: int, seconds: float = 2.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    # coloured noise: a spectrum with slope, so log-mel bands differ
    y = scipy.signal.lfilter([1.0], [1.0, -0.9], rng.standard_normal(int(sr * seconds)))
    return (0.05 * y).astype(np.float32)


def _voice(sr: int, seconds: float = 3.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A harmonic 'voice' with a gliding f0 and light noise; returns (y, f0 per sample)."""
    rng = np.random.default_rng(seed)
    n = int(sr * seconds)
    f0 = 140.0 + 40.0 * np.sin(2 * np.pi * 0.4 * np.arange(n) / sr)
    phase = np.cumsum(2 * np.pi * f0 / sr)
    y = sum((0.3 / k) * np.sin(k * phase) for k in range(1, 9)) + 0.005 * rng.standard_normal(n)
    return y.astype(np.float32), f0


# ---- framing ----


@pytest.mark.parametrize(("n", "frame", "hop"), [(1000, 200, 80), (200, 200, 1), (199, 200, 80)])
def test_frame_matches_sliding_window_view(n: int, frame: int, hop: int) -> None:
    y = _noise(8000, n / 8000)
    got = cxaudio.frame(y, frame_length=frame, hop_length=hop)
    want = (
        np.lib.stride_tricks.sliding_window_view(y, frame)[::hop]
        if n >= frame
        else np.empty((0, frame))
    )
    np.testing.assert_array_equal(got, want)


# ---- spectra ----


@pytest.mark.parametrize("n_fft", [16, 64, 256, 512, 1024])
def test_fft_kernel_matches_numpy_rfft(n_fft: int) -> None:
    """Tolerance: 1e-5 of the spectrum's peak (float32 FFT)."""
    rng = np.random.default_rng(n_fft)
    y = rng.standard_normal(n_fft * 20).astype(np.float32)
    hop = n_fft // 4
    n_frames = 1 + (y.size - n_fft) // hop
    w = scipy.signal.get_window("hann", n_fft).astype(np.float32)
    got = K.power_spectrogram(y, n_fft, hop, w, n_frames)
    frames = np.lib.stride_tricks.sliding_window_view(y.astype(np.float64), n_fft)[::hop][:n_frames]
    want = (np.abs(np.fft.rfft(frames * w, axis=1)) ** 2).T
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1e-5 * want.max()


@pytest.mark.parametrize("center", [True, False])
def test_power_spectrogram_matches_librosa_stft(center: bool) -> None:
    y = _noise(16000)
    got = cxaudio.power_spectrogram(y, 16000, n_fft=512, hop_length=160, center=center)
    want = (
        np.abs(librosa.stft(y, n_fft=512, hop_length=160, center=center, pad_mode="constant")) ** 2
    )
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1e-5 * want.max()


@pytest.mark.parametrize(
    ("sr", "n_fft", "hop", "n_mels", "fmin", "fmax"),
    [
        (8000, 256, 80, 40, 0.0, None),
        (8000, 512, 80, 64, 60.0, 3800.0),
        (16000, 512, 160, 64, 0.0, None),
        (16000, 400 + 112, 160, 80, 20.0, 7600.0),
        (44100, 2048, 512, 128, 0.0, None),
    ],
)
def test_log_mel_matches_librosa(sr, n_fft, hop, n_mels, fmin, fmax) -> None:
    """Tolerance: 1e-3 dB on bands above -80 dB re the peak (float32 round-off below)."""
    y = _noise(sr, 1.5, seed=sr)
    got = cxaudio.log_mel(y, sr, n_fft=n_fft, hop_length=hop, n_mels=n_mels, fmin=fmin, fmax=fmax)
    mel = librosa.feature.melspectrogram(
        y=y, sr=sr, n_fft=n_fft, hop_length=hop, n_mels=n_mels, fmin=fmin, fmax=fmax
    )
    want = librosa.power_to_db(mel, top_db=None)
    assert got.shape == want.shape and got.dtype == np.float32
    live = want > want.max() - 80
    assert np.abs(got - want)[live].max() < 1e-3
    np.testing.assert_allclose(
        cxaudio.mel_filterbank(sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax),
        librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax),
        atol=1e-6,
    )


def test_log_mel_top_db_and_defaults() -> None:
    y = _noise(8000)
    y[4000:8000] = 0.0
    S = cxaudio.log_mel(y, 8000, top_db=60.0)
    assert S.shape == (64, 1 + y.size // 80)  # defaults: n_fft 256, hop 10 ms, 64 mels
    assert S.min() == pytest.approx(S.max() - 60.0)
    want = librosa.power_to_db(
        librosa.feature.melspectrogram(y=y, sr=8000, n_fft=256, hop_length=80, n_mels=64),
        top_db=60.0,
    )
    np.testing.assert_allclose(S, want, atol=1e-3)


def _ref_slope(P: np.ndarray, freqs_khz: np.ndarray) -> np.ndarray:
    db = 10 * np.log10(np.maximum(P, 1e-10))
    return np.array([np.polyfit(freqs_khz, db[:, t], 1)[0] for t in range(P.shape[1])])


@pytest.mark.parametrize(("fmin", "fmax"), [(0.0, None), (500.0, 1500.0), (0.0, 500.0)])
def test_spectral_slope_matches_polyfit(fmin: float, fmax: float | None) -> None:
    """Tolerance: 1e-3 dB/kHz relative to the slopes' spread."""
    sr = 8000
    y = _noise(sr, 1.0)
    got = cxaudio.spectral_slope(y, sr, n_fft=256, hop_length=80, fmin=fmin, fmax=fmax)
    P = np.abs(librosa.stft(y, n_fft=256, hop_length=80, pad_mode="constant")) ** 2
    freqs = np.linspace(0, sr / 2, 129)
    band = (freqs >= fmin) & (freqs <= (fmax or sr / 2))
    want = _ref_slope(P[band], freqs[band] / 1000)
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3)


def test_spectral_slope_sign_follows_tilt() -> None:
    sr = 8000
    rng = np.random.default_rng(0)
    white = (0.1 * rng.standard_normal(sr)).astype(np.float32)
    dark = scipy.signal.lfilter([1.0], [1.0, -0.95], white).astype(np.float32) * 0.1
    bright = np.diff(white, prepend=0.0).astype(np.float32)
    s = {
        k: np.median(cxaudio.spectral_slope(v, sr))
        for k, v in [("w", white), ("d", dark), ("b", bright)]
    }
    assert s["d"] < -3.0 < s["w"] < 1.0 < s["b"]


# ---- levels ----


@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize(("frame", "hop"), [(200, 80), (400, 160), (256, 256)])
def test_rms_and_zcr_match_librosa(center: bool, frame: int, hop: int) -> None:
    y = _noise(8000, 1.3)
    y[100:300] = 0.0
    got = cxaudio.rms(y, 8000, frame_length=frame, hop_length=hop, center=center)
    want = librosa.feature.rms(
        y=y, frame_length=frame, hop_length=hop, center=center, pad_mode="constant"
    )[0]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    got = cxaudio.zero_crossing_rate(y, 8000, frame_length=frame, hop_length=hop, center=center)
    want = librosa.feature.zero_crossing_rate(y, frame_length=frame, hop_length=hop, center=center)
    np.testing.assert_allclose(got, want[0], atol=1e-7)


def test_rms_db_of_known_levels() -> None:
    sr = 8000
    t = np.arange(sr) / sr
    sine = np.sin(2 * np.pi * 440 * t).astype(np.float32)
    db = cxaudio.rms_db(sine, sr, center=False)
    np.testing.assert_allclose(db, 20 * np.log10(1 / math.sqrt(2)), atol=0.05)
    np.testing.assert_allclose(cxaudio.rms_db(0.1 * sine, sr, center=False), -23.01, atol=0.05)
    assert cxaudio.rms_db(np.zeros(800, np.float32), sr).max() == pytest.approx(-120.0)


def test_biquad_matches_scipy_lfilter() -> None:
    y = _noise(16000)
    (bs, as_), (bh, ah) = cxaudio.k_weighting(16000)
    np.testing.assert_allclose(K.biquad(y, bs, as_), scipy.signal.lfilter(bs, as_, y), atol=1e-9)
    np.testing.assert_allclose(K.biquad(y, bh, ah), scipy.signal.lfilter(bh, ah, y), atol=1e-9)


def test_k_weighting_equals_bs1770_table_at_48k() -> None:
    (bs, as_), (bh, ah) = cxaudio.k_weighting(48000)
    np.testing.assert_allclose(
        bs, [1.53512485958697, -2.69169618940638, 1.19839281085285], atol=1e-8
    )
    np.testing.assert_allclose(as_, [1.0, -1.69065929318241, 0.73248077421585], atol=1e-8)
    np.testing.assert_allclose(bh, [1.0, -2.0, 1.0])
    np.testing.assert_allclose(ah, [1.0, -1.99004745483398, 0.99007225036621], atol=1e-8)


def _ref_lufs(y: np.ndarray, sr: int) -> float:
    """Plain numpy/scipy BS.1770-4 integrated loudness."""
    chans = np.atleast_2d(y).astype(np.float64)
    (bs, as_), (bh, ah) = cxaudio.k_weighting(sr)
    block, step = round(0.4 * sr), round(0.1 * sr)
    z = 0.0
    for ch in chans:
        w = scipy.signal.lfilter(bh, ah, scipy.signal.lfilter(bs, as_, ch))
        frames = np.lib.stride_tricks.sliding_window_view(w, block)[::step]
        z = z + (frames**2).mean(axis=1)
    with np.errstate(divide="ignore"):
        lk = -0.691 + 10 * np.log10(z)
    gated = z[lk > -70]
    rel = -0.691 + 10 * np.log10(gated.mean()) - 10
    return float(-0.691 + 10 * np.log10(z[(lk > -70) & (lk > rel)].mean()))


@pytest.mark.parametrize("sr", [8000, 16000, 48000])
def test_loudness_lufs(sr: int) -> None:
    t = np.arange(5 * sr) / sr
    sine = np.sin(2 * np.pi * 997 * t).astype(np.float32)
    # BS.1770: a full-scale 997 Hz sine in one channel reads -3.01 LUFS (exact at 48 kHz)
    assert cxaudio.loudness_lufs(sine, sr) == pytest.approx(
        -3.01, abs=0.01 if sr == 48000 else 0.05
    )
    assert cxaudio.loudness_lufs(0.1 * sine, sr) == pytest.approx(
        cxaudio.loudness_lufs(sine, sr) - 20.0, abs=1e-3
    )
    # gating: a quiet stretch does not pull the level down; stereo adds the channels' power
    y = np.concatenate([_noise(sr, 3.0), np.zeros(3 * sr, np.float32)])
    assert cxaudio.loudness_lufs(y, sr) == pytest.approx(_ref_lufs(y, sr), abs=1e-6)
    stereo = np.stack([y, y])
    assert cxaudio.loudness_lufs(stereo, sr) == pytest.approx(_ref_lufs(stereo, sr), abs=1e-6)
    assert cxaudio.loudness_lufs(stereo, sr) == pytest.approx(
        cxaudio.loudness_lufs(y, sr) + 10 * np.log10(2), abs=1e-6
    )
    assert cxaudio.loudness_lufs(np.zeros(sr, np.float32), sr) == float("-inf")


# ---- pitch ----


def _ref_yin_frame(x: np.ndarray, win: int, tau_min: int, tau_max: int, threshold: float):
    """Textbook YIN on one frame, plain numpy."""
    d = np.array([np.sum((x[:win] - x[tau : tau + win]) ** 2) for tau in range(tau_max + 1)])
    cm = np.ones_like(d)
    cm[1:] = d[1:] * np.arange(1, tau_max + 1) / np.cumsum(d[1:])
    below = np.nonzero(cm[tau_min:] < threshold)[0]
    if below.size:
        tau = tau_min + below[0]
        while tau + 1 <= tau_max and cm[tau + 1] < cm[tau]:
            tau += 1
    else:
        tau = tau_min + int(np.argmin(cm[tau_min:]))
    shift = 0.0
    if tau_min < tau < tau_max:
        den = cm[tau - 1] - 2 * cm[tau] + cm[tau + 1]
        if den > 0:
            shift = 0.5 * (cm[tau - 1] - cm[tau + 1]) / den
    return tau + shift, cm[tau]


def test_yin_kernel_matches_numpy_reference() -> None:
    """Tolerance: 1e-6 samples of period, 1e-6 of d'."""
    sr, frame, hop = 8000, 300, 80
    y, _ = _voice(sr, 0.5)
    y = np.concatenate([y, _noise(sr, 0.3)])  # voiced, then noise
    n_frames = 1 + (y.size - frame) // hop
    period, cmnd = K.yin(y, frame, frame // 2, hop, n_frames, 20, 133, 0.15)
    for t in range(n_frames):
        p, c = _ref_yin_frame(y[t * hop : t * hop + frame].astype(np.float64), 150, 20, 133, 0.15)
        assert period[t] == pytest.approx(p, abs=1e-6)
        assert cmnd[t] == pytest.approx(c, abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_grow_runs_matches_connected_components(seed: int) -> None:
    import scipy.ndimage

    rng = np.random.default_rng(seed)
    strict = rng.random(500) < 0.05
    loose = rng.random(500) < 0.6
    labels, _ = scipy.ndimage.label(strict | loose)
    keep = np.unique(labels[strict])
    want = np.isin(labels, keep[keep > 0])
    np.testing.assert_array_equal(K.grow_runs(strict, loose), want)


@pytest.mark.parametrize("sr", [8000, 16000])
def test_pitch_tracks_known_f0(sr: int) -> None:
    """Tolerance: median error < 0.3 %, no frame off by more than 2 % (f0 glides in a frame)."""
    y, f0_true = _voice(sr)
    hop = sr // 100
    f0, voiced, prob = cxaudio.pitch(y, sr, fmin=60, fmax=400, hop_length=hop)
    assert f0.shape == voiced.shape == prob.shape == (1 + y.size // hop,)
    truth = f0_true[np.minimum(np.arange(f0.size) * hop, y.size - 1)]
    inner = slice(5, -5)
    assert voiced[inner].all()
    rel = np.abs(f0[inner] - truth[inner]) / truth[inner]
    assert np.median(rel) < 0.003 and rel.max() < 0.02
    assert (prob[inner] > 0.8).all()


def test_pitch_unvoiced_on_noise_and_silence() -> None:
    sr = 8000
    y = np.concatenate([_noise(sr, 1.0) * 0.5, np.zeros(sr, np.float32)])
    y = np.diff(y, prepend=0.0).astype(np.float32)  # whitened: no periodicity
    f0, voiced, prob = cxaudio.pitch(y, sr)
    assert voiced[5:-5].mean() < 0.05
    assert np.isnan(f0[~voiced]).all()
    assert (prob[-80:] == 0).all()  # silence


def test_pitch_agrees_with_pyin_on_speech() -> None:
    """Gross errors (> 20 % off) on frames both call voiced < 2 %; voicing agrees on > 88 %."""
    sr = 8000
    y = np.concatenate([cxaudio.load(DATA / f"speech_vi_{c}.flac", sr=sr)[0] for c in "ab"])
    f0, voiced, _ = cxaudio.pitch(y, sr, fmin=60, fmax=400, frame_length=512, hop_length=80)
    p0, pv, _ = librosa.pyin(y, sr=sr, fmin=60, fmax=400, frame_length=512, hop_length=80)
    assert f0.shape == p0.shape
    both = voiced & pv
    assert both.sum() > 300
    gross = np.mean(np.abs(f0[both] - p0[both]) / p0[both] > 0.2)
    assert gross < 0.02
    assert np.mean(voiced == pv) > 0.88


# ---- validation ----


def test_features_reject_bad_parameters() -> None:
    y = _noise(8000, 0.5)
    with pytest.raises(ParameterError, match="n_fft=400 must be a power of two"):
        cxaudio.log_mel(y, 8000, n_fft=400)
    with pytest.raises(ParameterError, match="fmax=5000"):
        cxaudio.log_mel(y, 8000, fmax=5000.0)
    with pytest.raises(ParameterError, match=r"shape \(2, 4000\)"):
        cxaudio.rms(np.stack([y, y]), 8000)
    with pytest.raises(ParameterError, match="hop_length=0"):
        cxaudio.zero_crossing_rate(y, 8000, hop_length=0)
    with pytest.raises(ParameterError, match="frame_length=100 is too short"):
        cxaudio.pitch(y, 8000, fmin=60, frame_length=100)
    with pytest.raises(ParameterError, match="fmin=500.0, fmax=400.0"):
        cxaudio.pitch(y, 8000, fmin=500, fmax=400)
    with pytest.raises(ParameterError, match="dtype int16"):
        cxaudio.pitch((y * 1000).astype(np.int16), 8000)
    with pytest.raises(ParameterError, match="sr=0"):
        cxaudio.spectral_slope(y, 0)


def test_public_api_listed() -> None:
    for name in ("load", "info", "stream", "vad", "log_mel", "pitch", "rms", "rms_db"):
        assert name in cxaudio.__all__ and callable(getattr(cxaudio, name))
    for name in ("loudness_lufs", "spectral_slope", "zero_crossing_rate", "frame"):
        assert name in cxaudio.__all__


def test_loudness_lufs_in_chunks_equals_whole_signal(monkeypatch) -> None:
    """Long signals are K-weighted a chunk at a time (no float64 copy of an hour): the filter
    state and the blocks that straddle a chunk edge must give the one-shot values."""
    import cxaudio.features.level as level

    rng = np.random.default_rng(3)
    y = (rng.standard_normal(8000 * 7 + 123) * np.linspace(0.01, 0.5, 8000 * 7 + 123)).astype(
        np.float32
    )
    (bs, as_), (bh, ah) = cxaudio.k_weighting(8000)
    whole = K.block_mean_square(K.biquad(K.biquad(y, bs, as_), bh, ah), 3200, 800)
    for chunk in (100, 799, 5000, 1 << 20):
        monkeypatch.setattr(level, "_LUFS_CHUNK", chunk)
        got = level._weighted_block_ms(y, 3200, 800, (bs, as_), (bh, ah))
        np.testing.assert_allclose(got, whole, rtol=1e-9, atol=0)
    monkeypatch.setattr(level, "_LUFS_CHUNK", 5000)
    assert cxaudio.loudness_lufs(y, 8000) == pytest.approx(_ref_lufs(y, 8000), abs=1e-9)


def test_loudness_of_pieces_equals_loudness_of_their_concatenation() -> None:
    from cxaudio.features.level import loudness_of_pieces

    rng = np.random.default_rng(4)
    pieces = [
        (rng.standard_normal(k) * g).astype(np.float32)
        for k, g in ((5000, 0.3), (17, 0.01), (12000, 0.05), (800, 0.2))
    ]
    whole = cxaudio.loudness_lufs(np.concatenate(pieces), 8000)
    assert loudness_of_pieces(pieces, 8000) == pytest.approx(whole, abs=1e-9)
    assert loudness_of_pieces(pieces[:1], 8000) == pytest.approx(
        cxaudio.loudness_lufs(pieces[0], 8000), abs=1e-9
    )
    assert loudness_of_pieces([pieces[1]], 8000) == float("-inf")  # shorter than a block
