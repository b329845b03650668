"""Brand-targeted sentiment on the hand-written social set (issue 20), against the whole-post peer.

    .venv/bin/python benchmarks/bench_social_sentiment.py [--repeat 3]

Data: ``tests/data/social_eval.jsonl`` (488 hand-written forum/news-comment posts, 585 labels
per brand) and ``tests/data/social_eval_variants.jsonl`` (6 context variants per post: 3
place/time prefixes, greeting, neutral emoji run, quoted line); see ``tests/data/SOCIAL_EVAL.md``.
A test set: nothing is tuned on it.

Two methods in the same run:

- ``brand``: :func:`cxtext.brand_sentiment_batch` (each brand its own label);
- ``whole``: the peer, what the crawler stored before: :func:`cxtext.sentiment_batch` on the
  whole post, the same label for every brand the post names.

Per method: per-brand label accuracy (a brand the method does not return counts as wrong),
macro-F1 over the three labels, net sentiment per brand ``(pos - neg) / n * 100`` predicted vs
true and whether its sign is right (brands with >= 9 labels), and per variant kind the share of
(variant, brand) pairs whose label equals the label of the bare post (invariance) and their
accuracy. Throughput: posts per second of CPU time on one core, best of ``--repeat``.

Prints one JSON document and writes benchmarks/results/social_sentiment.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT / "tests" / "data"
LABELS = ("negative", "neutral", "positive")
SIGN = {"negative": -1, "neutral": 0, "positive": 1}
MIN_LABELS_FOR_SIGN = 9


def load(posts_file: Path | None = None) -> tuple[list[dict], list[dict]]:
    """The test set and its variants, or ``posts_file`` with variants made the same way."""

    def read(path: Path) -> list[dict]:
        with path.open(encoding="utf-8") as f:
            return [json.loads(line) for line in f]

    if posts_file is None:
        return read(DATA / "social_eval.jsonl"), read(DATA / "social_eval_variants.jsonl")
    sys.path.insert(0, str(DATA))
    from make_social_variants import variants

    posts = read(posts_file)
    return posts, [v for p in posts for v in variants(p)]


def predict(method: str, texts: list[str]) -> list[dict[str, str]]:
    import cxtext

    if method == "brand":
        return [
            {b: s.label for b, s in found.items()} for found in cxtext.brand_sentiment_batch(texts)
        ]
    labels = [s.label for s in cxtext.sentiment_batch(texts)]
    return [
        {b: lab for b in dict.fromkeys(span.brand for span in cxtext.brands(t))}
        for t, lab in zip(texts, labels, strict=True)
    ]


def macro_f1(pairs: list[tuple[str, str | None]]) -> float:
    f1s = []
    for lab in LABELS:
        tp = sum(1 for g, p in pairs if g == lab and p == lab)
        fp = sum(1 for g, p in pairs if g != lab and p == lab)
        fn = sum(1 for g, p in pairs if g == lab and p != lab)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / len(f1s)


def score(posts: list[dict], variants: list[dict], method: str) -> dict[str, object]:
    bare = predict(method, [p["text"] for p in posts])
    pairs = [
        (g, pred.get(b))
        for p, pred in zip(posts, bare, strict=True)
        for b, g in p["labels"].items()
    ]
    by_brand: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for p, pred in zip(posts, bare, strict=True):
        for b, g in p["labels"].items():
            by_brand[b].append((g, pred.get(b)))
    net = {}
    for b, got in sorted(by_brand.items(), key=lambda kv: -len(kv[1])):
        true = 100 * sum(SIGN[g] for g, _ in got) / len(got)
        pred = 100 * sum(SIGN.get(p or "neutral", 0) for _, p in got) / len(got)
        row: dict[str, object] = {
            "n": len(got),
            "true": round(true, 1),
            "predicted": round(pred, 1),
        }
        row["accuracy"] = round(sum(g == p for g, p in got) / len(got), 3)
        if len(got) >= MIN_LABELS_FOR_SIGN:
            row["sign_right"] = (true > 0) == (pred > 0) and (true < 0) == (pred < 0)
        net[b] = row
    signed = [r for r in net.values() if "sign_right" in r]

    of = {p["id"]: (p, pred) for p, pred in zip(posts, bare, strict=True)}
    var_pred = predict(method, [v["text"] for v in variants])
    kinds: dict[str, dict[str, list[bool]]] = defaultdict(lambda: {"same": [], "right": []})
    for v, pred in zip(variants, var_pred, strict=True):
        post, bare_pred = of[v["of"]]
        for b, g in post["labels"].items():
            kinds[v["kind"]]["same"].append(pred.get(b) == bare_pred.get(b))
            kinds[v["kind"]]["right"].append(pred.get(b) == g)
    invariance = {
        k: {
            "pairs": len(d["same"]),
            "same_label_as_bare": round(sum(d["same"]) / len(d["same"]), 4),
            "accuracy": round(sum(d["right"]) / len(d["right"]), 4),
        }
        for k, d in kinds.items()
    }
    multi = [(g, p) for post, pred in zip(posts, bare, strict=True) if len(post["labels"]) > 1
             for b, g in post["labels"].items() for p in [pred.get(b)]]  # fmt: skip
    return {
        "labels": len(pairs),
        "accuracy": round(sum(g == p for g, p in pairs) / len(pairs), 4),
        "macro_f1": round(macro_f1(pairs), 4),
        "accuracy_multi_brand_posts": round(sum(g == p for g, p in multi) / len(multi), 4),
        "net_sign_right": f"{sum(bool(r['sign_right']) for r in signed)}/{len(signed)}",
        "net_sentiment": net,
        "invariance": invariance,
    }


def throughput(texts: list[str], method: str, repeat: int) -> float:
    predict(method, texts[:50])  # warm up: model load, numba compile
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        predict(method, texts)
        best = min(best, time.process_time() - t0)
    return len(texts) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--posts",
        type=Path,
        help="score this JSONL instead of the test set (models/sentiment/social_dev.jsonl is "
        "the development set that decisions may be tuned on); no results file is written",
    )
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    posts, variants = load(args.posts)
    data = str(args.posts) if args.posts else "hand-written social set (tests/data/SOCIAL_EVAL.md)"
    result: dict[str, object] = {"data": data}
    texts = [p["text"] for p in posts] + [v["text"] for v in variants]
    for method in ("brand", "whole"):
        result[method] = score(posts, variants, method)
        result[method]["posts_per_s_cpu"] = round(throughput(texts, method, args.repeat))  # type: ignore[index]
    result["load_average"] = os.getloadavg()[0]
    out = ROOT / "benchmarks" / "results" / "social_sentiment.json"
    if not args.posts:
        out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
