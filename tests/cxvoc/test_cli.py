from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from cxvoc import __version__, open_store
from cxvoc.cli import app
from cxvoc.sample import sample_records

runner = CliRunner()


def _store(tmp_path: Path, n: int = 300) -> str:
    url = str(tmp_path / "voc.duckdb")
    with open_store(url) as store:
        store.upsert(sample_records(n, seed=1))
    return url


def test_version_flag() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"cxkit {__version__}"


def test_records_stats_json(tmp_path: Path) -> None:
    url = _store(tmp_path)
    result = runner.invoke(app, ["records", "stats", "--store", url, "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["total"] == 300
    assert sum(stats["by_source"].values()) == 300


def test_records_export_parquet_and_jsonl(tmp_path: Path) -> None:
    url = _store(tmp_path)
    out = tmp_path / "calls.parquet"
    result = runner.invoke(
        app, ["records", "export", str(out), "--store", url, "--where", "source = 'call'"]
    )
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert table.num_rows > 0 and set(table.column("source").to_pylist()) == {"call"}
    out2 = tmp_path / "all.data"
    result = runner.invoke(
        app, ["records", "export", str(out2), "--store", url, "--format", "jsonl"]
    )
    assert result.exit_code == 0, result.output
    assert len(out2.read_text(encoding="utf-8").splitlines()) == 300


def test_console_script_maps_store_errors_to_exit_code(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "from cxvoc.cli import main; main()", "records", "stats", "--store",
         str(tmp_path / "x.xlsx")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 74
    assert "unsupported store" in proc.stderr and "x.xlsx" in proc.stderr


def test_demo_writes_and_queries_sample_records(tmp_path: Path) -> None:
    from cxvoc.demo import main

    url = str(tmp_path / "demo.duckdb")
    assert main(["--out", url, "-n", "200"]) == 0
    with open_store(url) as store:
        assert store.count() == 200
