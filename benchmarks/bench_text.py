"""Throughput of cxtext.normalize (+ sentiment when available) vs underthesea.word_tokenize.

Target (issue 5): normalize + sentiment >= 5,000 texts/s on one core for 50-word texts. The
texts are realistic synthetic Vietnamese social posts about telecom and utility services
(seeded): clauses customers write, with teencode, missing diacritics, emoji and emoticons,
repeated letters, prices, package codes, links and mentions, cut to 50 words. The peer in the
same run is underthesea's own ``word_tokenize`` on the same texts (measured on a subset because
it is slow). ``cxtext.sentiment_batch`` is measured when the package provides it.

    .venv/bin/python benchmarks/bench_text.py [--n 20000] [--peer-n 500]

Prints one JSON line and writes benchmarks/results/text.json. Pinned to one core
(os.sched_setaffinity) and with BLAS/ONNX threads set to 1. Rates are texts per second of CPU
time (``*_texts_per_s``: what one core does, stable on a shared machine) and of wall time
(``*_wall_texts_per_s``), best of repeated runs; the machine's load average is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLAUSES = [
    "mạng Viettel dạo này chán quá", "4G chập chờn suốt cả tuần nay", "gọi tổng đài mãi không ai nghe máy",
    "nhân viên tư vấn nhiệt tình lắm", "cảm ơn bạn kỹ thuật đã hỗ trợ tận nơi", "wifi nhà mình rớt liên tục",
    "hóa đơn tháng này tăng vô lý", "bị trừ tiền mà không biết vì sao", "đăng ký gói ST90 xong vẫn bị trừ cước",
    "gói V120 giá 120k dùng ổn", "khuyến mãi nạp thẻ 50% quá ngon", "sóng ở quê yếu lắm luôn",
    "lắp mạng FPT hẹn ba ngày chưa thấy ai tới", "internet buổi tối chậm như rùa", "xem phim toàn bị giật",
    "điện cúp từ sáng tới giờ chưa có lại", "EVN báo lịch cúp điện mà không đúng giờ", "tiền điện tháng 7 cao gấp đôi",
    "app My Viettel lỗi không đăng nhập được", "chuyển mạng giữ số qua Mobi cho rồi", "vinaphone sóng khỏe hơn hẳn",
    "nạp 100k mà chỉ được cộng 50k", "gọi 18008098 chờ 15 phút", "chị nhân viên ở cửa hàng rất dễ thương",
    "đang dùng cáp quang 300Mbps mà test có 20", "modem nóng quá phải tắt đi bật lại", "ai biết cách hủy gói cước này không",
    "mình ở quận 7 có ai bị giống không", "tư vấn viên trả lời cộc lốc", "xử lý khiếu nại nhanh gọn",
    "ra điểm giao dịch chờ cả tiếng đồng hồ", "data 5G ngốn tiền ghê", "từ hôm 12/10/2026 tới giờ vẫn vậy",
    "mạng yếu mà giá thì cứ tăng", "dịch vụ chăm sóc khách hàng quá tệ", "rất hài lòng với chất lượng",
    "sẽ giới thiệu cho bạn bè dùng", "chắc phải đổi nhà mạng thôi", "không hiểu sao nhắn tin không gửi được",
    "gói MAX200 dùng thoải mái", "truyền hình K+ hay bị mất tín hiệu", "nước máy mấy hôm nay đục",
    "bạn nào có số tổng đài kỹ thuật không", "thái độ phục vụ chuyên nghiệp", "cước roaming đắt kinh khủng",
]  # fmt: skip
TEEN = {"không": ["ko", "k", "hông", "kh"], "được": ["dc", "đc"], "với": ["vs"], "rồi": ["r", "rùi"],
        "gì": ["j"], "quá": ["wa", "quáaaa", "qá"], "mọi người": ["mn"], "biết": ["bít", "bik"],
        "vậy": ["v", "z"], "luôn": ["lun"], "thôi": ["thui"], "nhiều": ["nhìu"]}  # fmt: skip
EXTRAS = ["😡", "😡😡😡", "👍", ":))", ":(", "=))", "😭", "❤️", "🤬", "!!!", "???", "huhu", "kkk",
          "@Viettel", "#mangyeu", "https://fb.com/groups/123/posts/456", "sdt 0912 345 678"]  # fmt: skip


def generate(n: int, words: int = 50, seed: int = 7) -> list[str]:
    from cxtext import strip_diacritics

    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        parts: list[str] = []
        count = 0
        while count < words:
            clause = rng.choice(CLAUSES)
            if rng.random() < 0.5:
                for word, forms in TEEN.items():
                    if word in clause and rng.random() < 0.6:
                        clause = clause.replace(word, rng.choice(forms))
            if rng.random() < 0.3:
                clause += " " + rng.choice(EXTRAS)
            parts.append(clause + rng.choice([",", ".", "", " ", "..."]))
            count += len(clause.split())
        text = " ".join(" ".join(parts).split()[:words])
        if rng.random() < 0.25:
            text = strip_diacritics(text)
        if rng.random() < 0.3:
            text = text.capitalize()
        texts.append(text)
    return texts


def _rate(fn, items, repeat: int = 1) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Texts per second of CPU time (what one core does, even on a busy machine) and of wall
    time, best of ``repeat`` runs."""
    best_cpu = best_wall = float("inf")
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        fn(items)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return len(items) / best_cpu, len(items) / best_wall


def run(n: int, peer_n: int) -> dict[str, object]:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    import cxtext
    from cxtext import normalize, word_tokenize

    texts = generate(n)
    words_per_text = sum(len(t.split()) for t in texts) / len(texts)
    result: dict[str, object] = {
        "benchmark": "text",
        "texts": n,
        "words_per_text": round(words_per_text, 1),
    }

    normalize(texts[0])  # lexicons loaded outside the timing
    cold, _ = _rate(lambda xs: [normalize(x) for x in xs], texts)  # token cache fills here
    warm, warm_wall = _rate(lambda xs: [normalize(x) for x in xs], texts, repeat=3)
    result["normalize_cold_texts_per_s"] = round(cold)
    result["normalize_texts_per_s"] = round(warm)
    result["normalize_wall_texts_per_s"] = round(warm_wall)

    for name, fn in (("mask_pii", cxtext.mask_pii), ("brands", cxtext.brands)):
        rate, _ = _rate(lambda xs, fn=fn: [fn(x) for x in xs], texts, repeat=2)
        result[f"{name}_texts_per_s"] = round(rate)

    sentiment_batch = getattr(cxtext, "sentiment_batch", None)
    if sentiment_batch is not None:
        sentiment_batch(texts[:64])  # model loaded and kernels compiled outside the timing
        # sentiment_batch normalizes each text itself: raw texts in = normalize + sentiment
        both, both_wall = _rate(
            lambda xs: [sentiment_batch(xs[i : i + 1024]) for i in range(0, len(xs), 1024)],
            texts,
            repeat=2,
        )
        result["normalize_plus_sentiment_texts_per_s"] = round(both)
        result["normalize_plus_sentiment_wall_texts_per_s"] = round(both_wall)
        result["note"] = "cxtext.sentiment_batch on raw texts (it normalizes), batches of 1024"
    else:
        result["normalize_plus_sentiment_texts_per_s"] = None
        result["note"] = "cxtext.sentiment_batch not available yet: normalize alone measured"

    subset = texts[:peer_n]
    word_tokenize(subset[0])  # loads underthesea's model outside the timing
    peer, peer_wall = _rate(lambda xs: [word_tokenize(x) for x in xs], subset)
    result["peer_underthesea_word_tokenize_texts_per_s"] = round(peer, 1)
    result["peer_underthesea_wall_texts_per_s"] = round(peer_wall, 1)
    result["peer_texts"] = len(subset)
    headline = result["normalize_plus_sentiment_texts_per_s"] or warm
    result["speedup_vs_underthesea"] = round(float(headline) / peer, 1)  # type: ignore[arg-type]
    result["target_texts_per_s"] = 5000
    result["meets_target"] = bool(sentiment_batch is not None and float(headline) >= 5000)  # type: ignore[arg-type]
    result["load_average_1m"] = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    result["machine"] = f"{platform.machine()} {os.cpu_count()} cpus, pinned to 1"
    result["python"] = platform.python_version()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--peer-n", type=int, default=500)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/text.json")
    args = parser.parse_args()
    result = run(args.n, args.peer_n)
    print(json.dumps(result, ensure_ascii=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
