"""The default emulator catalog, imported for real, validated against its ground truth.

Every defect the emulator planted is reported for exactly that product with the
right kind; every vanished product is a fetch failure; no clean product is reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tiktok_import import settings, validation
from tiktok_import.emulator import Emulator, EmulatorConfig
from tiktok_import.importer import ImportConfig, run_import


@pytest.fixture(scope="module")
def validated(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, list[dict[str, Any]], list[dict[str, Any]]]]:
    """(run folder, ground truth, summary) for 500 products, seed 7."""
    output = tmp_path_factory.mktemp("outputs")
    config = EmulatorConfig(
        size=settings.DEFAULT_CATALOG_SIZE, seed=settings.DEFAULT_SEED, rps=None
    )
    with Emulator(config) as emulator:
        result = run_import(
            ImportConfig(
                output_dir=str(output),
                run_id="ground-truth",
                requests_per_second=settings.MAX_RPS,
                workers=8,
            ),
            progress=False,
            emulator=emulator,
        )
        truth = emulator.ground_truth()
    summary = validation.validate_run(result.run_folder)
    yield result.run_folder, truth, summary


def test_the_catalog_plants_every_defect_kind(validated) -> None:
    _, truth, _ = validated
    planted = {kind for product in truth for kind in product["defects"]}
    assert planted == set(settings.DEFECT_KINDS)


def test_every_planted_defect_is_reported_for_its_product(validated) -> None:
    run, truth, _ = validated
    failures = pl.read_parquet(run / "tables" / "failures.parquet")
    reported = (
        failures.filter(pl.col("defect").is_not_null())
        .group_by("product_id")
        .agg(pl.col("defect").unique().sort())
    )
    expected = {p["id"]: sorted(p["defects"]) for p in truth if p["defects"]}
    assert dict(reported.iter_rows()) == expected


def test_no_clean_product_is_reported(validated) -> None:
    run, truth, _ = validated
    failures = pl.read_parquet(run / "tables" / "failures.parquet")
    clean = {p["id"] for p in truth if not p["defects"] and not p["vanishes"]}
    assert clean.isdisjoint(failures.get_column("product_id").to_list())
    products = pl.read_parquet(run / "tables" / "products.parquet")
    flagged = products.filter(~pl.col("quality_ok")).get_column("product_id")
    assert set(flagged.to_list()) == {p["id"] for p in truth if p["defects"]}


def test_every_vanished_product_is_a_fetch_failure(validated) -> None:
    run, truth, _ = validated
    failures = pl.read_parquet(run / "tables" / "failures.parquet")
    fetch = failures.filter(pl.col("stage") == "fetch")
    vanished = {p["id"] for p in truth if p["vanishes"]}
    assert vanished
    assert set(fetch.get_column("product_id").to_list()) == vanished
    assert set(fetch.get_column("check").to_list()) == {"12019150"}
    products = pl.read_parquet(run / "tables" / "products.parquet")
    assert vanished.isdisjoint(products.get_column("product_id").to_list())


def test_quality_issues_list_the_defect_kinds(validated) -> None:
    run, truth, _ = validated
    products = pl.read_parquet(run / "tables" / "products.parquet")
    issues = dict(products.select("product_id", "quality_issues").iter_rows())
    for product in truth:
        if not product["vanishes"]:
            assert issues[product["id"]] == sorted(product["defects"])


def test_listing_matches_the_ground_truth(validated) -> None:
    run, truth, _ = validated
    products = pl.read_parquet(run / "tables" / "products.parquet")
    listing = dict(products.select("product_id", "listing").iter_rows())
    assert listing == {p["id"]: p["listing"] for p in truth if not p["vanishes"]}


def test_validation_folder_holds_results_summary_and_data_docs(validated) -> None:
    run, _, summary = validated
    folder = run / "validation"
    assert json.loads((folder / "summary.json").read_text()) == summary
    for suite in ("products", "skus"):
        result = json.loads((folder / f"{suite}.json").read_text())
        assert result["suite_name"] == suite
    assert (folder / "data_docs" / "index.html").is_file()
    failed = {row["defect"] for row in summary if not row["success"]}
    assert set(settings.DEFECT_KINDS) <= failed


def test_validating_again_gives_the_same_tables(validated) -> None:
    run, _, summary = validated
    before = [
        pl.read_parquet(run / "tables" / f"{name}.parquet")
        for name in ("products", "failures")
    ]
    assert validation.validate_run(run) == summary
    after = [
        pl.read_parquet(run / "tables" / f"{name}.parquet")
        for name in ("products", "failures")
    ]
    for a, b in zip(before, after, strict=True):
        assert_frame_equal(a, b)
