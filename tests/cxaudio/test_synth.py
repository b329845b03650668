"""Synthetic call generator: determinism, truth by construction, audio properties, files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import librosa
import numpy as np
import pytest
import soundfile as sf
from scipy.signal import welch

import cxaudio.synth as synth
from cxaudio.errors import ParameterError
from cxaudio.synth import (
    CallSpec,
    Escalation,
    EspeakTTS,
    Gap,
    Overlap,
    TTSUnavailableError,
    Voice,
    count_silences,
    generate_archive,
    generate_call,
    segment_truth,
)
from cxaudio.synth.pitch import median_f0
from cxaudio.types import read_rttm


@pytest.fixture(scope="module")
def tts(tmp_path_factory: pytest.TempPathFactory) -> EspeakTTS:
    return EspeakTTS(cache_dir=tmp_path_factory.mktemp("tts"))


@pytest.fixture(scope="module")
def busy_call(tts: EspeakTTS):  # type: ignore[no-untyped-def]
    spec = CallSpec(
        duration_s=45.0,
        seed=11,
        silences=(Gap(6.0),),
        overlaps=(Overlap(1.5, by="customer"), Overlap(1.2, by="agent")),
        snr_db=None,
    )
    return generate_call(spec, tts=tts)


@pytest.fixture(scope="module")
def escalating_call(tts: EspeakTTS):  # type: ignore[no-untyped-def]
    spec = CallSpec(duration_s=70.0, seed=5, escalation=Escalation(), stereo=True, snr_db=35.0)
    return generate_call(spec, tts=tts)


def test_public_api_is_listed() -> None:
    for name in synth.__all__:
        assert hasattr(synth, name), name
    assert {"CallSpec", "generate_call", "generate_archive", "SyntheticCall"} <= set(synth.__all__)


def test_same_seed_same_call_other_seed_other_call(tmp_path: Path) -> None:
    spec = CallSpec(n_turns=8, seed=3, snr_db=25.0, stereo=False)
    a = generate_call(spec, tts=EspeakTTS(cache_dir=tmp_path / "a"))
    b = generate_call(spec, tts=EspeakTTS(cache_dir=False))
    c = generate_call(
        CallSpec(n_turns=8, seed=4, snr_db=25.0, stereo=False), tts=EspeakTTS(cache_dir=False)
    )
    np.testing.assert_array_equal(a.audio, b.audio)
    assert a.truth == b.truth and a.transcript == b.transcript
    assert a.audio.shape != c.audio.shape or not np.array_equal(a.audio, c.audio)
    # a warm disk cache gives the very same call
    d = generate_call(spec, tts=EspeakTTS(cache_dir=tmp_path / "a"))
    np.testing.assert_array_equal(a.audio, d.audio)


@pytest.mark.parametrize("n_turns", [4, 5, 9, 14])
def test_n_turns_is_exact(tts: EspeakTTS, n_turns: int) -> None:
    call = generate_call(CallSpec(n_turns=n_turns, seed=n_turns), tts=tts)
    assert len(call.turns) == n_turns == call.truth["n_turns"]
    assert call.turns[0].kind == "greeting" and call.turns[0].speaker == "agent"
    assert any(t.kind == "farewell" and "Cảm ơn anh chị đã gọi" in t.text for t in call.turns)


def test_greeting_identifies_agent_within_15_s(busy_call) -> None:  # type: ignore[no-untyped-def]
    greeting = busy_call.truth["greeting"]
    assert greeting["end"] <= 15.0 and greeting["speaker"] == "agent"
    assert "em là " + busy_call.truth["agent_name"] in greeting["text"]
    assert "tổng đài viên" in greeting["text"]
    assert "Cảm ơn anh chị đã gọi" in busy_call.truth["closing"]["text"]


def _masks(turns: dict[str, list[tuple[float, float]]], duration: float, step: float = 0.001):
    n = int(np.ceil(duration / step))
    masks = {}
    for party in ("agent", "customer"):
        m = np.zeros(n, dtype=bool)
        for a, b in turns.get(party, []):
            m[int(round(a / step)) : int(round(b / step))] = True
        masks[party] = m
    return masks


def test_truth_agrees_with_rttm_recomputed_on_a_grid(busy_call, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    files = busy_call.write(tmp_path, "synthetic-busy")
    truth = json.loads(files.truth.read_text(encoding="utf-8"))
    (turns,) = read_rttm(files.rttm.read_text()).values()
    per: dict[str, list[tuple[float, float]]] = {"agent": [], "customer": []}
    for t in turns:
        per[t.speaker].append((t.start, t.end))
    dur = truth["duration_s"]
    m = _masks(per, dur)
    ms = 0.001
    tol = 0.01  # RTTM keeps milliseconds
    for p in ("agent", "customer"):
        assert truth["talk_s"][p] == pytest.approx(m[p].sum() * ms, abs=tol)
        assert truth["talk_pct"][p] == pytest.approx(100 * m[p].sum() * ms / dur, abs=0.05)
    assert truth["overtalk_s"] == pytest.approx((m["agent"] & m["customer"]).sum() * ms, abs=tol)
    anyone = m["agent"] | m["customer"]
    first, last = np.flatnonzero(anyone)[[0, -1]]
    gaps = np.flatnonzero(np.diff(anyone[first : last + 1].astype(int)))  # speech edges
    edges = gaps.reshape(-1, 2) if len(gaps) % 2 == 0 else None
    assert edges is not None
    grid_silences = [(b - a) * ms for a, b in edges]
    assert len(grid_silences) == len(truth["silences"])
    for got, want in zip(grid_silences, truth["silences"], strict=True):
        assert got == pytest.approx(want["duration_s"], abs=tol)
    # the requested 6 s hold gap is there, exactly
    assert sum(1 for s in truth["silences"] if s["duration_s"] >= 3.0) == 1
    assert max(s["duration_s"] for s in truth["silences"]) == pytest.approx(6.0, abs=1e-6)
    # interruptions: a party starts while the other speaks; overlap = both speaking after that
    for p, other in (("agent", "customer"), ("customer", "agent")):
        starts = [a for a, _ in per[p] if m[other][int(round(a / ms))]]
        assert len(starts) == truth["interruption_counts"][p] == 1
        got = truth["interruptions"][p][0]
        assert got["start"] == pytest.approx(starts[0], abs=tol)
        i = int(round(starts[0] / ms))
        both = m[p][i:] & m[other][i:]
        run = np.argmin(both) if not both.all() else len(both)
        assert got["overlap_s"] == pytest.approx(run * ms, abs=tol)
    overlaps = sorted(
        i["overlap_s"] for p in ("agent", "customer") for i in truth["interruptions"][p]
    )
    assert overlaps == pytest.approx([1.2, 1.5], abs=1e-6)


def test_segment_truth_on_hand_made_segments() -> None:
    segments = {
        "agent": [(1.0, 4.0), (4.2, 6.0), (12.0, 15.0)],
        "customer": [(6.5, 9.0), (14.0, 16.0), (16.5, 18.0)],
    }
    t = segment_truth(segments, 20.0)
    assert t["talk_s"] == {"agent": pytest.approx(7.8), "customer": pytest.approx(6.0)}
    assert t["talk_pct"]["agent"] == pytest.approx(39.0)
    assert t["overtalk_s"] == pytest.approx(1.0)
    assert [(x["start"], x["end"]) for x in t["silences"]] == [
        (4.0, 4.2),
        (6.0, 6.5),
        (9.0, 12.0),
        (16.0, 16.5),
    ]
    assert count_silences(t, min_s=3.0) == 1
    assert t["interruptions"]["customer"] == [
        {"start": 14.0, "overlap_s": 1.0, "interrupted": "agent"}
    ]
    assert t["interruptions"]["agent"] == []
    assert t["n_turns"] == 4  # agent, customer, agent, customer
    assert t["non_talk_s"] == pytest.approx(20.0 - 12.8)
    assert (t["leading_silence_s"], t["trailing_silence_s"]) == (1.0, 2.0)


def test_noise_is_at_the_requested_snr(tts: EspeakTTS) -> None:
    spec = CallSpec(n_turns=8, seed=4, snr_db=20.0, stereo=True)
    call = generate_call(spec, tts=tts)
    y, sr = call.audio[0], call.sr
    quiet = np.ones(y.shape[0], dtype=bool)
    for s in call.segments:
        quiet[int(s.start * sr) - 80 : int(s.end * sr) + 80] = False
    noise_db = 10 * np.log10(np.mean(y[quiet].astype(np.float64) ** 2))
    want = call.truth["levels_dbfs"]["customer"] - 20.0
    assert noise_db == pytest.approx(want, abs=1.0)


def test_explicit_gap_and_overlap_positions(tts: EspeakTTS) -> None:
    spec = CallSpec(
        n_turns=12,
        seed=2,
        silences=(Gap(7.0, after_turn=4),),
        overlaps=(Overlap(1.0, by="customer", at_turn=7),),
    )
    call = generate_call(spec, tts=tts)
    t4, t5, t6, t7 = call.turns[4], call.turns[5], call.turns[6], call.turns[7]
    assert t5.start - t4.end == pytest.approx(7.0, abs=1e-6)
    assert t7.speaker == "customer" and t6.end - t7.start == pytest.approx(1.0, abs=1e-6)
    assert any(s["duration_s"] == pytest.approx(7.0) for s in call.truth["silences"])


@pytest.mark.parametrize(
    ("event", "match"),
    [
        ({"silences": (Gap(5.0, after_turn=9),)}, "Gap.after_turn=9"),
        ({"overlaps": (Overlap(1.0, by="agent", at_turn=12),)}, "Overlap.at_turn=12"),
    ],
)
def test_events_beyond_the_last_turn_are_rejected(tts: EspeakTTS, event: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        generate_call(CallSpec(n_turns=9, seed=1, **event), tts=tts)


def test_memory_cache_stays_within_budget(tmp_path: Path) -> None:
    tts = EspeakTTS(cache_dir=tmp_path, memory_budget_mb=0.05)
    voice = Voice("vi+f3", 50, 170)
    texts = ["Xin chào anh chị.", "Dạ vâng, em kiểm tra ngay ạ.", "Cảm ơn anh chị đã gọi."]
    first = [tts.synthesize(t, voice) for t in texts]
    assert tts._memory_bytes <= 0.05 * 2**20 or len(tts._memory) == 1
    assert len(tts._memory) < len(texts)
    again = tts.synthesize(texts[0], voice)  # evicted from memory, read back from disk
    np.testing.assert_array_equal(again.audio, first[0].audio)
    assert again.segments == first[0].segments


def test_median_f0_of_a_harmonic_tone() -> None:
    sr = 8000
    t = np.arange(sr) / sr
    y = sum(np.sin(2 * np.pi * 140.0 * k * t) / k for k in range(2, 6))  # no fundamental
    assert median_f0(y.astype(np.float32), sr) == pytest.approx(140.0, rel=0.03)


def test_stereo_channels_hold_one_party_each(busy_call) -> None:  # type: ignore[no-untyped-def]
    y, sr = busy_call.audio, busy_call.sr
    assert y.shape[0] == 2 and y.dtype == np.float32
    for ch, party in enumerate(("agent", "customer")):
        inside = np.zeros(y.shape[1], dtype=bool)
        for s in busy_call.segments:
            if s.speaker == party:
                inside[int(round(s.start * sr)) : int(round(s.end * sr))] = True
        assert np.all(y[ch][~inside] == 0.0), f"{party} channel has sound outside its segments"
        assert np.sqrt(np.mean(y[ch][inside] ** 2)) > 0.01


def test_mono_mix_sums_the_same_dialogue(tts: EspeakTTS) -> None:
    stereo = generate_call(CallSpec(n_turns=6, seed=9, snr_db=None), tts=tts)
    mono = generate_call(CallSpec(n_turns=6, seed=9, snr_db=None, stereo=False), tts=tts)
    assert mono.audio.shape == (1, stereo.audio.shape[1])
    np.testing.assert_allclose(mono.audio[0], stereo.mono(), atol=1e-6)
    assert mono.truth["channel_map"] is None and stereo.truth["channel_map"] == {
        "agent": 0,
        "customer": 1,
    }


def test_mulaw_file_round_trip_and_synthetic_label(tts: EspeakTTS, tmp_path: Path) -> None:
    call = generate_call(CallSpec(n_turns=6, seed=1, mulaw=True, stereo=True), tts=tts)
    files = call.write(tmp_path, "synthetic-mulaw")
    info = sf.info(str(files.audio))
    assert (info.format, info.subtype, info.samplerate, info.channels) == ("WAV", "ULAW", 8000, 2)
    back, sr = sf.read(str(files.audio), dtype="float32", always_2d=True)
    assert back.T.shape == call.audio.shape
    err = back.T - call.audio
    snr = 10 * np.log10(np.sum(call.audio**2) / np.sum(err**2))
    assert snr > 30.0
    with sf.SoundFile(str(files.audio)) as f:
        assert "SYNTHETIC" in f.comment
    assert json.loads(files.truth.read_text())["is_synthetic"] is True
    assert all(t["synthetic"] for t in json.loads(files.transcript.read_text()))


def test_audio_is_telephone_band(escalating_call) -> None:  # type: ignore[no-untyped-def]
    y = escalating_call.mono()
    f, p = welch(y, fs=escalating_call.sr, nperseg=1024)
    total = p.sum()
    assert p[f > 3500].sum() / total < 0.01
    assert p[f < 250].sum() / total < 0.01
    assert escalating_call.sr == 8000


def _median_f0(y: np.ndarray, sr: int) -> float:
    f0 = librosa.yin(y.astype(np.float64), fmin=60, fmax=400, sr=sr, frame_length=512)
    rms = librosa.feature.rms(y=y, frame_length=512, hop_length=128)[0][: len(f0)]
    return float(np.median(f0[: len(rms)][rms > 0.3 * rms.max()]))


def test_escalation_window_is_louder_and_higher(escalating_call) -> None:  # type: ignore[no-untyped-def]
    call = escalating_call
    (esc,) = call.truth["escalations"]
    assert esc["end"] - esc["start"] >= 10.0 and esc["customer_speech_s"] >= 10.0
    y, sr = call.audio[1], call.sr  # customer channel
    inside, outside = [], []
    for s in call.segments:
        if s.speaker != "customer":
            continue
        piece = y[int(s.start * sr) : int(s.end * sr)]
        (inside if esc["start"] <= s.start < esc["end"] else outside).append(piece)
    yin, yout = np.concatenate(inside), np.concatenate(outside)
    gain_db = 20 * np.log10(np.sqrt(np.mean(yin**2)) / np.sqrt(np.mean(yout**2)))
    assert gain_db >= 6.0
    semitones = 12 * np.log2(_median_f0(yin, sr) / _median_f0(yout, sr))
    assert semitones >= 3.0
    assert all(
        t.escalated == (esc["start"] <= t.start < esc["end"] and t.speaker == "customer")
        for t in call.turns
    )


def test_calm_call_has_no_events(tts: EspeakTTS) -> None:
    call = generate_call(CallSpec(duration_s=40.0, seed=8), tts=tts)
    assert call.truth["escalations"] == []
    assert call.truth["overtalk_s"] == 0.0
    assert max(s["duration_s"] for s in call.truth["silences"]) < 1.5
    assert call.duration_s >= 40.0


def test_missing_espeak_is_a_clear_error(tmp_path: Path) -> None:
    tts = EspeakTTS(executable=str(tmp_path / "no-espeak-ng"), cache_dir=False)
    with pytest.raises(TTSUnavailableError, match="espeak-ng.*apt-get install espeak-ng"):
        generate_call(CallSpec(n_turns=4), tts=tts)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"duration_s": None}, "n_turns or duration_s"),
        ({"n_turns": 2}, "n_turns=2"),
        ({"sr": 44100}, "sr=44100"),
        ({"topic": "weather"}, "topic='weather'"),
        ({"snr_db": 200.0}, "snr_db=200.0"),
        ({"turn_gap_s": (2.0, 1.0)}, "turn_gap_s"),
    ],
)
def test_bad_spec_is_rejected(kwargs: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        CallSpec(**kwargs)


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda: Gap(-1.0), "Gap.duration_s=-1.0"),
        (lambda: Overlap(1.0, by="robot"), "Overlap.by='robot'"),  # type: ignore[arg-type]
        (lambda: Overlap(9.0), "Overlap.duration_s=9.0"),
        (lambda: Escalation(gain_db=-1.0), "gain_db=-1.0"),
        (lambda: Escalation(gain_db=0.0, pitch_semitones=0.0, speed_factor=1.0), "no cue"),
    ],
)
def test_bad_events_are_rejected(factory, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError, match=match):
        factory()


def test_archive_escalation_recipes_vary() -> None:
    from cxaudio.synth.archive import _escalation

    recipes = [_escalation(np.random.default_rng(seed)) for seed in range(200)]
    cues = [
        frozenset(
            c
            for c, on in (
                ("loudness", r.gain_db > 0),
                ("pitch", r.pitch_semitones > 0),
                ("rate", r.speed_factor != 1.0),
            )
            if on
        )
        for r in recipes
    ]
    counts = {n: sum(len(c) == n for c in cues) for n in (1, 2, 3)}
    assert all(counts[n] >= 40 for n in (1, 2)) and counts[3] >= 50  # 30/30/40 %
    assert {c for c in cues if len(c) == 1} == {
        frozenset({"loudness"}),
        frozenset({"pitch"}),
        frozenset({"rate"}),
    }
    gains = [r.gain_db for r in recipes if r.gain_db > 0]
    assert min(gains) < 5.0 and max(gains) > 10.0  # not a fixed +9 dB
    pitches = [r.pitch_semitones for r in recipes if r.pitch_semitones > 0]
    assert min(pitches) < 3.0 and max(pitches) > 6.0


def test_escalation_with_one_cue_changes_only_that_cue(tts: EspeakTTS) -> None:
    esc = Escalation(gain_db=0.0, pitch_semitones=0.0, speed_factor=1.25)
    call = generate_call(
        CallSpec(duration_s=60.0, seed=5, escalation=esc, stereo=True, snr_db=None), tts=tts
    )
    (truth,) = call.truth["escalations"]
    assert truth["cues"] == ["rate"]
    assert truth["speed_wpm"][1] > truth["speed_wpm"][0]
    assert truth["espeak_pitch"][0] == truth["espeak_pitch"][1]
    assert abs(truth["measured"]["gain_db"]) < 2.0


def test_too_few_turns_for_an_escalation(tts: EspeakTTS) -> None:
    with pytest.raises(ParameterError, match="n_turns=6"):
        generate_call(CallSpec(n_turns=6, escalation=Escalation(min_duration_s=30.0)), tts=tts)


def test_archive_files_manifest_and_resume(tmp_path: Path, tts: EspeakTTS) -> None:
    seen: list[int] = []
    paths = generate_archive(
        tmp_path / "arch",
        n_calls=4,
        seed=1,
        min_duration_s=25.0,
        mix={"calm": 1, "escalating": 1, "long_silence": 1, "interruption": 1},
        stereo_fraction=0.5,
        mulaw_fraction=0.25,
        cache_dir=tts.cache_dir,
        hook=lambda step, artifact, completed, total: seen.append(completed),
    )
    assert seen == [1, 2, 3, 4] and len(paths) == 4
    assert all(p.exists() and "synthetic" in p.name for p in paths)
    rows = list(csv.DictReader((tmp_path / "arch" / "truth.csv").open()))
    assert sorted(r["kind"] for r in rows) == ["calm", "escalating", "interruption", "long_silence"]
    assert sorted(r["channels"] for r in rows) == ["1", "1", "2", "2"]
    assert sum(r["encoding"] == "mulaw" for r in rows) == 1
    for r in rows:
        for col in ("path", "transcript", "rttm", "truth"):
            assert (tmp_path / "arch" / r[col]).exists()
        truth = json.loads((tmp_path / "arch" / r["truth"]).read_text())
        assert truth["is_synthetic"] and truth["labels"] == [r["kind"]]
        if r["kind"] == "long_silence":
            assert any(s["duration_s"] >= 5.0 for s in truth["silences"])
        if r["kind"] == "interruption":
            assert sum(truth["interruption_counts"].values()) >= 2
        if r["kind"] == "escalating":
            assert len(truth["escalations"]) == 1
    manifest = list(csv.DictReader((tmp_path / "arch" / "manifest.csv").open()))
    assert [m["path"] for m in manifest] == [p.name for p in paths]
    mtimes = [p.stat().st_mtime_ns for p in paths]
    again = generate_archive(
        tmp_path / "arch",
        n_calls=4,
        seed=1,
        min_duration_s=25.0,
        mix={"calm": 1, "escalating": 1, "long_silence": 1, "interruption": 1},
        cache_dir=tts.cache_dir,
    )
    assert again == paths and [p.stat().st_mtime_ns for p in paths] == mtimes


def test_archive_is_the_same_with_two_workers(tmp_path: Path, tts: EspeakTTS) -> None:
    kw = {"n_calls": 2, "seed": 7, "min_duration_s": 20.0, "cache_dir": tts.cache_dir}
    one = generate_archive(tmp_path / "one", workers=1, **kw)
    two = generate_archive(tmp_path / "two", workers=2, **kw)
    assert [p.name for p in one] == [p.name for p in two]
    for a, b in zip(one, two, strict=True):
        assert a.read_bytes() == b.read_bytes()
        ta, tb = a.with_suffix(".truth.json"), b.with_suffix(".truth.json")
        assert ta.read_text() == tb.read_text()


def test_command_line_writes_an_archive(tmp_path: Path, tts: EspeakTTS) -> None:
    from cxaudio.synth.__main__ import main

    rc = main(
        [
            "--out",
            str(tmp_path / "cli"),
            "--n-calls",
            "2",
            "--seed",
            "4",
            "--min-duration",
            "20",
            "--cache-dir",
            str(tts.cache_dir),
            "--quiet",
        ]
    )
    assert rc == 0
    assert len(list((tmp_path / "cli").glob("synthetic-*.wav"))) == 2
    assert (tmp_path / "cli" / "manifest.csv").exists()


def test_command_line_reports_missing_espeak(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    from cxaudio.synth.__main__ import main

    monkeypatch.setenv("PATH", str(tmp_path))  # no espeak-ng there
    rc = main(
        ["--out", str(tmp_path / "cli"), "--n-calls", "1", "--quiet", "--cache-dir", str(tmp_path)]
    )
    assert rc == TTSUnavailableError.exit_code == 3
    assert "espeak-ng was not found" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["../escape", "", "a b", "/abs"])
def test_write_rejects_bad_names(busy_call, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError, match="must be a file stem"):
        busy_call.write(tmp_path, name)
    assert list(tmp_path.iterdir()) == []
