"""Notebooks 03 and 04: committed clean, runnable by papermill and by nbval."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest
from helpers import execute_notebook
from test_report_fixtures import MIXED_FAILURES, MIXED_ROWS, make_run

from tiktok_import import charts

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BREAKDOWN = NOTEBOOKS / "03_tokopedia_breakdown.ipynb"
REPORT = NOTEBOOKS / "04_report.ipynb"
ENV_OUTPUT_DIR = "TIKTOK_IMPORT_OUTPUT_DIR"


@pytest.fixture(scope="module")
def output_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An outputs/ folder holding one complete, mapped and validated run."""
    root = tmp_path_factory.mktemp("outputs")
    make_run(root, MIXED_ROWS, MIXED_FAILURES)
    return root


def run_folder(output_dir: Path) -> Path:
    return next(output_dir.iterdir())


execute = execute_notebook


def outputs_of(executed: nbformat.NotebookNode, kind: str) -> list[dict]:
    return [
        output
        for cell in executed.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if kind in output.get("data", {})
    ]


@pytest.mark.parametrize("notebook", [BREAKDOWN, REPORT], ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(notebook: Path) -> None:
    cells = nbformat.read(notebook, as_version=4).cells
    code = [cell for cell in cells if cell.cell_type == "code"]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# 0")


@pytest.mark.parametrize("notebook", [BREAKDOWN, REPORT], ids=lambda p: p.stem)
def test_parameters_are_plain_literals_with_a_meaning(notebook: Path) -> None:
    cells = nbformat.read(notebook, as_version=4).cells
    tagged = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    lines = tagged[0].source.splitlines()
    assert lines[0].startswith('run_folder = ""  # ')
    for line in lines:
        statement, _, comment = line.partition("  # ")
        assert comment, f"no '# meaning' on {line!r}"
        node = ast.parse(statement).body[0]
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)


@pytest.mark.parametrize("notebook", [BREAKDOWN, REPORT], ids=lambda p: p.stem)
def test_steps_are_a_sentence_then_a_short_cell(notebook: Path) -> None:
    cells = nbformat.read(notebook, as_version=4).cells
    steps = cells[2:]  # after the title and the parameters
    assert len(steps) % 2 == 0
    pairs = zip(steps[::2], steps[1::2], strict=True)
    for number, (prose, code) in enumerate(pairs, start=1):
        assert prose.cell_type == "markdown"
        assert prose.source.startswith(f"**{number}.** ")
        assert code.cell_type == "code"
        assert 1 <= len(code.source.splitlines()) <= 15


def test_breakdown_runs_and_writes_every_chart(
    output_dir: Path, tmp_path: Path
) -> None:
    folder = run_folder(output_dir)
    executed = execute(BREAKDOWN, tmp_path / "03.ipynb", run_folder=str(folder))
    assert len(outputs_of(executed, "image/png")) == len(charts.CHART_NAMES)
    for name in charts.CHART_NAMES:
        assert (folder / "charts" / f"{name}.png").is_file()
    mismatch_lines = [
        output["text"]
        for cell in executed.cells
        for output in cell.get("outputs", [])
        if output.get("name") == "stdout"
    ]
    assert "3 products have a different status on each platform\n" in mismatch_lines


def test_report_runs_and_writes_the_report(output_dir: Path, tmp_path: Path) -> None:
    folder = run_folder(output_dir)
    executed = execute(REPORT, tmp_path / "04.ipynb", run_folder=str(folder), top_n=5)
    for name in ("metrics.json", "report.md", "report.html"):
        assert (folder / name).is_file()
    assert (
        "The first 5 of 6 failed products (4 failing a quality check, 2 that "
        "could not be fetched)" in (folder / "report.md").read_text()
    )
    assert len(outputs_of(executed, "image/png")) == len(charts.CHART_NAMES)


def test_an_empty_run_folder_with_no_run_is_a_one_line_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_OUTPUT_DIR, str(tmp_path / "no-runs-here"))
    with pytest.raises(papermill.PapermillExecutionError) as caught:
        execute(BREAKDOWN, tmp_path / "03.ipynb")
    assert caught.value.ename == "ConfigError"
    assert "no complete run under" in caught.value.evalue
    assert len(caught.value.traceback) == 1  # one line, no traceback


def test_nbval_runs_both_with_their_default_parameters(output_dir: Path) -> None:
    # An empty run_folder means the latest complete run under the output dir.
    env = {**os.environ, ENV_OUTPUT_DIR: str(output_dir)}
    env.pop("TIKTOK_IMPORT_RUN_FOLDER", None)
    command = [sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [*command, "-q", str(BREAKDOWN), str(REPORT)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (run_folder(output_dir) / "report.html").is_file()
