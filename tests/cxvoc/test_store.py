from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cxvoc import Record, StoreError, make_record_id, open_store

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def make_records(
    n: int, *, start: int = 0, prefix: str = "r", text: str = "Mạng yếu quá"
) -> list[Record]:
    return [
        Record(
            record_id=make_record_id("social", f"{prefix}{i}"),
            source="social",
            channel="forum",
            brand="Viettel" if i % 3 else "VNPT",
            occurred_at=T0 + timedelta(minutes=i),
            text=f"{text} #{i}",
            sentiment={"label": "negative", "score": -0.5},
            aspects=[{"aspect": "network_coverage", "label": "negative", "score": -0.5}],
            metrics={"n": i},
        )
        for i in range(start, start + n)
    ]


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "duckdb":
        yield str(tmp_path / "voc.duckdb")
    else:
        yield request.getfixturevalue("postgres_store_url")


def test_upserting_same_records_twice_keeps_one_row_each(store_url: str) -> None:
    records = make_records(10_000)
    with open_store(store_url) as store:
        assert store.upsert(records) == 10_000
        assert store.upsert(records) == 10_000
        assert store.count() == 10_000
        # a changed record replaces the stored one
        changed = make_records(1, start=42, text="Đã sửa xong")[0]
        store.upsert([changed])
        assert store.count() == 10_000
        got = store.get(changed.record_id)
        assert got is not None and got.text == "Đã sửa xong #42"


def test_round_trip_and_queries(store_url: str) -> None:
    records = make_records(50)
    with open_store(store_url) as store:
        store.upsert(records)
        again = {r.record_id: r for r in store.iter_records()}
        assert again[records[7].record_id] == records[7]
        assert store.count(where="brand = ?", params=["VNPT"]) == 17
        assert store.existing_ids([records[0].record_id, "missing"]) == {records[0].record_id}
        stats = store.stats()
        assert stats.total == 50 and stats.by_brand == {"Viettel": 33, "VNPT": 17}
        assert stats.first_occurred_at is not None and stats.first_occurred_at.startswith(
            "2026-10-01"
        )


def test_duplicate_ids_within_a_batch_keep_the_last(store_url: str) -> None:
    a, b = make_records(1, text="first")[0], make_records(1, text="second")[0]
    with open_store(store_url) as store:
        store.upsert([a, b])
        assert store.count() == 1
        got = store.get(a.record_id)
        assert got is not None and got.text == "second #0"


def _write_part(url: str, part: int, n: int) -> None:
    with open_store(url) as store:
        store.upsert(make_records(n, start=part * n), batch_size=2_500)


def test_four_processes_write_into_one_store(store_url: str) -> None:
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_write_part, args=(store_url, part, 25_000)) for part in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
        assert p.exitcode == 0
    with open_store(store_url) as store:
        assert store.count() == 100_000
        assert store.query("SELECT count(DISTINCT record_id) FROM records")[0][0] == 100_000


_KILL_WRITER = textwrap.dedent(
    """
    import sys
    from tests.cxvoc.test_store import make_records
    from cxvoc import open_store
    url, batch = sys.argv[1], int(sys.argv[2])
    with open_store(url) as store:
        for k in range(1000):
            store.upsert(make_records(batch, start=k * batch), batch_size=batch)
            print(k, flush=True)
    """
)


def test_sigkill_mid_batch_leaves_only_whole_batches(store_url: str) -> None:
    batch = 20_000
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILL_WRITER, store_url, str(batch)],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "0"  # one batch committed
    time.sleep(0.3)  # well inside the next batch (each takes over a second)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    with open_store(store_url) as store:
        count = store.count()
        assert count >= batch and count % batch == 0
        ids = {r[0] for r in store.query("SELECT record_id FROM records")}
        assert ids == {r.record_id for r in make_records(count)}
        store.upsert(make_records(10, prefix="after"))  # still writable
        assert store.count() == count + 10


def test_export_parquet_and_jsonl(store_url: str, tmp_path: Path) -> None:
    records = make_records(30)
    with open_store(store_url) as store:
        store.upsert(records)
        assert store.export(tmp_path / "out.parquet") == 30
        assert store.export(tmp_path / "out.jsonl", where="brand = 'VNPT'") == 10
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.num_rows == 30 and "sentiment_label" in table.column_names
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 10
    assert all(Record.parse(line).brand == "VNPT" for line in lines)
    assert json.loads(lines[0])["text"].startswith("Mạng yếu quá")


@pytest.mark.parametrize("suffix", ["parquet", "jsonl"])
def test_file_sinks_upsert_and_merge_with_existing(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"voc.{suffix}"
    with open_store(path) as store:
        store.upsert(make_records(20))
    with open_store(path) as store:
        store.upsert(make_records(10, start=15))
        assert store.count() == 25
        assert store.count(where="brand = 'VNPT'") == 9
    with open_store(path) as store:
        assert {r.record_id for r in store.iter_records()} == {
            r.record_id for r in make_records(25)
        }


def test_bad_store_urls_and_inputs(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="unsupported store"):
        open_store(tmp_path / "voc.xlsx")
    with pytest.raises(StoreError, match="does not exist"):
        open_store(tmp_path / "missing" / "voc.duckdb")
    with open_store(tmp_path / "voc.duckdb") as store:
        with pytest.raises(StoreError, match="cxvoc.Record"):
            store.upsert([{"record_id": "x"}])  # type: ignore[list-item]
        with pytest.raises(StoreError, match="batch_size=0"):
            store.upsert(make_records(1), batch_size=0)
        with pytest.raises(StoreError, match="query failed"):
            store.query("SELECT nope FROM records")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"record_id": "x"}\n', encoding="utf-8")
    with pytest.raises(StoreError, match="bad.jsonl:1"):
        open_store(bad)


@pytest.mark.postgres
def test_postgres_connection_error_is_clear() -> None:
    with pytest.raises(StoreError, match="cannot connect"):
        open_store("postgresql://127.0.0.1:1/nowhere?connect_timeout=2")
