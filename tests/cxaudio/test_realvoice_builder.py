"""``benchmarks/data/build_realvoice.py`` without the network: prompts made of tone bursts.

Checks the reference convention (SPEC section 9) on what the builder writes: speech where a voice
is audible, pauses of 0.25 s or more left out, shorter ones kept, overlaps where two voices cross.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "build_realvoice", ROOT / "benchmarks" / "data" / "build_realvoice.py"
)
assert _spec is not None and _spec.loader is not None
brv = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("build_realvoice", brv)  # dataclasses look their module up
_spec.loader.exec_module(brv)
SR = brv.SR


def _burst(seconds: float, f0: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (0.3 * np.sin(2 * np.pi * f0 * t) * (1 + 0.1 * rng.standard_normal(len(t)))).astype(
        np.float32
    )


def _prompt_file(path: Path, pieces: list[tuple[str, float]], rng: np.random.Generator) -> None:
    """``("s", 0.4)`` speech for 0.4 s, ``("p", 0.3)`` a pause; a little noise throughout."""
    y = np.concatenate(
        [
            _burst(d, 220.0, rng) if k == "s" else np.zeros(int(d * SR), np.float32)
            for k, d in pieces
        ]
    )
    y += (1e-4 * rng.standard_normal(len(y))).astype(np.float32)
    sf.write(path, y, SR)


@pytest.fixture(scope="module")
def voice_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("voice")
    rng = np.random.default_rng(0)
    _prompt_file(root / "a.wav", [("p", 0.3), ("s", 0.5), ("p", 0.1), ("s", 0.5), ("p", 0.2)], rng)
    _prompt_file(root / "b.wav", [("p", 0.2), ("s", 0.6), ("p", 0.4), ("s", 0.7), ("p", 0.3)], rng)
    _prompt_file(root / "c.wav", [("s", 1.2)], rng)
    (root / "silence").mkdir()
    _prompt_file(root / "silence" / "1.wav", [("p", 1.0)], rng)
    _prompt_file(root / "beep.wav", [("s", 0.5)], rng)
    return root


def test_merge_pauses_follows_the_quarter_second_rule() -> None:
    ivals = [(0.0, 1.0), (1.2, 2.0), (2.25, 3.0), (3.3, 4.0)]
    assert brv.merge_pauses(ivals) == [(0.0, 2.0), (2.25, 3.0), (3.3, 4.0)]


def test_prompts_are_trimmed_and_long_pauses_are_not_speech(voice_root: Path) -> None:
    voice = brv.Voice("v", "tune", ("pkg",), "test", "test")
    prompts, stats = brv.load_voice(voice, {"pkg": voice_root})
    assert stats["files"] == 3  # silence/ and beep left out
    by_len = sorted(prompts, key=lambda p: p.duration_s)
    a, c, b = by_len  # a: 1.1 s, c: 1.2 s, b: 1.7 s once trimmed
    assert a.duration_s == pytest.approx(1.1, abs=0.03)
    assert len(a.speech) == 1  # the 0.1 s pause counts as speech
    assert len(b.speech) == 2  # the 0.4 s pause does not
    assert b.speech[0][1] == pytest.approx(0.6, abs=0.03)
    assert b.speech[1][0] == pytest.approx(1.0, abs=0.03)
    assert len(c.speech) == 1


def test_conversation_reference_matches_the_audio(voice_root: Path) -> None:
    voice = brv.Voice("v", "tune", ("pkg",), "test", "test")
    prompts, _ = brv.load_voice(voice, {"pkg": voice_root})
    pools = {"x": prompts, "y": prompts}
    rng = np.random.default_rng(3)
    tracks, speech = brv.conversation(rng, ["x", "y"], pools, 90.0)
    for v in ("x", "y"):
        ivals = speech[v]
        assert ivals, v
        gaps = [b[0] - a[1] for a, b in zip(ivals[:-1], ivals[1:], strict=True)]
        assert min(gaps) >= brv.MIN_PAUSE_S
        mask = np.zeros(len(tracks[v]), bool)
        for s, e in ivals:
            mask[int(s * SR) : int(e * SR)] = True
        y = tracks[v]
        # outside its reference the voice is inaudible (prompt noise, at most a few edge samples)
        assert np.mean(np.abs(y[~mask]) > 0.01) < 0.002
        assert np.sqrt(np.mean(y[~mask] ** 2)) < 0.01 * np.sqrt(np.mean(y[mask] ** 2))
    stats = brv._stats(speech)
    assert 0.0 < stats["overlap_s"] < 0.2 * stats["speech_s"]
    assert len(tracks["x"]) == 90 * SR


def test_one_voice_never_overlaps_itself(voice_root: Path) -> None:
    voice = brv.Voice("v", "tune", ("pkg",), "test", "test")
    prompts, _ = brv.load_voice(voice, {"pkg": voice_root})
    _, speech = brv.conversation(np.random.default_rng(1), ["x"], {"x": prompts}, 60.0)
    assert brv._stats(speech)["overlap_s"] == 0.0
    text = brv.rttm("u", speech)
    assert text.startswith("SPEAKER u 1 ") and len(text.splitlines()) == len(speech["x"])
