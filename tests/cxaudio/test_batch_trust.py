"""The batch under signals, killed workers, odd files and repeated paths (issue 17).

Exit codes and signals go through a real ``cx`` process (CliRunner hides both).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from cxaudio.batch import ERRORS_TABLE, score_calls
from cxaudio.synth import generate_archive
from cxvoc import open_store

CX = [sys.executable, "-c", "from cxvoc.cli import main; main()"]
BUFFERED = re.compile(r"scored (\S+) in process (\d+); waiting to be written")


@pytest.fixture(scope="module")
def calls(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("trust")
    generate_archive(folder, n_calls=8, seed=17, min_duration_s=20.0, max_duration_s=22.0)
    return folder


def _folder(calls: Path, dst: Path, n: int | None = None) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for wav in sorted(calls.glob("*.wav"))[:n]:
        shutil.copy(wav, dst / wav.name)
    return dst


def _ids(store: str) -> list[str]:
    with open_store(store) as st:
        return [r[0] for r in st.query("SELECT record_id FROM records WHERE source = 'call'")]


def _errors(store: str) -> list[str]:
    with open_store(store) as st:
        return [r[0] for r in st.query(f"SELECT record_id FROM {ERRORS_TABLE}")]


def _score(folder: Path, store: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*CX, "-v", "calls", "score", str(folder), "--out", store, "--json", *extra],
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_buffered(proc: subprocess.Popen, n: int, timeout: float = 240) -> list[tuple[str, int]]:
    """Read the run's log until ``n`` calls are scored and waiting in a buffer."""
    seen: list[tuple[str, int]] = []
    deadline = time.monotonic() + timeout
    assert proc.stderr is not None
    while len(seen) < n and time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        if m := BUFFERED.search(line):
            seen.append((m.group(1), int(m.group(2))))
    assert len(seen) >= n, "the run did not score enough calls to interrupt"
    return seen


# -- item 1: exit codes -------------------------------------------------------------------------
def test_exit_status_every_call_failed_and_some_failed(calls, tmp_path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    (bad / "b.wav").write_text("không phải âm thanh", encoding="utf-8")
    run = subprocess.run(
        [*CX, "calls", "score", str(bad), "--out", str(tmp_path / "b.duckdb"), "--quiet"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1, run.stderr
    mixed = _folder(calls, tmp_path / "mixed", 1)
    shutil.copy(bad / "a.wav", mixed / "broken.wav")
    run = subprocess.run(
        [*CX, "calls", "score", str(mixed), "--out", str(tmp_path / "m.duckdb"), "--json"],
        capture_output=True,
        text=True,
    )
    summary = json.loads(run.stdout)
    assert (summary["scored"], summary["failed"]) == (1, 1)
    assert run.returncode == summary["exit_code"] == 4


# -- item 2: SIGINT / SIGTERM of the process group ----------------------------------------------
@pytest.mark.parametrize(("sig", "workers"), [(signal.SIGTERM, "2"), (signal.SIGINT, "1")])
def test_signal_to_process_group_stores_finished_calls(calls, tmp_path, sig, workers) -> None:
    folder = _folder(calls, tmp_path / "calls")
    store = str(tmp_path / "sig.duckdb")
    proc = _score(folder, store, "--workers", workers, "--batch-size", "100")
    _wait_buffered(proc, 2)
    os.killpg(proc.pid, sig)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig, err[-2000:]
    summary = json.loads(out)
    stored = _ids(store)
    assert summary["interrupted"] == sig.name
    assert len(stored) >= 2 and summary["scored"] == len(stored)
    assert summary["scored"] + summary["unfinished"] + summary["failed"] == 8
    rerun = score_calls(folder, store=store, workers=1)
    assert rerun.skipped == len(stored) and rerun.scored == 8 - len(stored)
    assert len(_ids(store)) == 8


# -- item 3: a worker killed with finished calls in its buffer ----------------------------------
def test_killed_worker_never_makes_the_summary_claim_unstored_calls(calls, tmp_path) -> None:
    folder = _folder(calls, tmp_path / "calls")
    store = str(tmp_path / "oom.duckdb")
    proc = _score(folder, store, "--workers", "2", "--batch-size", "100")
    seen = _wait_buffered(proc, 1)
    victim = seen[0][1]
    os.kill(victim, signal.SIGKILL)  # as the OOM killer does
    out, err = proc.communicate(timeout=300)
    summary = json.loads(out)
    stored, errors = _ids(store), _errors(store)
    assert summary["scored"] == len(stored), err[-2000:]
    assert summary["requeued"] >= 1  # the buffered call was scored again
    assert len(stored) + len(errors) == 8 and summary["failed"] == len(errors)
    assert summary["workers_lost"] >= 1
    assert proc.returncode == 4  # every call accounted for, but a killed worker is not success


# -- item 4: identity ---------------------------------------------------------------------------
def test_same_audio_through_folder_manifest_or_parent_is_stored_once(calls, tmp_path) -> None:
    day = _folder(calls, tmp_path / "archive" / "2026-11-22", 2)
    store = str(tmp_path / "id.duckdb")
    assert score_calls(day, store=store).scored == 2
    manifest = tmp_path / "archive" / "m.csv"
    manifest.write_text(
        "path\n" + "".join(f"2026-11-22/{p.name}\n" for p in sorted(day.glob("*.wav"))),
        encoding="utf-8",
    )
    assert score_calls(manifest, store=store).skipped == 2
    assert score_calls(tmp_path / "archive", store=store).skipped == 2
    assert len(_ids(store)) == 2
    # a manifest with the PBX's call ids: those become the identity, no duplicates left
    with_ids = tmp_path / "archive" / "ids.csv"
    with_ids.write_text(
        "path,call_id\n"
        + "".join(
            f"2026-11-22/{p.name},PBX-{i}\n" for i, p in enumerate(sorted(day.glob("*.wav")))
        ),
        encoding="utf-8",
    )
    assert score_calls(with_ids, store=store).scored == 2
    assert len(_ids(store)) == 2
    with open_store(store) as st:
        assert sorted(r.attributes["call_id"] for r in st.iter_records()) == ["PBX-0", "PBX-1"]
    assert score_calls(day, store=store).skipped == 2 and len(_ids(store)) == 2


# -- item 5: silence, noise behind a lying header, truncation -----------------------------------
def _lying_header(path: Path, seconds: float, claimed_s: float, sr: int = 8000) -> None:
    rng = np.random.default_rng(5)
    sf.write(path, (rng.standard_normal(int(seconds * sr)) * 0.01).astype(np.float32), sr, "PCM_16")
    data = bytearray(path.read_bytes())
    at = data.find(b"data")
    struct.pack_into("<I", data, at + 4, int(claimed_s * sr) * 2)
    struct.pack_into("<I", data, 4, int(claimed_s * sr) * 2 + at)
    path.write_bytes(bytes(data))


def test_silent_and_truncated_calls_are_flagged(calls, tmp_path) -> None:
    folder = tmp_path / "odd"
    folder.mkdir()
    sf.write(folder / "silence.wav", np.zeros((2, 8000 * 600), np.int16).T, 8000, "PCM_16")
    _lying_header(folder / "noise.wav", 10.0, 7200.0)
    good = sorted(calls.glob("*.wav"))[0]
    cut = good.read_bytes()
    (folder / "cut.wav").write_bytes(cut[: len(cut) * 2 // 3])
    store = str(tmp_path / "odd.duckdb")
    summary = score_calls(folder, store=store)
    assert summary.scored == 3 and summary.no_speech == 2 and summary.warned == 3
    with open_store(store) as st:
        recs = {r.attributes["file"]: r for r in st.iter_records()}
    for name in ("silence.wav", "noise.wav"):
        assert recs[name].qa is None and recs[name].attributes["no_speech"] is True
    assert recs["cut.wav"].qa is not None and recs["cut.wav"].qa["score"] is not None
    assert any("truncated" in w for w in recs["cut.wav"].attributes["warnings"])
    assert any("truncated" in w for w in recs["noise.wav"].attributes["warnings"])


# -- item 14: phone numbers in file names -------------------------------------------------------
def test_phone_numbers_in_file_names_are_not_stored(calls, tmp_path) -> None:
    folder = tmp_path / "pbx"
    folder.mkdir()
    shutil.copy(sorted(calls.glob("*.wav"))[0], folder / "0912345678_20261122_1030.wav")
    (folder / "in-84987654321-x.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    store = str(tmp_path / "pii.duckdb")
    summary = score_calls(folder, store=store)
    assert (summary.scored, summary.failed) == (1, 1)
    with open_store(store) as st:
        rows = st.query("SELECT * FROM records") + st.query(f"SELECT * FROM {ERRORS_TABLE}")
    blob = json.dumps([list(map(str, r)) for r in rows])
    assert "912345678" not in blob and "987654321" not in blob
    assert "[PHONE]" in blob


# -- item 6: lock conflicts and failed flushes --------------------------------------------------
_READER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
"""


def test_outside_reader_makes_the_batch_wait_not_abort(calls, tmp_path) -> None:
    folder = _folder(calls, tmp_path / "calls", 2)
    store = str(tmp_path / "held.duckdb")
    with open_store(store):
        pass
    reader = subprocess.Popen(
        [sys.executable, "-c", _READER, store, "4"], stdout=subprocess.PIPE, text=True
    )
    assert reader.stdout is not None and reader.stdout.readline().strip() == "holding"
    summary = score_calls(folder, store=store, lock_timeout_s=120)
    reader.wait()
    assert (summary.scored, summary.failed) == (2, 0) and len(_ids(store)) == 2


@pytest.mark.postgres
def test_a_record_the_store_refuses_does_not_take_the_batch_with_it(postgres_store_url) -> None:
    from cxaudio.batch.jobs import CallJob
    from cxaudio.batch.runner import CallOutcome, _Item, _Options, _Writer
    from cxaudio.call import CallConfig
    from cxvoc.sample import sample_records

    records = list(sample_records(3, seed=4))
    records[1] = records[1].model_copy(update={"text": "refuse-me"})
    opts = _Options(postgres_store_url, CallConfig(), "h", "cpu", None, 10, 30.0)
    with open_store(postgres_store_url) as st:
        st.execute(
            "CREATE TABLE IF NOT EXISTS call_errors (record_id VARCHAR PRIMARY KEY, call_id VARCHAR,"
            " path VARCHAR, error_type VARCHAR, reason VARCHAR, content_hash VARCHAR,"
            " config_hash VARCHAR, failed_at TIMESTAMP WITH TIME ZONE)"
        )
        st.upsert([])  # creates the records table
        # the server refuses that one record (as it would a value it cannot take)
        st.execute(
            "ALTER TABLE records ADD CONSTRAINT refuse_one CHECK (text IS NULL OR text <> 'refuse-me')"
        )
    done: list[tuple[int, CallOutcome]] = []
    writer = _Writer(opts, done.extend)
    for i, rec in enumerate(records):
        item = _Item(i, CallJob(path=f"/x/{i}.wav", name=f"{i}.wav"), rec.record_id)
        writer.add(rec, item, CallOutcome(f"{i}.wav", item.job.path, rec.record_id, "scored"))
    writer.close()
    status = {i: o.status for i, o in done}
    assert status == {0: "scored", 1: "failed", 2: "scored"}
    with open_store(postgres_store_url) as st:
        assert st.count() == 2
        assert st.query("SELECT record_id FROM call_errors") == [(records[1].record_id,)]
