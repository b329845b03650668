"""cxtext.batch.score_file and ``cx text score``: inputs, malformed rows, records written."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cxtext import CxTextError, TextInputError
from cxtext.batch import TextScorer, read_rows, score_file
from cxvoc import open_store
from cxvoc.cli import app


@dataclass(frozen=True)
class _Label:
    label: str
    score: float


@dataclass(frozen=True)
class _Aspect:
    aspect: str
    label: str
    score: float


def _fake_sentiment(texts: list[str]) -> list[_Label]:
    return [_Label("negative", -0.8) if "chậm" in t else _Label("neutral", 0.0) for t in texts]


def _fake_aspects(text: str) -> list[_Aspect]:
    return [_Aspect("coverage", "negative", -0.7)] if "sóng" in text else []


def _scorer() -> TextScorer:
    return TextScorer(sentiment_batch=_fake_sentiment, aspects=_fake_aspects)


ROWS = [
    {"id": "p1", "author": "an", "time": "2026-10-12T20:30:00", "text": "Mạng Viettel chậm quáaaa 😡 gọi 0912345678 ko ai nghe"},
    {"id": "p2", "author": "bình", "time": "1760275800", "text": "Vinaphone ổn, mobi thì hoài rớt sóng"},
    {"id": "p3", "author": "chi", "time": "", "text": "Hoà mạng FPT ok, mail a.b@gmail.com"},
]  # fmt: skip


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "posts.csv"
    lines = ["id,author,time,text"]
    lines += [f'{r["id"]},{r["author"]},{r["time"]},"{r["text"]}"' for r in ROWS]
    lines += ["p4,dung,,", 'p5,em,,"a","extra"', 'p6,gia,not-a-time,"ok"']
    body = ("\n".join(lines) + "\n").encode() + b'p7,hoa,,"\xe1\xbb caf\xe9"\n'
    path.write_bytes(body)
    return path


def test_csv_rows_are_scored_and_malformed_rows_reported(tmp_path: Path) -> None:
    url = str(tmp_path / "voc.duckdb")
    report = score_file(
        _csv(tmp_path), url, text_col="text", id_col="id", author_col="author",
        time_col="time", salt="pepper", scorer=_scorer(),
    )  # fmt: skip
    assert (report.rows, report.scored, report.written, report.malformed) == (7, 3, 3, 4)
    reasons = {p.line: p.reason for p in report.problems}
    assert set(reasons) == {5, 6, 7, 8}
    assert "empty" in reasons[5] and "5 fields" in reasons[6]
    assert "not-a-time" in reasons[7] and "not UTF-8" in reasons[8]
    assert str(report.problems[0]).startswith(f"{tmp_path / 'posts.csv'}:5: ")
    with open_store(url) as store:
        records = {r.attributes.get("brands", [""])[0]: r for r in store.iter_records()}
    viettel = records["Viettel"]
    assert viettel.text == "Mạng Viettel chậm quáaaa 😡 gọi [PHONE] ko ai nghe"
    assert viettel.sentiment is not None and viettel.sentiment.label == "negative"
    assert viettel.occurred_at == datetime.fromisoformat("2026-10-12T20:30:00+07:00")
    assert viettel.author_ref is not None and "an" not in viettel.author_ref
    assert viettel.attributes["pii_masked"] == 1 and viettel.source == "social"
    vnpt = records["MobiFone"]  # sorted brands: MobiFone, VNPT; main brand is the first mention
    assert vnpt.brand == "VNPT" and vnpt.attributes["competitors"] == ["MobiFone", "VNPT"]
    assert [a.aspect for a in vnpt.aspects] == ["coverage"]
    fpt = records["FPT Telecom"]
    assert fpt.text == "Hòa mạng FPT ok, mail [EMAIL]"  # tone placement + PII


def test_rerun_is_idempotent_and_ids_come_from_the_text_without_id_col(tmp_path: Path) -> None:
    url = str(tmp_path / "voc.duckdb")
    path = _csv(tmp_path)
    for _ in range(2):
        score_file(path, url, text_col="text", scorer=_scorer())
    with open_store(url) as store:
        assert store.count() == 4  # p1-p3 and p6 (no time column asked for)


def test_jsonl_and_parquet_inputs(tmp_path: Path) -> None:
    jsonl = tmp_path / "posts.jsonl"
    lines = [json.dumps(r, ensure_ascii=False).encode() for r in ROWS]
    lines[1:1] = [b"{not json", b"[1, 2]", b'{"id": "x"}', b'{"text": "caf\xe9"}']
    jsonl.write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "out.parquet"
    report = score_file(jsonl, str(out), text_col="text", id_col="id", scorer=_scorer())
    assert (report.scored, report.malformed) == (3, 4)
    assert [p.line for p in report.problems] == [2, 3, 4, 5]
    assert "invalid JSON" in report.problems[0].reason and "list" in report.problems[1].reason
    assert "no column 'text'" in report.problems[2].reason
    assert pq.read_table(out).num_rows == 3

    parquet = tmp_path / "posts.parquet"
    pq.write_table(
        pa.Table.from_pylist([*ROWS, {"id": "n", "author": "", "time": "", "text": None}]), parquet
    )
    report = score_file(parquet, str(tmp_path / "p.duckdb"), text_col="text", scorer=_scorer())
    assert (report.rows, report.scored, report.malformed) == (4, 3, 1)
    assert report.problems[0].line == 4


def test_big_and_bad_inputs(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_text(
        json.dumps({"text": "mạng yếu " * 130_000}) + "\n" + json.dumps({"text": "ok"}) + "\n"
    )
    report = score_file(path, str(tmp_path / "v.duckdb"), text_col="text", scorer=_scorer())
    assert (report.scored, report.malformed) == (1, 1)
    assert "max_chars" in report.problems[0].reason
    with pytest.raises(TextInputError, match="suffix '.txt'"):
        list(read_rows(tmp_path / "x.txt"))
    with pytest.raises(TextInputError, match="no such file"):
        list(read_rows(tmp_path / "missing.csv"))
    with pytest.raises(CxTextError, match="CX_PSEUDONYM_SALT"):
        score_file(
            path, str(tmp_path / "v.duckdb"), text_col="text", author_col="a", scorer=_scorer()
        )
    with pytest.raises(TextInputError, match="source='web'"):
        score_file(
            path, str(tmp_path / "v.duckdb"), text_col="text", source="web", scorer=_scorer()
        )


def test_near_duplicates_are_marked(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    texts = ["Mạng Viettel chậm quá mọi người ơi ai bị giống mình không", "xin chào cả nhà",
             "mang viettel cham qua moi nguoi oi ai bi giong minh ko 😡"]  # fmt: skip
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    url = str(tmp_path / "d.duckdb")
    report = score_file(path, url, text_col="text", near_duplicates=True, scorer=_scorer())
    assert report.near_duplicates == 1
    with open_store(url) as store:
        marked = [r for r in store.iter_records() if "near_duplicate_of" in r.attributes]
    assert len(marked) == 1 and marked[0].text.startswith("mang viettel")


def test_cli_text_score(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CX_PSEUDONYM_SALT", "pepper")
    out = tmp_path / "voc.duckdb"
    args = ["text", "score", str(_csv(tmp_path)), "--text-col", "text", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--author-col", "author", "--no-models", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{") :])
    assert (report["scored"], report["malformed"]) == (4, 3)
    assert report["analyzers"] == ["normalize", "mask_pii", "brands"]
    assert report["problems"][0]["line"] == 5
    result = CliRunner().invoke(
        app, ["text", "score", str(tmp_path / "nope.csv"), "--text-col", "t"]
    )
    assert result.exit_code != 0


def test_default_scorer_uses_the_packaged_sentiment_and_aspects(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"text": "Mạng chậm quá, sóng yếu, tệ thật 😡"}) + "\n")
    url = str(tmp_path / "v.duckdb")
    report = score_file(path, url, text_col="text")
    assert report.analyzers == ("normalize", "mask_pii", "brands", "sentiment", "aspects")
    with open_store(url) as store:
        (record,) = list(store.iter_records())
    assert record.sentiment is not None and record.sentiment.label == "negative"
    assert record.aspects and all(a.label == "negative" for a in record.aspects)


def test_an_analyzer_failing_on_one_row_costs_that_row_only(tmp_path: Path) -> None:
    """Issue 17 item 8: aspects() ran outside the per-row handling and one row aborted the file."""

    def picky_aspects(text: str) -> list[_Aspect]:
        if "sóng" in text:
            raise ValueError("bad text for aspects")
        return []

    def picky_sentiment(texts: list[str]) -> list[_Label]:
        if any("chậm" in t for t in texts):
            raise RuntimeError("model choked")
        return [_Label("neutral", 0.0) for _ in texts]

    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS))
    scorer = TextScorer(sentiment_batch=picky_sentiment, aspects=picky_aspects)
    report = score_file(path, str(tmp_path / "v.duckdb"), text_col="text", scorer=scorer)
    assert (report.rows, report.scored, report.malformed) == (3, 1, 2)
    reasons = {p.line: p.reason for p in report.problems}
    assert "sentiment failed: model choked" in reasons[1]
    assert "aspects failed: bad text for aspects" in reasons[2]


def test_a_text_that_grows_past_the_limit_when_normalized_is_one_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    rows = [{"text": "ok " + "…" * 90}, {"text": "mạng yếu"}]  # … -> ... triples the length
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    scorer = TextScorer(sentiment_batch=_fake_sentiment, aspects=_fake_aspects, max_chars=100)
    report = score_file(path, str(tmp_path / "v.duckdb"), text_col="text", scorer=scorer)
    assert (report.scored, report.malformed) == (1, 1)
    assert "max_chars" in report.problems[0].reason and report.problems[0].line == 1


@pytest.mark.parametrize("store", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_nul_characters_are_removed_and_counted(
    tmp_path: Path, store: str, request: pytest.FixtureRequest
) -> None:
    url = (
        str(tmp_path / "v.duckdb")
        if store == "duckdb"
        else request.getfixturevalue("postgres_store_url")
    )
    path = tmp_path / "p.jsonl"
    rows = [{"id": "a\u0000", "text": "mạng\u0000 yếu\u0000", "url": "https://x.vn/\u0000"},
            {"id": "b", "text": "ổn"}]  # fmt: skip
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    report = score_file(path, url, text_col="text", id_col="id", url_col="url", scorer=_scorer())
    assert (report.scored, report.written, report.malformed, report.nul_removed) == (2, 2, 0, 4)
    with open_store(url) as st:
        texts = sorted(r.text for r in st.iter_records())
    assert texts == ["mạng yếu", "ổn"]


@pytest.mark.postgres
def test_postgres_store_drops_nul_instead_of_failing_the_batch(postgres_store_url: str) -> None:
    from cxvoc import Record

    record = Record(record_id="r\u00001", source="social", channel="forum", text="a\u0000b",
                    occurred_at=datetime(2026, 10, 12, tzinfo=UTC),
                    attributes={"note": "x\u0000y", "kept": "\\u0000"})  # fmt: skip
    with open_store(postgres_store_url) as st:
        assert st.upsert([record]) == 1
        (stored,) = list(st.iter_records())
    assert stored.text == "ab" and stored.attributes == {"note": "xy", "kept": "\\u0000"}


def test_an_unclosed_quote_is_reported_with_every_row_it_swallowed(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('id,text\np1,"mạng yếu\np2,"ổn định"\np3,tốt\np4,"ok"\n', encoding="utf-8")
    report = score_file(path, str(tmp_path / "v.duckdb"), text_col="text", scorer=_scorer())
    assert report.rows == report.scored + report.malformed
    assert report.malformed >= 2 and {2, 3} <= {p.line for p in report.problems}
    assert "unclosed quote" in report.problems[0].reason
    with open_store(str(tmp_path / "v.duckdb")) as st:
        assert all("\n" not in (r.text or "") for r in st.iter_records())


def _cp1258(text: str) -> bytes:
    """Windows-1258 bytes: letters with their vowel marks precomposed, tone marks combining."""
    import unicodedata

    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


def test_other_encodings_are_read_with_encoding_and_named_when_missing(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_bytes(_cp1258("id,text\n1,Mạng yếu quá\n2,Dịch vụ tốt\n"))
    report = score_file(path, str(tmp_path / "a.duckdb"), text_col="text", scorer=_scorer())
    assert (report.scored, report.malformed) == (0, 2)
    assert "--encoding cp1258" in report.problems[0].reason
    report = score_file(
        path, str(tmp_path / "b.duckdb"), text_col="text", scorer=_scorer(), encoding="cp1258"
    )
    assert (report.scored, report.malformed) == (2, 0)
    with open_store(str(tmp_path / "b.duckdb")) as st:
        assert sorted(r.text for r in st.iter_records()) == ["Dịch vụ tốt", "Mạng yếu quá"]
    with pytest.raises(TextInputError, match="encoding='vni'"):
        list(read_rows(path, encoding="vni"))


def test_cli_exits_non_zero_when_no_row_could_be_scored(tmp_path: Path) -> None:
    """Through a real process: the exit status is what cron and systemd see."""
    import subprocess
    import sys

    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n[1]\n")
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"text": "mạng yếu"}) + "\n{not json\n")
    cmd = [sys.executable, "-c", "from cxvoc.cli import main; main()", "text", "score"]
    out = ["--text-col", "text", "--no-models", "--out", str(tmp_path / "v.duckdb")]
    res = subprocess.run([*cmd, str(bad), *out], capture_output=True, text=True, timeout=120)
    assert res.returncode == 65, res.stderr
    assert "none of the 2 rows could be scored" in res.stderr
    res = subprocess.run([*cmd, str(good), *out], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
