from __future__ import annotations

import numpy as np
import pytest

from cxaudio.errors import ParameterError
from cxaudio.metrics import _kernels as k
from cxaudio.metrics import conversation_metrics
from cxaudio.metrics.signal import clipping_ratio, snr_estimate_db, speaking_rate
from cxaudio.types import Diarization, SpeakerTurn

ROLES = {"A": "agent", "C": "customer"}


def _diar(turns: list[tuple[float, float, str]], duration: float) -> Diarization:
    return Diarization.from_turns(
        [SpeakerTurn(a, b, s) for a, b, s in turns], duration, roles=ROLES
    )


# -- kernels agree with their numpy references -----------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_activity_mask_and_runs_agree(seed: int) -> None:
    rng = np.random.default_rng(seed)
    starts = np.sort(rng.uniform(0, 50, 20))
    ends = starts + rng.uniform(0.05, 4, 20)
    m = k.activity_mask(starts, ends, 5200, 0.01)
    np.testing.assert_array_equal(m, k.activity_mask_ref(starts, ends, 5200, 0.01))
    np.testing.assert_array_equal(k.zero_runs(m), k.zero_runs_ref(m))


@pytest.mark.parametrize("seed", [0, 3])
def test_signal_kernels_agree(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = (rng.standard_normal(8001) * 0.4).astype(np.float32)
    np.testing.assert_allclose(k.frame_power(y, 200, 80), k.frame_power_ref(y, 200, 80), rtol=1e-6)
    assert k.count_clipped(y, 0.9) == k.count_clipped_ref(y, 0.9)
    level = rng.normal(-30, 6, 3000)
    voiced = (rng.random(3000) > 0.3).astype(np.uint8)
    np.testing.assert_array_equal(
        k.syllable_peaks(level, voiced, -40.0, 2.0), k.syllable_peaks_ref(level, voiced, -40.0, 2.0)
    )


# -- conversation metrics on hand-made diarizations ----------------------------------------
def test_talk_percentages_and_overtalk() -> None:
    d = _diar([(0.0, 10.0, "A"), (8.0, 20.0, "C"), (25.0, 30.0, "A")], 40.0)
    m = conversation_metrics(d)
    assert m.talk_time_pct_agent == pytest.approx(100 * 15 / 40, abs=0.05)
    assert m.talk_time_pct_customer == pytest.approx(100 * 12 / 40, abs=0.05)
    assert m.overtalk_pct == pytest.approx(100 * 2 / 40, abs=0.05)
    assert m.non_talk_time_pct == pytest.approx(100 * 15 / 40, abs=0.05)
    assert m.conversation_duration_s == pytest.approx(30.0)
    assert m.agent_talk_share_pct == pytest.approx(100 * 15 / 27, abs=0.1)


def test_silences_count_only_gaps_longer_than_threshold_between_speech() -> None:
    d = _diar([(5.0, 10.0, "A"), (12.9, 15.0, "C"), (18.1, 20.0, "A"), (30.0, 31.0, "C")], 60.0)
    m = conversation_metrics(d, silence_min_s=3.0)
    # gaps: 2.9 (no), 3.1 (yes), 10.0 (yes); leading 5 s and trailing 29 s are not silences
    assert m.silence_count == 2
    assert m.silence_longest_s == pytest.approx(10.0)
    assert [(s.start, s.end) for s in m.silences] == [
        pytest.approx((15.0, 18.1)),
        pytest.approx((20.0, 30.0)),
    ]
    assert conversation_metrics(d, silence_min_s=5.0).silence_count == 1


def test_interruptions_per_party_with_threshold() -> None:
    d = _diar(
        [
            (0.0, 10.0, "A"),
            (9.0, 15.0, "C"),
            (14.8, 20.0, "A"),
            (25.0, 30.0, "C"),
            (27.0, 29.0, "A"),
        ],
        40.0,
    )
    m = conversation_metrics(d, interruption_min_s=0.5)
    assert m.interruptions_customer == 1  # 9.0-10.0 overlap 1.0 s
    assert m.interruptions_agent == 1  # 27-29 (2 s); 14.8 overlaps only 0.2 s
    assert m.interruption_time_s_agent == pytest.approx(2.0)
    assert conversation_metrics(d, interruption_min_s=1.5).interruptions_customer == 0


def test_turns_latency_and_merging_of_split_turns() -> None:
    d = _diar(
        [(0.0, 3.0, "A"), (3.1, 5.0, "A"), (6.0, 9.0, "C"), (10.5, 12.0, "A"), (13.0, 14.0, "C")],
        15.0,
    )
    m = conversation_metrics(d, merge_gap_s=0.3)
    assert (m.turn_count_agent, m.turn_count_customer, m.turn_count) == (2, 2, 4)
    assert m.mean_turn_s_agent == pytest.approx((5.0 + 1.5) / 2)
    assert m.response_latencies_s == pytest.approx((1.5,))


def test_roles_fallback_first_speaker_is_agent() -> None:
    d = Diarization.from_turns([SpeakerTurn(0, 5, "S1"), SpeakerTurn(6, 10, "S2")], 10.0)
    m = conversation_metrics(d)
    assert m.talk_time_s_agent == pytest.approx(5.0) and m.talk_time_s_customer == pytest.approx(
        4.0
    )


def test_bad_parameters() -> None:
    d = _diar([(0.0, 1.0, "A")], 2.0)
    with pytest.raises(ParameterError, match="silence_min_s=-1"):
        conversation_metrics(d, silence_min_s=-1)


# -- signal metrics -------------------------------------------------------------------------
def test_clipping_ratio() -> None:
    y = np.zeros(1000, np.float32)
    y[:10] = 1.0
    y[10:15] = -1.0
    assert clipping_ratio(y) == pytest.approx(0.015)


def test_snr_estimate_recovers_known_ratio() -> None:
    rng = np.random.default_rng(0)
    speech = np.zeros(2000, np.uint8)
    speech[500:1500] = 1
    noise_p, speech_p = 1e-4, 1e-2  # 20 dB
    power = np.where(speech == 1, speech_p + noise_p, noise_p) * rng.uniform(0.9, 1.1, 2000)
    assert snr_estimate_db(power, speech) == pytest.approx(20.0, abs=0.6)


def test_speaking_rate_counts_syllable_nuclei() -> None:
    hop = 0.01
    t = np.arange(1000) * hop
    rate = 4.0  # syllables per second
    level = -40 + 15 * (0.5 + 0.5 * np.cos(2 * np.pi * rate * t))
    voiced = np.ones(1000, bool)
    frames = np.ones(1000, np.uint8)
    assert speaking_rate(level, voiced, frames, hop_s=hop) == pytest.approx(rate, abs=0.2)


def test_mono_takeover_without_pause_is_an_inferred_interruption() -> None:
    turns = [
        (0.0, 6.0, "S1"),
        (6.0, 9.0, "S2"),
        (9.8, 15.0, "S1"),
        (15.0, 15.1, "S2"),
        (15.1, 15.3, "S1"),
        (15.3, 18.0, "S2"),
        (19.0, 22.0, "S1"),
    ]
    d = Diarization.from_turns(
        [SpeakerTurn(a, b, s) for a, b, s in turns],
        25.0,
        roles={"S1": "agent", "S2": "customer"},
        method="embedding",
    )
    m = conversation_metrics(d)
    # 6.0 and 15.0 are takeovers (the flicker at 15.1-15.3 counts once); 9.8 and 19.0 follow pauses
    assert [(i.by, i.start, i.inferred) for i in m.interruptions] == [
        ("customer", 6.0, True),
        ("customer", 15.0, True),
    ]
    assert m.interruptions_customer == 2 and m.interruptions_agent == 0
    by_channel = Diarization.from_turns(d.segments, 25.0, roles=d.roles, method="channel")
    assert conversation_metrics(by_channel).interruptions_customer == 0
    assert conversation_metrics(d, infer_takeovers=False).interruptions_customer == 0
    # a diarizer that labels overlapped speech (cxkit's mono pipeline): a takeover is a takeover
    aware = Diarization.from_turns(
        d.segments, 25.0, roles=d.roles, method="embedding", overlap_aware=True
    )
    assert conversation_metrics(aware).interruptions_customer == 0
    assert conversation_metrics(aware, infer_takeovers=True).interruptions_customer == 2
