"""KPI formulas, KPI tables over records (DuckDB) and the survey/ticket importer."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxvoc import Record, ValidationError, kpi, make_record_id, open_store, pseudonymize
from cxvoc.store import to_arrow

DATA = Path(__file__).parent / "data"
T0 = datetime(2026, 10, 5, 9, tzinfo=UTC)


def test_csat_nps_ces():
    assert kpi.csat([5, 4, 3, 2, 1]) == pytest.approx(40.0)
    assert kpi.csat([None, 4, 5]) == pytest.approx(100.0)
    assert kpi.csat([]) is None
    assert kpi.nps([10, 9, 8, 7, 6, 0]) == pytest.approx(0.0)
    assert kpi.nps([10, 10, 9, 0]) == pytest.approx(50.0)
    assert kpi.nps([6, 7, 8]) == pytest.approx(-100 / 3)
    assert kpi.ces([1, 2, 6]) == pytest.approx(3.0)
    with pytest.raises(ValidationError, match="nps answer 11"):
        kpi.nps([11])


def test_ttr_churn_net_sentiment_sov():
    pairs = [(T0, T0 + timedelta(hours=2)), (T0, T0 + timedelta(hours=6)), (T0, None)]
    assert kpi.ttr_hours(pairs) == pytest.approx(4.0)
    assert kpi.churn_rate(15, 1000) == pytest.approx(1.5)
    assert kpi.churn_rate(0, 0) is None
    assert kpi.net_sentiment(30, 10, 80) == pytest.approx(25.0)
    assert kpi.share_of_voice({"A": 3, "B": 1}) == pytest.approx({"A": 75.0, "B": 25.0})


def _survey(i, brand="A", unit="U", csat=None, nps=None, ces=None, when=T0):
    attrs = {k: v for k, v in (("csat", csat), ("nps", nps), ("ces", ces)) if v is not None}
    return Record(record_id=make_record_id("survey", f"s{i}"), source="survey", channel="sms", brand=brand,
                  unit=unit, service="mobile", touchpoint=12, occurred_at=when, attributes=attrs)  # fmt: skip


def _call(i, *, escalated, passed, brand="A", label="neutral"):
    return Record(record_id=make_record_id("call", f"c{i}"), source="call", channel="call_center", brand=brand,
                  unit="U", service="mobile", touchpoint=12, occurred_at=T0,
                  sentiment={"label": label, "score": 0.0},
                  emotion={"escalation_events": [{"start_s": 1.0, "end_s": 9.0}] if escalated else []},
                  qa={"score": 90.0 if passed else 40.0, "passed": passed})  # fmt: skip


def _social(i, brand, label, when=T0):
    score = {"negative": -0.5, "neutral": 0.0, "positive": 0.5}[label]
    return Record(record_id=make_record_id("social", f"p{i}-{brand}"), source="social", channel="forum",
                  brand=brand, occurred_at=when, sentiment={"label": label, "score": score})  # fmt: skip


def _ticket(i, hours, request_type="fault", customer="c1"):
    attrs = {"ttr_h": hours, "request_type": request_type}
    return Record(record_id=make_record_id("ticket", f"t{i}"), source="ticket", channel="ticket", brand="A",
                  unit="U", service="mobile", touchpoint=13, occurred_at=T0,
                  customer_ref=pseudonymize(customer, salt="t"), attributes=attrs)  # fmt: skip


def _rows(table, **match):
    return [r for r in table.to_pylist() if all(r.get(k) == v for k, v in match.items())]


def test_kpi_table_matches_formulas():
    csats, npss, cess = [5, 4, 3, 2, 1, 5], [10, 9, 8, 7, 6, 0], [1, 2, 3, 4, 5, 6]
    recs = [
        _survey(i, csat=c, nps=n, ces=e)
        for i, (c, n, e) in enumerate(zip(csats, npss, cess, strict=True))
    ]
    recs += [_call(i, escalated=i < 2, passed=i != 3) for i in range(5)]
    recs += [_ticket(1, 2.0), _ticket(2, 6.0, "terminate", "c2"), _ticket(3, 10.0, customer="c3")]
    table = kpi.kpi_table(to_arrow(recs), by=("period", "brand"))
    got = {r["kpi"]: r for r in _rows(table, period="2026-10", brand="A")}
    assert got["csat"]["value"] == pytest.approx(kpi.csat(csats))
    assert got["nps"]["value"] == pytest.approx(kpi.nps(npss))
    assert got["ces"]["value"] == pytest.approx(kpi.ces(cess))
    assert got["ttr"]["value"] == pytest.approx(6.0)
    assert (got["escalation_rate"]["numerator"], got["escalation_rate"]["denominator"]) == (2, 5)
    assert got["qa_pass_rate"]["value"] == pytest.approx(80.0)
    # the 5 calls carry a neutral sentiment: net sentiment 0 over 5
    assert got["net_sentiment"]["denominator"] == 5 and got["net_sentiment"]["value"] == 0
    # churn from records: 1 terminated customer of the 3 distinct customers seen
    assert got["churn"]["value"] == pytest.approx(100 / 3)


def test_share_of_voice_mentions_and_net_sentiment_by_brand():
    recs = [_social(i, "A", "positive") for i in range(3)] + [
        _social(10 + i, "B", "negative") for i in range(1)
    ]
    recs += [_social(20, "A", "negative")]
    table = kpi.kpi_table(
        to_arrow(recs), by=("brand",), kpis=["share_of_voice", "mentions", "net_sentiment"]
    )
    sov = {r["brand"]: r["value"] for r in _rows(table, kpi="share_of_voice")}
    assert sov == pytest.approx({"A": 80.0, "B": 20.0})
    assert {r["brand"]: r["value"] for r in _rows(table, kpi="mentions")} == {"A": 4.0, "B": 1.0}
    ns = {r["brand"]: r["value"] for r in _rows(table, kpi="net_sentiment")}
    assert ns == pytest.approx({"A": 50.0, "B": -100.0})


def test_groups_by_period_and_unit_and_skips_empty_denominators():
    recs = [_survey(1, unit="U", csat=5), _survey(2, unit="V", csat=2),
            _survey(3, unit="U", csat=1, when=T0 + timedelta(days=30)), _survey(4, unit="V", nps=9)]  # fmt: skip
    table = kpi.kpi_table(to_arrow(recs), by=("period", "unit"), kpis=["csat", "nps"])
    got = {(r["period"], r["unit"], r["kpi"]): r["value"] for r in table.to_pylist()}
    assert got == {("2026-10", "U", "csat"): 100.0, ("2026-10", "V", "csat"): 0.0,
                   ("2026-11", "U", "csat"): 0.0, ("2026-10", "V", "nps"): 100.0}  # fmt: skip
    weekly = kpi.kpi_table(to_arrow(recs), by=("period",), period="week", kpis=["csat"])
    assert weekly.column("period").to_pylist() == ["2026-W41", "2026-W45"]


def test_kpi_table_over_a_store_equals_over_its_arrow(tmp_path):
    recs = [_survey(i, csat=(i % 5) + 1) for i in range(20)]
    with open_store(tmp_path / "voc.duckdb") as st:
        st.upsert(recs)
        a = kpi.kpi_table(st, by=("unit",), kpis=["csat"])
    b = kpi.kpi_table(to_arrow(recs), by=("unit",), kpis=["csat"])
    assert a.to_pylist() == b.to_pylist()
    assert a.to_pylist()[0]["value"] == pytest.approx(40.0)


def test_kpi_table_rejects_bad_arguments():
    t = to_arrow([_survey(1, csat=5)])
    with pytest.raises(ValidationError, match="group key 'colour'"):
        kpi.kpi_table(t, by=("colour",))
    with pytest.raises(ValidationError, match="KPI 'wow'"):
        kpi.kpi_table(t, kpis=["wow"])
    with pytest.raises(ValidationError, match="needs 'brand'"):
        kpi.kpi_table(t, by=("unit",), kpis=["share_of_voice"])
    with pytest.raises(ValidationError, match="period='year'"):
        kpi.kpi_table(t, period="year")  # type: ignore[arg-type]


def test_import_survey_csv_and_ticket_parquet(tmp_path):
    surveys = list(
        kpi.import_table(DATA / "surveys.csv", source="survey", salt="s", mask_text=str.upper)
    )
    assert len(surveys) == 4
    assert surveys[0].attributes["csat"] == 5 and surveys[0].attributes["nps"] == 9
    assert surveys[0].customer_ref == pseudonymize("0901234567", salt="s")
    assert surveys[0].attributes["comment"] == "OK"  # through the masker
    tickets = pa.table({
        "id": ["T1", "T2"], "opened_at": ["2026-10-01T08:00:00+07:00", "2026-10-02T08:00:00+07:00"],
        "resolved_at": ["2026-10-01T11:30:00+07:00", None], "request_type": ["fault", "terminate"],
        "unit": ["Hà Nội", "Hà Nội"], "service": ["mobile", "mobile"], "touchpoint": [13, 16],
        "customer_id": ["a", "b"],
    })  # fmt: skip
    pq.write_table(tickets, tmp_path / "tickets.parquet")
    recs = list(kpi.import_table(tmp_path / "tickets.parquet", source="ticket", salt="s"))
    assert recs[0].attributes["ttr_h"] == pytest.approx(3.5)
    assert "ttr_h" not in recs[1].attributes and recs[1].touchpoint == 16
    assert recs[0].source.value == "ticket" and recs[0].occurred_at.utcoffset() == timedelta(
        hours=7
    )
    table = kpi.kpi_table(to_arrow(surveys + recs), by=(), kpis=["csat", "ttr"])
    got = {r["kpi"]: r["value"] for r in table.to_pylist()}
    assert got == pytest.approx({"csat": 50.0, "ttr": 3.5})


def test_import_errors_name_file_and_row(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,occurred_at,csat\n1,2026-10-01T00:00:00Z,4\n2,2026-10-01T00:00:00Z,9\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError, match=r"bad.csv: row 2: csat=9 is outside 1–5"):
        list(kpi.import_table(bad, source="survey"))
    bad.write_text("id,csat\n1,4\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="missing column 'occurred_at'"):
        list(kpi.import_table(bad, source="survey"))
    bad.write_text("id,occurred_at\n1,yesterday\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="row 1: occurred_at='yesterday'"):
        list(kpi.import_table(bad, source="survey"))
    from cxvoc import ConfigError

    xlsx = tmp_path / "x.xlsx"
    xlsx.write_bytes(b"PK")
    with pytest.raises(ConfigError, match="unsupported suffix"):
        list(kpi.import_table(xlsx, source="survey"))
    with pytest.raises(ConfigError, match="does not exist"):
        list(kpi.import_table(tmp_path / "absent.csv", source="survey"))


def test_cli_import_and_show(tmp_path):
    from typer.testing import CliRunner

    from cxvoc.cli import app

    runner = CliRunner()
    store = str(tmp_path / "voc.duckdb")
    res = runner.invoke(
        app,
        ["kpi", "import", str(DATA / "surveys.csv"), "--source", "survey", "--store", store,
         "--salt", "t"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "imported 4 survey records" in res.output
    out = tmp_path / "k.csv"
    res = runner.invoke(
        app, ["kpi", "show", "--store", store, "--by", "unit", "--kpi", "csat", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert "csat" in text and "Hà Nội" in text


@pytest.mark.parametrize(
    ("label", "previous"),
    [("2026-10", "2026-09"), ("2026-01", "2025-12"), ("2026-Q1", "2025-Q4"), ("2026-Q3", "2026-Q2"),
     ("2026-W01", "2025-W52"), ("2026-W43", "2026-W42"), ("2026-03-01", "2026-02-28")],
)  # fmt: skip
def test_previous_period_is_the_calendar_period_before(label, previous):
    assert kpi.previous_period(label) == previous


def test_previous_period_rejects_other_labels():
    with pytest.raises(ValidationError, match="not a period label"):
        kpi.previous_period("October")
    assert kpi.previous_period("October", strict=False) is None


def _post(i, aspects, label="neutral", touchpoint=None):
    return Record(record_id=make_record_id("social", f"p{i}"), source="social", channel="forum",
                  brand="A", occurred_at=T0, touchpoint=touchpoint,
                  sentiment={"label": label, "score": 0.0},
                  aspects=[{"aspect": a, "label": lab, "score": 0.0} for a, lab in aspects])  # fmt: skip


def test_records_map_onto_touchpoints_by_aspect_and_topic():
    recs = [
        _post(0, [("network_coverage", "negative"), ("billing", "positive")], "negative"),
        _post(1, [("data_speed", "positive")], "positive"),
        _post(2, [], "negative"),  # no aspect: touchpoint 1 (observe)
        _post(3, [("billing", "negative")], "negative", touchpoint=2),  # given: kept
        Record(record_id=make_record_id("call", "c1"), source="call", channel="call_center",
               occurred_at=T0, qa={"passed": True}, attributes={"topic": "complaint"}),
        Record(record_id=make_record_id("call", "c2"), source="call", channel="call_center",
               occurred_at=T0, qa={"passed": False}),
    ]  # fmt: skip
    rows = kpi.kpi_table(to_arrow(recs), by=("touchpoint",), kpis=["net_sentiment", "qa_pass_rate"])
    got = {
        (r["touchpoint"], r["kpi"]): (r["numerator"], r["denominator"]) for r in rows.to_pylist()
    }
    assert got == {
        (1, "net_sentiment"): (-1.0, 1.0),
        (2, "net_sentiment"): (-1.0, 1.0),
        (8, "net_sentiment"): (0.0, 2.0),  # coverage negative, speed positive
        (10, "net_sentiment"): (1.0, 1.0),  # the billing aspect's own sentiment
        (12, "qa_pass_rate"): (1.0, 2.0),  # every call at the care center
        (14, "qa_pass_rate"): (1.0, 1.0),  # the complaint call also at complaint handling
    }
    plain = kpi.kpi_table(
        to_arrow(recs), by=("touchpoint",), kpis=["net_sentiment"], touchpoints=None
    )
    assert {r["touchpoint"] for r in plain.to_pylist()} == {None, 2}


def test_kpi_records_give_the_same_kpis():
    from cxvoc.sample import sample_records

    table = kpi.records_arrow(to_arrow(list(sample_records(600, seed=5))))
    by = ("period", "unit", "service", "touchpoint")
    full = kpi.kpi_table(table, by=by).to_pylist()
    slim = kpi.kpi_table(kpi.kpi_records(table), by=by).to_pylist()
    assert slim == full and {r["kpi"] for r in full} >= {"qa_pass_rate", "escalation_rate", "csat"}


def test_import_masks_free_text_drops_unknown_columns_and_needs_a_salt(tmp_path, monkeypatch):
    """Issue 17 item 13: free text and extra columns were stored raw, ids hashed with 'cxkit'."""
    import subprocess
    import sys

    table = tmp_path / "s.csv"
    table.write_text(
        "id,occurred_at,customer_id,csat,text,comment,phone,full_name,region\n"
        "S1,2026-10-03T10:00:00+07:00,+84 912 345 678,5,gọi 0912345678 giúp,"
        "mail a.b@gmail.com,0987654321,Nguyễn Văn A,north\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError, match="CX_PSEUDONYM_SALT"):
        list(kpi.import_table(table, source="survey", mask_text=str.upper))
    with pytest.raises(ValidationError, match="free text"):
        list(kpi.import_table(table, source="survey", salt="s"))
    store = str(tmp_path / "v.duckdb")
    env = {k: v for k, v in os.environ.items() if k not in ("CX_PSEUDONYM_SALT", "CXKIT_SALT")}
    cmd = [sys.executable, "-c", "from cxvoc.cli import main; main()", "kpi", "import", str(table),
           "--source", "survey", "--store", store]  # fmt: skip
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode != 0 and "CX_PSEUDONYM_SALT" in res.stderr
    res = subprocess.run([*cmd, "--keep-column", "region"], capture_output=True, text=True,
                         env={**env, "CX_PSEUDONYM_SALT": "pepper"}, timeout=120)  # fmt: skip
    assert res.returncode == 0, res.stderr
    from cxvoc import open_store

    with open_store(store) as st:
        (rec,) = list(st.iter_records())
    assert rec.text == "gọi [PHONE] giúp" and rec.attributes["comment"] == "mail [EMAIL]"
    assert rec.attributes["region"] == "north"
    assert "phone" not in rec.attributes and "full_name" not in rec.attributes
    # one salt variable: the survey ref matches the ref of the same phone written another way
    assert rec.customer_ref == pseudonymize("0912345678", salt="pepper")
    res = subprocess.run(cmd, capture_output=True, text=True,
                         env={**env, "CXKIT_SALT": "pepper"}, timeout=120)  # fmt: skip
    assert res.returncode == 0 and "CXKIT_SALT is deprecated" in res.stderr
