"""`cx social summary` / `cx social crawl` argument handling, social_summary, public API."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

import crawlers
from crawlers import social_summary
from cxvoc import AspectSentiment, Record, Sentiment, make_record_id, open_store
from cxvoc.cli import app

from .conftest import CLI

ICT = timezone(timedelta(hours=7))


ASPECTS = [["price"], ["price", "network_quality"], ["customer_service", "price"], [], [], []]


def _records() -> list[Record]:
    rows = [
        ("Viettel", "positive", 1),
        ("Viettel", "positive", 2),
        ("Viettel", "negative", 3),
        ("VNPT", "negative", 4),
        ("VNPT", "neutral", 5),
        ("MobiFone", "positive", 40),
    ]
    out = [
        Record(
            record_id=make_record_id("social", f"n{i}"),
            source="social",
            channel="forum",
            brand=brand,
            occurred_at=datetime(2026, 11, day if day < 30 else 30, 12, tzinfo=ICT),
            text="x",
            sentiment=Sentiment(label=label, score=0.0),
            aspects=[AspectSentiment(aspect=a, label=label, score=0.0) for a in ASPECTS[i]],
        )
        for i, (brand, label, day) in enumerate(rows)
    ]
    out.append(
        Record(
            record_id=make_record_id("call", "c1"),
            source="call",
            channel="call_center",
            brand="Viettel",
            occurred_at=datetime(2026, 11, 2, tzinfo=ICT),
        )
    )
    return out


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "voc.duckdb"
    with open_store(path) as store:
        store.upsert(_records())
    return path


def test_social_summary_figures(store_path: Path) -> None:
    with open_store(store_path) as store:
        s = social_summary(
            store, since=datetime(2026, 11, 1, tzinfo=ICT), until=datetime(2026, 11, 10, tzinfo=ICT)
        )
    assert s.total_mentions == 5  # the call record and the MobiFone post on 30/11 are out
    viettel, vnpt = s.brands
    assert (viettel.brand, viettel.mentions, viettel.positive, viettel.negative) == (
        "Viettel",
        3,
        2,
        1,
    )
    assert viettel.net_sentiment == pytest.approx(100 * (2 - 1) / 3, abs=0.01)
    assert viettel.share_of_voice == 0.6 and vnpt.share_of_voice == 0.4
    assert vnpt.net_sentiment == -50.0 and vnpt.neutral == 1
    assert viettel.top_aspects[0] == ("price", 3) and len(viettel.top_aspects) == 3
    assert vnpt.top_aspects == ()
    with pytest.raises(ValueError, match="must be timezone-aware"):
        social_summary(store_path, since=datetime(2026, 11, 1))  # type: ignore[arg-type]


def test_summary_counts_each_brand_of_a_post_with_its_own_label(tmp_path: Path) -> None:
    """A comparison post counts positive for the praised brand and negative for the blamed one;
    records without brand_sentiment (stored before it existed) count as before."""
    from cxvoc import BrandSentiment

    when = datetime(2026, 11, 3, 12, tzinfo=ICT)
    per_brand = [
        [("Viettel", "negative"), ("VNPT", "positive")],
        [("Viettel", "negative")],
        [("VNPT", "positive"), ("MobiFone", "neutral")],
    ]
    records = [
        Record(
            record_id=make_record_id("social", f"b{i}"),
            source="social",
            channel="forum",
            brand=labels[0][0],
            occurred_at=when,
            text="x",
            sentiment=Sentiment(label="negative", score=-0.5),  # the post's: not used here
            brand_sentiment=[BrandSentiment(brand=b, label=lab, score=0.0) for b, lab in labels],
        )
        for i, labels in enumerate(per_brand)
    ]
    records.append(  # an older record: its brand and post sentiment
        Record(
            record_id=make_record_id("social", "old"),
            source="social",
            channel="forum",
            brand="MobiFone",
            occurred_at=when,
            sentiment=Sentiment(label="positive", score=0.5),
        )
    )
    path = tmp_path / "voc.duckdb"
    with open_store(path) as store:
        store.upsert(records)
        s = social_summary(store)
    got = {b.brand: (b.mentions, b.positive, b.neutral, b.negative) for b in s.brands}
    assert got == {"Viettel": (2, 0, 0, 2), "VNPT": (2, 2, 0, 0), "MobiFone": (2, 1, 1, 0)}
    assert s.total_mentions == 6
    nets = {b.brand: b.net_sentiment for b in s.brands}
    assert nets == {"Viettel": -100.0, "VNPT": 100.0, "MobiFone": 50.0}


def test_summary_cli_table_and_json(store_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["social", "summary", "--store", str(store_path), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert [b["brand"] for b in data["brands"]] == ["Viettel", "VNPT", "MobiFone"]
    res = runner.invoke(
        app,
        [
            "social",
            "summary",
            "--store",
            str(store_path),
            "--since",
            "2026-11-01",
            "--until",
            "2026-11-10",
        ],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 0, res.output
    assert "Viettel" in res.output and "+33.3" in res.output and "60.0%" in res.output
    assert "MobiFone" not in res.output
    assert "price (3)" in res.output
    res = runner.invoke(
        app, ["social", "summary", "--store", str(store_path), "--since", "hôm qua"]
    )
    assert res.exit_code != 0 and "must be an ISO date" in res.output


def test_summary_hints_at_older_mentions_when_the_window_is_empty(store_path: Path) -> None:
    window = ("--until", "2027-06-01", "--days", "7")  # a week long after the records
    res = _cx("social", "summary", "--store", str(store_path), *window, "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["total_mentions"] == 0
    assert "but 6 older ones, the latest on 2026-11-30" in res.stderr
    assert "--days" in res.stderr
    res = _cx("social", "summary", "--store", str(store_path), "--since", "2026-11-01")
    assert res.returncode == 0 and "older ones" not in res.stderr


def _cx(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    full = {k: v for k, v in os.environ.items() if k != "CX_PSEUDONYM_SALT"}
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        capture_output=True,
        text=True,
        env={**full, **(env or {})},
    )


def test_crawl_cli_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - {name: a, type: blog, start_urls: [https://a.vn/]}\n")
    res = _cx(
        "social", "crawl", "--sources", str(bad), "--out", str(tmp_path / "v.duckdb"), "--salt", "s"
    )
    assert res.returncode == 78
    assert f"{bad}: sources[0] (a).type='blog': must be one of rss" in res.stderr
    res = _cx("social", "crawl", "--sources", str(bad), "--out", str(tmp_path / "v.duckdb"))
    assert res.returncode == 78 and "CX_PSEUDONYM_SALT" in res.stderr


def test_public_api() -> None:
    for name in crawlers.__all__:
        assert hasattr(crawlers, name), name
    assert {"crawl", "load_sources", "social_summary", "SourcesError"} <= set(crawlers.__all__)
    code = "import sys, crawlers; assert 'scrapy' not in sys.modules, 'scrapy imported eagerly'"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from crawlers.errors import require_crawl_extra

    with pytest.raises(ImportError, match=r"pip install 'cxkit\[crawl\]'"):
        require_crawl_extra("scrapy_not_installed_here")
