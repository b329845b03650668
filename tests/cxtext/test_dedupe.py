"""cxtext.dedupe: numba kernels agree with numpy; planted near-duplicates are found."""

from __future__ import annotations

import numpy as np
import pytest

from cxtext import TextInputError
from cxtext.dedupe import NearDuplicateIndex, _kernels, find_near_duplicates
from cxtext.dedupe._reference import band_keys_ref, lsh_insert_ref, minhash_signatures_ref

_SYLLABLES = [
    "mạng",
    "sóng",
    "yếu",
    "chậm",
    "quá",
    "gói",
    "cước",
    "tiền",
    "hóa",
    "đơn",
    "tổng",
    "đài",
    "nhân",
    "viên",
    "hỗ",
    "trợ",
    "lắp",
    "đặt",
    "wifi",
    "điện",
    "cúp",
    "khuyến",
    "mãi",
    "nạp",
    "thẻ",
    "sim",
    "số",
    "đẹp",
    "tốc",
    "độ",
    "internet",
    "truyền",
    "hình",
    "ứng",
    "dụng",
    "lỗi",
    "đăng",
    "ký",
    "hủy",
    "dịch",
    "vụ",
    "kỹ",
    "thuật",
    "hẹn",
    "giờ",
    "phút",
    "tháng",
    "năm",
    "ngày",
    "nhà",
    "tôi",
    "mình",
    "bạn",
    "anh",
    "chị",
    "em",
    "được",
    "không",
    "rồi",
    "nữa",
    "luôn",
    "thật",
    "sự",
    "rất",
    "tốt",
    "tệ",
    "vui",
    "buồn",
    "giận",
    "ổn",
    "lag",
    "rớt",
    "mất",
    "kết",
    "nối",
    "phủ",
    "vùng",
    "quê",
    "phố",
]


def _corpus(n: int, dup_rate: float, seed: int) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    vocab = [a + b for a in ("", "x", "tr", "ng", "kh") for b in _SYLLABLES]
    texts: list[str] = []
    source = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        if i > 10 and rng.random() < dup_rate:
            src = int(rng.integers(0, i))
            src = src if source[src] < 0 else int(source[src])
            words = texts[src].split()
            words[int(rng.integers(0, len(words)))] = str(rng.choice(vocab))  # one word changed
            extra = [" 😡😡", "!!!", " https://fb.com/x/1", ""][int(rng.integers(0, 4))]
            texts.append(" ".join(words).capitalize() + extra)
            source[i] = src
        else:
            texts.append(" ".join(rng.choice(vocab, size=int(rng.integers(12, 25)))))
    return texts, source


def test_minhash_kernel_agrees_with_numpy() -> None:
    rng = np.random.default_rng(0)
    parts = [
        bytes(rng.integers(32, 127, size=int(rng.integers(0, 40)), dtype=np.uint8))
        for _ in range(60)
    ]
    parts[:3] = [b"", b"ab", b"abcde"]  # empty, shorter than k, exactly k
    offsets = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in parts], out=offsets[1:])
    buf = np.frombuffer(b"".join(parts), dtype=np.uint8)
    a = rng.integers(1, 2**63, size=24, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=24, dtype=np.uint64)
    for k in (3, 5, 8):
        fast = _kernels.minhash_signatures(buf, offsets, a, b, k)
        slow = minhash_signatures_ref(buf, offsets, a, b, k)
        np.testing.assert_array_equal(fast, slow)
    assert (fast[0] == 0xFFFFFFFF).all() and len(np.unique(fast[3:], axis=0)) > 50


def test_band_keys_and_lsh_insert_agree_with_numpy() -> None:
    texts, _ = _corpus(400, 0.3, seed=1)
    index = NearDuplicateIndex(0.6, bands=10, rows=3, capacity=8)
    sigs = index.signatures(texts)
    keys = _kernels.band_keys(sigs, 10, 3)
    np.testing.assert_array_equal(keys, band_keys_ref(sigs, 10, 3))
    table_keys = np.zeros(1 << 14, dtype=np.uint64)
    table_vals = np.zeros(1 << 14, dtype=np.int32)
    fast, inserted = _kernels.lsh_insert(sigs, keys, 0, sigs, table_keys, table_vals, 0.6)
    np.testing.assert_array_equal(fast, lsh_insert_ref(sigs, keys, 0.6))
    assert inserted == int((table_keys != 0).sum()) and (fast >= 0).sum() > 50
    grown_keys, grown_vals = _kernels.rehash(table_keys, table_vals, 1 << 15)
    assert sorted(grown_keys[grown_keys != 0]) == sorted(table_keys[table_keys != 0])


def test_planted_near_duplicates_recall_and_precision() -> None:
    texts, source = _corpus(6000, 0.1, seed=2)
    found = find_near_duplicates(texts)
    planted = np.flatnonzero(source >= 0)

    def root(i: int) -> int:
        return i if source[i] < 0 else int(source[i])

    hits = [found[i] is not None and root(found[i]) == root(i) for i in planted]
    reported = [i for i, m in enumerate(found) if m is not None]
    correct = [root(found[i]) == root(i) for i in reported]  # type: ignore[arg-type]
    assert len(planted) > 500
    assert np.mean(hits) >= 0.95
    assert np.mean(correct) >= 0.99
    assert all(m is None or m < i for i, m in enumerate(found))


def test_index_add_returns_the_earlier_key_and_grows() -> None:
    index = NearDuplicateIndex(capacity=2)  # forces signature and table growth
    assert index.add("p1", "Mạng Viettel chậm quá mọi người ơi, ai bị giống mình không") is None
    assert index.add("p2", "Hôm nay trời đẹp, đi chơi thôi") is None
    assert index.add("p3", "mang viettel cham qua moi nguoi oi ai bi giong minh ko 😡😡") == "p1"
    assert index.add("p4", "Hom nay troi dep, di choi thoi!!! https://fb.com/abc") == "p2"
    texts, _ = _corpus(3000, 0.0, seed=3)
    assert index.add_many([f"k{i}" for i in range(3000)], texts).count(None) >= 2990
    assert len(index) == 3004


def test_empty_and_emoji_only_texts() -> None:
    assert find_near_duplicates(["", "", "😡", "😡😡", "ok"]) == [None, 0, None, 2, None]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"threshold": 0.0}, "threshold=0.0"),
        ({"threshold": 1.5}, "threshold=1.5"),
        ({"bands": 0}, "bands=0"),
        ({"shingle": 9}, r"shingle=9 must be an integer in \[1, 8\]"),
    ],
)
def test_bad_parameters(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(TextInputError, match=match):
        NearDuplicateIndex(**kwargs)  # type: ignore[arg-type]


def test_bad_texts() -> None:
    index = NearDuplicateIndex()
    with pytest.raises(TextInputError, match="text=None"):
        index.add("k", None)  # type: ignore[arg-type]
    with pytest.raises(TextInputError, match="2 keys for 1 texts"):
        index.add_many(["a", "b"], ["x"])
