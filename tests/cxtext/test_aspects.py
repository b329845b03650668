"""cxtext.aspects: the telecom test set, mixed sentiment, diacritics, negation, lexicons, errors."""

from __future__ import annotations

import dataclasses
import importlib
import json
from pathlib import Path

import pytest

import cxtext
from cxtext.aspects import (
    TELECOM_ASPECTS,
    AspectLexicon,
    AspectSentiment,
    aspects,
    default_aspect_lexicon,
)
from cxtext.aspects.lexicon import OpinionLexicon
from cxtext.errors import LexiconError, TextInputError

DATA = Path(__file__).resolve().parents[1] / "data" / "aspects_telecom.jsonl"

# measured on tests/data/aspects_telecom.jsonl (154 sentences): F1 0.910, polarity 0.977
MIN_F1 = 0.88
MIN_POLARITY_ACCURACY = 0.95


def _labels(text: str, **kw: object) -> dict[str, str]:
    return {a.aspect: a.label for a in aspects(text, **kw)}  # type: ignore[arg-type]


def test_telecom_test_set_f1_and_polarity() -> None:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 150
    tp = fp = fn = right = 0
    for row in rows:
        gold = {g["aspect"]: g["label"] for g in row["aspects"]}
        assert set(gold) <= set(TELECOM_ASPECTS), row
        pred = _labels(row["text"])
        tp += len(gold.keys() & pred.keys())
        fp += len(pred.keys() - gold.keys())
        fn += len(gold.keys() - pred.keys())
        right += sum(gold[a] == pred[a] for a in gold.keys() & pred.keys())
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= MIN_F1, (precision, recall, f1)
    assert right / tp >= MIN_POLARITY_ACCURACY, right / tp


@pytest.mark.parametrize(
    "text",
    [
        "sóng yếu nhưng nhân viên hỗ trợ nhiệt tình",
        "song yeu nhung nhan vien ho tro nhiet tinh",
        "sóng yếu vl 😡 nhưng nv hỗ trợ nhiệt tình 👍",
    ],
)
def test_mixed_sentiment_with_and_without_diacritics(text: str) -> None:
    assert _labels(text) == {"network_coverage": "negative", "customer_service": "positive"}


def test_result_is_frozen_with_evidence_and_serialize() -> None:
    (first, second) = aspects("Giá cước hợp lý, nhưng app hay bị treo")
    assert (first.aspect, first.label, second.aspect, second.label) == (
        "price_package",
        "positive",
        "digital_app",
        "negative",
    )
    norm = cxtext.normalize("Giá cước hợp lý, nhưng app hay bị treo")
    assert first.evidence == norm[first.start : first.end].strip()
    assert first.term in first.evidence and -1 <= first.score <= 1
    assert first.serialize()["aspect"] == "price_package"
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.label = "negative"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "aspect", "label"),
    [
        ("nhân viên không nhiệt tình", "customer_service", "negative"),
        ("nhân viên nhiệt tình", "customer_service", "positive"),
        ("wifi không chậm như trước nữa", "data_speed", "positive"),
        ("mạng chậm", "data_speed", "negative"),
        ("gọi tổng đài, chờ mãi không ai nghe", "customer_service", "negative"),
        ("mất điện từ sáng tới giờ", "power_outage", "negative"),
    ],
)
def test_negation_and_borrowed_opinions(text: str, aspect: str, label: str) -> None:
    assert _labels(text).get(aspect) == label


def test_words_typed_with_diacritics_do_not_match_other_terms() -> None:
    # "qua" (across) is not "quà" (gift) and "điện thoại" is not electricity
    assert "promotion" not in _labels("hôm qua nạp tiền điện thoại")
    assert "power_outage" not in _labels("gọi điện thoại cho tổng đài")
    assert "promotion" in _labels("khuyen mai qua tang hap dan")


def test_no_aspect_and_empty_text() -> None:
    assert aspects("") == []
    assert aspects("hôm nay trời đẹp") == []


@pytest.mark.parametrize("bad", [None, 12, b"\xff"])
def test_bad_input(bad: object) -> None:
    with pytest.raises(TextInputError):
        aspects(bad)  # type: ignore[arg-type]


def test_smartphone_lexicon_and_custom_lexicon(tmp_path: Path) -> None:
    phone = default_aspect_lexicon("smartphone")
    assert "battery" in phone.aspects and "_ignore" not in phone.aspects
    assert _labels("pin trâu, camera chụp đẹp", lexicon=phone) == {
        "battery": "positive",
        "camera": "positive",
    }
    custom = tmp_path / "aspects_bank.yaml"
    custom.write_text("name: bank\naspects:\n  atm:\n    terms: [atm, cây rút tiền]\n", "utf-8")
    assert _labels("cây rút tiền hỏng suốt", lexicon=AspectLexicon.load(custom)) == {
        "atm": "negative"
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("aspects: [a, b]\n", "must map aspect ids"),
        ("aspects:\n  atm: {}\n", "needs a 'terms' list"),
        ("aspects:\n  atm:\n    terms: [ok, '']\n", "empty term"),
        ("aspects: {atm: [\n", "not valid YAML"),
    ],
)
def test_bad_lexicon_names_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError, match=message) as info:
        AspectLexicon.load(path)
    assert "bad.yaml" in str(info.value)


def test_bad_opinion_lexicon_and_unknown_shipped_lexicon(tmp_path: Path) -> None:
    path = tmp_path / "op.yaml"
    path.write_text("positive: {strong: [tốt]}\nnegative: {1: [tệ]}\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="'strong'"):
        OpinionLexicon.load(path)
    with pytest.raises(LexiconError, match="telecom"):
        default_aspect_lexicon("nope")


def test_public_api() -> None:
    package = importlib.import_module("cxtext.aspects")
    for name in ("aspects", "AspectSentiment"):
        assert name in cxtext.__all__ and name in package.__all__
        assert getattr(cxtext, name) is getattr(package, name)
    assert AspectSentiment is cxtext.AspectSentiment
