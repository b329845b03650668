"""cxtext.brand_sentiment: each brand a text names gets the sentiment of the clauses about it."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

import cxtext
from cxtext import TextInputError, brand_sentiment, brand_sentiment_batch

DATA = Path(__file__).resolve().parents[1] / "data"


def labels(text: str) -> dict[str, str]:
    return {b: s.label for b, s in brand_sentiment(text).items()}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a comparison gives each brand its own label, in order of first mention
        (
            "Viettel ở chung cư mình yếu xìu, chuyển qua Vina thì full vạch luôn.",
            {"Viettel": "negative", "VNPT": "positive"},
        ),
        (
            "Mobi ở quê mình sóng còn khỏe hơn Viettel nhiều.",
            {"MobiFone": "positive", "Viettel": "negative"},
        ),
        (
            "Bỏ FPT sau 5 năm vì hỏng hoài, lắp Viettel thì dùng ngon lành.",
            {"FPT Telecom": "negative", "Viettel": "positive"},
        ),
        # brands listed together share the clause about them
        ("Viettel, Vina, Mobi đều tăng giá mà mạng vẫn chập chờn.", dict.fromkeys(
            ["Viettel", "VNPT", "MobiFone"], "negative")),
        # the stressed part after a contrast word decides
        ("Viettel hơi đắt nhưng bù lại sóng khỏe, đi đâu cũng có.", {"Viettel": "positive"}),
        ("Mobi rẻ thật, có điều sóng yếu quá.", {"MobiFone": "negative"}),
        # quoted text is someone else's opinion
        ('Trích: "Vina dở lắm" — mình dùng 10 năm chưa thấy dở chỗ nào, sóng khỏe.',
         {"VNPT": "positive"}),
        ("> Viettel chỗ bác yếu à?\nChỗ em Viettel vẫn full vạch, tốc độ ngon lành.",
         {"Viettel": "positive"}),
        # K+ is a brand, not the teencode "k" (không) with a plus
        ("K+ xem bóng đá nét căng, đáng tiền.", {"K+": "positive"}),
        # a question without an opinion says nothing about the brand
        ("Cho em hỏi gói cước của Viettel còn đăng ký được không ạ?", {"Viettel": "neutral"}),
    ],
)  # fmt: skip
def test_labels_per_brand(text: str, expected: dict[str, str]) -> None:
    got = labels(text)
    assert got == expected
    assert list(got) == list(expected)


@pytest.mark.parametrize(
    "prefix", ["", "Ở Nghệ An, tối qua: ", "Hà Nội, sáng nay: ", "Chào cả nhà, ", "Mn ơi, "]
)
@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Sóng Viettel trong nhà yếu lắm, gọi toàn rớt.", "negative"),
        ("Kỹ thuật FPT hỗ trợ rất nhanh, nhiệt tình.", "positive"),
        ("EVN có app tra cứu hóa đơn tiền điện không mọi người?", "neutral"),
    ],
)
def test_context_before_the_post_is_ignored(prefix: str, text: str, label: str) -> None:
    (result,) = brand_sentiment(prefix + text).values()
    assert result.label == label
    assert result == next(iter(brand_sentiment(text).values()))


@pytest.mark.parametrize(
    ("text", "brands"),
    [
        ("Điện lực Cầu Giấy thông báo lịch ghi chỉ số công tơ tháng này.", ["EVN"]),
        ("Viettel và VNPT cùng tham gia đấu giá tần số 5G đợt này.", ["Viettel", "VNPT"]),
    ],
)
def test_news_without_opinion_words_is_neutral(text: str, brands: list[str]) -> None:
    """No opinion-lexicon word: the model's mildly negative reading of a news item stays inside
    the neutral band; with the band at the bottom of its range the same reading is negative."""
    low, _ = cxtext.targeted.MODEL_NEUTRAL_BAND_RANGE
    found = brand_sentiment(text)
    assert list(found) == brands
    for result in found.values():
        assert result.label == "neutral"
        assert -cxtext.targeted.MODEL_NEUTRAL_BAND < result.score <= -low
    narrow = brand_sentiment(text, neutral_band=low)
    assert {s.label for s in narrow.values()} == {"negative"}
    with pytest.raises(TextInputError, match="neutral_band"):
        brand_sentiment(text, neutral_band=0.95)


def test_scores_batch_and_bad_input() -> None:
    texts = ["Vina chậm như rùa", "", "hôm nay trời đẹp", "Mobi sóng khỏe"]
    batch = brand_sentiment_batch(texts)
    assert batch == [brand_sentiment(t) for t in texts]
    assert batch[1] == {} and batch[2] == {}
    assert batch[0]["VNPT"].score <= -0.2 <= 0.2 <= batch[3]["MobiFone"].score
    assert all(-1 <= s.score <= 1 for found in batch for s in found.values())
    with pytest.raises(TextInputError, match="single str"):
        brand_sentiment_batch("Viettel tốt")  # type: ignore[arg-type]
    with pytest.raises(TextInputError):
        brand_sentiment(None)  # type: ignore[arg-type]
    assert "brand_sentiment" in cxtext.__all__ and "brand_sentiment_batch" in cxtext.__all__


def test_social_evaluation_set() -> None:
    """Issue 20 acceptance on the hand-written social set (tests/data/SOCIAL_EVAL.md): per-brand
    accuracy >= 0.80 and the place/time-prefix variants labelled as the bare post in >= 95 %."""
    posts = [json.loads(line) for line in (DATA / "social_eval.jsonl").open(encoding="utf-8")]
    variants = [
        json.loads(line) for line in (DATA / "social_eval_variants.jsonl").open(encoding="utf-8")
    ]
    bare = dict(
        zip(
            (p["id"] for p in posts),
            brand_sentiment_batch([p["text"] for p in posts]),
            strict=True,
        )
    )
    pairs = [(g, bare[p["id"]].get(b)) for p in posts for b, g in p["labels"].items()]
    accuracy = sum(1 for g, s in pairs if s is not None and s.label == g) / len(pairs)
    assert accuracy >= 0.80, accuracy
    prefixed = [v for v in variants if v["kind"] == "prefix"]
    labels_of = {p["id"]: p["labels"] for p in posts}
    same = total = 0
    for v, found in zip(
        prefixed, brand_sentiment_batch([v["text"] for v in prefixed]), strict=True
    ):
        for b in labels_of[v["of"]]:
            total += 1
            same += (found.get(b) and found[b].label) == (
                bare[v["of"]].get(b) and bare[v["of"]][b].label
            )
    assert same / total >= 0.95, same / total
    # per-brand net sentiment moves the right way against the whole-post labels of old
    net: dict[str, list[int]] = defaultdict(list)
    sign = {"negative": -1, "neutral": 0, "positive": 1}
    for p in posts:
        for b in p["labels"]:
            s = bare[p["id"]].get(b)
            net[b].append(sign[s.label] if s else 0)
    assert sum(net["VNPT"]) < 0 and sum(net["EVN"]) < 0 and sum(net["MobiFone"]) > 0
