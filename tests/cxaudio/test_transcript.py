from __future__ import annotations

import json

import pytest

from cxaudio.errors import ParameterError
from cxaudio.transcript import align_transcript, load_transcript, normalize_text, parse_transcript
from cxaudio.types import Diarization, SpeakerTurn

SRT = """1
00:00:01,000 --> 00:00:03,500
agent: Xin chào, em là Lan

2
00:00:04,000 --> 00:00:06,250
Mạng nhà tôi bị chậm
"""

VTT = """WEBVTT

00:01.000 --> 00:03.500
<v agent>Xin chào quý khách

00:00:04.000 --> 00:00:06.250
<v SPK2>Tôi muốn hỏi cước
"""

STM = """;; comment
call1 1 agent 1.0 3.5 <o,f0,male> xin chào em là lan
call1 2 customer 4.0 6.25 mạng bị chậm
"""

CTM = """call1 A 1.00 0.40 xin
call1 A 1.40 0.50 chào
call1 A 3.00 0.30 dạ
call1 B 4.00 0.50 mạng
call1 B 4.60 0.40 chậm
"""


@pytest.mark.parametrize(("fmt", "text"), [("srt", SRT), ("vtt", VTT), ("stm", STM)])
def test_cue_formats_times_and_text(fmt: str, text: str) -> None:
    tr = parse_transcript(text, format=fmt)
    assert len(tr.segments) == 2
    first, second = tr.segments
    assert (first.start, first.end) == (1.0, 3.5)
    assert (second.start, second.end) == (4.0, 6.25)
    assert first.speaker == "agent"
    assert normalize_text(first.text).startswith("xin chào")


def test_ctm_groups_words_at_pauses() -> None:
    tr = parse_transcript(CTM, format="ctm")
    assert [s.text for s in tr.segments] == ["xin chào", "dạ", "mạng chậm"]
    assert tr.segments[0].start == 1.0 and tr.segments[0].end == pytest.approx(1.9)


def test_json_and_file_suffix(tmp_path) -> None:
    p = tmp_path / "c.json"
    p.write_text(
        json.dumps({"segments": [{"start": 2, "end": 3, "text": "Chào  anh", "speaker": "agent"}]})
    )
    tr = load_transcript(p)
    assert tr.segments[0].text == "Chào  anh" and tr.segments[0].speaker == "agent"
    bad = tmp_path / "c.txt"
    bad.write_text("x")
    with pytest.raises(ParameterError, match="c.txt"):
        load_transcript(bad)


def test_bad_json_segment_names_file_and_segment() -> None:
    with pytest.raises(ParameterError, match=r"x.json: segment 1"):
        parse_transcript(
            '[{"start":0,"end":1,"text":"a"},{"start":"x"}]', format="json", source="x.json"
        )


def test_normalize_diacritics_insensitive() -> None:
    assert (
        normalize_text("Đồng ý, CẢM ƠN quý khách!", strip_diacritics=True)
        == "dong y cam on quy khach"
    )
    assert normalize_text("Đồng ý") == "đồng ý"


def test_alignment_assigns_roles_by_overlap() -> None:
    diar = Diarization.from_turns(
        [SpeakerTurn(0.5, 3.6, "SPK1"), SpeakerTurn(3.9, 7.0, "SPK2")],
        8.0,
        roles={"SPK1": "agent", "SPK2": "customer"},
    )
    tr = align_transcript(parse_transcript(VTT, format="vtt"), diar)
    assert [s.speaker for s in tr.segments] == ["agent", "customer"]
    assert tr.text("customer") == "Tôi muốn hỏi cước"
