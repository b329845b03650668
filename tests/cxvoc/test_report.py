"""The HTML report: self-contained, all sections present, labels in Vietnamese (or English),
charts that stay in their plot areas, rendered by headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cxvoc import Record, make_record_id, open_store, pseudonymize
from cxvoc.report import build_report, gather, read_agents_map
from cxvoc.sample import sample_records
from cxvoc.store import to_arrow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SECTIONS = ("kpis", "cemi", "heatmap", "pain-points", "social", "mentions", "net-sentiment", "sov",
            "qa", "escalation", "agents", "timeline", "spikes")  # fmt: skip
WIDTHS = {"desktop": (1920, 1080), "laptop": (1366, 768)}


def _spike(n=90):
    when = datetime(2026, 10, 21, 10, tzinfo=UTC)
    return [Record(record_id=make_record_id("social", f"spike-{i}"), source="social", channel="news", brand="VNPT",
                   unit="Hà Nội", touchpoint=8, occurred_at=when, text="Mất mạng diện rộng",
                   sentiment={"label": "negative", "score": -0.9}) for i in range(n)]  # fmt: skip


def _hot_call():
    """A call whose arousal passes 1 (relative to the caller's baseline), with a transcript."""
    timeline = [{"start_s": 10.0 * i, "end_s": 10.0 * (i + 1), "arousal": a, "valence": v}
                for i, (a, v) in enumerate([(0.2, 0.1), (0.6, -0.3), (1.42, -0.8), (0.9, -0.5), (0.3, 0.0)])]  # fmt: skip
    qa = {"score": 75.0, "passed": False, "pass_score": 80.0,
          "criteria": [{"id": "greeting", "passed": True, "evidence": [[1.0, 3.5]], "reason": "'xin chào' said"},
                       {"id": "no_dead_air", "passed": False, "evidence": [[20.0, 32.0]], "reason": "silence 12 s"}]}  # fmt: skip
    transcript = {"asr_model": "whisper-base", "parties": {
        "agent": {"text": "Xin chào, em là Lan", "segments": [{"start": 1.0, "end": 3.5, "text": "Xin chào, em là Lan"}]},
        "customer": {"text": "Mạng nhà tôi mất từ sáng, số tôi là [PHONE]",
                     "segments": [{"start": 5.0, "end": 9.0, "text": "Mạng nhà tôi mất từ sáng, số tôi là [PHONE]"}]}}}  # fmt: skip
    return Record(record_id=make_record_id("call", "hot"), source="call", channel="call_center", unit="Hà Nội",
                  service="mobile", occurred_at=datetime(2026, 10, 27, 9, tzinfo=UTC),
                  agent_ref=pseudonymize("agent-lan", salt="t"),
                  emotion={"customer": {"threshold": 0.8}, "timeline": timeline,
                           "escalation_events": [{"start_s": 20.0, "end_s": 35.0}, {"start_s": 36.0, "end_s": 38.0}]},
                  qa=qa, attributes={"transcript": transcript})  # fmt: skip


def _hostile():
    return Record(record_id=make_record_id("social", "hostile"), source="social", channel="forum",
                  brand="Viettel Telecom Corporation (Tập đoàn Công nghiệp – Viễn thông Quân đội)",
                  occurred_at=datetime(2026, 10, 27, tzinfo=UTC), url="https://forum.example.vn/t/1?a=1&b=2",
                  text="<script>alert(1)</script> mạng <b>chậm</b>",
                  sentiment={"label": "negative", "score": -0.5})  # fmt: skip


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("report")
    with open_store(folder / "voc.duckdb") as st:
        st.upsert(sample_records(3000, seed=1))
        st.upsert([*_spike(), _hot_call(), _hostile()])
        summary = build_report(
            st, folder / "report.html", agents_map={pseudonymize("agent-lan", salt="t"): "Lan (Q1)"}
        )
    assert summary.records == 3092 and summary.period == "2026-10"
    return folder / "report.html", (folder / "report.html").read_text(encoding="utf-8")


def test_report_is_self_contained(report):
    path, html = report
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert not re.search(r"<(link|img|iframe|object|embed)\b", html, re.I)
    assert not re.search(r"\bsrc\s*=", html, re.I)
    assert not re.search(r"url\(|@import", html, re.I)
    # the only links are the sample posts' own addresses, opened on a click
    hrefs = re.findall(r"<a href=\"([^\"]+)\"", html)
    assert hrefs and len(re.findall(r"\bhref\s*=", html)) == len(hrefs)
    assert "https://forum.example.vn/t/1?a=1&amp;b=2" in hrefs
    assert path.stat().st_size < 5e6


def test_report_has_every_section_in_vietnamese(report):
    _, html = report
    for sid in SECTIONS:
        assert f'<section id="{sid}"' in html, sid
    assert '<html lang="vi">' in html and "Báo cáo trải nghiệm khách hàng" in html
    assert "(network)" in html and "Hà Nội" in html  # the CEMI tree with units and the aggregate
    for label in (
        "Tỷ lệ đạt QA",
        "Liên hệ tổng đài CSKH",
        "Băng rộng cố định",
        "độ phủ",
        "hiệu lực",
    ):
        assert label in html, label
    assert "fixed_broadband" not in html and "net_sentiment<" not in html  # no raw ids as labels
    spikes = html[html.index('id="spikes"') :]
    assert "VNPT" in spikes and "poisson_upper_tail" in spikes and "2026-10-21" in spikes


def test_kpi_tiles_show_counts_and_every_touchpoint_12_kpi(report):
    _, html = report
    kpis = html[html.index('id="kpis"') : html.index('id="cemi"')]
    for kpi in ("csat", "nps", "net_sentiment", "escalation_rate", "qa_pass_rate"):
        tile = kpis[kpis.index(f'data-kpi="{kpi}"') :][:600]
        assert re.search(r"n = [1-9][\d,]*", tile), kpi
    assert "2026-09" in kpis  # compared with the calendar month before


def test_hostile_text_is_escaped_and_long_names_are_kept(report):
    _, html = report
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; mạng &lt;b&gt;chậm&lt;/b&gt;" in html
    assert "Tập đoàn Công nghiệp – Viễn thông Quân đội" in html  # in full, at least as a tooltip


def test_call_drill_down_fits_the_axis_and_shows_transcript_and_evidence(report):
    _, html = report
    drill = html[html.index('id="timeline"') : html.index('id="spikes"')]
    assert "ngưỡng bức xúc 0.80" in drill  # the labelled threshold
    assert ">1.5<" in drill  # the y-axis reaches past the 1.42 peak
    assert "Mạng nhà tôi mất từ sáng, số tôi là [PHONE]" in drill and "Lan (Q1)" in drill
    assert "20.0–32.0" in drill and "không đạt" in drill  # QA evidence


def test_days_without_calls_are_gaps_and_counts_are_whole(tmp_path):
    day = datetime(2026, 10, 1, 9, tzinfo=UTC)
    calls = [Record(record_id=make_record_id("call", str(i)), source="call", channel="call_center",
                    occurred_at=day + timedelta(days=d), emotion={"escalation_events": [{"start_s": 1, "end_s": 2}] if i == 0 else []})
             for i, d in enumerate([0, 0, 2])]  # fmt: skip
    from cxvoc.kpi import records_arrow

    data = gather(records_arrow(to_arrow(calls)))
    assert data.escalation_by_day == [
        ("2026-10-01", 2, 1),
        ("2026-10-02", 0, 0),
        ("2026-10-03", 1, 0),
    ]
    build_report(to_arrow(calls), tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    esc = html[html.index('id="escalation"') : html.index('id="agents"')]
    assert esc.count('class="series"') == 2  # two days with calls; the empty day has no bar
    assert "10-01: 50%" in esc and "(1/2)" in esc  # the rate with its counts
    ticks = re.findall(
        r'class="tick"[^>]*>([^<]+)<', html[html.index('id="qa"') : html.index('id="escalation"')]
    )
    assert all("." not in t for t in ticks)  # no fractional ticks on a count axis


def test_english_labels(tmp_path):
    build_report(to_arrow(list(sample_records(300, seed=4))), tmp_path / "r.html", lang="en")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert (
        '<html lang="en">' in html
        and "Customer experience report" in html
        and "QA pass rate" in html
    )
    assert "Báo cáo" not in html and "Tỷ lệ" not in html


def test_agents_map_file(tmp_path):
    path = tmp_path / "agents.csv"
    path.write_text("agent_ref,name\nabc123,Nguyễn Văn A\n", encoding="utf-8")
    assert read_agents_map(path) == {"abc123": "Nguyễn Văn A"}
    path.write_text("ref,who\nabc,A\n", encoding="utf-8")
    from cxvoc import ConfigError

    with pytest.raises(ConfigError, match="agents.csv.*agent_ref and name"):
        read_agents_map(path)


def test_report_of_a_store_without_units(tmp_path):
    call = Record(record_id=make_record_id("call", "x"), source="call", channel="call_center",
                  occurred_at=datetime(2026, 10, 2, tzinfo=UTC), emotion={"escalation_events": []},
                  qa={"score": 70.0, "passed": True})  # fmt: skip
    build_report(to_arrow([call]), tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Cuộc gọi này không có diễn biến cảm xúc theo đoạn." in html
    assert "(network)" in html  # no unit: the network-wide tree only, and no crash


# -- in Chromium -------------------------------------------------------------------------------
def _chromium(url: str, tmp: Path, *, shot: Path | None = None, dump_dom: bool = False,
              size: tuple[int, int] = (1300, 2600)) -> tuple[str, str]:  # fmt: skip
    """Run headless Chromium; returns (stdout, stderr). Console messages appear in stderr.

    Give ``shot`` or ``dump_dom``: without either, headless Chromium keeps the page open.
    """
    assert shot is not None or dump_dom
    assert Path(CHROMIUM).exists(), (
        "chromium is missing: run `bash scripts/sysdeps.sh` (make test does)"
    )
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
            f"--user-data-dir={tmp / 'profile'}", "--enable-logging=stderr", "--v=0",
            f"--window-size={size[0]},{size[1]}"]  # fmt: skip
    if shot is not None:
        args += [f"--screenshot={shot}"]
    if dump_dom:
        args += ["--dump-dom"]
    proc = subprocess.run([*args, url], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, proc.stderr


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


# Layout checks run in the page: every data mark (.series) inside its chart's plot area
# (rect.plot), every label inside its chart, no two labels of a chart overlapping, and each
# Vietnamese letter drawn with a real glyph (not the same "tofu" box as an unassigned code point).
_CHECK = r"""<script>
(function(){
  var errs = [];
  function inside(b, p, tol){ return b.left >= p.left - tol && b.right <= p.right + tol && b.top >= p.top - tol && b.bottom <= p.bottom + tol; }
  document.querySelectorAll('svg.chart').forEach(function(svg){
    var name = (svg.querySelector('title') || {}).textContent;
    var plot = svg.querySelector('rect.plot');
    if (plot) {
      var p = plot.getBoundingClientRect();
      svg.querySelectorAll('.series').forEach(function(el){
        var b = el.getBoundingClientRect();
        if (!inside(b, p, 1.5)) errs.push('series outside plot: ' + name);
      });
    }
    var box = svg.getBoundingClientRect();
    var texts = Array.prototype.slice.call(svg.querySelectorAll(':scope > text'));
    var rects = texts.map(function(t){ return t.getBoundingClientRect(); });
    texts.forEach(function(t, i){ if (!inside(rects[i], box, 1)) errs.push('label outside chart: ' + name + ': ' + t.textContent); });
    for (var i = 0; i < rects.length; i++) for (var j = i + 1; j < rects.length; j++) {
      var a = rects[i], b = rects[j];
      var w = Math.min(a.right, b.right) - Math.max(a.left, b.left), h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 1 && h > 1) errs.push('labels overlap: ' + name + ': ' + texts[i].textContent + ' / ' + texts[j].textContent);
    }
  });
  function glyph(ch){ var c = document.createElement('canvas'); c.width = 48; c.height = 48; var x = c.getContext('2d');
    x.font = '32px ' + getComputedStyle(document.body).fontFamily; x.fillText(ch, 4, 36); return c.toDataURL(); }
  var tofu = glyph(String.fromCodePoint(0x10FFFD));
  var missing = Array.from('ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĐƠƯ').filter(function(ch){ return glyph(ch) === tofu; });
  if (missing.length) errs.push('no glyph for: ' + missing.join(''));
  document.body.setAttribute('data-layout', JSON.stringify(errs));
})();
</script>"""


def _layout_errors(html: str, tmp: Path, size: tuple[int, int]) -> list[str]:
    page = tmp / "checked.html"
    page.write_text(html.replace("</body>", _CHECK + "</body>"), encoding="utf-8")
    dom, err = _chromium(page.as_uri(), tmp, dump_dom=True, size=size)
    assert _console(err) == [], _console(err)
    found = re.search(r'data-layout="([^"]*)"', dom)
    assert found is not None, "the layout check did not run"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def test_console_capture_catches_errors(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        "<html><body><script>console.error('planted'); missingFn();</script></body></html>"
    )
    _, err = _chromium(page.as_uri(), tmp_path, dump_dom=True)
    found = _console(err)
    assert any("planted" in line for line in found) and any("missingFn" in line for line in found)


def test_layout_check_catches_a_bad_chart(tmp_path):
    bad = ('<html><body style="font-family:DejaVu Sans"><svg class="chart" width="300" height="100" viewBox="0 0 300 100">'
           '<title>bad</title><rect class="plot" x="40" y="10" width="200" height="60" fill="none"/>'
           '<polyline class="series" points="40,60 150,-20 240,50" fill="none" stroke="red"/>'
           '<text x="10" y="50">label one</text><text x="14" y="52">label two</text>'
           '<text x="280" y="50">outside the chart</text></svg></body></html>')  # fmt: skip
    errors = _layout_errors(bad, tmp_path, (800, 600))
    assert any("series outside plot" in e for e in errors)
    assert any("labels overlap" in e and "label one" in e for e in errors)
    assert any("label outside chart" in e for e in errors)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_charts_stay_in_their_plot_areas_and_labels_do_not_overlap(report, tmp_path, width):
    _, html = report
    assert _layout_errors(html, tmp_path, WIDTHS[width]) == []


@pytest.mark.parametrize("width", list(WIDTHS))
def test_screenshot(report, tmp_path, width):
    from PIL import Image

    path, _ = report
    w, h = WIDTHS[width]
    shot = tmp_path / f"report-{width}.png"
    _, err = _chromium(path.as_uri(), tmp_path, shot=shot, size=(w, 3 * h))
    assert _console(err) == [], _console(err)
    image = Image.open(shot).convert("RGB")
    assert image.size == (w, 3 * h)
    colors = image.getcolors(maxcolors=1 << 20)
    assert colors is not None and len(colors) > 50  # not a blank page
    count = {rgb: n for n, rgb in colors}

    def pixels(hex_color: str) -> int:
        return count.get(tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5)), 0)

    assert pixels("#0d47a1") > 20000  # the header
    assert (
        sum(pixels(c) for c in ("#c62828", "#ef6c00", "#f9a825", "#7cb342", "#2e7d32")) > 2000
    )  # bands
    assert pixels("#e0e0e0") > 200  # grey heatmap cells: touchpoints without data


def test_vietnamese_font_is_installed():
    fc = shutil.which("fc-list")
    assert fc, "fontconfig is missing: run `bash scripts/sysdeps.sh`"
    out = subprocess.run(
        [fc, ":lang=vi", "family"], capture_output=True, text=True, timeout=30
    ).stdout
    assert out.strip(), "no font with Vietnamese letters: run `bash scripts/sysdeps.sh`"


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
        app, ["report", "--store", str(tmp_path / "voc.duckdb"), "--out", str(out), "--lang", "en"]
    )
    assert res.exit_code == 0, res.output
    assert "500 records" in res.output and out.stat().st_size > 10_000
    assert "Customer experience report" in out.read_text(encoding="utf-8")


def test_daily_series_are_limited_to_the_last_days():
    from cxvoc.kpi import records_arrow

    recs = list(sample_records(400, seed=3, days=200))
    data = gather(records_arrow(to_arrow(recs)), last_days=30)
    assert 0 < len(data.brand_days) <= 30 and len(data.escalation_by_day) <= 30
    assert data.brand_days[-1] == data.last_day
    assert data.total == 400 and sum(n for _, n in data.share_of_voice) == sum(
        1 for r in recs if r.source.value == "social"
    )
