"""Notebook 02: committed clean, runnable by papermill and by nbval on a real import."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest
from helpers import execute_notebook

from tiktok_import.emulator import Emulator, EmulatorConfig
from tiktok_import.importer import ImportConfig, run_import
from tiktok_import.storage import ENV_OUTPUT_DIR

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "02_validate.ipynb"


@pytest.fixture(scope="module")
def output_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An outputs/ folder holding one complete import of 120 emulated products."""
    root = tmp_path_factory.mktemp("outputs")
    with Emulator(EmulatorConfig(size=120, seed=7, rps=None)) as emulator:
        run_import(
            ImportConfig(
                output_dir=str(root), run_id="nb02", catalog_size=120, workers=8
            ),
            progress=False,
            emulator=emulator,
        )
    return root


def execute(out: Path, **parameters: object) -> nbformat.NotebookNode:
    return execute_notebook(NOTEBOOK, out, **parameters)


def test_notebook_is_committed_without_outputs() -> None:
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    code = [cell for cell in cells if cell.cell_type == "code"]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)
    assert cells[0].cell_type == "markdown"
    assert cells[0].source.startswith("# 02 · ")


def test_parameters_are_plain_literals_with_a_meaning() -> None:
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    tagged = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    lines = tagged[0].source.splitlines()
    assert [line.split(" = ")[0] for line in lines] == ["run_folder", "suites"]
    for line in lines:
        statement, _, comment = line.partition("  # ")
        assert comment, f"no '# meaning' on {line!r}"
        node = ast.parse(statement).body[0]
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)


def test_steps_are_a_sentence_then_a_short_cell() -> None:
    steps = nbformat.read(NOTEBOOK, as_version=4).cells[2:]
    assert len(steps) % 2 == 0
    for number, (prose, code) in enumerate(
        zip(steps[::2], steps[1::2], strict=True), start=1
    ):
        assert prose.cell_type == "markdown"
        assert prose.source.startswith(f"**{number}.** ")
        assert code.cell_type == "code"
        assert 1 <= len(code.source.splitlines()) <= 15


def test_papermill_maps_and_validates_the_given_run(
    output_dir: Path, tmp_path: Path
) -> None:
    run = output_dir / "nb02"
    executed = execute(tmp_path / "02.ipynb", run_folder=str(run))
    for name in ("products", "skus", "failures"):
        assert (run / "tables" / f"{name}.parquet").is_file()
    summary = json.loads((run / "validation" / "summary.json").read_text())
    assert {row["suite"] for row in summary} == {"products", "skus"}
    assert (run / "validation" / "data_docs" / "index.html").is_file()
    shown = "".join(
        output.get("data", {}).get("text/plain", "")
        for cell in executed.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    manifest = json.loads((run / "manifest.json").read_text())
    assert f"'products': {manifest['counts']['fetched']}" in shown
    assert "12019150" in shown


def test_an_empty_run_folder_with_no_run_is_a_one_line_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_OUTPUT_DIR, str(tmp_path / "no-runs-here"))
    with pytest.raises(papermill.PapermillExecutionError) as caught:
        execute(tmp_path / "02.ipynb")
    assert caught.value.ename == "ConfigError"
    assert "no complete run under" in caught.value.evalue
    assert len(caught.value.traceback) == 1  # one line, no traceback


def test_a_missing_run_folder_is_a_one_line_config_error(tmp_path: Path) -> None:
    with pytest.raises(papermill.PapermillExecutionError) as caught:
        execute(tmp_path / "02.ipynb", run_folder=str(tmp_path / "gone"))
    assert caught.value.ename == "ConfigError"
    assert "has no manifest.json" in caught.value.evalue


def test_an_unfinished_run_is_a_one_line_config_error(tmp_path: Path) -> None:
    running = tmp_path / "running-run"
    running.mkdir()
    (running / "manifest.json").write_text(json.dumps({"status": "running"}))
    with pytest.raises(papermill.PapermillExecutionError) as caught:
        execute(tmp_path / "02.ipynb", run_folder=str(running))
    assert caught.value.ename == "ConfigError"
    assert "is running, not complete" in caught.value.evalue


def test_nbval_runs_it_with_its_default_parameters(output_dir: Path) -> None:
    # nbval runs the notebook in place; an empty run_folder means the latest
    # complete run under $TIKTOK_IMPORT_OUTPUT_DIR, here the fixture's import.
    env = {**os.environ, ENV_OUTPUT_DIR: str(output_dir)}
    command = [sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [*command, "-q", str(NOTEBOOK)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (output_dir / "nb02" / "tables" / "failures.parquet").is_file()


def test_a_bad_suite_is_refused_before_the_run_is_touched(
    output_dir: Path, tmp_path: Path
) -> None:
    run = output_dir / "nb02"
    execute(tmp_path / "first.ipynb", run_folder=str(run))
    products = (run / "tables" / "products.parquet").read_bytes()
    with pytest.raises(papermill.PapermillExecutionError) as caught:
        execute(tmp_path / "02.ipynb", run_folder=str(run), suites="bogus")
    assert caught.value.ename == "ConfigError"
    assert "got bogus" in caught.value.evalue
    assert (run / "tables" / "products.parquet").read_bytes() == products
    assert (run / "validation" / "data_docs" / "index.html").is_file()
