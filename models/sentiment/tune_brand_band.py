"""Choose ``cxtext.targeted.MODEL_NEUTRAL_BAND`` on the social development set only.

    .venv/bin/python models/sentiment/tune_brand_band.py [--posts models/sentiment/social_dev.jsonl]

Where no opinion-lexicon word fires, :func:`cxtext.brand_sentiment` labels a brand polar only
when the model's score reaches ``±band``. This script scores the development posts (never the
test set ``tests/data/social_eval.jsonl``) over a grid on the declared range and prints, per
band, per-brand accuracy, accuracy on the brands decided by the model alone, and the
context-variant invariance; the band chosen is the one of best accuracy (ties: the smallest
band, the least change from the model's own reading). ``argmax`` is the model's own label, the
rule before the band, for the ablation.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "data"))

from make_social_variants import variants  # noqa: E402

import cxtext  # noqa: E402
from cxtext import targeted  # noqa: E402
from cxtext.aspects import default_opinion_lexicon  # noqa: E402
from cxtext.sentiment import _results, load_model  # noqa: E402

DEV = ROOT / "models" / "sentiment" / "social_dev.jsonl"


def evaluate(posts: list[dict], var: list[dict], band: float | None) -> dict[str, float]:
    """Accuracy, model-only accuracy and invariance at ``band`` (None: the model's argmax)."""

    def run(texts: list[str]) -> list[dict[str, str]]:
        found = cxtext.brand_sentiment_batch(texts, neutral_band=band or 0.05)
        if band is None:  # the model's argmax where no lexicon word fires (the rule before)
            model = load_model()
            out = []
            for text, res in zip(texts, found, strict=True):
                plan = targeted._plan(text, None, default_opinion_lexicon())
                labels = {b: s.label for b, s in res.items()}
                for name, clause_text, polar in plan:
                    if not polar:
                        probs = model.probabilities([clause_text])
                        labels[name] = _results([clause_text], probs, model.labels)[0].label
                out.append(labels)
            return out
        return [{b: s.label for b, s in res.items()} for res in found]

    bare = run([p["text"] for p in posts])
    opinions = default_opinion_lexicon()
    pairs, model_only = [], []
    for p, pred in zip(posts, bare, strict=True):
        polar = {name: bool(w) for name, _, w in targeted._plan(p["text"], None, opinions)}
        for b, gold in p["labels"].items():
            pairs.append(pred.get(b) == gold)
            if not polar.get(b, False):
                model_only.append(pred.get(b) == gold)
    of = {p["id"]: (p, pred) for p, pred in zip(posts, bare, strict=True)}
    same = []
    for v, pred in zip(var, run([v["text"] for v in var]), strict=True):
        post, bare_pred = of[v["of"]]
        same.extend(pred.get(b) == bare_pred.get(b) for b in post["labels"])
    return {
        "accuracy": round(sum(pairs) / len(pairs), 4),
        "model_only_accuracy": round(sum(model_only) / len(model_only), 4),
        "model_only_labels": len(model_only),
        "invariance": round(sum(same) / len(same), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=Path, default=DEV)
    args = parser.parse_args()
    if args.posts.resolve().parent == (ROOT / "tests" / "data").resolve():
        raise SystemExit(f"{args.posts}: the test set is never used to choose a parameter")
    with args.posts.open(encoding="utf-8") as f:
        posts = [json.loads(line) for line in f]
    var = [v for p in posts for v in variants(p)]
    low, high = targeted.MODEL_NEUTRAL_BAND_RANGE
    grid = [round(low + 0.05 * i, 2) for i in range(round((high - low) / 0.05) + 1)]
    rows = {"argmax": evaluate(posts, var, None)}
    for band in grid:
        rows[f"{band:.2f}"] = evaluate(posts, var, band)
    best = max(grid, key=lambda b: (rows[f"{b:.2f}"]["accuracy"], -b))
    print(json.dumps({"data": str(args.posts), "labels": sum(len(p["labels"]) for p in posts),
                      "bands": rows, "chosen": best,
                      "current": targeted.MODEL_NEUTRAL_BAND}, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
