"""What the benchmark scripts share: the machine, an emulator process, results."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CLI = Path(sys.executable).with_name("tiktok-import")


def machine() -> dict[str, Any]:
    """nproc, CPU model, memory, Python and the UTC date of the run."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "nproc": os.cpu_count(),
        "cpu": model or platform.processor(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
    }


def save(name: str, result: dict[str, Any]) -> Path:
    """Write `bench/results/<name>.json` (the machine included) and print it."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    record = {"machine": machine(), **result}
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(record, indent=2))
    print(f"wrote {path}")
    return path


class EmulatorProcess:
    """`tiktok-import emulator serve` in its own process, so it has its own GIL."""

    def __init__(self, size: int, rps: float = 0, seed: int = 7) -> None:
        self.args = [
            str(CLI),
            "emulator",
            "serve",
            "--port",
            "0",
            "--size",
            str(size),
            "--seed",
            str(seed),
            "--rps",
            str(rps),
        ]
        self.env: dict[str, str] = {}
        self._proc: subprocess.Popen[str] | None = None
        self._dir = tempfile.TemporaryDirectory(prefix="bench-emulator-")
        self.env_file = Path(self._dir.name) / ".env"

    def __enter__(self) -> EmulatorProcess:
        self._proc = subprocess.Popen(
            self.args, stdout=subprocess.PIPE, text=True, cwd=self._dir.name
        )
        assert self._proc.stdout is not None
        lines = []
        while len(self.env) < 6:
            line = self._proc.stdout.readline()
            if not line:
                raise RuntimeError(f"the emulator exited: {self.args}")
            if "=" in line and not line.startswith("#"):
                name, value = line.strip().split("=", 1)
                self.env[name] = value
                lines.append(line)
        self.env_file.write_text("".join(lines), encoding="utf-8")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(10)
        self._dir.cleanup()

    def cpu_seconds(self) -> float:
        """CPU time the emulator process has used so far (user + system)."""
        assert self._proc is not None
        fields = Path(f"/proc/{self._proc.pid}/stat").read_text().rsplit(")", 1)[1]
        utime, stime = fields.split()[11:13]
        return (int(utime) + int(stime)) / os.sysconf("SC_CLK_TCK")

    @property
    def base_url(self) -> str:
        return self.env["TIKTOK_API_BASE_URL"]


@contextlib.contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    """A temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        yield Path(folder)


def child_peak_rss_mb(code: str) -> tuple[float, str]:
    """Run Python `code` in a fresh interpreter; its peak RSS (MB) and stdout."""
    wrapper = (
        code
        + "\nimport resource as _r\n"
        + "print('PEAK_RSS_KB', _r.getrusage(_r.RUSAGE_SELF).ru_maxrss)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", wrapper],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    peak = 0.0
    out = []
    for line in done.stdout.splitlines():
        if line.startswith("PEAK_RSS_KB"):
            peak = int(line.split()[1]) / 1024
        else:
            out.append(line)
    return round(peak, 1), "\n".join(out)


def make_run(folder: Path, products: int, unique: int = 20_000, seed: int = 7) -> Path:
    """A complete run folder of `products` Get Product bodies from the emulator.

    `unique` products are rendered (`Catalog.body`), then copied with new product
    and SKU ids and seller SKUs until there are `products` bodies, so that a
    million bodies take a minute rather than the ~10 minutes rendering would.
    """
    import gzip
    import re

    from tiktok_import.emulator.catalog import generate_catalog

    catalog = generate_catalog(unique, seed)
    lines = []
    for index in range(unique):
        if catalog.records[index].vanishes:
            continue
        envelope = {
            "code": 0,
            "message": "Success",
            "request_id": f"bench{index:015d}",
            "data": catalog.body(index),
        }
        lines.append(json.dumps(envelope, ensure_ascii=False, separators=(",", ":")))
    block = "\n".join(lines) + "\n"
    long_id = re.compile(r'"id":"(\d{19})"')
    seller_sku = re.compile(r'"seller_sku":"([^"]*)"')
    run = folder / "bench-run"
    (run / "raw").mkdir(parents=True)
    written = 0
    with gzip.open(run / "raw" / "products.jsonl.gz", "wt", compresslevel=1) as out:
        for copy in range(products // len(lines) + 1):
            text = block
            if copy:
                text = long_id.sub(rf'"id":"{copy:03d}\1"', text)
                text = seller_sku.sub(rf'"seller_sku":"\1-C{copy}"', text)
            take = min(len(lines), products - written)
            if take <= 0:
                break
            if take < len(lines):
                text = "".join(text.splitlines(keepends=True)[:take])
            out.write(text)
            written += take
    manifest = {
        "run_id": "bench-run",
        "status": "complete",
        "source": "emulator",
        "parameters": {"fetch_details": True, "catalog_size": products},
        "shop": dict(catalog.shop),
        "counts": {"found": written, "fetched": written, "failed": 0},
    }
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return run
