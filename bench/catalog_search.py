"""Procedure search on a province-sized catalog: index build time and query latency.

Copies the demo catalog N times under new codes (default 24 copies ≈ 2,000 procedures, about
a province's commune + province catalog), then runs a fixed set of queries many times.
"""

import argparse
import copy
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = [
    "khai sinh",
    "chung thuc ban sao",
    "dang ky ket hon",
    "ket hom",
    "ho kinh doanh",
    "cap giay phep xay dung",
    "tro cap xa hoi",
    "dang ky khai si",
    "trich luc ho tich",
    "xyzxyz",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    if "DATABASE_URL" not in os.environ:
        os.environ["MOTCUA_VAR_DIR"] = tempfile.mkdtemp(prefix="motcua-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.conf.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from motcua.catalog import search
    from motcua.catalog.selectors import procedure_list
    from motcua.catalog.services import procedure_import

    call_command("migrate", verbosity=0)
    base = json.loads((ROOT / "src/motcua/catalog/data/procedures-demo.json").read_text())
    records = []
    for n in range(args.copies):
        for record in base:
            clone = copy.deepcopy(record)
            clone["MATTHC"] = f"{record['MATTHC']}.{n:03d}"
            records.append(clone)
    started = time.perf_counter()
    procedure_import(actor=None, records=records)
    import_seconds = time.perf_counter() - started

    search._cache.clear()
    started = time.perf_counter()
    procedure_list(q="khai sinh")
    first_query_ms = (time.perf_counter() - started) * 1000

    rows = []
    for query in QUERIES:
        samples = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            procedure_list(q=query)
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        rows.append(
            (
                query,
                statistics.median(samples),
                samples[int(len(samples) * 0.99) - 1],
                len(procedure_list(q=query)[1]),
            )
        )
    from django.db import connection

    print(
        f"\nCatalog search — {len(records)} procedures, {connection.vendor}, {args.rounds} rounds per query"
    )
    print(
        f"Import: {import_seconds:.1f} s; first query (builds the index): {first_query_ms:.0f} ms\n"
    )
    print("| query | p50 ms | p99 ms | hits |")
    print("|---|---:|---:|---:|")
    for query, p50, p99, hits in rows:
        print(f"| {query} | {p50:.1f} | {p99:.1f} | {hits} |")


if __name__ == "__main__":
    main()
