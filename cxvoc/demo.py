"""``python -m cxvoc.demo``: the README's main job on bundled demo data.

Writes synthetic sample records into the default DuckDB store and prints what it holds.
"""

from __future__ import annotations

import argparse

from .sample import sample_records
from .store import open_store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="voc.duckdb", help="store URL (default: voc.duckdb)")
    parser.add_argument("-n", type=int, default=2000, help="number of sample records")
    args = parser.parse_args(argv)
    with open_store(args.out) as store:
        written = store.upsert(sample_records(args.n, seed=7))
        stats = store.stats()
    print(f"wrote {written:,} sample records into {args.out}; the store holds {stats.total:,}")
    for key in ("by_source", "by_brand", "by_sentiment"):
        print(f"  {key}: " + ", ".join(f"{k}={v}" for k, v in getattr(stats, key).items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
