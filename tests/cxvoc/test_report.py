"""The HTML report: self-contained, all sections present, rendered by headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cxvoc import Record, make_record_id, open_store
from cxvoc.report import build_report
from cxvoc.sample import sample_records
from cxvoc.store import to_arrow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SECTIONS = ("qa", "escalation", "agents", "timeline", "mentions", "net-sentiment", "sov", "cemi",
            "pain-points", "spikes")  # fmt: skip


def _spike(n=90):
    when = datetime(2026, 10, 21, 10, tzinfo=UTC)
    return [Record(record_id=make_record_id("social", f"spike-{i}"), source="social", channel="news", brand="VNPT",
                   unit="Hà Nội", touchpoint=8, occurred_at=when, text="Mất mạng diện rộng",
                   sentiment={"label": "negative", "score": -0.9}) for i in range(n)]  # fmt: skip


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("report")
    with open_store(folder / "voc.duckdb") as st:
        st.upsert(sample_records(3000, seed=1))
        st.upsert(_spike())
        summary = build_report(st, folder / "report.html")
    assert summary.records == 3090 and summary.period == "2026-10"
    return folder / "report.html", (folder / "report.html").read_text(encoding="utf-8")


def test_report_is_self_contained(report):
    path, html = report
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert not re.search(r"<(link|img|iframe|object|embed)\b", html, re.I)
    assert not re.search(r"\b(src|href)\s*=", html, re.I)
    assert not re.search(r"url\(|@import", html, re.I)
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) <= {"http://www.w3.org/2000/svg"}


def test_report_has_every_section(report):
    _, html = report
    for sid in SECTIONS:
        assert f'<section id="{sid}"' in html, sid
    assert html.count("<svg") == 7  # one chart per chart section
    assert "(network)" in html and "Hà Nội" in html  # the CEMI tree with units and the aggregate
    assert "customer arousal and valence" in html  # the sample calls carry a timeline
    spikes = html[html.index('id="spikes"') :]
    assert "VNPT" in spikes and "poisson_upper_tail" in spikes and "2026-10-21" in spikes


def test_report_says_when_a_call_has_no_timeline(tmp_path):
    call = Record(record_id=make_record_id("call", "x"), source="call", channel="call_center",
                  occurred_at=datetime(2026, 10, 2, tzinfo=UTC), emotion={"escalation_events": []},
                  qa={"score": 70.0, "passed": True})  # fmt: skip
    build_report(to_arrow([call]), tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "has no per-segment emotion timeline" in html
    assert "no KPI values with a unit" in html  # no unit: no CEMI, and no crash


def _chromium(
    url: str, tmp: Path, *, shot: Path | None = None, dump_dom: bool = False
) -> tuple[str, str]:
    """Run headless Chromium; returns (stdout, stderr). Console messages appear in stderr.

    Give ``shot`` or ``dump_dom``: without either, headless Chromium keeps the page open.
    """
    assert shot is not None or dump_dom
    assert Path(CHROMIUM).exists(), (
        "chromium is missing: run `bash scripts/sysdeps.sh` (make test does)"
    )
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
            f"--user-data-dir={tmp / 'profile'}", "--enable-logging=stderr", "--v=0"]  # fmt: skip
    if shot is not None:
        args += [f"--screenshot={shot}", "--window-size=1300,2600"]
    if dump_dom:
        args += ["--dump-dom"]
    proc = subprocess.run([*args, url], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, proc.stderr


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_console_capture_catches_errors(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        "<html><body><script>console.error('planted'); missingFn();</script></body></html>"
    )
    _, err = _chromium(page.as_uri(), tmp_path, dump_dom=True)
    found = _console(err)
    assert any("planted" in line for line in found) and any("missingFn" in line for line in found)


def test_report_in_headless_chromium(report, tmp_path):
    from PIL import Image

    path, _ = report
    shot = tmp_path / "report.png"
    _, err = _chromium(path.as_uri(), tmp_path, shot=shot)
    assert _console(err) == [], _console(err)
    image = Image.open(shot).convert("RGB")
    assert image.size == (1300, 2600)
    colors = image.getcolors(maxcolors=1 << 20)
    assert colors is not None and len(colors) > 50  # not a blank page
    count = {rgb: n for n, rgb in colors}

    def pixels(hex_color: str) -> int:
        return count.get(tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5)), 0)

    assert pixels("#1565c0") > 5000  # QA histogram bars, agent talk, share of voice
    assert pixels("#c62828") > 2000  # escalation-rate bars
    assert pixels("#2e7d32") > 2000  # customer talk shares
    assert pixels("#bdbdbd") > 500  # silence shares
    assert pixels("#0d47a1") > 20000  # the header
    assert sum(pixels(c) for c in ("#ef6c00", "#f9a825", "#7cb342")) > 500  # CEMI band badges


def test_report_script_runs(report, tmp_path):
    path, _ = report
    dom, err = _chromium(path.as_uri(), tmp_path, dump_dom=True)
    assert 'data-ready="1"' in dom
    assert _console(err) == []


def test_cli_report(tmp_path):
    from typer.testing import CliRunner

    from cxvoc.cli import app

    with open_store(tmp_path / "voc.duckdb") as st:
        st.upsert(sample_records(500, seed=2))
    out = tmp_path / "r.html"
    res = CliRunner().invoke(
        app, ["report", "--store", str(tmp_path / "voc.duckdb"), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "500 records" in res.output and out.stat().st_size > 10_000


def test_daily_series_are_limited_to_the_last_days():
    from cxvoc.kpi import records_arrow
    from cxvoc.report import gather

    recs = list(sample_records(400, seed=3, days=200))
    data = gather(records_arrow(to_arrow(recs)), last_days=30)
    assert 0 < len(data.brand_days) <= 30 and len(data.escalation_by_day) <= 30
    assert data.brand_days[-1] == data.last_day
    assert data.total == 400 and sum(n for _, n in data.share_of_voice) == sum(
        1 for r in recs if r.source.value == "social"
    )
