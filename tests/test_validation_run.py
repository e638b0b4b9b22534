"""validate_run on a real import: inputs checked first, outputs all or nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from tiktok_import import validation
from tiktok_import.emulator import Emulator, EmulatorConfig
from tiktok_import.errors import ConfigError
from tiktok_import.importer import ImportConfig, run_import


@pytest.fixture(scope="module")
def validated_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete import of 60 emulated products, mapped and validated once."""
    root = tmp_path_factory.mktemp("outputs")
    with Emulator(EmulatorConfig(size=60, seed=7, rps=None)) as emulator:
        run_import(
            ImportConfig(output_dir=str(root), run_id="v", catalog_size=60, workers=8),
            progress=False,
            emulator=emulator,
        )
    validation.validate_run(root / "v", remap=True)
    return root / "v"


@pytest.fixture
def run_copy(validated_run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(validated_run, tmp_path / "v"))


def snapshot(run: Path) -> dict[str, str]:
    """Every file under tables/ and validation/, by path, with its content's hash."""
    return {
        path.relative_to(run).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in ("tables", "validation")
        for path in sorted((run / folder).rglob("*"))
        if path.is_file()
    }


def test_a_validated_run_has_flags_failures_summary_and_docs(
    validated_run: Path,
) -> None:
    products = pl.read_parquet(validated_run / "tables" / "products.parquet")
    assert {"quality_ok", "quality_issues"} <= set(products.columns)
    assert (validated_run / "tables" / "failures.parquet").is_file()
    summary = json.loads((validated_run / "validation" / "summary.json").read_text())
    assert {row["suite"] for row in summary} == {"products", "skus"}
    assert (validated_run / "validation" / "data_docs" / "index.html").is_file()
    assert not list(validated_run.glob(".validating-*"))


@pytest.mark.parametrize("remap", [False, True], ids=["tables-kept", "remap"])
def test_an_unknown_suite_changes_nothing(run_copy: Path, remap: bool) -> None:
    before = snapshot(run_copy)
    with pytest.raises(ConfigError, match="suites must be some of .*got bogus"):
        validation.validate_run(run_copy, "bogus", remap=remap)
    assert snapshot(run_copy) == before
    assert (run_copy / "validation" / "data_docs" / "index.html").is_file()


def test_a_failure_after_great_expectations_ran_changes_nothing(
    run_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(run_copy)
    write_json = validation._write_json

    def disk_full_on_summary(path: Path, data: object) -> None:
        if path.name == "summary.json":
            raise OSError(28, "No space left on device")
        write_json(path, data)

    monkeypatch.setattr(validation, "_write_json", disk_full_on_summary)
    with pytest.raises(OSError, match="No space left"):
        validation.validate_run(run_copy, remap=True)
    assert snapshot(run_copy) == before
    assert not list(run_copy.glob(".validating-*"))


def test_revalidating_with_fewer_suites_leaves_no_stale_results(
    run_copy: Path,
) -> None:
    summary = validation.validate_run(run_copy, "products")
    assert {row["suite"] for row in summary} == {"products"}
    assert not (run_copy / "validation" / "skus.json").exists()
    assert (run_copy / "validation" / "products.json").is_file()
    assert (run_copy / "validation" / "data_docs" / "index.html").is_file()
    products = pl.read_parquet(run_copy / "tables" / "products.parquet")
    assert {"quality_ok", "quality_issues"} <= set(products.columns)


def test_the_data_docs_name_no_staging_folder(validated_run: Path) -> None:
    docs = validated_run / "validation" / "data_docs"
    pages = [path.read_text(encoding="utf-8") for path in docs.rglob("*.html")]
    assert pages and not any(".validating-" in page for page in pages)
