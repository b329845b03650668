"""CEMI against hand-computed cases, band edges, configuration errors and pain points."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cxvoc import ConfigError, ValidationError
from cxvoc.cemi import (
    NETWORK,
    KpiObservation,
    KpiValues,
    band,
    compute_cemi,
    load_config,
    pain_points,
    parse_config,
)

DATA = Path(__file__).parent / "data"
TOL = 1e-9

# a: 0..100 higher better, linear: points = 1 + value / 25 (factor 100: numerator/denominator in %)
# b: lower better, linear between 10 (1 pt) and 2 (5 pts): points = 1 + (10 - value) / 2
# c: step scale, points = number of breaks reached (at least 1)
# comp: composite of a and b, half each
BASE = {
    "kpis": {
        "a": {"name": "A", "factor": 100, "target": 75, "scale": {"breaks": [0, 25, 50, 75, 100]}},
        "b": {"name": "B", "target": 4, "scale": {"breaks": [10, 8, 6, 4, 2]}},
        "c": {"name": "C", "target": 4, "scale": {"breaks": [1, 2, 3, 4, 5], "mode": "step"}},
        "comp": {"name": "Composite", "composite": {"a": 0.5, "b": 0.5}},
    },
    "journey": {
        "phases": [
            {"id": "p1", "name": "Phase 1", "stages": [{"id": "s1", "touchpoints": [1]}]},
            {"id": "p2", "name": "Phase 2", "stages": [{"id": "s2", "touchpoints": [2, 3]}]},
        ],
        "touchpoints": {
            1: {"name": "One", "kpis": {"a": 0.5, "b": 0.3, "c": 0.2}},
            2: {"name": "Two", "kpis": {"a": 1.0}},
            3: {"name": "Three", "kpis": {"comp": 0.4, "c": 0.6}},
        },
    },
    "touchpoint_weights": {1: 0.5, 2: 0.3, 3: 0.2},
    "services": {
        "s1": {"name": "Service 1", "weight": 0.6},
        "s2": {"name": "Service 2", "weight": 0.4, "touchpoint_weights": {1: 1.0}},
    },
}


def config(**changes):
    data = copy.deepcopy(BASE)
    data.update(changes)
    return parse_config(data, source="test")


def obs(
    kpi,
    value=None,
    *,
    unit="U",
    period="2026-10",
    service=None,
    touchpoint=None,
    num=None,
    den=None,
):
    return KpiObservation(unit, period, kpi, service, touchpoint, value, num, den)


def score(result, unit="U"):
    return result.unit(unit).score


# --- hand-computed cases --------------------------------------------------------------------------


def test_case1_all_kpis_present():
    # a=60 -> 3.4 ; b=5 -> 3.5 ; c=3.7 -> 3 (step) ; comp = (3.4 + 3.5) / 2 = 3.45
    values = KpiValues([obs("a", 60), obs("b", 5), obs("c", 3.7)])
    r = compute_cemi(config(), values, period="2026-10")
    tp1 = 0.5 * 3.4 + 0.3 * 3.5 + 0.2 * 3
    tp2 = 3.4
    tp3 = 0.4 * 3.45 + 0.6 * 3
    s1 = 0.5 * tp1 + 0.3 * tp2 + 0.2 * tp3
    s2 = tp1
    assert tp1 == pytest.approx(3.35, abs=TOL)
    u = r.unit("U")
    assert u.services[0].touchpoints[0].score == pytest.approx(tp1, abs=TOL)
    assert u.services[0].touchpoints[2].score == pytest.approx(tp3, abs=TOL)
    assert u.services[0].score == pytest.approx(s1, abs=TOL)
    assert u.services[1].score == pytest.approx(s2, abs=TOL)
    assert u.score == pytest.approx(0.6 * s1 + 0.4 * s2, abs=TOL)
    assert u.score == pytest.approx(3.3386, abs=TOL)
    assert u.band == "Fair"


def test_case2_denominator_zero_redistributes_within_touchpoint():
    # b did not occur (denominator 0): its 0.3 goes to a and c in proportion 0.5 : 0.2
    values = KpiValues([obs("a", 60), obs("b", num=0, den=0), obs("c", 3.7)])
    r = compute_cemi(config(), values, period="2026-10")
    tp1 = (0.5 * 3.4 + 0.2 * 3) / (0.5 + 0.2)
    comp = 3.4  # composite of a alone
    tp3 = 0.4 * comp + 0.6 * 3
    s1 = 0.5 * tp1 + 0.3 * 3.4 + 0.2 * tp3
    u = r.unit("U")
    t1 = u.services[0].touchpoints[0]
    assert t1.score == pytest.approx(tp1, abs=TOL)
    assert [k.status for k in t1.kpis] == ["scored", "no_data", "scored"]
    assert [k.effective_weight for k in t1.kpis] == pytest.approx(
        [0.5 / 0.7, 0.0, 0.2 / 0.7], abs=TOL
    )
    assert u.score == pytest.approx(0.6 * s1 + 0.4 * tp1, abs=TOL)


def test_case3_touchpoint_without_data_redistributes_within_service():
    # a is measured at touchpoints 1 and 3 only: touchpoint 2 has no data, its 0.3 is redistributed
    values = KpiValues(
        [obs("a", 60, touchpoint=1), obs("a", 60, touchpoint=3), obs("b", 5), obs("c", 3.7)]
    )
    r = compute_cemi(config(), values, period="2026-10")
    tp1, tp3 = 3.35, 0.4 * 3.45 + 0.6 * 3
    s1 = (0.5 * tp1 + 0.2 * tp3) / 0.7
    u = r.unit("U")
    assert u.services[0].touchpoints[1].score is None
    assert u.services[0].touchpoints[1].band is None
    assert u.services[0].score == pytest.approx(s1, abs=TOL)
    assert u.score == pytest.approx(0.6 * s1 + 0.4 * tp1, abs=TOL)


def test_case4_numerator_denominator_factor_and_service_specific_rows():
    # a = 100 * 3 / 4 = 75 -> 4.0 ; for service s2, a = 40 -> 2.6 (the specific row wins)
    values = KpiValues(
        [obs("a", num=3, den=4), obs("a", 40, service="s2"), obs("b", 9), obs("c", 5)]
    )
    r = compute_cemi(config(), values, period="2026-10")
    b, c = 1.5, 5.0
    tp1_s1 = 0.5 * 4.0 + 0.3 * b + 0.2 * c
    tp3 = 0.4 * ((4.0 + b) / 2) + 0.6 * c
    s1 = 0.5 * tp1_s1 + 0.3 * 4.0 + 0.2 * tp3
    s2 = 0.5 * 2.6 + 0.3 * b + 0.2 * c
    assert score(r) == pytest.approx(0.6 * s1 + 0.4 * s2, abs=TOL)
    assert r.unit("U").services[0].touchpoints[0].kpis[0].value == pytest.approx(75.0, abs=TOL)


def test_case5_clamping_and_network_pooling():
    # unit U: a = 100*1/10 = 10 -> 1.4 ; unit V: a = 100*9/10 = 90 -> 4.6 ; network pools 10/20 = 50 -> 3.0
    values = KpiValues([
        obs("a", num=1, den=10), obs("a", num=9, den=10, unit="V"),
        obs("b", 0.5), obs("b", 12, unit="V"),  # beyond the scale: 5 and 1 points
        obs("c", 0), obs("c", 99, unit="V"),  # step scale: 1 and 5 points
    ])  # fmt: skip
    r = compute_cemi(config(), values, period="2026-10")
    tp1_u = 0.5 * 1.4 + 0.3 * 5 + 0.2 * 1
    assert r.unit("U").services[1].score == pytest.approx(tp1_u, abs=TOL)
    tp1_v = 0.5 * 4.6 + 0.3 * 1 + 0.2 * 5
    assert r.unit("V").services[1].score == pytest.approx(tp1_v, abs=TOL)
    # network b and c have only values (no ratio): mean of (0.5, 12) = 6.25 -> 3 - 0.25/2 ; c mean 49.5 -> 5
    net_b = 1 + (10 - 6.25) / 2
    assert r.network is not None and r.network.unit == NETWORK
    assert r.network.services[1].score == pytest.approx(0.5 * 3.0 + 0.3 * net_b + 0.2 * 5, abs=TOL)


def test_case6_score_exactly_on_band_edge():
    # every KPI scores exactly 2.0 -> every level is 2.0, band Average (2 is the lower edge)
    values = KpiValues([obs("a", 25), obs("b", 8), obs("c", 2)])
    r = compute_cemi(config(), values, period="2026-10")
    assert score(r) == pytest.approx(2.0, abs=TOL)
    assert r.unit("U").band == "Average"


@pytest.mark.parametrize(
    ("x", "expected"),
    [(1.0, "Poor"), (2.0, "Average"), (3.0, "Fair"), (3.5, "Good"), (4.5, "Excellent"), (5.0, "Excellent")],
)  # fmt: skip
def test_uniform_points_stay_exact_on_every_edge_and_scale_end(x, expected):
    # a = 25 (x - 1) and b = 10 - 2 (x - 1) score exactly x; c (step) scores x when x is whole,
    # otherwise it did not occur. Every weighted mean of x is x: 0.6 x + 0.4 x must not give
    # 2.9999999999999996 (Average) or 5.000000000000001 (outside the scale).
    c = obs("c", x) if x == int(x) else obs("c", num=0, den=0)
    values = KpiValues([obs("a", num=25 * (x - 1), den=100), obs("b", 10 - 2 * (x - 1)), c])
    u = compute_cemi(config(), values, period="2026-10").unit("U")
    assert u.score == x and u.band == expected
    for s in u.services:
        assert s.score == x and s.band == expected
        assert all(t.score == x and t.band == expected for t in s.touchpoints)


@pytest.mark.parametrize(
    ("a", "b", "c", "tp1", "expected"),
    [
        (50, 10, 1, 2.0, "Average"),  # 0.5*3 + 0.3*1 + 0.2*1 = 2.0
        (65, 8, 3, 3.0, "Fair"),  # 0.5*3.6 + 0.3*2 + 0.2*3 = 3.0
        (75, 6, 3, 3.5, "Good"),  # 0.5*4 + 0.3*3 + 0.2*3 = 3.5
        (100, 4, 4, 4.5, "Excellent"),  # 0.5*5 + 0.3*4 + 0.2*4 = 4.5
    ],
)
def test_mixed_points_land_exactly_on_the_band_edge(a, b, c, tp1, expected):
    values = KpiValues([obs("a", a), obs("b", b), obs("c", c)])
    u = compute_cemi(config(), values, period="2026-10").unit("U")
    t1 = u.services[0].touchpoints[0]
    assert t1.score == tp1 and t1.band == expected
    assert u.services[1].score == tp1 and u.services[1].band == expected  # s2 is touchpoint 1 alone


def test_touchpoint_and_service_without_data_and_coverage():
    # touchpoint 1 has no observation (a, b, c are measured at touchpoints 2 and 3 only), so
    # service s2 (touchpoint 1 alone) has no data and the unit is service s1 alone.
    # tp2 = a = 60 -> 3.4 ; tp3 = 0.4 * (3.4 + 3.5) / 2 + 0.6 * 3 = 3.18
    # s1 = (0.3 * 3.4 + 0.2 * 3.18) / (0.3 + 0.2) = 3.312 ; unit = s1 (s2 excluded)
    values = KpiValues([obs("a", 60, touchpoint=2), obs("a", 60, touchpoint=3),
                        obs("b", 5, touchpoint=3), obs("c", 3.7, touchpoint=3)])  # fmt: skip
    u = compute_cemi(config(), values, period="2026-10").unit("U")
    s1, s2 = u.services
    assert s1.touchpoints[0].score is None and s1.touchpoints[0].coverage == 0.0
    assert s1.touchpoints[2].score == pytest.approx(3.18, abs=TOL)
    assert s1.score == pytest.approx(3.312, abs=TOL) and s1.band == "Fair"
    assert s2.score is None and s2.band is None and s2.coverage == 0.0
    assert [t.effective_weight for t in s1.touchpoints] == pytest.approx([0.0, 0.6, 0.4], abs=TOL)
    assert u.score == pytest.approx(3.312, abs=TOL)
    assert [s.effective_weight for s in u.services] == pytest.approx([1.0, 0.0], abs=TOL)
    # coverage: configured weight with data; s1 = 0.5 * 0 + 0.3 * 1 + 0.2 * 1; unit = 0.6 * 0.5
    assert s1.coverage == pytest.approx(0.5, abs=TOL) and u.coverage == pytest.approx(0.3, abs=TOL)
    assert u.records is None  # values from a table: no record count


def test_coverage_of_a_touchpoint_with_a_missing_kpi():
    values = KpiValues([obs("a", 60), obs("b", num=0, den=0)])  # c missing, b did not occur
    t1 = compute_cemi(config(), values, period="2026-10").unit("U").services[0].touchpoints[0]
    assert t1.score == pytest.approx(3.4, abs=TOL) and t1.coverage == pytest.approx(0.5, abs=TOL)
    assert [k.weight for k in t1.kpis] == [0.5, 0.3, 0.2]
    assert [k.effective_weight for k in t1.kpis] == [1.0, 0.0, 0.0]


def test_nothing_measured_gives_no_score():
    values = KpiValues([obs("a", num=0, den=0), obs("b", num=0, den=0), obs("c", num=0, den=0)])
    r = compute_cemi(config(), values, period="2026-10")
    assert score(r) is None and r.unit("U").band is None


@pytest.mark.parametrize(
    ("x", "expected"),
    [(1.0, "Poor"), (1.999, "Poor"), (2.0, "Average"), (2.999, "Average"), (3.0, "Fair"),
     (3.4999, "Fair"), (3.5, "Good"), (4.4999, "Good"), (4.5, "Excellent"), (5.0, "Excellent")],
)  # fmt: skip
def test_band_edges(x, expected):
    assert band(x) == expected


@pytest.mark.parametrize("x", [0.999, 5.001, float("nan")])
def test_band_outside_scale(x):
    with pytest.raises(ValidationError, match="outside the scale"):
        band(x)


# --- configuration ------------------------------------------------------------------------------


def test_default_config_is_the_telecom_journey():
    cfg = load_config()
    assert len(cfg.touchpoints) == 16
    assert len(cfg.phases) == 3 and sum(len(p.stages) for p in cfg.phases) == 9
    assert list(cfg.services) == [
        "mobile",
        "fixed_broadband",
        "iptv",
        "personal_digital",
        "enterprise_digital",
    ]
    assert cfg.touchpoints[1].name == "Observe"
    assert cfg.touchpoints[2].name == "Search and feedback"
    assert cfg.touchpoints[16].name == "Leave"
    assert cfg.touchpoints[12].stage == "support" and cfg.touchpoints[12].phase == "use"


def _bad(mutate):
    data = copy.deepcopy(BASE)
    mutate(data)
    with pytest.raises(ConfigError) as info:
        parse_config(data, source="bad.yaml")
    return str(info.value)


def test_weights_not_summing_to_one_name_the_node():
    msg = _bad(lambda d: d["journey"]["touchpoints"][1]["kpis"].update(b=0.2))
    assert (
        "touchpoint 1 kpis" in msg and "sum to 0.9" in msg and "b=0.2" in msg and "bad.yaml" in msg
    )


def test_weights_within_tolerance_are_accepted():
    data = copy.deepcopy(BASE)
    data["journey"]["touchpoints"][1]["kpis"] = {"a": 0.5, "b": 0.3, "c": 0.2 + 1e-9}
    parse_config(data)


def test_service_weights_must_sum_to_one():
    msg = _bad(lambda d: d["services"]["s2"].update(weight=0.5))
    assert "services weights" in msg and "sum to 1.1" in msg


def test_service_touchpoint_weights_must_sum_to_one():
    msg = _bad(lambda d: d["touchpoint_weights"].update({3: 0.3}))
    assert "service 's1' touchpoint_weights" in msg


def test_missing_kpi_names_it():
    msg = _bad(lambda d: d["journey"]["touchpoints"][2].update(kpis={"zzz": 1.0}))
    assert "touchpoint 2 refers to KPI 'zzz'" in msg


def test_missing_touchpoint_names_it():
    msg = _bad(lambda d: d["journey"]["phases"][1]["stages"][0].update(touchpoints=[2, 3, 7]))
    assert "touchpoint 7" in msg and "s2" in msg


def test_touchpoint_in_no_stage():
    msg = _bad(lambda d: d["journey"]["phases"][1]["stages"][0].update(touchpoints=[2]))
    assert "touchpoint 3" in msg and "no stage" in msg


def test_service_weighting_unknown_touchpoint():
    msg = _bad(lambda d: d["services"]["s2"].update(touchpoint_weights={9: 1.0}))
    assert "service 's2'" in msg and "touchpoint 9" in msg


def test_composite_cycle_names_the_nodes():
    def mutate(d):
        d["kpis"]["x"] = {"name": "X", "composite": {"y": 1.0}}
        d["kpis"]["y"] = {"name": "Y", "composite": {"comp": 0.5, "x": 0.5}}

    msg = _bad(mutate)
    assert "cycle" in msg and "'x'" in msg and "x -> y -> x" in msg


def test_composite_of_unknown_kpi():
    msg = _bad(lambda d: d["kpis"]["comp"].update(composite={"a": 0.5, "nope": 0.5}))
    assert "'comp'" in msg and "'nope'" in msg


def test_non_monotone_scale():
    msg = _bad(lambda d: d["kpis"]["a"].update(scale={"breaks": [0, 30, 20, 75, 100]}))
    assert "KPI 'a' scale.breaks" in msg and "strictly" in msg


def test_bad_yaml_file_names_the_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("kpis: {a: [1, 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="broken.yaml"):
        load_config(path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "absent.yaml")


def test_cli_bad_config_exit_code(tmp_path):
    path = tmp_path / "cycle.yaml"
    import yaml

    data = copy.deepcopy(BASE)
    data["kpis"]["x"] = {"composite": {"x": 1.0}}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", "from cxvoc.cli import main; main()", "cemi", "validate",
                           str(path)], capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 78, proc.stderr
    assert "cycle" in proc.stderr and "x -> x" in proc.stderr


# --- KPI values tables, records and pain points ---------------------------------------------------


def test_values_from_csv_and_parquet(tmp_path):
    import pyarrow.csv as pcsv

    csv_values = KpiValues.from_table(DATA / "kpi_values.csv")
    table = pcsv.read_csv(DATA / "kpi_values.csv")
    pq.write_table(table, tmp_path / "v.parquet")
    pq_values = KpiValues.from_table(tmp_path / "v.parquet")
    cfg = load_config()
    a = compute_cemi(cfg, csv_values, period="2026-10")
    b = compute_cemi(cfg, pq_values, period="2026-10")
    assert [u.unit for u in a.units] == ["Hà Nội", "Đà Nẵng"]
    assert [u.score for u in a.units] == pytest.approx([u.score for u in b.units], abs=TOL)
    # Hà Nội's touchpoint 12 (mobile): csat 80 -> 3.0, qa 90 -> 4.0, escalation 12 -> 3.0,
    # ces: denominator 0 (excluded), net_sentiment 20 -> 4.0
    t12 = next(t for t in a.unit("Hà Nội").services[0].touchpoints if t.touchpoint == 12)
    expected = (0.3 * 3.0 + 0.25 * 4.0 + 0.2 * 3.0 + 0.1 * 4.0) / (0.3 + 0.25 + 0.2 + 0.1)
    assert t12.score == pytest.approx(expected, abs=TOL)


def test_values_table_errors(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,period,kpi,numerator\nA,2026-10,csat,3\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="needs a 'value' column"):
        KpiValues.from_table(bad)
    bad.write_text(
        "unit,period,kpi,value,numerator,denominator\nA,2026-10,csat,,3,\n", encoding="utf-8"
    )
    with pytest.raises(ValidationError, match="row 1"):
        KpiValues.from_table(bad)


def test_values_from_records_match_kpi_formulas():
    from datetime import UTC, datetime

    from cxvoc import Record, make_record_id

    recs = [
        Record(record_id=make_record_id("survey", str(i)), source="survey", channel="sms", unit="U",
               service="mobile", touchpoint=4, occurred_at=datetime(2026, 10, 3, tzinfo=UTC),
               attributes={"csat": s})
        for i, s in enumerate([5, 4, 4, 2, 1])
    ]  # fmt: skip
    values = KpiValues.from_records(pa_records(recs))
    found = values.lookup(unit="U", period="2026-10", service="mobile", touchpoint=4, kpi="csat")
    assert found is not None and found.numerator == 3 and found.denominator == 5
    assert found.resolved(100) == pytest.approx(60.0)
    r = compute_cemi(load_config(), values, period="2026-10")
    t4 = next(t for t in r.unit("U").services[0].touchpoints if t.touchpoint == 4)
    assert t4.score == pytest.approx(1.0, abs=TOL)  # csat 60 -> 1 point; ces, net_sentiment missing


def pa_records(recs):
    from cxvoc.store import to_arrow

    return to_arrow(recs)


def test_pain_points_hand_computed():
    values = KpiValues([
        obs("a", num=1, den=10), obs("a", num=9, den=10, unit="V"),
        obs("b", 5), obs("b", 5, unit="V"), obs("c", 4), obs("c", 4, unit="V"),
        obs("a", num=5, den=10, period="2026-09"), obs("b", 5, period="2026-09"), obs("c", 4, period="2026-09"),
    ])  # fmt: skip
    cfg = config()
    now = compute_cemi(cfg, values, period="2026-10")
    prev = compute_cemi(cfg, values, period="2026-09", network=False)
    pains = pain_points(now, previous=prev, level="kpi", top=None)
    # unit U, service s1, touchpoint 1, KPI a: points 1.4, target 75 -> 4.0, network 50% -> 3.0, previous 3.0
    # weight in index: KPI 0.5 in tp1 x tp1 0.5 in s1 x s1 0.6 = 0.15
    mine = {
        p.basis: p for p in pains if (p.unit, p.service, p.touchpoint, p.kpi) == ("U", "s1", 1, "a")
    }
    assert set(mine) == {"target", "network", "previous"}
    assert mine["target"].gap == pytest.approx(2.6, abs=TOL)
    assert mine["target"].weight == pytest.approx(0.15, abs=TOL)
    assert mine["target"].weighted_gap == pytest.approx(0.39, abs=TOL)
    assert mine["network"].gap == pytest.approx(1.6, abs=TOL)
    assert mine["previous"].weighted_gap == pytest.approx(0.15 * 1.6, abs=TOL)
    assert pains[0].weighted_gap == max(p.weighted_gap for p in pains)
    assert all(p.unit != "V" or p.basis != "network" or p.kpi != "a" for p in pains)  # V is above
    only_tp = pain_points(now, level="touchpoint", bases=("target",), top=3)
    assert len(only_tp) == 3 and all(p.kpi is None for p in only_tp)
    with pytest.raises(ValidationError, match="basis"):
        pain_points(now, bases=("budget",))


def test_unknown_unit_is_an_error():
    values = KpiValues([obs("a", 60)])
    with pytest.raises(ValidationError, match="'Nowhere'"):
        compute_cemi(config(), values, period="2026-10", units=["Nowhere"])


def test_serialize_is_json_ready():
    import json

    r = compute_cemi(
        config(), KpiValues([obs("a", 60), obs("b", 5), obs("c", 3.7)]), period="2026-10"
    )
    doc = json.loads(json.dumps(r.serialize()))
    assert doc["units"][0]["score"] == pytest.approx(3.3386, abs=TOL)
    assert doc["units"][0]["services"][0]["touchpoints"][0]["kpis"][0]["kpi"] == "a"


def test_cli_compute_prints_tree_and_json(tmp_path):
    import json

    from typer.testing import CliRunner

    from cxvoc.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["cemi", "compute", "--values", str(DATA / "kpi_values.csv"), "--period", "2026-10",
                              "--unit", "Hà Nội", "--pain-points", "3"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "Hà Nội (2026-10)" in res.output and "12. Contact the care center" in res.output
    assert "ces: no_data" in res.output and "pain points" in res.output
    assert "Đà Nẵng" not in res.output.split("pain points")[0]
    res = runner.invoke(app, ["cemi", "compute", "--values", str(DATA / "kpi_values.csv"), "--period", "2026-10",
                              "--json"])  # fmt: skip
    doc = json.loads(res.output)
    expected = compute_cemi(
        load_config(), KpiValues.from_table(DATA / "kpi_values.csv"), period="2026-10"
    )
    assert [u["score"] for u in doc["cemi"]["units"]] == pytest.approx(
        [u.score for u in expected.units], abs=TOL
    )
    assert len(doc["pain_points"]) == 10
    res = runner.invoke(
        app, ["cemi", "validate", str(Path(__file__).parents[2] / "cxvoc/cemi/default.yaml")]
    )
    assert res.exit_code == 0 and "16 touchpoints, 9 stages, 5 services" in res.output


def test_table_values_overlay_store_values():
    from datetime import UTC, datetime

    from cxvoc import Record, make_record_id

    recs = [
        Record(record_id=make_record_id("survey", str(i)), source="survey", channel="sms", unit="U",
               service="s1", touchpoint=2, occurred_at=datetime(2026, 10, 3, tzinfo=UTC),
               attributes={"csat": s})
        for i, s in enumerate([5, 4, 1, 1])
    ]  # fmt: skip
    cfg = parse_config({**copy.deepcopy(BASE), "kpis": {**BASE["kpis"], "csat": BASE["kpis"]["a"]}} | {
        "journey": {**copy.deepcopy(BASE["journey"]), "touchpoints": {
            1: {"kpis": {"a": 1.0}}, 2: {"kpis": {"csat": 1.0}}, 3: {"kpis": {"a": 1.0}}}}})  # fmt: skip
    from_store = KpiValues.from_records(pa_records(recs))
    r = compute_cemi(cfg, from_store, period="2026-10")
    assert r.unit("U").services[0].touchpoints[1].score == pytest.approx(1 + 50 / 25, abs=TOL)
    overlay = KpiValues([obs("csat", 75, service="s1", touchpoint=2), obs("a", 100)])
    r = compute_cemi(cfg, from_store.merged(overlay), period="2026-10")
    assert r.unit("U").services[0].touchpoints[1].score == pytest.approx(4.0, abs=TOL)
    assert r.unit("U").services[0].score == pytest.approx(0.5 * 5 + 0.3 * 4 + 0.2 * 5, abs=TOL)


@pytest.mark.parametrize("module", ["cxvoc.cemi", "cxvoc.kpi", "cxvoc.spikes", "cxvoc.report"])
def test_public_names_exist(module):
    import importlib

    mod = importlib.import_module(module)
    assert mod.__all__ and all(hasattr(mod, name) for name in mod.__all__)


def test_records_behind_each_node_and_social_posts_in_the_network():
    from datetime import UTC, datetime

    from cxvoc import Record, make_record_id

    when = datetime(2026, 10, 3, tzinfo=UTC)
    calls = [Record(record_id=make_record_id("call", str(i)), source="call", channel="call_center",
                    unit="U", service="mobile", occurred_at=when, qa={"passed": i < 3},
                    emotion={"escalation_events": [{"start_s": 1, "end_s": 2}] if i == 0 else []})
             for i in range(4)]  # fmt: skip
    posts = [Record(record_id=make_record_id("social", str(i)), source="social", channel="forum",
                    occurred_at=when, sentiment={"label": "negative", "score": -0.5},
                    aspects=[{"aspect": "network_coverage", "label": "negative", "score": -0.5}])
             for i in range(5)]  # fmt: skip
    values = KpiValues.from_records(pa_records(calls + posts))
    r = compute_cemi(load_config(), values, period="2026-10")
    mobile = r.unit("U").services[0]
    t12 = next(t for t in mobile.touchpoints if t.touchpoint == 12)
    qa = next(k for k in t12.kpis if k.kpi == "qa_pass_rate")
    assert qa.value == pytest.approx(75.0) and qa.records == 4  # 3 of 4 calls passed
    assert t12.records == 4 and mobile.records == 4 and r.unit("U").records == 4
    # the unit's touchpoint 12 has qa (0.25) and escalation (0.2) of its configured weights
    assert t12.coverage == pytest.approx(0.45, abs=TOL)
    assert r.unit("U").services[1].records == 0  # no fixed-broadband records
    # posts without a unit count in the network aggregate, at touchpoint 8 (coverage)
    assert r.network is not None
    t8 = next(t for t in r.network.services[0].touchpoints if t.touchpoint == 8)
    assert t8.records == 5 and t8.kpis[0].kpi == "net_sentiment" and t8.kpis[0].value == -100.0
    assert r.network.records == 9


def test_posts_without_a_service_count_for_every_service():
    from datetime import UTC, datetime

    from cxvoc import Record, make_record_id

    when = datetime(2026, 10, 3, tzinfo=UTC)
    call = Record(record_id=make_record_id("call", "c"), source="call", channel="call_center", unit="U",
                  service="mobile", occurred_at=when, sentiment={"label": "positive", "score": 0.5})  # fmt: skip
    posts = [Record(record_id=make_record_id("social", str(i)), source="social", channel="forum", unit="U",
                    occurred_at=when, sentiment={"label": "negative", "score": -0.5},
                    aspects=[{"aspect": "customer_service", "label": "negative", "score": -0.5}])
             for i in range(3)]  # fmt: skip
    r = compute_cemi(
        load_config(), KpiValues.from_records(pa_records([call, *posts])), period="2026-10"
    )
    mobile, broadband = r.unit("U").services[:2]
    net = [next(k for k in t.kpis if k.kpi == "net_sentiment") for s in (mobile, broadband)
           for t in s.touchpoints if t.touchpoint == 12]  # fmt: skip
    # mobile: the call (+1) and the three posts (-3) of 4 -> -50; broadband: the posts alone
    assert [k.value for k in net] == pytest.approx([-50.0, -100.0])
    assert [k.records for k in net] == [4, 3]


def test_network_pools_posts_without_unit_into_every_service():
    from datetime import UTC, datetime

    from cxvoc import Record, make_record_id

    when = datetime(2026, 10, 3, tzinfo=UTC)
    call = Record(record_id=make_record_id("call", "c"), source="call", channel="call_center", unit="U",
                  service="mobile", occurred_at=when, sentiment={"label": "positive", "score": 0.5})  # fmt: skip
    post = Record(record_id=make_record_id("social", "p"), source="social", channel="forum", occurred_at=when,
                  sentiment={"label": "negative", "score": -0.5},
                  aspects=[{"aspect": "customer_service", "label": "negative", "score": -0.5}])  # fmt: skip
    r = compute_cemi(
        load_config(), KpiValues.from_records(pa_records([call, post])), period="2026-10"
    )
    assert r.network is not None
    t12 = next(t for t in r.network.services[0].touchpoints if t.touchpoint == 12)
    k = next(k for k in t12.kpis if k.kpi == "net_sentiment")
    assert k.value == pytest.approx(0.0) and k.records == 2  # the call (+1) and the post (-1)
