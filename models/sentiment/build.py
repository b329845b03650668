"""Verify the committed sentiment model (CI runs this through `make models`; it never trains).

Checks that ``manifest.json`` and the sha256 of ``sentiment.npz`` agree, that the file loads,
and that it labels a few unambiguous sentences correctly. To retrain (needs the data folder):

    python models/sentiment/train.py ../shared/data/vi-sentiment
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cxtext.sentiment import load_model, sentiment_batch  # noqa: E402

SMOKE = {
    "sản phẩm tuyệt vời, rất hài lòng": "positive",
    "san pham tuyet voi, rat hai long": "positive",
    "tệ quá, thất vọng hoàn toàn": "negative",
    "te qua, that vong hoan toan": "negative",
}


def main() -> int:
    model = load_model()
    got = [s.label for s in sentiment_batch(list(SMOKE), model=model)]
    wrong = [(t, want, g) for (t, want), g in zip(SMOKE.items(), got, strict=True) if g != want]
    if wrong:
        print(f"sentiment model fails its smoke test: {wrong}; retrain with train.py")
        return 1
    print(f"sentiment model ok ({model.config.n_buckets} buckets, {model.weights.shape[1]} heads)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
