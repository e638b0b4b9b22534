"""The report of a real run: emulator import, mapping, validation, then the report.

Every figure is checked against the emulator's ground truth, not against fixtures.
Slow (Great Expectations takes a while), so it runs with the slow tests.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from tiktok_import import charts, report
from tiktok_import.comparison import compare_run
from tiktok_import.emulator import Emulator, EmulatorConfig
from tiktok_import.importer import ImportConfig, run_import
from tiktok_import.mapping import map_run
from tiktok_import.validation import validate_run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    """A validated 120-product emulator run and the emulator's ground truth."""
    output_dir = tmp_path_factory.mktemp("outputs")
    with Emulator(EmulatorConfig(size=120, seed=7, rps=None)) as emulator:
        result = run_import(
            ImportConfig(output_dir=str(output_dir), run_id="real", catalog_size=120),
            progress=False,
            emulator=emulator,
        )
        truth = emulator.ground_truth()
    map_run(result.run_folder)
    validate_run(result.run_folder)
    return result.run_folder, truth


def test_metrics_of_a_real_run_match_the_ground_truth(
    real_run: tuple[Path, list[dict]],
) -> None:
    folder, truth = real_run
    metrics = json.loads(report.write_report(folder)["metrics"].read_text())
    listed = [product for product in truth if not product["vanishes"]]

    imported = metrics["import"]
    assert imported["found"] == len(truth)
    assert imported["imported"] == len(listed)
    assert imported["failed"]["fetch"] == len(truth) - len(listed)
    assert imported["failed"]["validation"] == sum(bool(p["defects"]) for p in listed)

    listing = Counter(product["listing"] for product in listed)
    tokopedia = metrics["tokopedia"]
    assert {k: v["products"] for k, v in tokopedia["listing"].items()} == listing
    on_tokopedia = listing["both"] + listing["tokopedia_only"]
    assert tokopedia["integration_rate"] == pytest.approx(on_tokopedia / len(listed))


def test_failed_products_of_a_real_run_are_the_defective_ones(
    real_run: tuple[Path, list[dict]],
) -> None:
    folder, truth = real_run
    table = report.failed_products(report.load_run(folder), top_n=len(truth))
    by_stage = {
        stage: set(table.filter(table["stage"] == stage)["product_id"])
        for stage in ("fetch", "validation")
    }
    assert by_stage["fetch"] == {p["id"] for p in truth if p["vanishes"]}
    assert by_stage["validation"] == {p["id"] for p in truth if p["defects"]}
    assert table["reasons"].null_count() == 0


def test_report_of_a_real_run_embeds_every_chart(
    real_run: tuple[Path, list[dict]],
) -> None:
    folder, _ = real_run
    html = report.write_report(folder)["html"].read_text()
    assert html.count('src="data:image/png;base64,') == len(charts.CHART_NAMES)
    assert 'src="http' not in html and 'href="http' not in html


def test_report_of_a_real_run_shows_the_shopee_comparison(
    real_run: tuple[Path, list[dict]], tmp_path: Path
) -> None:
    folder = Path(shutil.copytree(real_run[0], tmp_path / "real"))
    _, written = compare_run(folder)
    comparison_charts = [path for path in written.values() if path.suffix == ".png"]
    html = report.write_report(folder)["html"].read_text()
    images = html.count('src="data:image/png;base64,')
    assert images == len(charts.CHART_NAMES) + len(comparison_charts)
    assert '<section id="comparison">' in html
    summary = json.loads((folder / "comparison" / "summary.json").read_text())
    pairs = summary["counts"]["pairs"]
    assert f'<td>On both platforms (paired)</td><td class="n">{pairs:,}</td>' in html
    # Validated: the pairs left out of price gaps say how many fail a check.
    excluded = summary["price_gap_excluded"]
    if excluded["pairs"]:
        assert f"({excluded['quality_failed']} of them fail a quality check)" in html
    assert "counts.pairs" not in html
