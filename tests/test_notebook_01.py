"""Notebook 01 through papermill with parameters, and under nbval with its defaults."""

import json
import os
import subprocess
import sys
from pathlib import Path

import papermill
import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "01_import.ipynb"


def test_papermill_run_with_parameters(tmp_path):
    output = tmp_path / "01_import.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(output),
        parameters={
            "catalog_size": 40,
            "seed": 3,
            "page_size": 7,
            "run_id": "nb",
            "output_dir": str(tmp_path / "runs"),
            "progress": False,
        },
        kernel_name="python3",
        progress_bar=False,
        cwd=str(NOTEBOOK.parent),
    )
    manifest = json.loads((tmp_path / "runs" / "nb" / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["counts"]["found"] == 40
    assert manifest["parameters"]["page_size"] == 7
    assert manifest["windows"][0]["pages"] == 6


def test_bad_parameter_fails_in_one_line(tmp_path):
    from papermill.exceptions import PapermillExecutionError

    output = tmp_path / "01_import.ipynb"
    with pytest.raises(PapermillExecutionError, match="page_size must be") as caught:
        papermill.execute_notebook(
            str(NOTEBOOK),
            str(output),
            parameters={"page_size": 500, "output_dir": str(tmp_path)},
            kernel_name="python3",
            progress_bar=False,
        )
    assert caught.value.ename == "ConfigError"
    error_outputs = [
        out
        for cell in json.loads(output.read_text())["cells"]
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert error_outputs
    assert all(len(out["traceback"]) == 1 for out in error_outputs)


def test_nbval_runs_the_notebook_with_its_defaults(tmp_path):
    env = {**os.environ, "TIKTOK_IMPORT_OUTPUT_DIR": str(tmp_path)}
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "-p",
            "no:cacheprovider",
            "-q",
            str(NOTEBOOK),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, (
        completed.stdout[-3000:] + completed.stderr[-2000:]
    )
    manifests = list(tmp_path.glob("*/manifest.json"))
    assert len(manifests) == 1
    assert json.loads(manifests[0].read_text())["counts"]["found"] == 500
