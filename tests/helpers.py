"""Checks shared by the tests that import from the emulator."""

from __future__ import annotations

import gzip
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from tiktok_import.settings import CODE_PRODUCT_NOT_FOUND

# TikTok's and Shopee's published references: shared/ lies beside the clone (CI
# lays a copy there); TIKTOK_IMPORT_REFERENCE points elsewhere.
REFERENCE = Path(
    os.environ.get(
        "TIKTOK_IMPORT_REFERENCE",
        Path(__file__).resolve().parents[2] / "shared" / "reference",
    )
)


def read_lines(path: Path) -> list[dict[str, Any]]:
    """The records of a `.jsonl.gz` raw file."""
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


def listed_ids(run_folder: Path) -> Counter[str]:
    """How often each product id appears in the run's Search Products pages."""
    return Counter(
        str(product["id"])
        for page in read_lines(run_folder / "raw/search_pages.jsonl.gz")
        for product in page["data"].get("products") or []
    )


def assert_matches_ground_truth(
    run_folder: Path, truth: list[dict[str, Any]]
) -> dict[str, Any]:
    """Each ground-truth product appears once: fetched, or failed with its reason.

    A run without details (`fetch_details` false) must have listed every product
    of the ground truth, vanishing ones included. Returns the manifest.
    """
    manifest = json.loads((run_folder / "manifest.json").read_text())
    assert manifest["status"] == "complete", manifest["error"]
    assert manifest["error"] is None
    if not manifest["parameters"]["fetch_details"]:
        assert set(listed_ids(run_folder)) == {p["id"] for p in truth}
        assert manifest["counts"] == {
            "found": len(truth),
            "fetched": len(truth),
            "failed": 0,
        }
        return manifest

    fetched = Counter(
        body["data"]["id"] for body in read_lines(run_folder / "raw/products.jsonl.gz")
    )
    failures = read_lines(run_folder / "raw/fetch_failures.jsonl.gz")
    failed = Counter(record["product_id"] for record in failures)
    assert max(fetched.values(), default=1) == 1, "a product was stored twice"
    assert max(failed.values(), default=1) == 1, "a failure was recorded twice"
    assert not set(fetched) & set(failed)
    assert set(fetched) == {p["id"] for p in truth if not p["vanishes"]}
    assert set(failed) == {p["id"] for p in truth if p["vanishes"]}
    assert all(
        record["code"] == CODE_PRODUCT_NOT_FOUND and record["message"]
        for record in failures
    )
    assert manifest["counts"] == {
        "found": len(truth),
        "fetched": len(fetched),
        "failed": len(failed),
    }
    return manifest


def execute_notebook(notebook: Path, out: Path, **parameters: object) -> Any:
    """Run a notebook through papermill into `out`; the executed notebook."""
    import nbformat
    import papermill

    papermill.execute_notebook(
        str(notebook),
        str(out),
        parameters=parameters,
        kernel_name="python3",
        progress_bar=False,
        cwd=str(out.parent),
    )
    return nbformat.read(out, as_version=4)


def point_live_mode_at(monkeypatch: Any, emulator: Any) -> None:
    """Live mode's environment, pointed at a running emulator with fresh tokens."""
    from tiktok_import.tokens import TokenClient

    client = TokenClient(emulator.auth_base_url, emulator.app_key, emulator.app_secret)
    tokens = client.get(emulator.issue_auth_code())
    monkeypatch.setenv("TIKTOK_APP_KEY", emulator.app_key)
    monkeypatch.setenv("TIKTOK_APP_SECRET", emulator.app_secret)
    monkeypatch.setenv("TIKTOK_ACCESS_TOKEN", tokens.access_token)
    monkeypatch.setenv("TIKTOK_REFRESH_TOKEN", tokens.refresh_token)
    monkeypatch.setenv("TIKTOK_API_BASE_URL", emulator.base_url)
    monkeypatch.setenv("TIKTOK_AUTH_BASE_URL", emulator.auth_base_url)
