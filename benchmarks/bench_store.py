"""Store write throughput: 100,000 records into DuckDB, PostgreSQL and Parquet, side by side.

Each backend runs in its own subprocess so peak memory (ru_maxrss) is per backend.
Target (issue 2): DuckDB under 5 s for 100,000 records, peak memory under 500 MB.

    .venv/bin/python benchmarks/bench_store.py [--n 100000] [--postgres URL]

Prints one JSON line per backend and writes benchmarks/results/store.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _child(backend: str, url: str, n: int) -> dict[str, object]:
    from cxvoc import open_store
    from cxvoc.sample import sample_records

    gen_s = 0.0

    def timed(source):  # records are generated and validated while streaming into the store
        nonlocal gen_s
        it = iter(source)
        while True:
            t = time.perf_counter()
            try:
                record = next(it)
            except StopIteration:
                return
            gen_s += time.perf_counter() - t
            yield record

    t0 = time.perf_counter()
    with open_store(url) as store:
        store.upsert(timed(sample_records(n, seed=3)), batch_size=10_000)
    total_s = time.perf_counter() - t0  # parquet: the file is written on close, inside this span
    with open_store(url) as store:
        count = store.count()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    write_s = total_s - gen_s
    return {
        "backend": backend, "records": n, "stored": count, "generate_validate_s": round(gen_s, 3),
        "write_s": round(write_s, 3), "records_per_s": round(n / write_s),
        "end_to_end_s": round(total_s, 3), "peak_rss_mb": round(peak_mb, 1),
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("CX_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test"),
    )
    parser.add_argument("--child", nargs=2, metavar=("BACKEND", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child[0], args.child[1], args.n)))
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="cx-bench-store-"))
    schema = f"cxbench_{uuid.uuid4().hex[:8]}"
    targets = {
        "duckdb": str(tmp / "voc.duckdb"),
        "postgres": f"{args.postgres}?schema={schema}",
        "parquet": str(tmp / "voc.parquet"),
    }
    results = []
    for backend, url in targets.items():
        proc = subprocess.run(
            [sys.executable, __file__, "--n", str(args.n), "--child", backend, url],
            capture_output=True, text=True, cwd=ROOT,
        )  # fmt: skip
        if proc.returncode != 0:
            result = {"backend": backend, "error": proc.stderr.strip().splitlines()[-1:]}
        else:
            result = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(result)
        print(json.dumps(result))
    try:
        import psycopg

        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    except Exception:  # noqa: BLE001 - cleanup only
        pass
    duck = next(r for r in results if r["backend"] == "duckdb")
    summary = {
        "benchmark": "store_write",
        "machine": f"{platform.machine()} {os.cpu_count()} cpus",
        "results": results,
        "duckdb_target_met": bool(duck.get("write_s", 99) < 5 and duck.get("peak_rss_mb", 1e9) < 500),
        "ratios_vs_duckdb": {
            r["backend"]: round(r["records_per_s"] / duck["records_per_s"], 2)
            for r in results if "records_per_s" in r and "records_per_s" in duck
        },
    }  # fmt: skip
    print(json.dumps(summary))
    out = ROOT / "benchmarks" / "results" / "store.json"
    out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
