from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cxaudio.batch import ERRORS_TABLE, discover_jobs, score_calls
from cxaudio.synth import generate_archive
from cxvoc import open_store

CORRUPT = {
    "empty.wav": b"",
    "noise.wav": os.urandom(3000),
    "truncated.wav": b"RIFF\x24\x08\x00\x00WAVEfmt ",
    "text.wav": "xin chào, đây không phải là âm thanh".encode(),
    "header_only.wav": (
        b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00"
        b"\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"
    ),
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("archive")
    generate_archive(folder, n_calls=6, seed=3, min_duration_s=30.0, max_duration_s=40.0)
    (folder / "manifest.csv").unlink(missing_ok=True)  # score the folder itself
    return folder


def _distinct_copy(src: Path, dst: Path, k: int) -> None:
    """The same call with k samples changed by one step: other bytes, so another call."""
    import soundfile as sf

    y, sr = sf.read(src, dtype="int16", always_2d=True)
    y[:k, 0] += 1
    sf.write(dst, y, sr, subtype="PCM_16")


def _calls(store: str) -> list[str]:
    with open_store(store) as st:
        return [r[0] for r in st.query("SELECT record_id FROM records WHERE source = 'call'")]


def test_batch_with_corrupt_files_scores_the_rest_then_resumes(archive, tmp_path) -> None:
    folder = tmp_path / "calls"
    shutil.copytree(archive, folder)
    for name, data in CORRUPT.items():
        (folder / name).write_bytes(data)
    store = str(tmp_path / "voc.duckdb")
    events: list[tuple[str, object]] = []
    summary = score_calls(
        folder, store=store, workers=2, hook=lambda step, art, **kw: events.append((step, art))
    )
    assert (summary.scored, summary.failed, summary.skipped) == (6, 5, 0)
    assert len(set(_calls(store))) == 6
    with open_store(store) as st:
        errors = st.query(f"SELECT path, error_type, reason FROM {ERRORS_TABLE} ORDER BY path")
    assert sorted(Path(p).name for p, _, _ in errors) == sorted(CORRUPT)
    assert all(reason and Path(p).name in reason for p, _, reason in errors)
    assert [s for s, _ in events].count("call") == 11
    assert summary.audio_s > 150 and summary.peak_rss_mb  # two worker processes reported memory

    # resume: nothing stored is decoded again; the corrupt files are retried and fail again
    again = score_calls(folder, store=store, workers=2)
    assert (again.scored, again.skipped, again.failed) == (0, 6, 5)
    assert again.audio_s == 0.0

    # a changed config hash re-scores
    from cxaudio.call import CallConfig

    third = score_calls(folder, store=store, workers=1, config=CallConfig(silence_min_s=5.0))
    assert third.scored == 6 and len(set(_calls(store))) == 6


def test_manifest_with_ids_needs_salt_and_pseudonymizes(archive, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("CX_PSEUDONYM_SALT", raising=False)
    wav = sorted(archive.glob("*.wav"))[0]
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(
        f'{{"path": "{wav}", "call_id": "K1", "customer_id": "0987654321", "occurred_at": "2026-11-01T08:00:00+07:00",'
        f' "channel_map": "agent=0,customer=1", "brand": "Viettel"}}\n',
        encoding="utf-8",
    )
    jobs = discover_jobs(manifest)
    assert jobs[0].transcript and jobs[0].transcript.endswith(".transcript.json")
    store = str(tmp_path / "m.duckdb")
    with pytest.raises(ValueError, match="salt"):
        score_calls(manifest, store=store)
    summary = score_calls(manifest, store=store, salt="pepper")
    assert summary.scored == 1
    with open_store(store) as st:
        rec = next(st.iter_records())
    assert rec.brand == "Viettel" and rec.customer_ref and "0987" not in rec.customer_ref
    assert rec.occurred_at == datetime(2026, 11, 1, 1, 0, tzinfo=UTC)


def test_sigkill_mid_batch_then_rerun_stores_each_call_once(archive, tmp_path) -> None:
    folder = tmp_path / "calls"
    shutil.copytree(archive, folder)
    for copy in range(3):  # 6 calls × 4 = 24 calls (other audio: identity is the content)
        for wav in sorted(archive.glob("*.wav")):
            _distinct_copy(wav, folder / f"copy{copy}-{wav.name}", copy + 1)
    total = 24
    store = str(tmp_path / "kill.duckdb")
    cmd = [
        sys.executable,
        "-c",
        "from cxvoc.cli import main; main()",
        "calls",
        "score",
        str(folder),
        "--out",
        store,
        "--workers",
        "2",
        "--quiet",
        "--batch-size",
        "1",
    ]
    proc = subprocess.Popen(
        cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        if os.path.exists(store):
            try:
                stored = len(_calls(store))
            except Exception:  # noqa: BLE001 - the store may be mid-creation
                stored = 0
            if stored >= 2:
                break
    assert proc.poll() is None, "the batch finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 2 <= len(_calls(store)) < total
    summary = score_calls(folder, store=store, workers=2)
    ids = _calls(store)
    assert len(ids) == len(set(ids)) == total
    assert summary.skipped + summary.scored == total and summary.failed == 0


@pytest.mark.slow
def test_ray_engine_on_a_local_instance(archive, tmp_path) -> None:
    pytest.importorskip("ray", reason="the ray extra is not installed")
    store = str(tmp_path / "ray.duckdb")
    jobs = discover_jobs(archive)[:2]
    summary = score_calls(jobs, store=store, engine="ray", workers=1)
    assert summary.scored == 2 and len(_calls(store)) == 2


def test_cli_generate_and_score(tmp_path) -> None:
    import json as _json

    from typer.testing import CliRunner

    from cxvoc.cli import app

    runner = CliRunner()
    folder = tmp_path / "gen"
    res = runner.invoke(
        app, ["calls", "generate", str(folder), "-n", "2", "--seed", "5", "--min-duration-s", "30"]
    )
    assert res.exit_code == 0, res.output
    assert len(list(folder.glob("*.wav"))) == 2 and (folder / "manifest.csv").exists()
    store = str(tmp_path / "cli.duckdb")
    res = runner.invoke(
        app, ["calls", "score", str(folder / "manifest.csv"), "--out", store, "--json"]
    )
    assert res.exit_code == 0, res.output
    summary = _json.loads(res.stdout)
    assert summary["scored"] == 2 and summary["failed"] == 0
    res = runner.invoke(app, ["calls", "score", str(folder), "--out", store, "--device", "tpu"])
    assert res.exit_code != 0


@pytest.mark.postgres
def test_postgres_store_errors_table_and_resume(archive, tmp_path, postgres_store_url) -> None:
    folder = tmp_path / "pg"
    folder.mkdir()
    for wav in sorted(archive.glob("*.wav"))[:2]:
        shutil.copy(wav, folder / wav.name)
    (folder / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    first = score_calls(folder, store=postgres_store_url, workers=1)
    assert (first.scored, first.failed) == (2, 1)
    again = score_calls(folder, store=postgres_store_url, workers=1)
    assert (again.scored, again.skipped, again.failed) == (0, 2, 1)
    with open_store(postgres_store_url) as st:
        assert st.count() == 2
        assert [Path(r[0]).name for r in st.query(f"SELECT path FROM {ERRORS_TABLE}")] == [
            "broken.wav"
        ]
