"""The comparison on a real small emulator run, and notebook 05 through papermill."""

import json
from pathlib import Path

import papermill
import polars as pl
import pytest

from tiktok_import.comparison import CHART_NAMES, compare_run
from tiktok_import.errors import ConfigError
from tiktok_import.importer import ImportConfig, run_import

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "05_compare_shopee.ipynb"


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    config = ImportConfig(catalog_size=60, seed=5, output_dir=str(out), run_id="cmp")
    return run_import(config, progress=False).run_folder


@pytest.mark.parametrize("kind", ["api", "xlsx"])
def test_compare_run_writes_table_summary_and_charts(run_folder, kind):
    comparison, written = compare_run(run_folder, "", kind)
    out = run_folder / "comparison"
    table = pl.read_parquet(out / "comparison.parquet")
    assert table.height == comparison.table.height
    summary = json.loads((out / "summary.json").read_text())
    coverage = summary["coverage"]
    assert set(coverage) <= {"both", "tiktok_only", "shopee_only"}
    assert sum(coverage.values()) == table.height
    assert summary["counts"]["tiktok_products"] == 59  # one product vanishes
    assert summary["method"]["sku"] > 30
    assert summary["price_gap_pct"]["count"] > 0
    assert sum(summary["tokopedia_vs_shopee"].values()) == 59
    for name in CHART_NAMES:
        assert (out / f"{name}.png").stat().st_size > 1000


def test_bad_kind_is_a_config_error(run_folder):
    with pytest.raises(ConfigError, match="shopee_kind must be one of"):
        compare_run(run_folder, "", "csv")


def test_notebook_05_runs_with_papermill(run_folder, tmp_path):
    output = tmp_path / "05.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(output),
        parameters={"run_folder": str(run_folder), "shopee_kind": "xlsx"},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(NOTEBOOK.parent),
    )
    summary = json.loads((run_folder / "comparison" / "summary.json").read_text())
    assert summary["inputs"]["shopee_kind"] == "xlsx"


def test_notebook_05_is_committed_without_outputs():
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    assert all(not cell.get("outputs") for cell in cells if cell["cell_type"] == "code")
    tagged = [c for c in cells if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    lines = "".join(tagged[0]["source"]).splitlines()
    assert all("  # " in line for line in lines)
