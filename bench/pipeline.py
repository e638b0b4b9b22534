"""The whole papermill pipeline on 500 products: wall seconds and where they go.

Runs `tiktok-import run --catalog-size 500` and reads papermill's timings from
the executed notebooks: each notebook's duration; its set-up cells, those that
start with imports (`import_cells`); its other cells; and the rest
(`kernel_and_papermill`: starting and stopping the kernel, papermill itself).

    .venv/bin/python bench/pipeline.py [--size 500]
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import time

from _common import CLI, save, scratch


def _is_import_cell(source: str) -> bool:
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    # The notebooks' set-up cell starts with its imports (and may set options).
    return bool(body) and isinstance(body[0], ast.Import | ast.ImportFrom)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=500)
    args = parser.parse_args()
    with scratch("bench-pipe-") as out:
        started = time.perf_counter()
        subprocess.run(
            [str(CLI), "run", "--catalog-size", str(args.size), "--output-dir"]
            + [str(out), "--run-id", "bench"],
            check=True,
        )
        wall = time.perf_counter() - started
        notebooks = {}
        for path in sorted((out / "bench" / "notebooks").glob("*.ipynb")):
            book = json.loads(path.read_text(encoding="utf-8"))
            total = book["metadata"]["papermill"]["duration"]
            cells = [
                (c["metadata"].get("papermill", {}).get("duration") or 0.0, c)
                for c in book["cells"]
                if c["cell_type"] == "code"
            ]
            work = sum(d for d, _ in cells)
            imports = sum(d for d, c in cells if _is_import_cell("".join(c["source"])))
            slowest = max(cells, key=lambda x: x[0])
            notebooks[path.name] = {
                "seconds": round(total, 2),
                "kernel_and_papermill": round(total - work, 2),
                "import_cells": round(imports, 2),
                "other_cells": round(work - imports, 2),
                "slowest_cell": {
                    "seconds": round(slowest[0], 2),
                    "first_line": "".join(slowest[1]["source"]).splitlines()[0],
                },
            }
    in_notebooks = sum(n["seconds"] for n in notebooks.values())
    save(
        "pipeline",
        {
            "command": "bench/pipeline.py",
            "catalog_size": args.size,
            "wall_seconds": round(wall, 2),
            "outside_notebooks": round(wall - in_notebooks, 2),
            "kernel_and_papermill": round(
                sum(n["kernel_and_papermill"] for n in notebooks.values()), 2
            ),
            "import_cells": round(
                sum(n["import_cells"] for n in notebooks.values()), 2
            ),
            "other_cells": round(sum(n["other_cells"] for n in notebooks.values()), 2),
            "notebooks": notebooks,
        },
    )


if __name__ == "__main__":
    main()
