"""Great Expectations validation of 100,000 products: seconds and peak RSS.

Builds and maps a scratch run folder (`_common.make_run`, then `map_run`), then
times `tiktok_import.validation.validate_run` in a fresh interpreter.

    .venv/bin/python bench/validation.py [--products 100000]
"""

from __future__ import annotations

import argparse

from _common import child_peak_rss_mb, make_run, save, scratch

CHILD = """
import time
started = time.perf_counter()
from tiktok_import.validation import validate_run
imported = time.perf_counter()
summary = validate_run({run!r})
print("SECONDS", time.perf_counter() - imported, imported - started, len(summary))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--unique", type=int, default=20_000)
    args = parser.parse_args()
    from tiktok_import.mapping import map_run

    with scratch("bench-ge-") as folder:
        run = make_run(folder, args.products, args.unique)
        map_run(run)
        peak, out = child_peak_rss_mb(CHILD.format(run=str(run)))
    line = next(x for x in out.splitlines() if x.startswith("SECONDS"))
    _, seconds, import_seconds, expectations = line.split()
    save(
        "validation",
        {
            "command": "bench/validation.py",
            "products": args.products,
            "expectations": int(expectations),
            "validate_seconds": round(float(seconds), 2),
            "import_module_seconds": round(float(import_seconds), 2),
            "peak_rss_mb": peak,
        },
    )


if __name__ == "__main__":
    main()
