from __future__ import annotations

import json

import numpy as np
import pytest

from cxaudio.emotion import (
    EmotionClassifier,
    EmotionParams,
    ProsodyFrames,
    prosody_frames,
    speaker_emotion,
)
from cxaudio.errors import ModelError, ParameterError

HOP = 0.01


def _frames(
    duration: float,
    *,
    rise: tuple[float, float] | None = None,
    gain_db: float = 8.0,
    semitones: float = 4.0,
    seed: int = 0,
) -> ProsodyFrames:
    """Customer prosody: 190 Hz, -30 dB, natural wobble; louder and higher inside ``rise``."""
    rng = np.random.default_rng(seed)
    n = int(duration / HOP)
    t = np.arange(n) * HOP
    st = 12 * np.log2(190.0) + 1.2 * np.sin(2 * np.pi * 0.7 * t) + rng.normal(0, 0.4, n)
    db = -30 + 2.0 * np.sin(2 * np.pi * 0.23 * t) + rng.normal(0, 1.0, n)
    if rise is not None:
        inside = (t >= rise[0]) & (t < rise[1])
        st[inside] += semitones
        db[inside] += gain_db
    voiced = rng.random(n) > 0.3
    f0 = np.where(voiced, 2 ** (st / 12), np.nan)
    syll = 4 * np.abs(np.sin(2 * np.pi * 2.0 * t))  # ~4 nuclei per second
    return ProsodyFrames(HOP, f0, 10 ** (db / 10), db + syll, np.full(n, -12.0), np.full(n, 0.8))


def _turns(duration: float) -> list[tuple[float, float]]:
    """Customer speaks 5 s, the agent 3 s, and so on."""
    out, t = [], 1.0
    while t + 5 < duration:
        out.append((t, t + 5.0))
        t += 8.0
    return out


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_escalation_found_with_times(seed: int) -> None:
    frames = _frames(180.0, rise=(80.0, 110.0), seed=seed)
    emo = speaker_emotion(frames, _turns(180.0), duration_s=180.0)
    assert len(emo.escalations) == 1
    ev = emo.escalations[0]
    assert 74.0 <= ev.start <= 86.0 and 104.0 <= ev.end <= 116.0
    assert 80.0 <= emo.peak_time_s <= 110.0
    assert emo.baseline["pitch_st"] == pytest.approx(12 * np.log2(190.0), abs=1.0)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_calm_call_has_no_escalation(seed: int) -> None:
    emo = speaker_emotion(_frames(180.0, seed=seed), _turns(180.0), duration_s=180.0)
    assert emo.escalations == ()
    assert emo.peak_arousal < EmotionParams().threshold


def test_short_rise_is_not_an_escalation() -> None:
    frames = _frames(180.0, rise=(81.0, 84.5))  # inside one customer turn only
    assert speaker_emotion(frames, _turns(180.0), duration_s=180.0).escalations == ()


def test_trajectory_rising_and_calmer_at_end() -> None:
    rising = speaker_emotion(_frames(180.0, rise=(120.0, 180.0)), _turns(180.0), duration_s=180.0)
    assert rising.trajectory == "rising"
    calmed = speaker_emotion(_frames(180.0, rise=(40.0, 80.0)), _turns(180.0), duration_s=180.0)
    assert calmed.end_arousal < calmed.peak_arousal - 0.3
    d = calmed.serialize()
    assert d["escalated"] is True and d["segments"][0]["deltas"]


def test_no_speech_gives_empty_result() -> None:
    emo = speaker_emotion(_frames(30.0), [], duration_s=30.0)
    assert emo.segments == () and emo.peak_arousal is None


def test_mismatched_frames_are_rejected() -> None:
    with pytest.raises(ParameterError, match="all arrays must share one hop"):
        ProsodyFrames(HOP, np.zeros(10), np.zeros(11), np.zeros(11), np.zeros(11), np.zeros(11))


def test_prosody_frames_with_injected_pitch_tracker() -> None:
    sr = 8000
    t = np.arange(sr * 3) / sr
    y = (0.1 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    y[sr:] *= 4.0  # +12 dB after 1 s
    active = np.zeros(300, np.uint8)
    active[50:250] = 1
    calls = []

    def fake_pitch(seg, sr_, hop, fmin, fmax):
        calls.append(seg.size)
        n = (seg.size - 1) // hop + 1
        return np.full(n, 200.0), np.full(n, 0.9)

    fr = prosody_frames(y, sr, n_frames=300, active=active, pitch=fake_pitch)
    assert len(calls) == 1 and calls[0] < y.size  # only the active stretch was tracked
    assert np.isnan(fr.f0_hz[:50]).all() and np.allclose(fr.f0_hz[60:240], 200.0)
    level = 10 * np.log10(fr.power)
    assert level[200] - level[50] == pytest.approx(12.0, abs=0.5)


# -- the ONNX classifier contract -----------------------------------------------------------
def _tiny_model(
    path, *, labels=("calm", "loud"), sr=8000, window_s=0.5, output="logits", meta=None
) -> None:
    """Logits = [1 - 20·mean|x|, 20·mean|x| - 1]: loud windows are 'loud'."""
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("audio", TensorProto.FLOAT, ["batch", "samples"])
    out = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", len(labels)])
    w = helper.make_tensor("w", TensorProto.FLOAT, [1, 2], [-20.0, 20.0])
    b = helper.make_tensor("b", TensorProto.FLOAT, [2], [1.0, -1.0])
    nodes = [
        helper.make_node("Abs", ["audio"], ["a"]),
        helper.make_node("ReduceMean", ["a"], ["m"], axes=[1], keepdims=1),
        helper.make_node("MatMul", ["m", "w"], ["z"]),
        helper.make_node("Add", ["z", "b"], ["logits"]),
    ]
    graph = helper.make_graph(nodes, "tiny_emotion", [x], [out], initializer=[w, b])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    props = {
        "cxkit.sample_rate": str(sr),
        "cxkit.window_s": str(window_s),
        "cxkit.labels": json.dumps(list(labels)),
        "cxkit.output": output,
        "cxkit.version": "tiny-1",
    }
    props.update(meta or {})
    for k, v in props.items():
        if v is not None:
            onnx.helper.set_model_props(
                model, {**{p.key: p.value for p in model.metadata_props}, k: v}
            )
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def test_classifier_follows_contract(tmp_path) -> None:
    path = tmp_path / "tiny.onnx"
    _tiny_model(path)
    clf = EmotionClassifier(path, device="cpu")
    assert clf.contract.labels == ("calm", "loud") and clf.version == "tiny-1"
    sr = 16000  # resampled to the model's 8 kHz
    t = np.arange(sr * 4) / sr
    y = (0.01 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    y[2 * sr :] *= 30
    result = clf.classify(y, sr, [(0.0, 1.7), (2.2, 3.9)])
    assert [label for label, _ in result] == ["calm", "loud"]
    assert sum(result[0][1].values()) == pytest.approx(1.0)


def test_classifier_metadata_errors(tmp_path) -> None:
    path = tmp_path / "nolabels.onnx"
    _tiny_model(path, meta={"cxkit.labels": "not json"})
    with pytest.raises(ModelError, match="cxkit.labels"):
        EmotionClassifier(path)
    with pytest.raises(ModelError, match="does not exist"):
        EmotionClassifier(tmp_path / "missing.onnx")


def test_band_power_in_blocks_equals_one_shot_filter(monkeypatch) -> None:
    """Band levels are filtered a block at a time (an hour-long call has no full-length filtered
    copy): bit-identical to one sosfilt over the whole signal, frames across block edges too."""
    from scipy.signal import sosfilt

    import cxaudio.emotion.prosody as prosody
    from cxaudio.metrics import _kernels as mk

    rng = np.random.default_rng(5)
    for n in (0, 150, 4001, 23457):
        y = (rng.standard_normal(n) * 0.1).astype(np.float32)
        whole = sosfilt(prosody._sos(8000, 300.0, 2500.0), y).astype(np.float32) if n else y
        ref = mk.frame_power(whole, 200, 80)
        for block in (100, 1000, 1 << 20):
            monkeypatch.setattr(prosody, "_FILTER_BLOCK", block)
            got = prosody._band_power(y, 8000, 300.0, 2500.0, 200, 80)
            assert got.shape == ref.shape and np.array_equal(got, ref), (n, block)
