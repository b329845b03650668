"""Record.brand_sentiment: validated, serialized, stored (also in stores made before it)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from cxvoc import BrandSentiment, Record, ValidationError, open_store
from cxvoc.schema import current_schema
from cxvoc.store import duckdb_store


def _record(**extra: object) -> Record:
    return Record(
        record_id="social-1",
        source="social",
        channel="forum",
        occurred_at=datetime(2026, 11, 3, tzinfo=UTC),
        text="Viettel yếu, Vina khỏe",
        **extra,
    )


PER_BRAND = [
    {"brand": "Viettel", "label": "negative", "score": -0.7},
    {"brand": "VNPT", "label": "positive", "score": 0.6},
]


def test_validated_and_serialized() -> None:
    record = _record(brand_sentiment=PER_BRAND)
    assert record.brand_sentiment[0] == BrandSentiment(
        brand="Viettel", label="negative", score=-0.7
    )
    assert record.serialize()["brand_sentiment"] == PER_BRAND
    assert Record.parse(record.to_json()) == record
    assert _record().brand_sentiment == ()
    assert "brand_sentiment" in current_schema()["properties"]
    with pytest.raises(ValidationError, match="brand_sentiment.0.label='bad'"):
        _record(brand_sentiment=[{"brand": "Viettel", "label": "bad", "score": 0}])
    with pytest.raises(ValidationError, match="brand_sentiment.0.score"):
        _record(brand_sentiment=[{"brand": "Viettel", "label": "negative", "score": -2}])
    with pytest.raises(ValidationError, match="'Viettel' is given twice"):
        _record(brand_sentiment=[PER_BRAND[0], PER_BRAND[0]])


@pytest.mark.parametrize("name", ["voc.duckdb", "voc.parquet", "voc.jsonl"])
def test_stored_and_read_back(tmp_path: Path, name: str) -> None:
    record = _record(brand_sentiment=PER_BRAND)
    with open_store(tmp_path / name) as store:
        store.upsert([record])
    with open_store(tmp_path / name) as store:
        (back,) = list(store.iter_records())
    assert back.brand_sentiment == record.brand_sentiment


def test_duckdb_store_made_before_the_field_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    old_ddl = duckdb_store._DDL.split("ALTER")[0].replace(",\n    brand_sentiment VARCHAR", "")
    assert "brand_sentiment" not in old_ddl
    with duckdb.connect(str(path)) as con:
        con.execute(old_ddl)
    with open_store(path) as store:
        store.upsert([_record(brand_sentiment=PER_BRAND)])
        (back,) = list(store.iter_records())
    assert [b.brand for b in back.brand_sentiment] == ["Viettel", "VNPT"]
