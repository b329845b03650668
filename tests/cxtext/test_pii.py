"""cxtext.mask_pii / find_pii: every phone and e-mail masked, prices/dates/codes untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxtext import TextInputError
from cxtext.pii import PiiSpan, find_pii, mask_pii

DATA = Path(__file__).resolve().parent.parent / "data"


def _rows(name: str) -> list[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


POSITIVE = [tuple(row.split("\t")) for row in _rows("pii_positive.txt")]
NEGATIVE = _rows("pii_negative.txt")


def test_test_sets_are_large_and_varied() -> None:
    kinds = [row[0] for row in POSITIVE]
    assert kinds.count("phone") + kinds.count("email") >= 100
    assert len(NEGATIVE) >= 100
    assert any("+84" in row[1] for row in POSITIVE)
    assert any("." in row[1] and row[0] == "phone" for row in POSITIVE)


@pytest.mark.parametrize(("kind", "value", "sentence"), POSITIVE)
def test_every_positive_is_masked(kind: str, value: str, sentence: str) -> None:
    masked = mask_pii(sentence)
    assert value not in masked
    assert f"[{kind.upper()}]" in masked
    before, _, after = sentence.partition(value)
    assert masked == f"{before}[{kind.upper()}]{after}"  # nothing else touched


@pytest.mark.parametrize("sentence", NEGATIVE)
def test_nothing_is_masked_in_negatives(sentence: str) -> None:
    assert mask_pii(sentence) == sentence
    assert find_pii(sentence) == []


def test_spans_point_into_the_text() -> None:
    text = "Gọi 0912 345 678 hoặc mail a.b@gmail.com, CCCD 001099012345"
    spans = find_pii(text)
    assert [s.kind for s in spans] == ["phone", "email", "id"]
    for span in spans:
        assert text[span.start : span.end] == span.value
    assert spans[0].serialize() == {"kind": "phone", "start": 4, "end": 16, "value": "0912 345 678"}
    assert isinstance(spans[0], PiiSpan) and spans[0].token == "[PHONE]"


def test_kinds_restrict_what_is_masked() -> None:
    text = "sđt 0912345678 mail x@y.vn"
    assert mask_pii(text, kinds=("email",)) == "sđt 0912345678 mail [EMAIL]"
    assert mask_pii(text, kinds=("phone",)) == "sđt [PHONE] mail x@y.vn"
    with pytest.raises(TextInputError, match="kinds=.*'fax'"):
        mask_pii(text, kinds=("fax",))


def test_phone_inside_an_email_is_masked_as_email_once() -> None:
    assert mask_pii("0912345678@gmail.com") == "[EMAIL]"


def test_glued_forms() -> None:
    assert mask_pii("sdt0912345678nhé") == "sdt[PHONE]nhé"
    assert mask_pii("cccd:001099012345") == "cccd:[ID]"
    assert mask_pii("mã SP123456789") == "mã SP123456789"  # a code, not an ID


def test_hotlines_stay_and_two_adjacent_phones_are_both_masked() -> None:
    assert mask_pii("hotline 1900 1234, 18008098") == "hotline 1900 1234, 18008098"
    assert mask_pii("0912345678 0987654321") == "[PHONE] [PHONE]"
    assert mask_pii("gọi 0912345678 2 lần") == "gọi [PHONE] 2 lần"


@pytest.mark.parametrize(
    ("bad", "match"), [(None, "text=None"), (b"\xff\xfe", "not valid UTF-8"), (3.5, "float")]
)
def test_bad_input(bad: object, match: str) -> None:
    with pytest.raises(TextInputError, match=match):
        mask_pii(bad)  # type: ignore[arg-type]


def test_edge_inputs() -> None:
    assert mask_pii("") == ""
    assert mask_pii("sđt 0912345678".encode()) == "sđt [PHONE]"
    big = "gọi 0912345678 nhé. " * 55_000  # ~1.1 MB
    out = mask_pii(big, max_chars=2_000_000)
    assert out.count("[PHONE]") == 55_000 and "0912" not in out
    with pytest.raises(TextInputError, match="max_chars"):
        mask_pii(big)
