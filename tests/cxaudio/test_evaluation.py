"""``cxaudio.diarization.evaluation`` and ``Diarization.from_rttm`` / ``from_annotation``.

Tiny WAV + RTTM pairs are written in tmp_path; pyannote.metrics is the oracle for DER.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from pyannote.core import Annotation, Segment, Timeline
from pyannote.metrics.diarization import DiarizationErrorRate

from cxaudio.diarization import evaluation as ev
from cxaudio.errors import ParameterError
from cxaudio.types import Diarization, SpeakerTurn

SR = 8000

REF_A = (
    SpeakerTurn(0.5, 3.0, "alice"),
    SpeakerTurn(2.5, 6.0, "bob"),
    SpeakerTurn(7.0, 9.0, "alice"),
)
REF_B = (SpeakerTurn(1.0, 4.0, "carol"),)


def _write_pair(folder: Path, uri: str, turns, duration_s: float = 10.0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    sf.write(folder / f"{uri}.wav", np.zeros(int(duration_s * SR), np.float32), SR)
    (folder / f"{uri}.rttm").write_text(Diarization.from_turns(turns, duration_s).to_rttm(uri))
    return folder / f"{uri}.wav"


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    _write_pair(tmp_path / "set" / "two", "a", REF_A)
    _write_pair(tmp_path / "set" / "one", "b", REF_B, duration_s=5.0)
    return tmp_path / "set"


def test_from_rttm_round_trips_through_pyannote(tmp_path: Path) -> None:
    d = Diarization.from_turns(REF_A, 10.0)
    path = tmp_path / "x.rttm"
    path.write_text(d.to_rttm("x"))
    back = Diarization.from_rttm(path, duration_s=10.0)
    assert back.segments == d.segments
    assert back.duration_s == 10.0
    assert Diarization.from_rttm(io.StringIO(d.to_rttm("x"))).duration_s == 9.0  # last end


def test_from_rttm_picks_a_recording_and_refuses_ambiguity(tmp_path: Path) -> None:
    path = tmp_path / "two.rttm"
    path.write_text(
        Diarization.from_turns(REF_A, 10).to_rttm("a")
        + Diarization.from_turns(REF_B, 5).to_rttm("b")
    )
    assert Diarization.from_rttm(path, uri="b").speakers == ["carol"]
    assert Diarization.from_rttm(path, uri="missing").segments == ()
    with pytest.raises(ParameterError, match="two.rttm.*pass uri="):
        Diarization.from_rttm(path)
    empty = tmp_path / "empty.rttm"
    empty.write_text("")
    assert Diarization.from_rttm(empty, duration_s=3.0).segments == ()


def test_from_annotation_keeps_labels_and_overlap() -> None:
    ann = Annotation(uri="u")
    ann[Segment(0, 2)] = 1
    ann[Segment(1, 3), "t2"] = "x"
    d = Diarization.from_annotation(ann)
    assert [(t.start, t.end, t.speaker) for t in d.segments] == [(0.0, 2.0, "1"), (1.0, 3.0, "x")]
    assert d.duration_s == 3.0


def test_load_references_walks_subfolders(dataset: Path) -> None:
    refs = ev.load_references(dataset)
    assert [(r.uri, r.group, r.num_speakers, r.duration_s) for r in refs] == [
        ("b", "one", 1, 5.0),
        ("a", "two", 2, 10.0),
    ]
    assert refs[1].reference.segments == REF_A
    assert refs[1].uem == ((0.0, 10.0),)


def test_load_references_names_the_bad_file(tmp_path: Path) -> None:
    wav = _write_pair(tmp_path, "c", REF_B)
    (tmp_path / "c.rttm").unlink()
    with pytest.raises(ParameterError, match=r"c\.wav: no reference c\.rttm"):
        ev.load_references(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ParameterError, match="holds no"):
        ev.load_references(tmp_path / "empty")
    with pytest.raises(ParameterError, match="not a folder"):
        ev.load_references(wav)


def test_uem_limits_the_scored_region(tmp_path: Path) -> None:
    _write_pair(tmp_path, "a", REF_A)
    (tmp_path / "a.uem").write_text("a 1 0.000 5.000\n")
    (ref,) = ev.load_references(tmp_path)
    assert ref.uem == ((0.0, 5.0),)
    report = ev.score_diarization([ref], {})
    assert report.files[0].total_s == pytest.approx(2.5 + 2.5)  # alice 0.5-3, bob 2.5-5


def _pyannote_der(refs, hyps) -> float:
    metric = DiarizationErrorRate(collar=0.0, skip_overlap=False)
    for r in refs:
        uem = Timeline([Segment(0, r.duration_s)])
        metric(r.reference.to_annotation(r.uri), hyps[r.uri].to_annotation(r.uri), uem=uem)
    return abs(metric)


def test_score_matches_pyannote_and_hand_figures(dataset: Path) -> None:
    refs = ev.load_references(dataset)
    perfect = {r.uri: r.reference for r in refs}
    assert ev.score_diarization(refs, perfect).der == 0.0

    # file a: one label for everything (bob's speech confused or missed), file b: 1 s missed
    one = Diarization.from_turns([SpeakerTurn(0.5, 6.0, "S"), SpeakerTurn(7.0, 9.0, "S")], 10)
    short = Diarization.from_turns([SpeakerTurn(1.0, 3.0, "S")], 5)
    hyps = {"a": one, "b": short}
    report = ev.score_diarization(refs, hyps)
    a = next(f for f in report.files if f.uri == "a")
    # reference a: alice 2.5 + 2.0, bob 3.5 -> 8.0 s; "S" maps to alice (4.5 s): bob's 3.0 s
    # outside the overlap are confused, his 0.5 s in the overlap are missed
    assert a.total_s == pytest.approx(8.0)
    assert a.confusion_s == pytest.approx(3.0)
    assert a.missed_s == pytest.approx(0.5)
    assert a.false_alarm_s == pytest.approx(0.0)
    assert report.der == pytest.approx((3.5 + 1.0) / (8.0 + 3.0))
    assert report.der == pytest.approx(_pyannote_der(refs, hyps))
    assert report.speaker_count_accuracy == 0.5


def test_missing_hypothesis_is_all_missed(dataset: Path) -> None:
    report = ev.score_diarization(ev.load_references(dataset), {})
    assert report.der == pytest.approx(1.0)
    assert report.serialize()["missed_pct"] == pytest.approx(100.0)


def test_evaluate_runs_the_diarizer_with_the_asked_count(dataset: Path) -> None:
    calls = []

    def fake(path: str, *, num_speakers=None, flavour: str = "") -> Diarization:
        calls.append((Path(path).name, num_speakers, flavour))
        uri = Path(path).stem
        return Diarization.from_rttm(Path(path).with_suffix(".rttm"), uri=uri)

    report = ev.evaluate_diarization(dataset, diarizer=fake, num_speakers="oracle", flavour="x")
    assert sorted(calls) == [("a.wav", 2, "x"), ("b.wav", 1, "x")]
    assert report.der == 0.0
    assert report.speaker_count_accuracy == 1.0
    groups = report.by_group()
    assert sorted(groups) == ["one", "two"]
    assert [f.uri for f in groups["two"].files] == ["a"]
    out = report.serialize(per_file=True)
    assert out["settings"]["num_speakers"] == "oracle"
    assert out["hyp_speakers"] == {"1": 1, "2": 1}
    assert {f["uri"] for f in out["per_file"]} == {"a", "b"}

    calls.clear()
    ev.evaluate_diarization(dataset, diarizer=fake)
    assert {c[1] for c in calls} == {None}
    with pytest.raises(ParameterError, match="num_speakers='two'"):
        ev.evaluate_diarization(dataset, diarizer=fake, num_speakers="two")  # type: ignore[arg-type]


def test_public_surface() -> None:
    assert all(hasattr(ev, name) for name in ev.__all__)
    assert {"evaluate_diarization", "load_references", "score_diarization"} <= set(ev.__all__)
