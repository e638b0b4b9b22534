"""The comparison on a real small emulator run, and notebook 05 through papermill."""

import json
from pathlib import Path

import papermill
import polars as pl
import pytest

from tiktok_import.comparison import (
    CHART_NAMES,
    build_comparison,
    compare_run,
    emulator_shop_index,
)
from tiktok_import.emulator.catalog import make_shop
from tiktok_import.emulator.shopee import shopee_ground_truth
from tiktok_import.errors import ConfigError
from tiktok_import.importer import ImportConfig, run_import
from tiktok_import.mapping import map_run
from tiktok_import.shopee import ShopeeCatalog

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


SHOPS, SHOP_SIZE, SHOP_SEED = 3, 150, 7


@pytest.fixture(scope="module")
def shop_runs(tmp_path_factory):
    """One run per shop of a 3-shop emulator, each compared with its Shopee twin."""
    out = tmp_path_factory.mktemp("shops")
    runs = []
    for index in range(SHOPS):
        config = ImportConfig(
            emulator_shops=SHOPS,
            shop=make_shop(SHOP_SEED, index)["id"],
            catalog_size=SHOP_SIZE,
            seed=SHOP_SEED,
            output_dir=str(out),
            run_id=f"shop{index}",
            emulator_options={"rps": None},  # no throttling: keep the test fast
        )
        folder = run_import(config, progress=False).run_folder
        map_run(folder)
        comparison, _ = compare_run(folder, "", "api")
        runs.append((folder, comparison))
    return runs


def _sku_figures(table, shop_index):
    present = set(table["tiktok_product_id"].drop_nulls().to_list())
    truth = {
        (row["tiktok_product_id"], row["shopee_item_id"])
        for row in shopee_ground_truth(SHOP_SIZE, SHOP_SEED, shop_index)
        if row["method"] == "sku" and row["tiktok_product_id"] in present
    }
    found = table.filter(pl.col("method") == "sku")
    pairs = set(found.select("tiktok_product_id", "shopee_item_id").iter_rows())
    return len(pairs & truth) / len(pairs), len(pairs & truth) / len(truth), found


def test_each_shop_is_compared_with_its_own_shopee_twin(shop_runs):
    figures = [_sku_figures(c.table, i) for i, (_, c) in enumerate(shop_runs)]
    for index, (precision, recall, found) in enumerate(figures):
        assert precision == 1.0, f"shop {index}"
        assert recall >= 0.97, f"shop {index}"
        assert found.height > 80, f"shop {index}"
        assert (found["score"] == 1.0).all(), f"shop {index}"
    recalls = [recall for _, recall, _ in figures]
    assert max(recalls) - min(recalls) < 0.03
    twins = [
        sorted(p.name for p in (folder / "comparison" / "shopee_api").iterdir())
        for folder, _ in shop_runs
    ]
    assert twins[0] != twins[1] != twins[2] != twins[0]


def test_a_shop_the_emulator_does_not_have_is_a_config_error(shop_runs):
    folder, _ = shop_runs[1]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert emulator_shop_index(manifest) == 1
    manifest["shop"]["id"] = "7490000000000000000"
    with pytest.raises(ConfigError, match="none of the 3 emulated shop"):
        emulator_shop_index(manifest)


def _shopee(rows):
    products = pl.DataFrame(
        rows,
        schema={"product_id": pl.Utf8, "title": pl.Utf8, "min_price": pl.Float64},
        orient="row",
    ).with_columns(
        total_stock=pl.lit(5),
        status=pl.lit("NORMAL"),
        parent_sku=pl.lit(None, pl.Utf8),
    )
    skus = products.select(
        "product_id", seller_sku=pl.col("product_id"), variant=pl.lit(None, pl.Utf8)
    )
    return ShopeeCatalog(products, skus)


def test_products_without_a_valid_price_are_left_out_of_price_gaps():
    products = pl.DataFrame(
        {
            "product_id": ["t1", "t2", "t3"],
            "title": ["Kaos Polos", "Madu Hutan", "Kopi Bubuk"],
            "min_price": [50000.0, 160000.0, 0.0],
            "total_stock": [5, 5, 5],
            "status": ["ACTIVATE"] * 3,
            "quality_ok": [True, False, False],
            "quality_issues": [[], ["missing_price"], ["zero_price"]],
        }
    )
    skus = pl.DataFrame(
        {
            "product_id": ["t1", "t2", "t2", "t3"],
            "seller_sku": ["s1", "s2", "s2b", "s3"],
            "variant": [None] * 4,
            "price": [50000.0, 160000.0, None, 0.0],
        }
    )
    shopee = _shopee([("s1", "Kaos", 55000.0), ("s2", "Madu", 500.0), ("s3", "K", 500)])
    comparison = build_comparison(products, skus, shopee)
    valid = dict(comparison.table.select("tiktok_product_id", "price_valid").rows())
    assert valid == {"t1": True, "t2": False, "t3": False}
    summary = comparison.summary
    assert summary["price_gap_pct"]["count"] == 1
    assert summary["price_gap_pct"]["max"] == 10.0
    assert summary["price_gap_excluded"]["pairs"] == 2
    assert summary["price_gap_excluded"]["quality_failed"] == 2
    assert summary["price_gap_excluded"]["tiktok_product_ids"] == ["t2", "t3"]
    assert [row["tiktok_product_id"] for row in summary["largest_gaps_pct"]] == ["t1"]


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
