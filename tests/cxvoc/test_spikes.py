"""Spike detection on planted spikes of volume and negative share; the statistical tests."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from cxvoc import Record, ValidationError, make_record_id
from cxvoc.spikes import (
    SpikeAlert,
    SpikeParams,
    detect_spikes,
    poisson_upper_tail,
    two_proportion_z,
)
from cxvoc.store import to_arrow

START = datetime(2026, 9, 1, tzinfo=UTC)


def _stream(*, days=35, rate=40, neg_share=0.3, seed=0, spikes=None):
    """Daily Poisson mentions of brands A and B; ``spikes`` maps (brand, day) -> (count, negative share)."""
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    spikes = spikes or {}
    out = []
    for d in range(days):
        for brand in ("A", "B"):
            n, share = spikes.get((brand, d), (int(rng.poisson(rate)), neg_share))
            for i in range(n):
                label = "negative" if pick.random() < share else "positive"
                out.append(Record(
                    record_id=make_record_id("social", f"{brand}-{d}-{i}"), source="social", channel="forum",
                    brand=brand, occurred_at=START + timedelta(days=d, hours=pick.uniform(0, 23.9)),
                    sentiment={"label": label, "score": -0.5 if label == "negative" else 0.5},
                ))  # fmt: skip
    return to_arrow(out)


def test_no_alerts_on_steady_data():
    for seed in range(3):
        assert detect_spikes(_stream(seed=seed)) == ()


def test_planted_volume_spike_is_found_on_its_day_and_brand():
    alerts = detect_spikes(_stream(spikes={("B", 25): (120, 0.3)}))
    volume = [a for a in alerts if a.metric == "volume"]
    assert len(volume) == 1
    a = volume[0]
    assert (a.brand, a.bucket_start, a.count) == ("B", date(2026, 9, 26), 120)
    assert a.test == "poisson_upper_tail" and a.p_value < 1e-10
    assert a.expected == pytest.approx(40, rel=0.15)
    assert a.ratio == pytest.approx(120 / a.expected)
    assert all(x.metric != "negative_share" for x in alerts)  # share unchanged


def test_planted_negative_share_spike_without_volume_change():
    alerts = detect_spikes(_stream(spikes={("A", 30): (40, 0.9)}))
    assert [(a.brand, a.metric, a.bucket_start) for a in alerts] == [
        ("A", "negative_share", date(2026, 10, 1))
    ]
    a = alerts[0]
    assert (
        a.test == "two_proportion_z"
        and a.observed > 0.75
        and a.expected == pytest.approx(0.3, abs=0.05)
    )


def test_min_count_and_baseline_coverage():
    # a tripled but tiny volume (rate 3 -> 9) is below min_count 20: no alert
    assert detect_spikes(_stream(rate=3, spikes={("A", 20): (9, 0.3)})) == ()
    # a spike before the baseline covers min_baseline_buckets days is not tested
    assert detect_spikes(_stream(spikes={("A", 3): (200, 0.3)})) == ()


def test_weekly_buckets():
    spikes = {("A", d): (90, 0.3) for d in range(28, 35)}
    alerts = detect_spikes(
        _stream(spikes=spikes), SpikeParams(bucket="week", baseline_weeks=3, min_baseline_buckets=2)
    )
    assert any(a.brand == "A" and a.metric == "volume" and a.bucket == "week" for a in alerts)
    assert all(a.brand == "A" for a in alerts)


def test_poisson_tail_matches_direct_sum():
    lam, k = 12.5, 25
    direct = 1 - sum(math.exp(-lam) * lam**i / math.factorial(i) for i in range(k))
    assert poisson_upper_tail(k, lam) == pytest.approx(direct, rel=1e-9)
    assert poisson_upper_tail(0, lam) == 1.0


def test_two_proportion_z_matches_formula():
    x1, n1, x0, n0 = 30, 50, 200, 1000
    p = (x1 + x0) / (n1 + n0)
    z = (x1 / n1 - x0 / n0) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n0))
    got_z, got_p = two_proportion_z(x1, n1, x0, n0)
    assert got_z == pytest.approx(z, rel=1e-12)
    assert got_p == pytest.approx(0.5 * math.erfc(z / math.sqrt(2)), rel=1e-9)


def test_alert_serialize_and_params_validation():
    a = SpikeAlert(brand="A", metric="volume", bucket_start=date(2026, 10, 1), bucket="day", observed=90.0,
                   expected=30.0, count=90, baseline_count=420, statistic=10.9, p_value=1e-20,
                   test="poisson_upper_tail")  # fmt: skip
    doc = a.serialize()
    assert doc["bucket_start"] == "2026-10-01" and doc["ratio"] == pytest.approx(3.0)
    with pytest.raises(ValidationError, match="bucket='month'"):
        SpikeParams(bucket="month")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="alpha=2"):
        SpikeParams(alpha=2)


def test_cli_spikes_json(tmp_path):
    import json

    from typer.testing import CliRunner

    from cxvoc import open_store
    from cxvoc.cli import app
    from cxvoc.store import table_to_records

    with open_store(tmp_path / "voc.duckdb") as st:
        st.upsert(table_to_records(_stream(spikes={("B", 25): (120, 0.3)})))
    res = CliRunner().invoke(
        app, ["kpi", "spikes", "--store", str(tmp_path / "voc.duckdb"), "--json"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert [(a["brand"], a["metric"], a["bucket_start"]) for a in doc] == [
        ("B", "volume", "2026-09-26")
    ]
