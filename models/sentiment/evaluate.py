"""Evaluate the committed sentiment model on the held-out dev splits; prints JSON.

    python models/sentiment/evaluate.py ../shared/data/vi-sentiment

- ``vlsp_macro_f1``: VLSP 2016, the 15% stratified dev split (seed in ``data.py``), 3 classes;
- ``vlsp_stripped_macro_f1``: the same texts with their diacritics stripped, and the drop;
- ``aivivn_neg_accuracy``: AIVIVN 2019 dev split, negative vs not-negative accuracy.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sklearn.metrics import accuracy_score, f1_score

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from data import load_aivivn, load_vlsp, strip_diacritics  # noqa: E402

import cxtext  # noqa: E402


def evaluate(data_dir: Path) -> dict[str, object]:
    vlsp = load_vlsp(data_dir)
    aivivn = load_aivivn(data_dir)

    def labels(texts: list[str]) -> list[str]:
        return [s.label for s in cxtext.sentiment_batch(texts)]

    f1 = f1_score(vlsp.dev_labels, labels(vlsp.dev_texts), average="macro")
    stripped = [strip_diacritics(t) for t in vlsp.dev_texts]
    f1_stripped = f1_score(vlsp.dev_labels, labels(stripped), average="macro")
    neg_pred = [lab == "negative" for lab in labels(aivivn.dev_texts)]
    neg_gold = [lab == "negative" for lab in aivivn.dev_labels]
    return {
        "vlsp_dev_size": len(vlsp.dev_texts),
        "vlsp_macro_f1": round(float(f1), 4),
        "vlsp_stripped_macro_f1": round(float(f1_stripped), 4),
        "vlsp_stripped_drop": round(float(f1 - f1_stripped), 4),
        "aivivn_dev_size": len(aivivn.dev_texts),
        "aivivn_neg_accuracy": round(float(accuracy_score(neg_gold, neg_pred)), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path, help="folder with the vi-sentiment data files")
    args = parser.parse_args()
    print(json.dumps(evaluate(args.data_dir), indent=2))


if __name__ == "__main__":
    main()
