"""cxtext.sentiment: hashing kernel vs reference, fused scoring vs sparse algebra, API contract."""

from __future__ import annotations

import dataclasses
import importlib

import numpy as np
import pytest
import scipy.sparse as sp

import cxtext
from cxtext.errors import ModelError, TextInputError
from cxtext.sentiment import (
    LABELS,
    Sentiment,
    SentimentModel,
    load_model,
    sentiment,
    sentiment_batch,
)
from cxtext.sentiment.features import (
    HashingConfig,
    hash_ngrams_reference,
    hash_texts,
    score_texts,
)

TEXTS = [
    "sóng yếu quá emo_angry nhưng nhân viên hỗ trợ nhiệt tình !",
    "",
    "   ",
    "a",
    "Đt  đẹp, pin trâu 😍😍 giá 1.200.000đ",
    "song yeu vai nhung nhan vien ho tro nhiet tinh",
    "x" * 300,
    "mạng 4g ... chậm ??? 🙁 ĐIỆN",
]


@pytest.mark.parametrize(
    "config", [HashingConfig(n_buckets=1 << 12), HashingConfig(char_min=2, char_max=3)]
)
def test_kernel_agrees_with_reference(config: HashingConfig) -> None:
    hashes, doc_ids, blocks = hash_texts(TEXTS, config)
    assert hashes.min() >= 0 and hashes.max() < config.n_buckets
    for i, text in enumerate(TEXTS):
        assert hashes[doc_ids == i].tolist() == hash_ngrams_reference(text, config)
    assert set(np.unique(blocks)) <= {0, 1, 2}


def test_features_ignore_diacritics_in_stripped_blocks() -> None:
    config = HashingConfig(n_buckets=1 << 16)
    h, d, b = hash_texts(["nhân viên nhiệt tình", "nhan vien nhiet tinh"], config)
    for block in (0, 1):  # char n-grams and stripped words are identical
        assert sorted(h[(d == 0) & (b == block)]) == sorted(h[(d == 1) & (b == block)])
    assert sorted(h[(d == 0) & (b == 2)]) != sorted(h[(d == 1) & (b == 2)])


def test_fused_scores_match_sparse_algebra() -> None:
    config = HashingConfig(n_buckets=1 << 10)
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(config.n_buckets, 4)).astype(np.float32)
    sq = rng.uniform(0.1, 2.0, size=(config.n_buckets, 4)).astype(np.float32)
    got = score_texts(TEXTS, config, weights, sq)
    hashes, doc_ids, _ = hash_texts(TEXTS, config)
    x = sp.csr_matrix(
        (np.ones(len(hashes)), (doc_ids, hashes)), shape=(len(TEXTS), config.n_buckets)
    )
    x.data[:] = 1.0  # presence
    norm = np.sqrt(x @ sq.astype(np.float64))
    want = np.divide(x @ weights.astype(np.float64), norm, out=np.zeros_like(norm), where=norm > 0)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_sentiment_is_a_frozen_dataclass_with_serialize() -> None:
    result = sentiment("nhân viên rất nhiệt tình, cảm ơn nhiều")
    assert isinstance(result, Sentiment)
    assert result.serialize() == {"label": result.label, "score": result.score}
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.label = "negative"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("sản phẩm tuyệt vời, giao hàng nhanh, rất hài lòng", "positive"),
        ("san pham tuyet voi, giao hang nhanh, rat hai long", "positive"),
        ("hàng tệ quá, dùng 2 ngày đã hỏng, thất vọng", "negative"),
        ("hang te qua, dung 2 ngay da hong, that vong", "negative"),
        ("sp ko dc như mô tả, chán vl 😡", "negative"),
    ],
)
def test_clear_cases(text: str, label: str) -> None:
    result = sentiment(text)
    assert result.label == label
    assert (result.score > 0) == (label == "positive")


def test_batch_matches_singles_and_scores_are_bounded() -> None:
    texts = [t for t in TEXTS if t.strip()] * 3
    batch = sentiment_batch(texts, batch_size=5)
    assert batch == [sentiment(t) for t in texts]
    assert all(-1.0 <= s.score <= 1.0 and s.label in LABELS for s in batch)


def test_empty_text_is_neutral() -> None:
    assert sentiment("") == Sentiment("neutral", 0.0)
    assert sentiment_batch([]) == []


@pytest.mark.parametrize("bad", [None, 3.5, b"\xff\xfe bad", "x" * 11])
def test_bad_input_raises_text_input_error(bad: object) -> None:
    with pytest.raises(TextInputError):
        sentiment(bad, max_chars=10)  # type: ignore[arg-type]


def test_batch_rejects_a_single_string_and_bad_batch_size() -> None:
    with pytest.raises(TextInputError, match="single str"):
        sentiment_batch("một câu")  # type: ignore[arg-type]
    with pytest.raises(TextInputError, match="batch_size=0"):
        sentiment_batch(["a"], batch_size=0)
    with pytest.raises(TextInputError, match=r"texts\[1\]"):
        sentiment_batch(["ok", None])  # type: ignore[list-item]


def test_corrupt_model_file_raises_model_error(tmp_path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="bad.npz"):
        SentimentModel.load(bad)
    good = load_model()
    shapes = tmp_path / "shapes.npz"
    np.savez(
        shapes,
        weights=good.weights[:, :2],
        sq_scale=good.sq_scale,
        head_bias=good.head_bias,
        combine=good.combine,
        combine_bias=good.combine_bias,
        config=np.array(
            '{"n_buckets": 262144, "char_min": 1, "char_max": 5, "seeds": [1, 2, 3], '
            '"labels": ["negative", "neutral", "positive"]}'
        ),
    )
    with pytest.raises(ModelError, match="inconsistent"):
        SentimentModel.load(shapes)


def test_public_api() -> None:
    package = importlib.import_module("cxtext.sentiment")
    for name in ("sentiment", "sentiment_batch", "Sentiment"):
        assert name in cxtext.__all__
        assert name in package.__all__
        assert getattr(cxtext, name) is getattr(package, name)
