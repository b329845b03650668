"""Loading the labelled Vietnamese sentiment data and carving the seeded dev splits.

Shared by ``train.py`` and ``evaluate.py`` so that both see exactly the same split. The data
folder (``../shared/data/vi-sentiment``, see its README.md) is an argument and never committed.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sklearn.model_selection import train_test_split

LABELS = ("negative", "neutral", "positive")
SEED = 2016
DEV_FRACTION = 0.15
VLSP_FILE = "vlsp2016-train.tsv"
AIVIVN_FILE = "aivivn2019-train.csv"
UIT_TRAIN_FILE = "uit-visd4sa-train.jsonl"
UIT_DEV_FILE = "uit-visd4sa-dev.jsonl"


@dataclass(frozen=True)
class Split:
    train_texts: list[str]
    train_labels: list[str]
    dev_texts: list[str]
    dev_labels: list[str]


def strip_diacritics(text: str) -> str:
    """``text`` as typed without diacritics (``Điện thoại`` → ``Dien thoai``)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    )


def _split(texts: list[str], labels: list[str]) -> Split:
    tr_x, dv_x, tr_y, dv_y = train_test_split(
        texts, labels, test_size=DEV_FRACTION, random_state=SEED, stratify=labels
    )
    return Split(list(tr_x), list(tr_y), list(dv_x), list(dv_y))


def load_vlsp(folder: Path) -> Split:
    """VLSP 2016 (3 classes), split 85/15 stratified with :data:`SEED`."""
    path = folder / VLSP_FILE
    mapping = {"-1": "negative", "0": "neutral", "1": "positive"}
    texts, labels = [], []
    with open(path, encoding="utf-8") as fh:
        next(fh)
        for line_no, line in enumerate(fh, start=2):
            cls, sep, text = line.rstrip("\n").partition("\t")
            if not sep or cls not in mapping:
                raise ValueError(f"{path}:{line_no}: expected 'Class<TAB>Data', got {line[:60]!r}")
            texts.append(text)
            labels.append(mapping[cls])
    return _split(texts, labels)


def load_aivivn(folder: Path) -> Split:
    """AIVIVN 2019 (positive/negative), split 85/15 stratified with :data:`SEED`."""
    path = folder / AIVIVN_FILE
    mapping = {"0": "positive", "1": "negative"}
    texts, labels = [], []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            label = mapping.get(row["mapped_rating"].strip())
            if label is None or not row["discriptions"].strip():
                continue
            texts.append(row["discriptions"])
            labels.append(label)
    return _split(texts, labels)


def load_uit(path: Path) -> list[dict]:
    """UIT-ViSD4SA rows ``{"text", "labels": [[start, end, "ASPECT#POLARITY"], ...]}``."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def uit_sentence_labels(rows: list[dict]) -> tuple[list[str], list[str]]:
    """Sentences whose aspect spans all share one polarity, with that polarity as the label."""
    texts, labels = [], []
    for row in rows:
        polarities = {span[2].split("#")[1].lower() for span in row["labels"]}
        if len(polarities) == 1:
            texts.append(row["text"])
            labels.append(polarities.pop())
    return texts, labels
