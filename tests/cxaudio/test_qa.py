from __future__ import annotations

import copy

import pytest
import yaml

from cxaudio.qa import (
    DEFAULT_SCORECARD_PATH,
    ScorecardError,
    default_scorecard,
    load_scorecard,
    parse_scorecard,
    score_call,
)
from cxaudio.transcript import Transcript, TranscriptSegment

GOOD_METRICS = {
    "silence_longest_s": 4.0,
    "silences": [{"start": 30.0, "end": 34.0, "duration_s": 4.0}],
    "interruptions_agent": 1,
    "interruptions": [{"by": "agent", "start": 50.0, "end": 51.2, "duration_s": 1.2}],
    "agent_talk_share_pct": 55.0,
}
CALM = {
    "peak_arousal": 0.3,
    "end_arousal": 0.2,
    "threshold": 0.5,
    "peak_time_s": 40.0,
    "escalations": [],
}


def _transcript(*extra: TranscriptSegment) -> Transcript:
    base = [
        TranscriptSegment(1.0, 4.0, "Dạ, xin chào anh! Em là Lan, mã nhân viên 123", "agent"),
        TranscriptSegment(5.0, 9.0, "Mạng nhà tôi chậm quá", "customer"),
        TranscriptSegment(100.0, 104.0, "Cảm ơn anh đã gọi, chúc anh một ngày tốt lành", "agent"),
    ]
    return Transcript(tuple(sorted([*base, *extra], key=lambda s: s.start)))


def test_default_card_loads_with_the_issue_criteria() -> None:
    card = default_scorecard()
    ids = [c.id for c in card.criteria]
    assert ids == [
        "greeting",
        "identifies_self",
        "no_dead_air",
        "few_interruptions",
        "talk_share",
        "closing",
        "no_forbidden_words",
        "customer_calmer_at_end",
    ]
    assert card.criteria[0].within_first_s == 15


def test_perfect_call_scores_100_with_evidence() -> None:
    qa = score_call(
        default_scorecard(),
        metrics=GOOD_METRICS,
        duration_s=106.0,
        transcript=_transcript(),
        emotion=CALM,
    )
    assert qa.score == pytest.approx(100.0)
    by = {c.id: c for c in qa.criteria}
    assert by["greeting"].evidence == ((1.0, 4.0),)
    assert by["closing"].evidence == ((100.0, 104.0),)
    assert by["few_interruptions"].evidence == ((50.0, 51.2),)


def test_failures_are_weighted_and_reasoned() -> None:
    metrics = {
        **GOOD_METRICS,
        "silence_longest_s": 12.5,
        "silences": [{"start": 60.0, "end": 72.5, "duration_s": 12.5}],
        "agent_talk_share_pct": 80.0,
    }
    qa = score_call(
        default_scorecard(),
        metrics=metrics,
        duration_s=106.0,
        transcript=_transcript(),
        emotion=CALM,
    )
    by = {c.id: c for c in qa.criteria}
    assert by["no_dead_air"].passed is False and by["no_dead_air"].evidence == ((60.0, 72.5),)
    assert by["talk_share"].passed is False
    # 15 + 10 of 100 weights failed
    assert qa.score == pytest.approx(75.0)


def test_forbidden_phrase_auto_fails() -> None:
    tr = _transcript(TranscriptSegment(50.0, 52.0, "Thôi anh im đi", "agent"))
    qa = score_call(
        default_scorecard(), metrics=GOOD_METRICS, duration_s=106.0, transcript=tr, emotion=CALM
    )
    assert qa.auto_failed and qa.score == 0.0
    bad = next(c for c in qa.criteria if c.id == "no_forbidden_words")
    assert bad.evidence == ((50.0, 52.0),)


def test_without_transcript_phrase_rules_are_not_applicable() -> None:
    qa = score_call(
        default_scorecard(), metrics=GOOD_METRICS, duration_s=106.0, transcript=None, emotion=CALM
    )
    na = {c.id for c in qa.criteria if not c.applicable}
    assert na == {"greeting", "identifies_self", "closing", "no_forbidden_words"}
    assert qa.score == pytest.approx(100.0)


def test_diacritics_insensitive_matching() -> None:
    tr = Transcript((TranscriptSegment(1.0, 3.0, "xin chao anh, em la Minh", "agent"),))
    qa = score_call(
        default_scorecard(), metrics=GOOD_METRICS, duration_s=60.0, transcript=tr, emotion=CALM
    )
    assert {c.id: c.passed for c in qa.criteria}["greeting"] is True
    raw = yaml.safe_load(DEFAULT_SCORECARD_PATH.read_text(encoding="utf-8"))
    raw["diacritics_insensitive"] = False
    strict = parse_scorecard(raw)
    qa = score_call(strict, metrics=GOOD_METRICS, duration_s=60.0, transcript=tr, emotion=CALM)
    assert {c.id: c.passed for c in qa.criteria}["greeting"] is False


def test_customer_calmer_at_end() -> None:
    angry_then_calm = {
        "peak_arousal": 1.2,
        "end_arousal": 0.3,
        "threshold": 0.5,
        "peak_time_s": 40.0,
        "end_window": [90.0, 105.0],
        "escalations": [],
    }
    still_angry = {**angry_then_calm, "end_arousal": 1.1}
    card = default_scorecard()
    ok = score_call(card, metrics=GOOD_METRICS, duration_s=106.0, emotion=angry_then_calm)
    bad = score_call(card, metrics=GOOD_METRICS, duration_s=106.0, emotion=still_angry)
    get = lambda q: next(c for c in q.criteria if c.id == "customer_calmer_at_end")  # noqa: E731
    assert get(ok).passed is True and get(bad).passed is False
    assert get(ok).evidence == ((40.0, 40.0), (90.0, 105.0))


def _raw() -> dict:
    return copy.deepcopy(yaml.safe_load(DEFAULT_SCORECARD_PATH.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (
            lambda r: r["criteria"][2].update(weight=-1),
            r"criterion 'no_dead_air': field 'weight'=-1",
        ),
        (
            lambda r: r["criteria"][0].update(rule="regex"),
            r"criterion 'greeting': field 'rule'='regex'",
        ),
        (lambda r: r["criteria"][0].update(phrases=[]), r"criterion 'greeting': field 'phrases'"),
        (lambda r: r["criteria"][4].update(min=80), r"criterion 'talk_share': field 'min'=80"),
        (
            lambda r: r["criteria"][2].update(phrases=["x"]),
            r"criterion 'no_dead_air': field 'phrases' is not",
        ),
        (
            lambda r: r["criteria"][1].update(id="greeting"),
            r"criterion 'greeting': field 'id' is used twice",
        ),
        (
            lambda r: r["criteria"][7].update(check="happy"),
            r"criterion 'customer_calmer_at_end': field 'check'",
        ),
    ],
)
def test_validation_errors_name_file_criterion_and_field(tmp_path, mutate, match) -> None:
    raw = _raw()
    mutate(raw)
    path = tmp_path / "card.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScorecardError, match=match) as info:
        load_scorecard(path)
    assert str(path) in str(info.value)


def test_bad_yaml_names_the_file(tmp_path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("criteria: [", encoding="utf-8")
    with pytest.raises(ScorecardError, match="broken.yaml"):
        load_scorecard(path)


def test_serialized_result_says_passed_and_feeds_the_qa_pass_rate() -> None:
    from datetime import UTC, datetime

    from cxvoc import Record, make_record_id
    from cxvoc.kpi import kpi_table
    from cxvoc.store import to_arrow

    card = default_scorecard()
    assert card.pass_score == 80.0
    good = score_call(
        card, metrics=GOOD_METRICS, duration_s=106.0, transcript=_transcript(), emotion=CALM
    )
    metrics = {**GOOD_METRICS, "silence_longest_s": 12.5, "agent_talk_share_pct": 80.0}
    low = score_call(
        card, metrics=metrics, duration_s=106.0, transcript=_transcript(), emotion=CALM
    )
    tr = _transcript(TranscriptSegment(50.0, 52.0, "Thôi anh im đi", "agent"))
    failed = score_call(card, metrics=GOOD_METRICS, duration_s=106.0, transcript=tr, emotion=CALM)
    docs = [q.serialize() for q in (good, low, failed)]
    assert [d["passed"] for d in docs] == [True, False, False]  # 100, 75 (< 80), auto-fail
    assert all(d["pass_score"] == 80.0 for d in docs)
    records = [Record(record_id=make_record_id("call", str(i)), source="call", channel="call_center",
                      occurred_at=datetime(2026, 10, 2, tzinfo=UTC), qa=d) for i, d in enumerate(docs)]  # fmt: skip
    row = next(
        r
        for r in kpi_table(to_arrow(records), by=("period",)).to_pylist()
        if r["kpi"] == "qa_pass_rate"
    )
    assert (row["numerator"], row["denominator"]) == (1.0, 3.0)


def test_pass_score_is_validated() -> None:
    data = yaml.safe_load(DEFAULT_SCORECARD_PATH.read_text(encoding="utf-8"))
    card = parse_scorecard({**data, "pass_score": 70})
    assert card.pass_score == 70.0
    with pytest.raises(ScorecardError, match="pass_score"):
        parse_scorecard({**data, "pass_score": 120})
