"""Throttled efficiency: products/s under a Q requests/s ceiling, against the bound.

The emulator (its own process) throttles at Q requests/s and our client's ceiling
is Q. Search only, the bound is Q x 100 products/s (100 per page); with details it
is Q x N / (pages + N), about Q products/s. Efficiency = achieved / bound, where
achieved counts the whole import (token, shop, window probes, retries included).

    .venv/bin/python bench/throttled.py [--rates 5,20,50] [--seconds 30]
"""

from __future__ import annotations

import argparse
import logging
import math

from _common import EmulatorProcess, save, scratch

from tiktok_import.importer import ImportConfig, run_import


def one_point(rate: float, details: bool, seconds: float, workers: int) -> dict:
    per_call = 1 if details else 100
    # Size the catalog so that the bound takes about `seconds`.
    size = max(200, int(rate * seconds * per_call * (100 / 101 if details else 1)))
    pages = math.ceil(size / 100)
    with EmulatorProcess(size, rps=rate) as emulator, scratch("bench-thr-") as out:
        config = ImportConfig(
            source="live",
            env_file=str(emulator.env_file),
            fetch_details=details,
            requests_per_second=rate,
            workers=workers,
            output_dir=str(out),
            run_id="throttled",
        )
        cpu_before = emulator.cpu_seconds()
        manifest = run_import(config, progress=False).manifest
        emulator_cpu = emulator.cpu_seconds() - cpu_before
    counts = manifest["counts"]
    products = counts["found"] if not details else counts["fetched"] + counts["failed"]
    seconds_taken = manifest["duration_seconds"]
    least_calls = pages + (size if details else 0)
    bound = rate * size / least_calls
    achieved = products / seconds_taken
    return {
        "rps": rate,
        "details": details,
        "catalog_size": size,
        "products": products,
        "seconds": seconds_taken,
        "requests": manifest["requests"]["by_endpoint"],
        "least_data_calls": least_calls,
        "retries": manifest["retries"],
        "throttle_wait_seconds": manifest["throttle_wait_seconds"],
        "products_per_second": round(achieved, 1),
        "bound_products_per_second": round(bound, 1),
        "efficiency": round(achieved / bound, 3),
        # Near 1: the emulator (one process, one core for Python) was the bound.
        "emulator_cpu_share": round(emulator_cpu / seconds_taken, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default="5,20,50", help="Q values, comma-separated")
    parser.add_argument("--seconds", type=float, default=30, help="bound per point")
    parser.add_argument("--workers", type=int, default=4, help="detail workers")
    parser.add_argument("--modes", default="search,details")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    logging.getLogger("tiktok_import").propagate = False
    points = []
    for rate in [float(r) for r in args.rates.split(",")]:
        for mode in args.modes.split(","):
            point = one_point(rate, mode == "details", args.seconds, args.workers)
            print(point, flush=True)
            points.append(point)
    save("throttled", {"command": "bench/throttled.py", "points": points})


if __name__ == "__main__":
    main()
