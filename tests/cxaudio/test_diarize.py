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
from cxaudio.diarization import features, pipeline
from cxaudio.diarization.activity import mask_to_runs, smooth_mask
from cxaudio.diarization.features import MonoFeatures
from cxaudio.diarization.labels import cluster_windows, label_frames, speaker_count_range
from cxaudio.diarization.params import MonoParams, search_space
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


def _features(ceps: np.ndarray, change: int, step: int = 80) -> MonoFeatures:
    """Synthetic front-end output: one speech region, 1.6 s windows every ``step`` frames whose
    embeddings are mixes of two orthogonal voices in proportion to the frames of each."""
    n = len(ceps)
    starts = np.arange(0, n - 159, step)
    windows = np.stack([starts, np.full(len(starts), 160)], axis=1)
    share_b = np.clip((starts + 160 - change) / 160, 0, 1)
    emb = np.zeros((len(starts), 256), np.float32)
    emb[:, 0], emb[:, 1] = 1 - share_b, share_b
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    return MonoFeatures(np.ones(n, bool), windows, emb, ceps.astype(np.float16), n * 0.01)


@pytest.mark.parametrize("change", [517, 1043])
def test_frame_labels_place_a_change_without_pause_finer_than_windows(change: int) -> None:
    rng = np.random.default_rng(change)
    n = 1600
    ceps = rng.normal(size=(n, 19)).astype(np.float32)
    ceps[change:] += 0.8  # speaker B from ``change``, no pause
    feat = _features(ceps, change)
    windows_labels = (feat.embeddings[:, 1] > feat.embeddings[:, 0]).astype(np.int64)
    path = label_frames(feat, windows_labels, 2, MonoParams())
    found = int(np.flatnonzero(np.diff(path))[0]) + 1
    assert len(np.flatnonzero(np.diff(path))) == 1
    assert abs(found - change) <= 30  # 0.3 s; the windows are 1.6 s long, 0.8 s apart


def test_count_check_separates_one_voice_from_two() -> None:
    rng = np.random.default_rng(1)
    a, b = np.eye(256)[0], np.eye(256)[1]
    one = a + 0.3 * rng.normal(size=(200, 256)) / 16
    two = np.concatenate([one[:100], b + 0.3 * rng.normal(size=(100, 256)) / 16])
    one /= np.linalg.norm(one, axis=1, keepdims=True)
    two /= np.linalg.norm(two, axis=1, keepdims=True)
    p = MonoParams()
    assert cluster_windows(one, 1, 3, p)[1] == 1
    assert cluster_windows(two, 1, 3, p)[1] == 2
    assert cluster_windows(one, 2, 2, p)[1] == 2  # told (or the two-party default): two
    assert speaker_count_range(None, None, None) == (2, 2)
    assert speaker_count_range(3, None, None) == (3, 3)
    assert speaker_count_range(None, 1, None) == (1, 8)


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
    assert d.method == "embedding" and not d.overlap_aware
    assert d.speakers == ["SPK1", "SPK2"]
    assert d.roles == {"SPK1": "agent", "SPK2": "customer"}
    assert der(ref, d) < 0.06
    assert d.segments[0].speaker == "SPK1"


def test_mono_num_speakers() -> None:
    audio, ref = make_call(4, leak_db=None)
    mono = audio.sum(axis=0)
    d = cxaudio.diarize(mono, SR, num_speakers=2)
    assert len(d.speakers) == 2 and der(ref, d) < 0.06


def test_mono_single_speaker() -> None:
    audio, _ = make_call(5, leak_db=None)
    agent = audio[0]  # the agent's channel alone
    assert len(cxaudio.diarize(agent, SR).speakers) == 2  # a call is two parties by default
    d = cxaudio.diarize(agent, SR, min_speakers=1, max_speakers=3)
    assert d.speakers == ["SPK1"] and d.roles == {"SPK1": "agent"}
    two = cxaudio.diarize(audio.sum(axis=0), SR, min_speakers=1, max_speakers=3)
    assert two.speakers == ["SPK1", "SPK2"]


def test_extra_speakers_take_the_nearer_role() -> None:
    audio, _ = make_call(5, leak_db=None)
    d = cxaudio.diarize(audio.sum(axis=0), SR, num_speakers=3)
    assert len(d.speakers) == 3
    assert set(d.roles) == set(d.speakers)  # every speaker's speech goes to a party
    assert set(d.roles.values()) == {"agent", "customer"}


def test_mono_chunked_file_equals_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cxaudio.diarization import _audio

    audio, ref = make_call(6, duration_s=30.0, leak_db=None)
    mono = audio.sum(axis=0)
    whole = cxaudio.diarize(mono, SR)
    path = tmp_path / "mono.wav"
    sf.write(path, mono, SR, subtype="FLOAT")
    monkeypatch.setattr(_audio, "BLOCK_S", 3.3)
    monkeypatch.setattr(features, "CHUNK_FRAMES", 700)
    chunked = cxaudio.diarize(path)
    assert der(whole, chunked) < 0.005
    assert der(ref, chunked) < 0.06


def test_hook_reports_progress() -> None:
    audio, _ = make_call(7, duration_s=12.0, leak_db=None)
    seen: list[tuple[str, int, int]] = []
    artifacts: dict[str, object] = {}

    def hook(step: str, artifact: object, completed: int, total: int) -> None:
        seen.append((step, completed, total))
        artifacts[step] = artifact

    cxaudio.diarize(audio.sum(0), SR, hook=hook)
    steps = {s for s, _, _ in seen}
    assert {"energy", "embeddings", "features", "clustering", "labels"} <= steps
    assert isinstance(artifacts["features"], MonoFeatures)
    assert artifacts["labels"].shape == artifacts["features"].speech.shape
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
        ({"switch_cost": -1.0}, r"switch_cost=-1.0 must be a number in \[0.0, 150.0\]"),
        ({"min_gap_s": float("nan")}, "min_gap_s=nan"),
        ({"reseg_iterations": 2.5}, "reseg_iterations=2.5 must be an int"),
        ({"window_step_s": 0.2}, "window_step_s=0.2"),
        ({"count_margin": "1"}, "count_margin='1'"),
    ],
)
def test_bad_mono_params(kwargs: dict, match: str) -> None:
    with pytest.raises(cxaudio.ParameterError, match=match):
        MonoParams(**kwargs)


def test_mono_params_are_a_small_declared_search_space() -> None:
    space = search_space()
    assert len(space) <= 12
    for name, (default, rng, doc) in space.items():
        rng.check(name, default)  # every default inside its range
        assert doc


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
# noise
# ------------------------------------------------------------------------------------------


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
