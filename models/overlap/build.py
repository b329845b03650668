"""Verify the committed overlap detector (CI runs this through `make models`; it never trains).

Checks that ``manifest.json`` and the sha256 of ``overlap.npz`` agree, that the file loads with
the features this code computes, and that it tells two voices from one on two feature rows that
leave no doubt. To retrain (about 25 minutes on 2 cores, synthetic calls only):

    .venv/bin/python models/overlap/train.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cxaudio.diarization._overlap_model import FEATURE_NAMES, load_overlap_model  # noqa: E402


def _row(**values: float) -> np.ndarray:
    row = np.zeros(len(FEATURE_NAMES), np.float32)
    for name, v in values.items():
        row[FEATURE_NAMES.index(name)] = v
    return row


def main() -> int:
    model = load_overlap_model()
    # mid-stretch speech the pair models lose by 20 nats everywhere; the same, won by 10 nats,
    # with the first pass switching speakers and both passes marking a pair all around
    margins = {f"margin_{w}": m for w in (1, 9, 31, 101, 301) for m in [0.0]}
    one = _row(**{k: -2.0 for k in margins}, pause_before=0.7, pause_after=0.7, stretch=0.9)
    two = _row(
        **{k: 1.0 for k in margins},
        switches_51=1.0,
        pair_31=1.0,
        pair_101=0.8,
        pitch_separation=0.8,
        pitch_other_31=0.6,
        pitch_switches_51=0.8,
        pause_before=0.7,
        pause_after=0.7,
        stretch=0.9,
    )
    p_one, p_two = model.probability(np.stack([one, two]))
    if not (p_one < 0.1 and p_two > 0.9):
        print(f"overlap model fails its smoke test (p one voice {p_one:.3f}, two {p_two:.3f})")
        return 1
    print(f"overlap model ok ({len(FEATURE_NAMES)} features, {model.w1.shape[1]} hidden units)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
