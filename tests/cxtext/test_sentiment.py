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


def _block_matrices(texts: list[str], config: HashingConfig) -> list[sp.csr_matrix]:
    """Reference features per block: a feature index counts once per text, in its first block."""
    rows: list[list[dict[int, None]]] = [[{}, {}, {}] for _ in texts]
    hashes, doc_ids, blocks = hash_texts(texts, config)
    for h, d, b in zip(hashes.tolist(), doc_ids.tolist(), blocks.tolist(), strict=True):
        if not any(h in seen for seen in rows[d]):
            rows[d][b][h] = None
    out = []
    for b in range(3):
        lil = sp.lil_matrix((len(texts), config.n_buckets))
        for d, per_block in enumerate(rows):
            for h in per_block[b]:
                lil[d, h] = 1.0
        out.append(lil.tocsr())
    return out


@pytest.mark.parametrize(
    "head_blocks",
    [
        None,
        [[1, 1, 1], [0, 1, 1], [1, 0, 0], [0, 0, 1]],
        [[0, 1, 0], [1, 1, 0], [1, 0, 1], [0, 1, 1]],
    ],
)
def test_fused_scores_match_sparse_algebra(head_blocks: list[list[int]] | None) -> None:
    config = HashingConfig(n_buckets=1 << 6)  # small: collisions across blocks happen
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(config.n_buckets, 4)).astype(np.float32)
    sq = rng.uniform(0.1, 2.0, size=(config.n_buckets, 4)).astype(np.float32)
    blocks = np.ones((4, 3), np.uint8) if head_blocks is None else np.array(head_blocks, np.uint8)
    got = score_texts(TEXTS, config, weights, sq, None if head_blocks is None else blocks)
    per_block = _block_matrices(TEXTS, config)
    for c in range(4):
        x = sum(per_block[b] for b in range(3) if blocks[c, b])
        norm = np.sqrt(x @ sq[:, c].astype(np.float64))
        want = np.divide(
            x @ weights[:, c].astype(np.float64), norm, out=np.zeros_like(norm), where=norm > 0
        )
        np.testing.assert_allclose(got[:, c], want, rtol=1e-5, atol=1e-6)


def _tiny_model(tmp_path, *, with_hidden: bool, with_blocks: bool, **override: np.ndarray) -> str:
    rng = np.random.default_rng(1)
    n_buckets, n_heads, n_hidden = 1 << 8, 4, 6
    arrays = {
        "weights": rng.normal(size=(n_buckets, n_heads)).astype(np.float16),
        "sq_scale": rng.uniform(0.5, 2.0, size=(n_buckets, n_heads)).astype(np.float16),
        "head_bias": rng.normal(size=n_heads),
        "combine": rng.normal(size=(n_hidden if with_hidden else n_heads, 3)),
        "combine_bias": rng.normal(size=3),
        "config": np.array(
            f'{{"n_buckets": {n_buckets}, "char_min": 1, "char_max": 4, "seeds": [1, 2, 3], '
            '"labels": ["negative", "neutral", "positive"]}'
        ),
    }
    if with_hidden:
        arrays["hidden"] = rng.normal(size=(n_heads, n_hidden))
        arrays["hidden_bias"] = rng.normal(size=n_hidden)
    if with_blocks:
        arrays["head_blocks"] = np.array([[1, 1, 1], [0, 1, 1], [1, 0, 0], [0, 0, 1]], np.uint8)
    arrays.update(override)
    path = tmp_path / "tiny.npz"
    np.savez(path, **arrays)  # type: ignore[arg-type]
    return str(path)


@pytest.mark.parametrize(("hidden", "blocks"), [(False, False), (True, False), (True, True)])
def test_model_logits_follow_the_file_layout(tmp_path, hidden: bool, blocks: bool) -> None:
    model = SentimentModel.load(_tiny_model(tmp_path, with_hidden=hidden, with_blocks=blocks))
    texts = [t for t in TEXTS if t.strip()]
    head_blocks = model.head_blocks if blocks else None
    scores = score_texts(texts, model.config, model.weights, model.sq_scale, head_blocks)
    h = scores + model.head_bias
    if hidden:
        assert model.hidden is not None and model.hidden_bias is not None
        h = np.tanh(h @ model.hidden + model.hidden_bias)
    np.testing.assert_allclose(model.logits(texts), h @ model.combine + model.combine_bias)
    probs = model.probabilities(texts)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    if blocks:  # head 1 sees only the word blocks: not the same score as over all blocks
        plain = score_texts(["nhan vien"], model.config, model.weights, model.sq_scale)
        only = score_texts(["nhan vien"], model.config, model.weights, model.sq_scale, head_blocks)
        assert only[0, 1] != plain[0, 1]


@pytest.mark.parametrize(
    ("hidden", "override"),
    [
        (True, {"hidden_bias": np.zeros(5)}),  # hidden (4, 6) vs bias (5,)
        (True, {"combine": np.zeros((4, 3))}),  # combine must take the 6 hidden units
        (False, {"hidden": np.zeros((4, 6))}),  # hidden without its bias
        (False, {"head_blocks": np.ones((3, 3), np.uint8)}),  # one row per head
    ],
)
def test_inconsistent_hidden_layer_or_blocks_raise_model_error(
    tmp_path, hidden: bool, override: dict[str, np.ndarray]
) -> None:
    with pytest.raises(ModelError, match="inconsistent"):
        SentimentModel.load(
            _tiny_model(tmp_path, with_hidden=hidden, with_blocks=False, **override)
        )


def test_committed_model_is_the_blockwise_network() -> None:
    model = load_model()
    assert model.hidden is not None and model.head_blocks is not None
    assert model.head_blocks.shape == (model.weights.shape[1], 3)
    assert model.combine.shape == (model.hidden.shape[1], 3)


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
            f'{{"n_buckets": {good.config.n_buckets}, "char_min": 1, "char_max": 5, '
            '"seeds": [1, 2, 3], "labels": ["negative", "neutral", "positive"]}'
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
