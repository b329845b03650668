from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

import cxvoc
from cxvoc import Record, ValidationError, make_record_id, pseudonymize
from cxvoc.schema import SCHEMA_PATH, render_schema

UTC = UTC


def _base(**over: object) -> dict[str, object]:
    data: dict[str, object] = {
        "record_id": make_record_id("social", "post-1"),
        "source": "social",
        "channel": "forum",
        "occurred_at": datetime(2026, 10, 5, 8, 30, tzinfo=timezone(timedelta(hours=7))),
        "text": "Mạng Viettel dạo này chập chờn quá",
        "sentiment": {"label": "negative", "score": -0.8},
        "aspects": [{"aspect": "network_coverage", "label": "negative", "score": -0.8}],
    }
    data.update(over)
    return data


def test_valid_record_round_trips_through_json() -> None:
    record = Record(**_base())
    again = Record.parse(record.to_json())
    assert again == record
    assert again.serialize()["occurred_at"] == "2026-10-05T08:30:00+07:00"
    assert again.schema_version == cxvoc.SCHEMA_VERSION == 1


@pytest.mark.parametrize(
    ("override", "field", "value"),
    [
        ({"occurred_at": datetime(2026, 10, 5, 8, 30)}, "occurred_at", "2026-10-05T08:30:00"),
        ({"source": "fax"}, "source", "'fax'"),
        ({"sentiment": {"label": "positive", "score": 1.7}}, "sentiment.score", "1.7"),
        ({"record_id": None}, "record_id", "None"),
        ({"record_id": "   "}, "record_id", "''"),
        ({"channel": "Call Center"}, "channel", "'Call Center'"),
        ({"customer_ref": "0912345678"}, "customer_ref", "'0912345678'"),
        (
            {"aspects": [{"aspect": "price", "label": "bad", "score": 0}]},
            "aspects.0.label",
            "'bad'",
        ),
    ],
)
def test_invalid_record_names_field_and_value(
    override: dict[str, object], field: str, value: str
) -> None:
    data = _base(**override)
    if data["record_id"] is None:
        del data["record_id"]
    with pytest.raises(ValidationError) as info:
        Record(**data)
    message = str(info.value)
    assert field in message
    assert value in message or value.strip("'") in message
    assert any(err[0] == field for err in info.value.errors)


def test_validation_error_is_a_cxvoc_error_and_value_error() -> None:
    with pytest.raises(cxvoc.CxVocError):
        Record(**_base(source="nope"))
    with pytest.raises(ValueError):
        Record(**_base(source="nope"))


def test_parse_rejects_non_json_and_non_mapping() -> None:
    with pytest.raises(ValidationError, match="not valid JSON"):
        Record.parse("{oops")
    with pytest.raises(ValidationError, match="mapping"):
        Record.parse("[1, 2]")


def test_record_id_is_stable_and_source_scoped() -> None:
    a = make_record_id("call", "2026/10/05/abc.wav")
    assert a == make_record_id("call", "2026/10/05/abc.wav")
    assert a != make_record_id("social", "2026/10/05/abc.wav")
    assert a.startswith("call-") and len(a) == len("call-") + 32
    with pytest.raises(ValidationError):
        make_record_id("call", "")
    with pytest.raises(ValueError):
        make_record_id("fax", "x")


def test_pseudonymize_is_salted_and_normalized() -> None:
    a = pseudonymize("Nguyễn Văn A", salt="s1")
    assert a == pseudonymize("  nguyễn   văn a ", salt="s1")
    assert a != pseudonymize("Nguyễn Văn A", salt="s2")
    assert len(a) == 32 and "Nguy" not in a
    Record(**_base(author_ref=a))  # accepted as a reference
    with pytest.raises(ValidationError):
        pseudonymize("x", salt="")


def test_records_are_frozen() -> None:
    record = Record(**_base())
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises its own frozen error
        record.text = "changed"  # type: ignore[misc]


def test_checked_in_json_schema_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema(), (
        "record.schema.json is stale: run `python -m cxvoc.schema`"
    )
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert {"record_id", "source", "channel", "occurred_at"} <= set(schema["required"])


def test_arrow_schema_matches_store_rows() -> None:
    from cxvoc.store import to_arrow

    table = to_arrow([Record(**_base())])
    assert table.schema == cxvoc.ARROW_SCHEMA
    assert table.column("sentiment_score").to_pylist() == [-0.8]
    assert str(table.schema.field("occurred_at").type) == "timestamp[us, tz=UTC]"


def test_public_api_is_listed() -> None:
    for name in cxvoc.__all__:
        assert hasattr(cxvoc, name), name
    public = {n for n in dir(cxvoc) if not n.startswith("_")}
    modules = {"errors", "record", "store", "modelfiles", "cli", "schema", "sample", "demo"}
    assert public - set(cxvoc.__all__) <= modules | {
        "kpi",
        "cemi",
        "spikes",
        "report",
        "annotations",
        "touchmap",
    }


def test_pseudonymize_normalizes_phone_spellings_first():
    """Issue 17 item 14: four spellings of one phone number gave four refs."""
    forms = ["0912345678", "+84 912 345 678", "0084912345678", "0912.345.678", "0912-345-678",
             "(+84) 912345678", "+84 (0) 912 345 678"]  # fmt: skip
    assert len({pseudonymize(f, salt="s") for f in forms}) == 1
    assert pseudonymize("0912345678", salt="s") != pseudonymize("0912345679", salt="s")
    assert pseudonymize("cust-123", salt="s") != pseudonymize("cust123", salt="s")
