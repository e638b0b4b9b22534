"""Mapping a million Get Product bodies to parquet: products/s and peak RSS.

Builds a scratch run folder (emulator bodies, see `_common.make_run`), then times
`tiktok_import.mapping.map_run` in a fresh interpreter and reads its peak RSS
from `resource.getrusage`.

    .venv/bin/python bench/mapping.py [--products 1000000] [--unique 20000]
"""

from __future__ import annotations

import argparse
import time

from _common import child_peak_rss_mb, make_run, save, scratch

# Where the time goes, each phase alone in a fresh interpreter: decompressing
# the raw file; decompressing and decoding the JSON against the schema (what
# map_run reads with); the rest of map_run is shaping and writing the tables.
PHASES = """
import time
from pathlib import Path
from tiktok_import.mapping import _BLOCK_BYTES, _blocks, _parsed_blocks
from tiktok_import.mapping import parse_product_bodies
path = Path({run!r}) / "raw" / "products.jsonl.gz"
started = time.perf_counter()
size = sum(len(block) for block in _blocks(path, _BLOCK_BYTES))
gunzip = time.perf_counter() - started
started = time.perf_counter()
rows = sum(frame.height for frame in _parsed_blocks(path, parse_product_bodies))
decode = time.perf_counter() - started
print("PHASES", gunzip, decode, size, rows)
"""

CHILD = """
import time
import polars as pl
from tiktok_import.mapping import map_run
started = time.perf_counter()
products, skus = map_run({run!r})
seconds = time.perf_counter() - started
rows = [table.select(pl.len()).collect().item() for table in (products, skus)]
print("SECONDS", seconds, *rows)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--unique", type=int, default=20_000)
    args = parser.parse_args()
    with scratch("bench-map-") as folder:
        started = time.perf_counter()
        run = make_run(folder, args.products, args.unique)
        built = time.perf_counter() - started
        raw_mb = (run / "raw" / "products.jsonl.gz").stat().st_size / 2**20
        peak, out = child_peak_rss_mb(CHILD.format(run=str(run)))
        _, phases = child_peak_rss_mb(PHASES.format(run=str(run)))
    line = next(x for x in out.splitlines() if x.startswith("SECONDS"))
    _, seconds, products, skus = line.split()
    seconds = float(seconds)
    _, gunzip, decode, json_bytes, _ = phases.split()
    save(
        "mapping",
        {
            "command": "bench/mapping.py",
            "products": int(products),
            "skus": int(skus),
            "raw_gz_mb": round(raw_mb, 1),
            "build_seconds": round(built, 1),
            "map_seconds": round(seconds, 2),
            "products_per_second": round(int(products) / seconds),
            "peak_rss_mb": peak,
            "json_mb": round(int(json_bytes) / 2**20),
            "gunzip_seconds": round(float(gunzip), 2),
            "gunzip_and_decode_seconds": round(float(decode), 2),
        },
    )


if __name__ == "__main__":
    main()
