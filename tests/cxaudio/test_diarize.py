"""``cxaudio.diarize``: kernels, stereo by channel, mono by embeddings, chunking, bad input.

Calls are made here from espeak-ng's Vietnamese voices (two parties of different voice and
pitch, 8 kHz, pauses between turns), with the reference turns known by construction.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import cxaudio
from cxaudio.diarization import _kernels as K
from cxaudio.diarization import pipeline
from cxaudio.diarization.activity import mask_to_runs, smooth_mask
from cxaudio.types import Diarization, SpeakerTurn

SR = 8000
PHRASES = (
    "Xin chào quý khách, em có thể giúp gì cho anh chị hôm nay ạ",
    "Tôi muốn hỏi về hóa đơn cước tháng này, sao lại cao như vậy",
    "Dạ vâng, anh chờ em một chút để em kiểm tra thông tin nhé",
    "Mạng nhà tôi bị chậm từ tuần trước đến giờ vẫn chưa được sửa",
    "Em xin lỗi vì sự bất tiện này, em sẽ chuyển yêu cầu cho bộ phận kỹ thuật",
    "Được rồi, cảm ơn em",
    "Số của tôi là không chín tám bảy sáu năm bốn ba hai một",
)
VOICES = {"agent": ("vi+m3", 35), "customer": ("vi+f2", 70)}

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


@cache
def _tts(text: str, voice: str, pitch: int) -> np.ndarray:
    import soxr

    raw = subprocess.run(
        ["espeak-ng", "-v", voice, "-p", str(pitch), "--stdout", text],
        capture_output=True,
        check=True,
    ).stdout
    y, sr = sf.read(io.BytesIO(raw), dtype="float32")
    y = soxr.resample(y, sr, SR).astype(np.float32)
    idx = np.flatnonzero(np.abs(y) > 1e-3)
    y = y[idx[0] : idx[-1] + 1]
    return y / np.sqrt(np.mean(y**2)) * 0.08


@cache
def make_call(seed: int, duration_s: float = 45.0, leak_db: float | None = -25.0):
    """Stereo call ``(2, n)`` (agent, customer), its reference turns, optional crosstalk."""
    rng = np.random.default_rng(seed)
    t, speaker, placed = 0.4, "agent", []
    while t < duration_s:
        voice, pitch = VOICES[speaker]
        y = _tts(PHRASES[int(rng.integers(len(PHRASES)))], voice, pitch)
        placed.append((t, speaker, y))
        t += len(y) / SR + rng.uniform(0.4, 1.2)
        speaker = "customer" if speaker == "agent" else "agent"
    n = int((t + 0.5) * SR)
    audio = np.zeros((2, n), np.float32)
    turns = []
    for start, spk, y in placed:
        i = int(start * SR)
        audio[0 if spk == "agent" else 1, i : i + len(y)] += y
        turns.append(SpeakerTurn(start, start + len(y) / SR, spk))
    audio += rng.standard_normal(audio.shape).astype(np.float32) * 2e-4
    if leak_db is not None:
        audio = audio + np.float32(10 ** (leak_db / 20)) * audio[::-1]
    ref = Diarization.from_turns(turns, n / SR)
    return audio, ref


def der(ref: Diarization, hyp: Diarization) -> float:
    from pyannote.metrics.diarization import DiarizationErrorRate

    metric = DiarizationErrorRate(collar=0.0, skip_overlap=False)
    return float(metric(ref.to_annotation(), hyp.to_annotation(), uem=_uem(ref.duration_s)))


def _uem(duration_s: float):  # noqa: ANN202
    from pyannote.core import Segment, Timeline

    return Timeline([Segment(0, duration_s)])


# ------------------------------------------------------------------------------------------
# kernels vs numpy references
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("hop", [80, 160, 441])
def test_block_energy_kernel_matches_reference(hop: int) -> None:
    y = (np.random.default_rng(hop).standard_normal(hop * 50 + 7) * 0.1).astype(np.float32)
    y[hop * 10 : hop * 12] = 0.0
    np.testing.assert_allclose(K.block_energy_db(y, hop), K.block_energy_db_ref(y, hop), atol=1e-3)


@pytest.mark.parametrize("k", [1, 2, 4])
def test_viterbi_kernel_matches_reference(k: int) -> None:
    rng = np.random.default_rng(k)
    score = rng.normal(size=(300, k))
    cost = rng.uniform(0, 3, size=300)
    np.testing.assert_array_equal(K.viterbi(score, cost), K.viterbi_ref(score, cost))


def test_viterbi_switch_cost_smooths() -> None:
    score = np.zeros((100, 2))
    score[:, 0] = 1.0
    score[40:43, 1] = 3.0  # a 3-frame blip towards state 1
    assert set(K.viterbi(score, np.full(100, 10.0))) == {0}
    assert K.viterbi(score, np.zeros(100))[41] == 1


def test_smooth_mask_fills_gaps_and_drops_blips() -> None:
    m = np.zeros(100, bool)
    m[10:30] = True
    m[33:60] = True  # gap of 3 frames
    m[80:82] = True  # blip
    out = smooth_mask(m, min_gap=5, min_len=4)
    assert mask_to_runs(out).tolist() == [[10, 60]]


def test_resegmentation_locates_change_finer_than_window() -> None:
    rng = np.random.default_rng(0)
    n, change = 1000, 517
    ceps = rng.normal(size=(n, 19)).astype(np.float32)
    ceps[change:] += 1.5  # speaker B from frame 517
    speech = np.ones(n, bool)
    windows = np.array([[s, 160] for s in range(0, n - 159, 160)])
    labels = np.array([0 if s + 80 < change else 1 for s, _ in windows])
    path = pipeline._resegment(ceps, speech, windows, labels, 2, pipeline.MonoParams())
    found = int(np.flatnonzero(np.diff(path))[0]) + 1
    assert abs(found - change) <= 5  # 50 ms, the window is 1.6 s


# ------------------------------------------------------------------------------------------
# stereo
# ------------------------------------------------------------------------------------------


def test_stereo_by_channel_with_crosstalk() -> None:
    audio, ref = make_call(1)
    d = cxaudio.diarize(audio, SR)
    assert d.method == "channel" and d.overlap_aware
    assert d.speakers == ["agent", "customer"]
    assert d.roles == {"agent": "agent", "customer": "customer"}
    assert der(ref, d) < 0.03


def test_stereo_channel_map_assigns_roles() -> None:
    audio, ref = make_call(1)
    d = cxaudio.diarize(audio, SR, channel_map={0: "customer", 1: "agent"})
    swapped = Diarization.from_turns(
        [
            SpeakerTurn(t.start, t.end, "customer" if t.speaker == "agent" else "agent")
            for t in d.segments
        ],
        d.duration_s,
    )
    assert der(ref, swapped) < 0.03
    assert ref.segments[0].speaker == "agent"  # the call opens on channel 0
    assert d.segments[0].speaker == "customer"


def test_stereo_file_equals_array(tmp_path: Path) -> None:
    audio, _ = make_call(2, duration_s=25.0)
    path = tmp_path / "call.wav"
    sf.write(path, audio.T, SR, subtype="FLOAT")
    a = cxaudio.diarize(audio, SR)
    b = cxaudio.diarize(path)
    assert a.segments == b.segments
    assert b.duration_s == pytest.approx(audio.shape[1] / SR)


# ------------------------------------------------------------------------------------------
# mono
# ------------------------------------------------------------------------------------------


def test_mono_finds_two_speakers() -> None:
    audio, ref = make_call(3, leak_db=None)
    d = cxaudio.diarize(audio.sum(axis=0), SR, device="cpu")
    assert d.method == "embedding" and d.overlap_aware
    assert not pipeline.diarize(
        audio.sum(axis=0), SR, params=pipeline.MonoParams(overlap=False)
    ).overlap_aware
    assert d.speakers == ["SPK1", "SPK2"]
    assert d.roles == {"SPK1": "agent", "SPK2": "customer"}
    assert der(ref, d) < 0.06
    assert d.segments[0].speaker == "SPK1"


def test_mono_num_speakers_and_agglomerative() -> None:
    audio, ref = make_call(4, leak_db=None)
    mono = audio.sum(axis=0)
    d = cxaudio.diarize(mono, SR, num_speakers=2)
    assert len(d.speakers) == 2 and der(ref, d) < 0.06
    params = pipeline.MonoParams(cluster_method="agglomerative")
    d2 = cxaudio.diarize(mono, SR, params=params)
    assert len(d2.speakers) == 2 and der(ref, d2) < 0.06


def test_mono_single_speaker() -> None:
    audio, _ = make_call(5, leak_db=None)
    d = cxaudio.diarize(audio[0], SR)  # the agent's channel alone
    assert d.speakers == ["SPK1"]


def test_mono_chunked_file_equals_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cxaudio.diarization import _audio

    audio, ref = make_call(6, duration_s=30.0, leak_db=None)
    mono = audio.sum(axis=0)
    whole = cxaudio.diarize(mono, SR)
    path = tmp_path / "mono.wav"
    sf.write(path, mono, SR, subtype="FLOAT")
    monkeypatch.setattr(_audio, "BLOCK_S", 3.3)
    monkeypatch.setattr(pipeline, "CHUNK_FRAMES", 700)
    chunked = cxaudio.diarize(path)
    assert der(whole, chunked) < 0.005
    assert der(ref, chunked) < 0.06


def test_hook_reports_progress() -> None:
    audio, _ = make_call(7, duration_s=12.0, leak_db=None)
    seen: list[tuple[str, int, int]] = []
    cxaudio.diarize(
        audio.sum(0),
        SR,
        hook=lambda step, _a, completed, total: seen.append((step, completed, total)),
    )
    steps = {s for s, _, _ in seen}
    assert {"energy", "embeddings", "resegmentation"} <= steps
    assert all(c <= t for _, c, t in seen)


def test_silence_gives_no_turns() -> None:
    d = cxaudio.diarize(np.zeros(SR * 5, np.float32), SR)
    assert d.segments == () and d.duration_s == 5.0
    d2 = cxaudio.diarize(np.zeros((2, SR * 5), np.float32), SR)
    assert d2.segments == ()


def test_rttm_round_trip() -> None:
    from cxaudio.types import read_rttm

    audio, _ = make_call(1)
    d = cxaudio.diarize(audio, SR)
    back = read_rttm(d.to_rttm("c1"))["c1"]
    assert len(back) == len(d.segments)
    assert back[0].speaker == d.segments[0].speaker


# ------------------------------------------------------------------------------------------
# bad input
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((np.zeros(800, np.float32),), {}, "sr=None"),
        ((np.zeros(800, np.float32), 8000), {"device": "tpu"}, "device='tpu'"),
        ((np.zeros(800, np.float32), 8000), {"num_speakers": 0}, "num_speakers=0"),
        ((np.zeros(800, np.float32), 8000), {"min_speakers": 3, "max_speakers": 2}, "max_speakers"),
        ((np.zeros((3, 3, 3), np.float32), 8000), {}, "must be"),
        ((np.zeros(0, np.float32), 8000), {}, "non-empty"),
        ((np.full(800, np.nan, np.float32), 8000), {}, "NaN"),
        ((np.zeros(800, np.int16), 8000), {}, "floating point"),
        ((np.zeros((2, 800), np.float32), 8000), {"channel_map": {5: "agent"}}, "channel numbers"),
        ((np.zeros((2, 800), np.float32), 8000), {"channel_map": ["a"]}, "names 1 channels"),
        ((np.zeros((2, 800), np.float32), 8000), {"channel_map": ["a", "a"]}, "distinct"),
        ((np.zeros((2, 800), np.float32), 8000), {"channel_map": "agent"}, "dict"),
        ((np.zeros(800, np.float32), 10), {}, "sr=10"),
    ],
)
def test_bad_arguments(args: tuple, kwargs: dict, match: str) -> None:
    with pytest.raises(cxaudio.ParameterError, match=match):
        cxaudio.diarize(*args, **kwargs)


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(cxaudio.AudioFileError):
        cxaudio.diarize(tmp_path / "missing.wav")
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio")
    with pytest.raises(cxaudio.AudioFileError):
        cxaudio.diarize(text)
    good = tmp_path / "ok.wav"
    sf.write(good, np.zeros(800, np.float32), SR)
    with pytest.raises(cxaudio.ParameterError, match="sr=16000 does not match"):
        cxaudio.diarize(good, 16000)


def test_stereo_file_holding_one_mix_is_diarized_as_mono() -> None:
    audio, ref = make_call(3, leak_db=None)
    mono = audio.sum(axis=0)
    dup = cxaudio.diarize(np.stack([mono, mono]), SR)
    assert dup.method == "embedding" and len(dup.speakers) == 2
    assert der(ref, dup) < 0.06
    one_silent = cxaudio.diarize(np.stack([mono, np.zeros_like(mono)]), SR)
    assert one_silent.method == "embedding" and len(one_silent.speakers) == 2


def test_mono_with_silero_vad() -> None:
    audio, ref = make_call(3, duration_s=30.0, leak_db=None)
    params = pipeline.MonoParams(vad="silero")
    d = cxaudio.diarize(audio.sum(axis=0), SR, params=params)
    assert len(d.speakers) == 2 and der(ref, d) < 0.12


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"vad": "webrtc"}, "vad='webrtc'"),
        ({"cluster_method": "kmeans"}, "cluster_method"),
        ({"overlap_cost": -1.0}, "overlap_cost=-1.0"),
        ({"speech_pad_s": float("nan")}, "speech_pad_s=nan"),
        ({"overlap_max_speakers": 1}, "overlap_max_speakers=1"),
        ({"overlap_sample_frames": 10}, "overlap_sample_frames=10"),
        ({"overlap_components": 0}, "overlap_components=0"),
        ({"overlap_components": 2.5}, "overlap_components=2.5"),
        ({"overlap_bridge_s": -0.1}, "overlap_bridge_s=-0.1"),
        ({"overlap_lead_s": float("inf")}, "overlap_lead_s=inf"),
        ({"overlap_flicker_s": "1"}, "overlap_flicker_s='1'"),
        ({"overlap_held_s": -3.0}, "overlap_held_s=-3.0"),
        ({"overlap_keep_s": None}, "overlap_keep_s=None"),
        ({"overlap_lone_s": -1}, "overlap_lone_s=-1"),
        ({"overlap_weak_bridge_s": float("nan")}, "overlap_weak_bridge_s=nan"),
        ({"turn_pad_s": float("inf")}, "turn_pad_s=inf"),
        ({"overlap_raised_db": float("nan")}, "overlap_raised_db=nan"),
        ({"overlap_model_threshold": 1.0}, "overlap_model_threshold=1.0"),
        ({"overlap_model_min_s": -0.5}, "overlap_model_min_s=-0.5"),
    ],
)
def test_bad_mono_params(kwargs: dict, match: str) -> None:
    with pytest.raises(cxaudio.ParameterError, match=match):
        pipeline.MonoParams(**kwargs)


@pytest.mark.parametrize("shape", [(10,), (2, 10), (900,), (2, 900)])
def test_tiny_audio_gives_no_turns(shape: tuple) -> None:
    y = (np.random.default_rng(0).standard_normal(shape) * 0.1).astype(np.float32)
    d = cxaudio.diarize(y, SR)
    assert d.segments == () and d.duration_s == pytest.approx(shape[-1] / SR)


def test_turn_times_are_plain_floats() -> None:
    import json

    audio, _ = make_call(1, duration_s=12.0)
    d = cxaudio.diarize(audio, SR)
    t = d.segments[0]
    assert type(t.start) is float and type(t.end) is float
    json.dumps(d.serialize())


# ------------------------------------------------------------------------------------------
# overlapped speech (mono) and noise
# ------------------------------------------------------------------------------------------


def test_viterbi_costs_kernel_matches_reference() -> None:
    rng = np.random.default_rng(7)
    score = rng.normal(0, 3, (400, 5))
    cost = rng.uniform(0, 8, (2, 5, 5))
    for c in cost:
        np.fill_diagonal(c, 0.0)
    gap = (rng.random(400) < 0.1).astype(np.int8)
    np.testing.assert_array_equal(
        K.viterbi_costs(score, cost, gap), K.viterbi_costs_ref(score, cost, gap)
    )


@cache
def make_overlap_call(seed: int, overlap_s: float = 1.8, duration_s: float = 70.0):
    """Mono call where every other change of speaker is an interruption: the next speaker starts
    ``overlap_s`` before the other stops. Returns the mix and the reference (turns overlap)."""
    rng = np.random.default_rng(seed)
    t, speaker, placed, k = 0.4, "agent", [], 0
    while t < duration_s:
        voice, pitch = VOICES[speaker]
        y = _tts(PHRASES[int(rng.integers(len(PHRASES)))], voice, pitch)
        placed.append((t, speaker, y))
        end = t + len(y) / SR
        k += 1
        t = end - overlap_s if k % 2 == 0 and len(y) / SR > overlap_s + 1.0 else end + 0.6
        speaker = "customer" if speaker == "agent" else "agent"
    n = int((t + 3.0) * SR)
    audio = np.zeros(n, np.float32)
    turns = []
    for start, spk, y in placed:
        i = int(start * SR)
        audio[i : i + len(y)] += y * (1.0 if spk == "agent" else 0.7)
        turns.append(SpeakerTurn(start, start + len(y) / SR, spk))
    audio += rng.standard_normal(n).astype(np.float32) * 2e-4
    return audio, Diarization.from_turns(turns, n / SR)


def _overlap_s(d: Diarization) -> float:
    n = int(d.duration_s * 100) + 1
    act = {}
    for t in d.segments:
        act.setdefault(t.speaker, np.zeros(n, bool))[int(t.start * 100) : int(t.end * 100)] = True
    masks = list(act.values())
    return float(np.sum(masks[0] & masks[1]) / 100) if len(masks) == 2 else 0.0


def test_mono_overlap_goes_to_both_speakers() -> None:
    audio, ref = make_overlap_call(11)
    true_ov = _overlap_s(ref)
    assert true_ov > 8.0
    d = cxaudio.diarize(audio, SR, device="cpu")
    assert len(d.speakers) == 2
    found = _overlap_s(d)
    off = cxaudio.diarize(audio, SR, device="cpu", params=pipeline.MonoParams(overlap=False))
    assert _overlap_s(off) == 0.0
    # most of the overlapped time is given to both speakers, little is invented
    assert 0.5 * true_ov <= found <= 1.3 * true_ov
    assert der(ref, d) < der(ref, off) - 0.02
    # the trained detector adds overlap the rules found too short or missed: closer to the truth
    rules = cxaudio.diarize(audio, SR, params=pipeline.MonoParams(overlap_model=False))
    assert abs(found - true_ov) < abs(_overlap_s(rules) - true_ov)
    assert der(ref, d) < der(ref, rules)
    # one Gaussian per state instead of a mixture: coarser, still finds most of the overlap
    coarse = cxaudio.diarize(audio, SR, params=pipeline.MonoParams(overlap_components=1))
    assert 0.5 * true_ov <= _overlap_s(coarse) <= 1.3 * true_ov


def test_mono_no_overlap_invented_in_turn_taking() -> None:
    audio, ref = make_call(3, leak_db=None)
    d = cxaudio.diarize(audio.sum(axis=0), SR, device="cpu")
    assert _overlap_s(d) < 0.5
    assert der(ref, d) < 0.06


def test_steady_noise_gives_no_speech() -> None:
    rng = np.random.default_rng(0)
    white = rng.standard_normal(SR * 30).astype(np.float32) * 0.05
    spec = np.fft.rfft(rng.standard_normal(SR * 30))
    pink = np.fft.irfft(spec / np.sqrt(np.arange(len(spec)) + 1.0)).astype(np.float32)
    pink *= 0.05 / pink.std()
    for noise in (white, pink):
        d = cxaudio.diarize(noise, SR, device="cpu")
        assert sum(t.duration for t in d.segments) < 0.5
    # speech in the same noise is still found
    audio, _ = make_call(3, leak_db=None)
    speech = audio.sum(axis=0) + rng.standard_normal(audio.shape[1]).astype(np.float32) * 0.005
    assert sum(t.duration for t in cxaudio.diarize(speech, SR, device="cpu").segments) > 20.0


def test_diag_gmm_fits_a_two_cluster_mixture() -> None:
    from cxaudio.diarization._gmm import fit_diag_gmm

    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-3.0, 0.5, (3000, 4)), rng.normal(2.0, 1.0, (1000, 4))])
    gmm = fit_diag_gmm(x, 2, np.random.default_rng(1), max_rows=4000)
    order = np.argsort(gmm.means[:, 0])
    assert np.allclose(gmm.weights[order], [0.75, 0.25], atol=0.02)
    assert np.allclose(gmm.means[order, 0], [-3.0, 2.0], atol=0.1)
    assert np.allclose(np.sqrt(gmm.variances[order, 0]), [0.5, 1.0], atol=0.1)
    # log density: a mixture of two Gaussians, written out
    pts = np.array([[-3.0] * 4, [2.0] * 4, [0.0] * 4])
    dens = sum(
        w * np.prod(np.exp(-0.5 * (pts - m) ** 2 / v) / np.sqrt(2 * np.pi * v), axis=1)
        for w, m, v in zip(gmm.weights, gmm.means, gmm.variances, strict=True)
    )
    assert np.allclose(gmm.loglik(pts), np.log(dens))
    # deterministic for a seed
    again = fit_diag_gmm(x, 2, np.random.default_rng(1), max_rows=4000)
    assert np.array_equal(again.means, gmm.means)


def _tidy(
    states: list[int],
    *,
    pause_after: int | None = None,
    first: list[int] | None = None,
    keep: int = 0,
    lone: int = 0,
    weak_bridge: int | None = None,
) -> list[int]:
    """``_tidy_overlaps`` for two speakers (states 0, 1; 2 = both), 10 ms frames; the first
    pass's speakers are ``first`` (default: the states with each pair frame given to 0)."""
    frames = np.arange(len(states))
    if pause_after is not None:
        frames[pause_after:] += 50
    s = np.array(states, np.int64)
    one = np.where(s == 2, 0, s) if first is None else np.array(first, np.int64)
    out = pipeline._tidy_overlaps(
        s,
        frames,
        one,
        2,
        [(0, 1)],
        min_len=30,
        bridge=100,
        lead=150,
        flicker=120,
        held=300,
        keep=keep,
        lone=lone,
        weak_bridge=weak_bridge,
    )
    return out.tolist()


def test_tidy_overlaps_rules() -> None:
    # a pair run shorter than min_len goes back to the first pass's speaker
    assert _tidy([0] * 50 + [2] * 20 + [0] * 50) == [0] * 120
    # two pieces of one overlap, 0.6 s apart with one speaker between, are one overlap
    assert _tidy([0] * 50 + [2] * 40 + [1] * 60 + [2] * 40 + [1] * 50) == (
        [0] * 50 + [2] * 140 + [1] * 50
    )
    # ... but not 1.3 s apart
    far = [0] * 50 + [2] * 40 + [1] * 130 + [2] * 40 + [1] * 50
    assert _tidy(far) == far
    # the interrupter alone for 1 s (flickering), then the pair: the overlap starts there
    assert _tidy([1] * 200 + [0] * 60 + [1] * 10 + [0] * 30 + [2] * 40 + [0] * 100) == (
        [1] * 200 + [2] * 140 + [0] * 100
    )
    # ... not after a pause (a new turn), nor when the stretch is longer than ``lead``
    paused = [1] * 200 + [0] * 60 + [2] * 40 + [0] * 100
    assert _tidy(paused, pause_after=200) == paused
    slow = [1] * 200 + [0] * 200 + [2] * 40 + [0] * 100
    assert _tidy(slow) == slow
    # first-pass flicker: a speaker for a moment inside the other's speech, no pause either side
    assert _tidy([1] * 200 + [0] * 50 + [1] * 200) == [1] * 200 + [2] * 50 + [1] * 200
    # ... and when the other held on and then the interrupter took over, all of it
    assert _tidy([1] * 200 + [0] * 50 + [1] * 150 + [0] * 100) == [1] * 200 + [2] * 200 + [0] * 100
    # ... but not when the second pass heard the other speaker alone all through the flicker
    # (a raised voice the first pass took for another speaker)
    flick = [1] * 200 + [0] * 50 + [1] * 200
    assert _tidy([1] * 450, first=flick) == [1] * 450
    assert _tidy([1] * 220 + [0] * 30 + [1] * 200, first=flick) == [1] * 200 + [2] * 50 + [1] * 200
    # a longer run is a turn, not a flicker; a flicker after a pause is a turn too
    turn = [1] * 200 + [0] * 200 + [1] * 200
    assert _tidy(turn) == turn
    after_pause = [1] * 200 + [0] * 50 + [1] * 200
    assert _tidy(after_pause, pause_after=200) == after_pause


def test_tidy_overlaps_short_pieces_and_lead_out() -> None:
    # a piece shorter than min_len next to a firm run of the same pair is part of that overlap
    assert _tidy([0] * 100 + [2] * 20 + [0] * 40 + [2] * 80 + [1] * 100) == (
        [0] * 100 + [2] * 140 + [1] * 100
    )
    # ... but not next to a weak one (short, heard as one voice by the first pass): both go
    assert _tidy([0] * 100 + [2] * 20 + [0] * 40 + [2] * 50 + [0] * 100, keep=70) == [0] * 310
    # lead-out: after the pair, one speaker alone for 0.4 s, then the other with no pause: the
    # other never stopped, so those 0.4 s are overlap too
    heard = [1] * 220 + [0] * 100  # the first pass heard speaker 1 until the takeover
    assert _tidy([1] * 100 + [2] * 80 + [1] * 40 + [0] * 100, first=heard) == (
        [1] * 100 + [2] * 120 + [0] * 100
    )
    # ... not across a pause, nor when the one speaker goes on alone for ``lead`` or longer
    paused = [1] * 100 + [2] * 80 + [1] * 40 + [0] * 100
    assert _tidy(paused, first=heard, pause_after=220) == paused
    assert _tidy(paused, first=heard, pause_after=180) == paused
    long_hold = [1] * 100 + [2] * 80 + [1] * 150 + [0] * 100
    assert _tidy(long_hold, first=[1] * 330 + [0] * 100) == long_hold


def test_tidy_overlaps_short_lone_overlap_needs_first_pass_support() -> None:
    # a 0.5 s overlap in the middle of one speaker's speech, where the first pass heard that
    # speaker alone throughout, is dropped when shorter than ``keep`` (0.7 s) ...
    lone = [0] * 100 + [2] * 50 + [0] * 100
    assert _tidy(lone, keep=70) == [0] * 250
    assert _tidy(lone) == lone  # keep=0: the rule is off
    # ... but kept when it is longer
    longer = [0] * 100 + [2] * 80 + [0] * 100
    assert _tidy(longer, keep=70) == longer
    # ... or when the first pass heard the other speaker come in during it
    came_in = [0] * 100 + [2] * 50 + [1] * 100
    assert _tidy(came_in, keep=70, first=[0] * 125 + [1] * 125) == came_in
    # ... or right after it (the first pass's switch at the run's last frame counts)
    assert _tidy(came_in, keep=70, first=[0] * 150 + [1] * 100) == came_in


def test_tidy_overlaps_weak_pieces_bridge_only_when_close() -> None:
    # two 0.4 s pieces 0.9 s apart inside one speaker's speech, each heard by the first pass as
    # that speaker alone (weak): joined by the 1 s bridge they would make a 1.7 s overlap ...
    pieces = [0] * 100 + [2] * 40 + [0] * 90 + [2] * 40 + [0] * 100
    joined = [0] * 100 + [2] * 170 + [0] * 100
    assert _tidy(pieces, keep=70) == joined
    # ... but two weak pieces are joined only within ``weak_bridge``: both go
    assert _tidy(pieces, keep=70, weak_bridge=60) == [0] * 370
    assert _tidy(pieces, keep=70, weak_bridge=95) == joined
    # a weak piece is still joined to a firm run of the same pair within ``bridge``
    firm = [0] * 100 + [2] * 40 + [0] * 90 + [2] * 80 + [1] * 100
    assert _tidy(firm, keep=70, weak_bridge=60) == [0] * 100 + [2] * 210 + [1] * 100


def test_tidy_overlaps_lone_voice_between_pauses() -> None:
    # a 0.9 s overlap inside a turn where the first pass heard one speaker from pause to pause
    # (nobody came in before, during or after it) is dropped when shorter than ``lone``
    turn = [1] * 100 + [0] * 100 + [2] * 90 + [0] * 100
    paused = {"pause_after": 100}
    assert _tidy(turn, lone=120, **paused) == [1] * 100 + [0] * 290
    assert _tidy(turn, **paused) == turn  # lone=0: the rule is off
    assert _tidy(turn, lone=80, **paused) == turn  # long enough
    # without the pause, the first pass heard speaker 1 in the same stretch: kept (and the
    # lead-in rule gives it the second before, where speaker 0 came in)
    assert _tidy(turn, lone=120) == [1] * 100 + [2] * 190 + [0] * 100
    # the same with the other voice only after a pause that follows the turn
    ahead = [0] * 100 + [2] * 90 + [0] * 100 + [1] * 100
    assert _tidy(ahead, lone=120, pause_after=290) == [0] * 290 + [1] * 100
    assert _tidy(ahead, lone=120) == [0] * 100 + [2] * 190 + [1] * 100  # kept, with its lead-out
    # pieces are tested before they are joined: two 0.6 s pieces 0.3 s apart in one voice's
    # stretch would make a 1.5 s overlap, but each is one voice (a raised voice, not two)
    pieces = [1] * 100 + [0] * 100 + [2] * 60 + [0] * 30 + [2] * 60 + [0] * 100
    assert _tidy(pieces, lone=120, **paused) == [1] * 100 + [0] * 350
    assert _tidy(pieces, **paused) == [1] * 100 + [0] * 100 + [2] * 150 + [0] * 100


def test_tidy_overlaps_lead_out_chains() -> None:
    # after the pair the two speakers alternate alone (0.2 s, then 0.5 s; too short for the
    # flicker rule) before speaker 0 holds the floor: all 0.7 s are the overlap's end
    states = [1] * 100 + [2] * 80 + [0] * 20 + [1] * 50 + [0] * 200
    heard = [1] * 180 + [0] * 20 + [1] * 50 + [0] * 200
    assert _tidy(states, first=heard) == [1] * 100 + [2] * 150 + [0] * 200
    # ... only within ``lead`` (1.5 s) in all: 0.2 s + 1.4 s stops after the first
    slow = [1] * 100 + [2] * 80 + [0] * 20 + [1] * 140 + [0] * 200
    slow_heard = [1] * 180 + [0] * 20 + [1] * 140 + [0] * 200
    assert _tidy(slow, first=slow_heard) == [1] * 100 + [2] * 100 + [1] * 140 + [0] * 200


def test_pad_into_silence() -> None:
    active = np.zeros((2, 30), bool)
    active[0, 5:10] = True  # pause either side
    active[1, 10:15] = True  # starts right where speaker 0 ends
    active[0, 16:20] = True  # a 1-frame pause before it
    active[1, 27:30] = True  # at the end of the call
    pipeline._pad_into_silence(active, 2)
    assert np.flatnonzero(active[0]).tolist() == [3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 18, 19, 20, 21]
    # speaker 1 could not widen into speaker 0's frames, nor into the pause speaker 0 took
    assert np.flatnonzero(active[1]).tolist() == [10, 11, 12, 13, 14, 25, 26, 27, 28, 29]
    assert not (active[0] & active[1]).any()
    unchanged = active.copy()
    pipeline._pad_into_silence(active, 0)
    assert np.array_equal(active, unchanged)


def test_mono_raised_voice_is_not_overlap() -> None:
    """A customer who gets loud (+10 dB) for their last turns is still one voice."""
    audio, ref = make_call(5, duration_s=90.0, leak_db=None)
    customer = [t for t in ref.segments if t.speaker == "customer"]
    cut = int(customer[len(customer) // 2].start * SR)
    audio[1, cut:] *= np.float32(10 ** (10 / 20))
    mono = audio.sum(axis=0)
    d = cxaudio.diarize(mono, SR, device="cpu")
    assert len(d.speakers) == 2 and d.overlap_aware
    assert _overlap_s(d) < 0.5
    m = cxaudio.metrics.conversation_metrics(d)
    assert m.interruptions_agent == 0 and m.interruptions_customer == 0


# the trained overlap detector (models/overlap)


def test_overlap_features_see_the_pitch_jump_between_two_voices() -> None:
    from cxaudio.diarization._overlap_model import FEATURE_NAMES, overlap_features

    n, k = 1000, 2
    frames = np.arange(n)
    first = np.array([0] * 500 + [1] * 500)
    f0 = np.where(first == 0, 200.0, 100.0).astype(np.float32)  # an octave apart
    f0[200:300:2] = 100.0  # speaker 1's pitch every other frame inside speaker 0's turn
    loglik = np.zeros((n, 3))
    loglik[np.arange(n), first] = 5.0
    x = overlap_features(
        loglik, k, frames, first, first, np.zeros(n), f0, np.full(n, 0.8, np.float32)
    )
    assert x.shape == (n, len(FEATURE_NAMES)) and np.isfinite(x).all()
    col = dict(zip(FEATURE_NAMES, x.T, strict=True))
    assert np.allclose(col["pitch_separation"], 1.0)  # 12 semitones
    assert col["pitch_other_31"][250] == pytest.approx(0.5, abs=0.05)
    assert col["pitch_other_31"][100] == 0.0 and col["pitch_other_31"][800] == 0.0
    assert col["pitch_switches_51"][250] > 2.0 and col["pitch_switches_51"][100] == 0.0
    assert col["margin_1"][0] == pytest.approx(-0.5)  # the pair lost by 5 nats
    # unvoiced everywhere: the pitch columns are zero, nothing breaks
    quiet = np.full(n, np.nan, np.float32)
    y = overlap_features(loglik, k, frames, first, first, np.zeros(n), quiet, quiet * 0)
    assert (y[:, FEATURE_NAMES.index("pitch_separation")] == 0).all()


def test_detected_overlaps_become_pair_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    from cxaudio.diarization import _overlap_model as om

    # a model whose probability follows the first feature alone (a steep logistic)
    f = len(om.FEATURE_NAMES)
    w1 = np.zeros((f, 1), np.float32)
    w1[0, 0] = 1.0
    sharp = om.OverlapModel(
        mean=np.zeros(f, np.float32),
        std=np.ones(f, np.float32),
        w1=w1,
        b1=np.zeros(1, np.float32),
        w2=np.array([40.0], np.float32),
        b2=-20.0,
        features=om.FEATURE_NAMES,
    )
    monkeypatch.setattr(pipeline, "load_overlap_model", lambda: sharp)
    n, k = 600, 2
    x = np.zeros((n, f), np.float32)
    x[100:180, 0] = 1.0  # 0.8 s of two voices
    x[300:330, 0] = 1.0  # 0.3 s: shorter than overlap_model_min_s
    x[450:520, 0] = 1.0  # 0.7 s touching a pair run found by the rules
    states = np.array([0] * 250 + [1] * 250 + [2] * 50 + [1] * 50)  # 1 alone 2 s: no lead-in
    loglik = np.zeros((n, 3))
    frames, pairs = np.arange(n), [(0, 1)]
    p = pipeline.MonoParams(overlap_model_smooth_s=0.0)
    out = pipeline._add_detected_overlaps(states, x, loglik, frames, k, pairs, p)
    want = states.copy()
    want[100:180] = 2
    want[450:520] = 2  # joined to the rules' run
    assert out.tolist() == want.tolist()
    longer = pipeline.MonoParams(overlap_model_min_s=0.75, overlap_model_smooth_s=0.0)
    got = pipeline._add_detected_overlaps(states, x, loglik, frames, k, pairs, longer)
    assert got.tolist() == np.where(np.arange(n) < 300, want, states).tolist()  # 0.7 s: left
    # averaged over 0.5 s, the 0.3 s run stays too short (0.1 s at most above 0.5)
    smoothed = pipeline._add_detected_overlaps(
        states, x, loglik, frames, k, pairs, pipeline.MonoParams()
    )
    assert (smoothed[200:440] == states[200:440]).all()
    assert (smoothed[100:180] == 2).all() and (smoothed[:90] == 0).all()
    # led in: speaker 1 talking, speaker 0 alone for 0.4 s without a pause, then the detected
    # overlap: speaker 0 came in while 1 still spoke, the 0.4 s are the overlap's start
    led = np.array([1] * 200 + [0] * 400)
    x2 = np.zeros((n, f), np.float32)
    x2[240:320, 0] = 1.0
    got = pipeline._add_detected_overlaps(led, x2, loglik, frames, k, pairs, p)
    assert got.tolist() == [1] * 200 + [2] * 120 + [0] * 280
    paused = np.concatenate([np.arange(200), np.arange(230, 630)])  # a pause before speaker 0
    got = pipeline._add_detected_overlaps(led, x2, loglik, paused, k, pairs, p)
    assert got.tolist() == [1] * 200 + [0] * 40 + [2] * 80 + [0] * 280


def test_overlap_model_for_other_features_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from cxaudio.diarization import _overlap_model as om
    from cxvoc.modelfiles import ModelFileError, sha256_file

    folder = tmp_path / "overlap"
    folder.mkdir()
    with open(folder / "overlap.npz", "wb") as fh:
        np.savez(fh, features=np.array(["margin_1", "energy_9"]))
    manifest = {"name": "overlap", "file": "overlap.npz", "sha256": sha256_file(fh.name)}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setenv("CX_MODELS_DIR", str(tmp_path))
    om.load_overlap_model.cache_clear()
    try:
        with pytest.raises(ModelFileError, match=r"overlap\.npz.*retrain with models/overlap"):
            om.load_overlap_model()
    finally:
        om.load_overlap_model.cache_clear()


def test_overlap_model_file_is_the_manifests() -> None:
    from cxaudio.diarization._overlap_model import FEATURE_NAMES, load_overlap_model

    model = load_overlap_model()
    assert model.features == FEATURE_NAMES
    assert model.w1.shape == (len(FEATURE_NAMES), model.b1.shape[0])
    prob = model.probability(np.zeros((3, len(FEATURE_NAMES)), np.float32))
    assert ((prob > 0) & (prob < 1)).all()


def test_pitch_track_in_blocks_equals_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    from cxaudio.diarization._audio import open_source

    audio, _ = make_call(6, duration_s=20.0, leak_db=None)
    mono = audio.sum(axis=0).astype(np.float32)
    hz, _, prob = cxaudio.pitch(mono, SR, fmin=60.0, fmax=400.0, hop_length=80)
    n = len(hz)
    monkeypatch.setattr(pipeline, "CHUNK_FRAMES", 230)  # 2.3 s blocks
    got_hz, got_prob = pipeline._pitch_track(open_source(mono, SR), n)
    voiced = np.isfinite(hz)
    assert voiced.mean() > 0.3
    assert (np.isfinite(got_hz) == voiced).mean() > 0.995  # voicing hysteresis at block edges
    both = voiced & np.isfinite(got_hz)
    assert np.allclose(got_hz[both], hz[both]) and np.allclose(got_prob, prob)
