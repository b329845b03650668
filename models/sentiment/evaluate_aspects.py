"""Evaluate ``cxtext.aspects`` on UIT-ViSD4SA dev and on the telecom test set; prints JSON.

    python models/sentiment/evaluate_aspects.py ../shared/data/vi-sentiment

UIT-ViSD4SA (smartphone reviews, 10 aspects) uses the mechanism with the ``smartphone``
lexicon; a sentence's gold is its set of (aspect, polarity) from the labelled spans (an aspect
with spans of two polarities counts as the polarity of its longest span). Reported:
aspect-detection micro precision/recall/F1 over (sentence, aspect) pairs, and aspect-sentiment
accuracy over the correctly detected pairs. The telecom set is ``tests/data/aspects_telecom.jsonl``
with the default lexicon.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from data import UIT_DEV_FILE, load_uit  # noqa: E402

import cxtext  # noqa: E402
from cxtext.aspects import default_aspect_lexicon  # noqa: E402


def score(pairs: list[tuple[dict[str, str], dict[str, str]]]) -> dict[str, float]:
    """Micro P/R/F1 of aspect detection and polarity accuracy over (gold, predicted) dicts."""
    tp = fp = fn = right = 0
    for gold, pred in pairs:
        both = gold.keys() & pred.keys()
        tp += len(both)
        fp += len(pred.keys() - gold.keys())
        fn += len(gold.keys() - pred.keys())
        right += sum(gold[a] == pred[a] for a in both)
    precision = tp / max(tp + fp, 1)
    recall = tp / max(tp + fn, 1)
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / max(precision + recall, 1e-12), 4),
        "polarity_accuracy": round(right / max(tp, 1), 4),
    }


def uit_gold(row: dict) -> dict[str, str]:
    longest: dict[str, tuple[int, str]] = {}
    for start, end, tag in row["labels"]:
        aspect, polarity = tag.split("#")
        aspect = aspect.lower().replace("&", "_")  # SER&ACC -> ser_acc, the lexicon's ids
        if end - start > longest.get(aspect, (-1, ""))[0]:
            longest[aspect] = (end - start, polarity.lower())
    return {a: p for a, (_, p) in longest.items()}


def evaluate(data_dir: Path) -> dict[str, object]:
    smartphone = default_aspect_lexicon("smartphone")
    rows = load_uit(data_dir / UIT_DEV_FILE)
    uit_pairs = [
        (uit_gold(r), {a.aspect: a.label for a in cxtext.aspects(r["text"], lexicon=smartphone)})
        for r in rows
    ]
    telecom_rows = [
        json.loads(line)
        for line in (ROOT / "tests/data/aspects_telecom.jsonl").read_text("utf-8").splitlines()
    ]
    telecom_pairs = [
        (
            {g["aspect"]: g["label"] for g in r["aspects"]},
            {a.aspect: a.label for a in cxtext.aspects(r["text"])},
        )
        for r in telecom_rows
    ]
    return {
        "uit_visd4sa_dev": {"sentences": len(rows), **score(uit_pairs)},
        "telecom_test_set": {"sentences": len(telecom_rows), **score(telecom_pairs)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path, help="folder with the vi-sentiment data files")
    args = parser.parse_args()
    print(json.dumps(evaluate(args.data_dir), indent=2))


if __name__ == "__main__":
    main()
