"""GE2E embeddings: frontend vs librosa, ONNX vs the torch reference, build script, model errors."""

from __future__ import annotations

import importlib.util
import json
import logging
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

import cxaudio
from cxaudio.diarization import _frontend as fe
from cxaudio.diarization.embedding import SpeakerEncoder, get_encoder

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data" / "ge2e_reference.npz"


def _build_module():  # models/ge2e/build.py is a script, not a package module
    spec = importlib.util.spec_from_file_location(
        "ge2e_build", ROOT / "models" / "ge2e" / "build.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_mel_filterbank_matches_librosa() -> None:
    import librosa

    ref = librosa.filters.mel(sr=16000, n_fft=400, n_mels=40)
    np.testing.assert_allclose(fe.mel_filterbank(), ref, rtol=0, atol=1e-7)


@pytest.mark.parametrize("n", [160 * 50, 16000 * 2 + 77, 1601])
def test_mel_power_matches_librosa(n: int) -> None:
    import librosa

    y = (np.random.default_rng(n).standard_normal(n) * 0.1).astype(np.float32)
    ref = librosa.feature.melspectrogram(y=y, sr=16000, n_fft=400, hop_length=160, n_mels=40).T
    out = fe.mel_power(y)
    assert out.shape == ref.shape
    assert np.abs(out - ref).max() <= 1e-5 * ref.max()


def test_mel_power_chunked_equals_whole() -> None:
    y = (np.random.default_rng(1).standard_normal(16000 * 3) * 0.1).astype(np.float32)
    whole = fe.mel_power(y)
    a = fe.mel_power(y[:16000], right=y[16000:])[:100]
    b = fe.mel_power(y[16000:32000], left=y[:16000], right=y[32000:])[:100]
    np.testing.assert_allclose(np.concatenate([a, b]), whole[:200], rtol=1e-5, atol=1e-7)


def test_onnx_reproduces_torch_reference_embeddings() -> None:
    """Reference: torch 2.13 GE2E (Resemblyzer) + librosa frontend, written by
    ``benchmarks/bench_embeddings.py --write-reference``. Tolerance: 1e-4 per component."""
    ref = np.load(DATA)
    signals = np.split(ref["audio"], np.cumsum(ref["lengths"])[:-1])
    assert len(signals) == 3
    for y, expected, first in zip(signals, ref["embeddings"], ref["first_partial"], strict=True):
        y = y.astype(np.float32) / 32767
        got = cxaudio.embed(y, 16000, device="cpu")
        assert got.shape == (256,) and got.dtype == np.float32
        np.testing.assert_allclose(got, expected, atol=1e-4)
        # the network alone on the first partial
        from cxaudio.diarization.embedding import _normalize_volume

        mel = fe.mel_power(np.pad(_normalize_volume(y), (0, 160 * 160)))[:160]
        part = get_encoder(device="cpu").embed_mels(mel[None])[0]
        np.testing.assert_allclose(part, first, atol=1e-4)
    # different voices are told apart
    e = np.stack([cxaudio.embed(s.astype(np.float32) / 32767, 16000) for s in signals])
    assert (e[0] @ e[1]) < 0.8


def test_embed_resamples_8k() -> None:
    ref = np.load(DATA)
    y = ref["audio"][: ref["lengths"][0]].astype(np.float32) / 32767
    import soxr

    y8 = soxr.resample(y, 16000, 8000)
    e16 = cxaudio.embed(y, 16000)
    e8 = cxaudio.embed(y8, 8000)
    assert float(e16 @ e8) > 0.85  # same speaker, telephone band


def test_batching_does_not_change_embeddings() -> None:
    mels = np.random.default_rng(3).gamma(0.5, 0.05, size=(7, 160, 40)).astype(np.float32)
    a = SpeakerEncoder(device="cpu", batch_size=1, intra_op_num_threads=1).embed_mels(mels)
    b = SpeakerEncoder(device="cpu", batch_size=4, intra_op_num_threads=1).embed_mels(mels)
    np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)


def test_encoder_is_cached_per_configuration() -> None:
    assert get_encoder(device="cpu", intra_op_num_threads=1) is get_encoder(
        device="cpu", intra_op_num_threads=1
    )


def test_cuda_request_falls_back_to_cpu_with_warning(caplog: pytest.LogCaptureFixture) -> None:
    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers():
        pytest.skip("this machine has CUDA: the fallback path is not taken")
    with caplog.at_level(logging.WARNING, logger="cxaudio.diarization.embedding"):
        enc = SpeakerEncoder(device="cuda")
    assert enc.device == "cpu"
    assert "falling back to CPU" in caplog.text


@pytest.mark.parametrize(
    "kwargs, match",
    [({"device": "gpu"}, "device='gpu'"), ({"batch_size": 0}, "batch_size=0")],
)
def test_bad_encoder_options(kwargs: dict, match: str) -> None:
    with pytest.raises(cxaudio.ParameterError, match=match):
        SpeakerEncoder(**kwargs)


def test_bad_mels_shape() -> None:
    with pytest.raises(cxaudio.ParameterError, match=r"\(n, frames, 40\)"):
        get_encoder(device="cpu").embed_mels(np.zeros((2, 160, 20), np.float32))


def test_embed_too_short() -> None:
    with pytest.raises(cxaudio.ParameterError, match="too short"):
        cxaudio.embed(np.zeros(10, np.float32), 16000)


def _copy_models(tmp_path: Path) -> Path:
    dst = tmp_path / "ge2e"
    dst.mkdir()
    for name in ("manifest.json", "ge2e.onnx"):
        shutil.copy(ROOT / "models" / "ge2e" / name, dst / name)
    return dst


def test_missing_model_says_how_to_rebuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _copy_models(tmp_path)
    (folder / "ge2e.onnx").unlink()
    monkeypatch.setenv("CX_MODELS_DIR", str(tmp_path))
    with pytest.raises(cxaudio.ModelError, match=r"missing.*make models"):
        get_encoder(device="cpu")
    speech = np.concatenate(
        [
            cxaudio.load(Path(__file__).parent / "data" / f"speech_vi_{k}.flac", mono=True)[0]
            for k in "ab"
        ]
    )  # real speech, so the mono path needs embeddings
    with pytest.raises(cxaudio.ModelError, match="build.py"):
        cxaudio.diarize(speech, 16000)


def test_corrupt_model_says_how_to_rebuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _copy_models(tmp_path)
    data = bytearray((folder / "ge2e.onnx").read_bytes())
    data[1000:1010] = b"\x00" * 10
    (folder / "ge2e.onnx").write_bytes(bytes(data))
    monkeypatch.setenv("CX_MODELS_DIR", str(tmp_path))
    with pytest.raises(cxaudio.ModelError, match=r"corrupt.*make models"):
        get_encoder(device="cpu")


def test_unloadable_model_file_says_how_to_rebuild(tmp_path: Path) -> None:
    bad = tmp_path / "x.onnx"
    bad.write_bytes(b"not an onnx file")
    with pytest.raises(cxaudio.ModelError, match="rebuild"):
        SpeakerEncoder(device="cpu", model_path=str(bad))


def test_manifest_matches_committed_model() -> None:
    from cxvoc.modelfiles import sha256_file

    meta = json.loads((ROOT / "models" / "ge2e" / "manifest.json").read_text())
    assert meta["name"] == "ge2e" and meta["file"] == "ge2e.onnx"
    assert sha256_file(ROOT / "models" / "ge2e" / "ge2e.onnx") == meta["sha256"]


# ------------------------------------------------------------------------------------------
# the converter, without torch
# ------------------------------------------------------------------------------------------


def _lstm_torch_semantics(x: np.ndarray, w_ih, w_hh, b_ih, b_hh) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch LSTM (gates i, f, g, o) in numpy; x (B, T, F) -> outputs (B, T, H), last h."""
    b, t, _ = x.shape
    h = np.zeros((b, w_hh.shape[1]))
    c = np.zeros_like(h)
    out = []
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    for step in range(t):
        g = x[:, step] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        i, f, gg, o = np.split(g, 4, axis=1)
        c = sig(f) * c + sig(i) * np.tanh(gg)
        h = sig(o) * np.tanh(c)
        out.append(h)
    return np.stack(out, axis=1), h


def test_converted_graph_matches_pytorch_lstm_semantics(tmp_path: Path) -> None:
    build = _build_module()
    rng = np.random.default_rng(0)
    h, f = 256, 40
    state = {}
    for layer in range(3):
        fin = f if layer == 0 else h
        state[f"lstm.weight_ih_l{layer}"] = rng.normal(0, 0.1, (4 * h, fin)).astype(np.float32)
        state[f"lstm.weight_hh_l{layer}"] = rng.normal(0, 0.1, (4 * h, h)).astype(np.float32)
        state[f"lstm.bias_ih_l{layer}"] = rng.normal(0, 0.1, 4 * h).astype(np.float32)
        state[f"lstm.bias_hh_l{layer}"] = rng.normal(0, 0.1, 4 * h).astype(np.float32)
    state["linear.weight"] = rng.normal(0, 0.1, (256, h)).astype(np.float32)
    state["linear.bias"] = rng.normal(0, 0.1, 256).astype(np.float32)
    path = tmp_path / "m.onnx"
    path.write_bytes(build.build_onnx(state))
    x = rng.gamma(0.5, 0.1, (3, 12, f)).astype(np.float32)
    got = SpeakerEncoder(device="cpu", model_path=str(path)).embed_mels(x)
    seq = x.astype(np.float64)
    for layer in range(3):
        seq, last = _lstm_torch_semantics(
            seq,
            *(
                state[f"lstm.{k}_l{layer}"]
                for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
            ),
        )
    lin = np.maximum(last @ state["linear.weight"].T + state["linear.bias"], 0)
    expected = lin / np.linalg.norm(lin, axis=1, keepdims=True)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_restricted_unpickler_refuses_foreign_globals() -> None:
    build = _build_module()

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    payload = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
    payload += pickle.dumps(1001, protocol=2) + pickle.dumps({}, protocol=2)
    payload += pickle.dumps({"x": Evil()}, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match=r"refusing to load global .*print"):
        build.load_torch_checkpoint(payload)


def test_legacy_checkpoint_reader_reads_storages(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hand-written legacy-format checkpoint with one strided tensor (fake torch modules
    stand in so that pickle can name torch's globals)."""
    import sys
    import types

    build = _build_module()
    fake_torch, fake_utils = types.ModuleType("torch"), types.ModuleType("torch._utils")
    fake_torch.FloatStorage = _FloatStorage
    fake_utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    monkeypatch.setitem(sys.modules, "torch", fake_torch)
    monkeypatch.setitem(sys.modules, "torch._utils", fake_utils)

    class Storage:  # pickled through persistent_id
        pass

    st = Storage()

    class Rebuild:
        def __reduce__(self):
            return (_rebuild_tensor_v2, (st, 1, (2, 2), (1, 2), False, {}))

    class P(pickle.Pickler):
        def persistent_id(self, obj):
            if obj is st:
                return ("storage", _FloatStorage, "k0", "cpu", 5)
            return None

    import io

    buf = io.BytesIO()
    for head in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}):
        pickle.dump(head, buf, protocol=2)
    P(buf, protocol=2).dump({"model_state": {"w": Rebuild()}})
    pickle.dump(["k0"], buf, protocol=2)
    buf.write(np.int64(5).tobytes() + np.arange(5, dtype=np.float32).tobytes())
    out = build.load_torch_checkpoint(buf.getvalue())
    np.testing.assert_array_equal(out["model_state"]["w"], np.array([[1, 3], [2, 4]], np.float32))


def _rebuild_tensor_v2(*args):  # stand-in pickled under torch's name (see module end)
    raise AssertionError("never called")


class _FloatStorage:
    pass


_rebuild_tensor_v2.__module__ = "torch._utils"
_rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
_FloatStorage.__module__ = "torch"
_FloatStorage.__qualname__ = "FloatStorage"


def test_public_api() -> None:
    import cxaudio.diarization as diar

    assert {"diarize", "embed"} <= set(cxaudio.__all__)
    assert cxaudio.diarize is diar.diarize and cxaudio.embed is diar.embed
    for name in diar.__all__:
        assert hasattr(diar, name)
