"""Speech recognition (cxaudio.transcribe) and its place in call scoring.

Runs the bundled Whisper base (``make models`` builds it) on a few short generated calls of
known text. Generated (espeak-ng) speech proves the plumbing, not accuracy: accuracy figures
are in benchmarks/bench_asr.py on real telephone prompts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cxaudio import ModelError, analyze_call, transcribe
from cxaudio.asr import check_model_dir, default_model_dir
from cxaudio.call import CallConfig, _masked_parties
from cxaudio.transcript import Transcript, TranscriptSegment, load_transcript

ROOT = Path(__file__).resolve().parents[2]
AGENT, CUSTOMER = ("vi+m3", 50, 150), ("vi+f3", 60, 150)

GREETING_CALL = [
    ("agent", "Xin chào anh, em là Lan, tổng đài viên, em có thể giúp gì cho anh ạ?"),
    ("customer", "Chào em, mạng nhà tôi bị mất sóng từ sáng."),
    ("agent", "Dạ vâng, em sẽ kiểm tra ngay cho anh ạ."),
    ("customer", "Được, cảm ơn em."),
]
NO_GREETING_CALL = [
    ("agent", "Alo, có việc gì thì nói nhanh đi."),
    ("customer", "Mạng nhà tôi bị mất sóng từ sáng."),
    ("agent", "Thế à, để kiểm tra xem."),
    ("customer", "Được rồi."),
]


def _write_call(lines: list[tuple[str, str]], path: Path) -> Path:
    """A stereo 8 kHz call (agent channel 0, customer 1) of these lines, 0.6 s apart."""
    import soundfile as sf

    from cxaudio.synth import EspeakTTS, Voice

    tts = EspeakTTS(sr=8000)
    voices = {"agent": Voice(*AGENT), "customer": Voice(*CUSTOMER)}
    placed, t = [], 0.5
    for who, text in lines:
        speech = tts.synthesize(text, voices[who])
        placed.append((who, t, 0.1 * speech.audio))
        t += speech.duration_s + 0.6
    y = np.zeros((int((t + 0.5) * 8000), 2), dtype=np.float32)
    for who, start, audio in placed:
        i = int(start * 8000)
        y[i : i + len(audio), 0 if who == "agent" else 1] += audio
    sf.write(path, y, 8000)
    return path


@pytest.fixture(scope="module")
def calls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("asr_calls")
    return {
        "greeting": _write_call(GREETING_CALL, folder / "synthetic-greeting.wav"),
        "no_greeting": _write_call(NO_GREETING_CALL, folder / "synthetic-no-greeting.wav"),
    }


def test_bundled_model_is_built_and_matches_its_manifest() -> None:
    sys.path.insert(0, str(ROOT / "models" / "whisper_base"))
    try:
        import build  # models/whisper_base/build.py
    finally:
        sys.path.pop(0)
    assert default_model_dir() == build.TARGET
    assert build.verified(build.TARGET) == []
    assert (build.TARGET / "model.bin").stat().st_size == 145_217_532


@pytest.mark.parametrize("kind", ["missing", "partial", "wrong_kind", "corrupt"])
def test_bad_model_folder_names_the_folder_and_the_fix(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "model"
    if kind != "missing":
        folder.mkdir()
        (folder / "config.json").write_text('{"lang_ids": [1]}', encoding="utf-8")
    if kind in ("wrong_kind", "corrupt"):
        (folder / "model.bin").write_bytes(b"\0" * 64)
        (folder / "tokenizer.json").write_text("{}", encoding="utf-8")
    if kind == "wrong_kind":  # e.g. a translation model's folder
        (folder / "config.json").write_text('{"add_source_bos": true}', encoding="utf-8")
    with pytest.raises(ModelError) as err:
        transcribe(np.zeros(16000, dtype=np.float32), 16000, model=folder)
    msg = str(err.value)
    assert str(folder) in msg and "make models" in msg and "whisper_base/build.py" in msg


def test_missing_runtime_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "faster_whisper", None)
    with pytest.raises(ImportError, match=r"cxkit\[asr\]"):
        transcribe(np.zeros(16000, dtype=np.float32), 16000)


def test_cuda_asks_for_float16_and_cpu_for_int8() -> None:
    from cxaudio.asr import _resolve_device

    assert _resolve_device("cuda") == ("cuda", "float16")
    assert _resolve_device("cpu") == ("cpu", "int8")


def test_greeting_criterion_through_asr_alone(calls: dict[str, Path]) -> None:
    cfg = CallConfig(asr=True)
    greeted = analyze_call(calls["greeting"], config=cfg, threads=2)
    silent = analyze_call(calls["no_greeting"], config=cfg, threads=2)
    for a in (greeted, silent):
        assert a.transcript is not None and a.transcript.is_asr
        assert {s.speaker for s in a.transcript.segments} <= {"agent", "customer"}
        assert a.models["asr"] == "whisper:whisper_base"
    g = {c.id: c for c in greeted.qa.criteria}["greeting"]
    n = {c.id: c for c in silent.qa.criteria}["greeting"]
    assert g.passed is True and g.source == "asr" and g.confidence is not None
    assert g.evidence and g.evidence[0][0] < 15
    assert n.passed is False and n.source == "asr"
    # the record carries each party's transcript with times, and the customer's words
    rec = greeted.to_record(call_id="g")
    parties = rec.attributes["transcript"]["parties"]
    assert set(parties) == {"agent", "customer"}
    assert all(s["end"] >= s["start"] for s in parties["agent"]["segments"])
    assert rec.text == parties["customer"]["text"]


def test_cli_transcribe_writes_srt_that_reads_back(calls: dict[str, Path], tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [
        sys.executable,
        "-c",
        "from cxvoc.cli import main; main()",
        "calls",
        "transcribe",
        str(calls["greeting"]),
    ]
    proc = subprocess.run(
        [*cmd, "--format", "srt", "--out", str(tmp_path), "--threads", "2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    tr = load_transcript(tmp_path / "synthetic-greeting.srt")
    assert {s.speaker for s in tr.segments} == {"agent", "customer"}
    assert "chào" in tr.text("agent").lower()


def test_cli_score_with_a_bad_model_folder_stops_with_exit_3(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [
        sys.executable,
        "-c",
        "from cxvoc.cli import main; main()",
        "calls",
        "score",
        str(tmp_path),
    ]
    proc = subprocess.run(
        [*cmd, "--asr-model", str(tmp_path / "nope"), "--out", str(tmp_path / "s.duckdb")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 3
    assert str(tmp_path / "nope") in proc.stderr and "make models" in proc.stderr


def test_party_text_is_masked_as_a_whole() -> None:
    tr = Transcript(
        (
            TranscriptSegment(0.0, 1.0, "số tôi là 0912", "customer", confidence=-0.3),
            TranscriptSegment(1.0, 2.0, "345 678 nhé", "customer", confidence=-0.2),
            TranscriptSegment(2.0, 3.0, "dạ vâng", "agent"),
        ),
        asr_model="whisper:test",
    )
    parties, withheld = _masked_parties(tr)
    assert parties is not None and withheld is None
    customer = parties["customer"]
    assert "0912" not in json.dumps(customer) and "678" not in json.dumps(customer)
    # each turn holding part of the number gets the token (cxtext.mask_pii_segments)
    assert customer["text"] == "số tôi là [PHONE] [PHONE] nhé"
    assert [s.get("text") for s in customer["segments"]] == ["số tôi là [PHONE]", "[PHONE] nhé"]
    assert customer["segments"][0]["confidence"] == -0.3


def test_srt_and_vtt_round_trip() -> None:
    tr = Transcript(
        (
            TranscriptSegment(0.5, 2.25, "Xin chào anh", "agent"),
            TranscriptSegment(3.0, 4.0, "Chào em", "customer"),
        )
    )
    from cxaudio.transcript import parse_transcript

    for fmt, text in (("srt", tr.to_srt()), ("vtt", tr.to_vtt())):
        back = parse_transcript(text, format=fmt)  # type: ignore[arg-type]
        assert [(s.start, s.end, s.text, s.speaker) for s in back.segments] == [
            (0.5, 2.25, "Xin chào anh", "agent"),
            (3.0, 4.0, "Chào em", "customer"),
        ]


def test_model_folder_check_accepts_the_bundled_model() -> None:
    assert check_model_dir(None) == default_model_dir()


def test_speech_windows_fit_whisper_and_map_back_to_the_call() -> None:
    from cxaudio.asr import ASR_SR, ASRParams, _merge_spans, _to_call, _windows

    p = ASRParams()
    spans = [(1.0, 9.0), (20.0, 29.5), (31.0, 75.0), (90.0, 91.0)]
    merged = _merge_spans(spans, 100.0, p)
    assert all(b - a <= p.window_s for a, b in merged)
    joined, pieces, windows = _windows(np.ones(100 * ASR_SR, dtype=np.float32), merged, p)
    assert all(w["end"] - w["start"] <= p.window_s + 1e-9 for w in windows)
    assert windows[-1]["end"] == pytest.approx(joined.shape[0] / ASR_SR)
    # less audio than the call: the silences are not decoded
    assert joined.shape[0] / ASR_SR < 0.8 * 100
    # a time inside the second piece maps into the call's second speech span
    t = pieces[1].at + 2.0
    assert _to_call(t, pieces) == pytest.approx(pieces[1].start + 2.0)
    # a start in a joining gap goes to the next piece, an end to the previous one
    gap_t = pieces[1].at - 0.1
    assert _to_call(gap_t, pieces, start=True) == pieces[1].start
    assert _to_call(gap_t, pieces) == pieces[0].end
