"""metrics.json against counts taken straight from the fixtures; report.md and .html."""

from __future__ import annotations

import base64
import io
import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image
from test_report_fixtures import (
    ALL_TOKOPEDIA_ONLY_ROWS,
    MARKUP_TITLE,
    MIXED_FAILURES,
    MIXED_ROWS,
    NO_FAILURES_ROWS,
    make_run,
    manifest_for,
)

from tiktok_import import charts, report
from tiktok_import.errors import ConfigError

SECRET_VALUES = ("fixture-app-secret-0001", "fixture-access-0002", "fixture-sign-0003")


@pytest.fixture
def mixed_run(tmp_path: Path) -> Path:
    return make_run(tmp_path, MIXED_ROWS, MIXED_FAILURES)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The mixed run's report, written once: tests that only read it share it."""
    run = make_run(tmp_path_factory.mktemp("written"), MIXED_ROWS, MIXED_FAILURES)
    return report.write_report(run)


class _Resources(HTMLParser):
    """Collects every attribute that makes a browser fetch something."""

    FETCHING = {"src", "href", "srcset", "poster", "data", "action", "background"}

    def __init__(self) -> None:
        super().__init__()
        self.references: list[tuple[str, str, str]] = []
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in self.FETCHING and value is not None:
                self.references.append((tag, name, value))
        if tag == "img":
            self.images.append(dict(attrs)["src"] or "")


def resources(html: str) -> _Resources:
    parser = _Resources()
    parser.feed(html)
    return parser


# --- metrics ---------------------------------------------------------------------


def test_import_metrics_match_the_fixture(written: dict[str, Path]) -> None:
    metrics = json.loads(written["metrics"].read_text())
    fetch_failed = {f[0] for f in MIXED_FAILURES if f[1] == "fetch"}
    quality_failed = {f[0] for f in MIXED_FAILURES if f[1] == "validation"}
    found = len(MIXED_ROWS) + len(fetch_failed)
    clean = sum(not row["quality_issues"] for row in MIXED_ROWS)
    manifest = manifest_for("x", found, len(MIXED_ROWS), len(fetch_failed))

    imported = metrics["import"]
    assert imported["found"] == found == 14
    assert imported["imported"] == imported["fetched"] == len(MIXED_ROWS)
    assert imported["failed"] == {
        "total": len(fetch_failed) + len(quality_failed),
        "fetch": len(fetch_failed),
        "validation": len(quality_failed),
    }
    assert imported["success_rate"] == pytest.approx(len(MIXED_ROWS) / found)
    assert imported["clean"] == clean
    assert imported["clean_rate"] == pytest.approx(clean / found)
    duration = manifest["duration_seconds"]
    assert imported["duration_seconds"] == duration
    assert imported["products_per_second"] == pytest.approx(len(MIXED_ROWS) / duration)
    assert imported["requests"] == manifest["requests"]
    assert imported["retries"] == {
        "total": sum(manifest["retries"].values()),
        "by_reason": manifest["retries"],
    }
    assert imported["throttle_wait_seconds"] == manifest["throttle_wait_seconds"]
    assert imported["peak_rss_mb"] == manifest["peak_rss_mb"]
    assert imported["token_refreshes"] == manifest["token_refreshes"]


def test_failures_by_reason_count_products_per_stage_and_check(
    written: dict[str, Path],
) -> None:
    metrics = json.loads(written["metrics"].read_text())
    by_reason = {
        (row["stage"], row["check"]): row["products"]
        for row in metrics["import"]["failed_by_reason"]
    }
    expected = Counter((f[1], f[2]) for f in MIXED_FAILURES)
    assert by_reason == expected
    first = metrics["import"]["failed_by_reason"][0]
    assert first["stage"] == "fetch"
    assert first["example_reason"] == MIXED_FAILURES[0][4]


def test_tokopedia_metrics_match_the_fixture(written: dict[str, Path]) -> None:
    tokopedia = json.loads(written["metrics"].read_text())["tokopedia"]
    listings = Counter(row["listing"] for row in MIXED_ROWS)
    n = len(MIXED_ROWS)
    assert {k: v["products"] for k, v in tokopedia["listing"].items()} == listings
    assert tokopedia["listing"]["both"]["share"] == pytest.approx(listings["both"] / n)
    on_tokopedia = listings["both"] + listings["tokopedia_only"]
    assert tokopedia["on_tokopedia"] == on_tokopedia
    assert tokopedia["on_tiktok_shop"] == listings["both"] + listings["tiktok_only"]
    assert tokopedia["integration_rate"] == pytest.approx(on_tokopedia / n)
    assert tokopedia["status"]["tiktok_shop"] == Counter(
        row["status"] for row in MIXED_ROWS if row["status"]
    )
    assert tokopedia["status"]["tokopedia"] == Counter(
        row["tokopedia_status"] for row in MIXED_ROWS if row["tokopedia_status"]
    )
    differing = [
        row
        for row in MIXED_ROWS
        if row["status"] and row["tokopedia_status"]
        if row["status"] != row["tokopedia_status"]
    ]
    assert tokopedia["mismatches"] == {
        "total": len(differing),
        "live_on_tiktok_shop_only": sum(r["status"] == "ACTIVATE" for r in differing),
        "live_on_tokopedia_only": sum(
            r["tokopedia_status"] == "ACTIVATE" for r in differing
        ),
        "neither_live": 1,
    }
    categories = {row["group"]: row for row in tokopedia["integration_by"]["category"]}
    assert categories["Fashion Wanita"]["rate"] == 0.75


def test_quality_metrics_come_from_the_summary_and_the_flags(
    written: dict[str, Path],
) -> None:
    quality = json.loads(written["metrics"].read_text())["quality"]
    summary = json.loads(
        (written["metrics"].parent / "validation" / "summary.json").read_text()
    )
    assert quality["results"] == summary
    passed = sum(entry["success"] for entry in summary)
    assert quality["expectations"] == {
        "total": len(summary),
        "passed": passed,
        "failed": len(summary) - passed,
    }
    assert quality["products_failing"] == sum(
        bool(row["quality_issues"]) for row in MIXED_ROWS
    )
    assert quality["issues"] == Counter(
        issue for row in MIXED_ROWS for issue in row["quality_issues"]
    )


def test_catalog_and_shop_facts(written: dict[str, Path]) -> None:
    metrics = json.loads(written["metrics"].read_text())
    catalog = metrics["catalog"]
    assert catalog["skus"] == sum(row["sku_count"] for row in MIXED_ROWS)
    assert catalog["top_level_categories"] == len(
        {
            row["category_path"].split(" > ")[0]
            for row in MIXED_ROWS
            if row["category_path"]
        }
    )
    assert catalog["currencies"] == ["IDR"]
    assert catalog["platforms"] == ["tiktok"]
    assert catalog["lowest_price"] == "15000.00"
    assert metrics["shop"]["name"] == "Toko Nusantara Jaya"
    assert metrics["run"]["status"] == "complete"
    assert metrics["run"]["windows"] == 1


def test_parameters_are_kept_but_secrets_dropped(written: dict[str, Path]) -> None:
    parameters = json.loads(written["metrics"].read_text())["parameters"]
    assert parameters["seed"] == 7 and parameters["page_size"] == 100
    assert "app_secret" not in parameters and "sign" not in parameters
    assert parameters["auth"] == {"region": "ID"}
    for path in written.values():
        text = path.read_text()
        assert not any(secret in text for secret in SECRET_VALUES), path.name


@pytest.mark.parametrize(
    "key", ["app_secret", "access_token", "refresh_token", "sign", "x_sign", "Password"]
)
def test_drop_secrets_drops_credential_keys_at_any_depth(key: str) -> None:
    value = {"keep": 1, key: "s3cret", "nested": [{key: "s3cret", "keep": 2}]}
    assert report.drop_secrets(value) == {"keep": 1, "nested": [{"keep": 2}]}


@pytest.mark.parametrize("key", ["design", "consignment", "shop", "signature_version"])
def test_drop_secrets_keeps_ordinary_keys(key: str) -> None:
    assert report.drop_secrets({key: 1}) == {key: 1}


def test_a_resumed_run_says_its_figures_add_up_its_attempts(tmp_path: Path) -> None:
    run = make_run(tmp_path / "resumed", MIXED_ROWS, MIXED_FAILURES)
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["resumed"] = ["2026-12-04T01:00:00Z", "2026-12-04T02:00:00Z"]
    (run / "manifest.json").write_text(json.dumps(manifest))

    written = report.write_report(run)

    metrics = json.loads(written["metrics"].read_text())
    assert metrics["import"]["attempts"] == 3
    for form in ("markdown", "html"):
        assert "over 3 attempts (the run was resumed" in written[form].read_text()


def test_a_run_in_one_go_says_nothing_of_attempts(written: dict[str, Path]) -> None:
    assert json.loads(written["metrics"].read_text())["import"]["attempts"] == 1
    assert "attempts (the run was resumed" not in written["markdown"].read_text()


def test_metrics_are_computed_not_hard_coded(tmp_path: Path) -> None:
    one = report.compute_metrics(make_run(tmp_path / "a", MIXED_ROWS, MIXED_FAILURES))
    other = report.compute_metrics(make_run(tmp_path / "b", ALL_TOKOPEDIA_ONLY_ROWS))
    assert other["tokopedia"]["integration_rate"] == 1.0
    assert other["import"]["failed"] == {"total": 0, "fetch": 0, "validation": 0}
    assert (
        one["tokopedia"]["integration_rate"] != other["tokopedia"]["integration_rate"]
    )


# --- the HTML and Markdown -------------------------------------------------------


def test_html_references_nothing_outside_itself(written: dict[str, Path]) -> None:
    html = written["html"].read_text()
    found = resources(html)
    for tag, attribute, value in found.references:
        assert value.startswith(("data:", "#")), (tag, attribute, value[:80])
    assert not re.search(r"url\(\s*['\"]?(?!data:)", html)
    assert "@import" not in html and "<script" not in html.split("<body>")[0]
    assert '<link rel="stylesheet"' not in html


def test_html_embeds_every_chart_as_a_decodable_png(written: dict[str, Path]) -> None:
    images = resources(written["html"].read_text()).images
    assert len(images) == len(charts.CHART_NAMES)
    for src in images:
        assert src.startswith("data:image/png;base64,")
        with Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))) as image:
            assert image.format == "PNG" and image.size[0] > 800


def test_html_escapes_product_titles(written: dict[str, Path]) -> None:
    html = written["html"].read_text()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(" in html and "Blus | Katun &amp; Linen" in html


def test_markdown_links_the_charts_and_escapes_table_cells(
    written: dict[str, Path],
) -> None:
    markdown = written["markdown"].read_text()
    for name in charts.CHART_NAMES:
        assert f"](charts/{name}.png)" in markdown
        assert (written["markdown"].parent / "charts" / f"{name}.png").is_file()
    row = next(line for line in markdown.splitlines() if line.startswith("| p04 |"))
    assert "&lt;script>alert('x')&lt;/script> Blus \\| Katun &amp; Linen" in row
    assert row.count(" | ") == 4  # five cells: the title's pipe did not add one


@pytest.mark.parametrize("top_n", [2, 20])
def test_markdown_tables_start_after_a_blank_line(mixed_run: Path, top_n: int) -> None:
    # A table right under a paragraph is not a table in GitHub Markdown.
    lines = report.write_report(mixed_run, top_n=top_n)["markdown"].read_text()
    lines = lines.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("|---"):
            assert lines[index - 1].startswith("| ") and lines[index - 2] == "", index


def test_report_sections_and_failing_expectations(written: dict[str, Path]) -> None:
    for path in (written["markdown"], written["html"]):
        text = path.read_text()
        for heading in (
            "Summary",
            "Import",
            "Tokopedia breakdown",
            "Data quality",
            "Run facts",
        ):
            assert heading in text, (path.name, heading)
        assert "Shopee comparison" not in text
        assert "expect_column_value_lengths_to_be_between" in text
        assert "Toko Nusantara Jaya" in text
    html = written["html"].read_text()
    # Failing expectations first, each with its unexpected count.
    assert html.count('<tr class="fail">') == 4 and html.count('<tr class="pass">') == 1
    assert html.index('class="fail"') < html.index('class="pass"')


def test_failed_products_table_lists_most_failed_first_with_reasons(
    mixed_run: Path,
) -> None:
    table = report.failed_products(report.load_run(mixed_run), top_n=3)
    assert table.rows()[0] == (
        "p09",
        "Produk p09",
        "validation",
        "category_present, sku_price_present",
        "category_chains is empty; SKU 1729000000000000091 has no sale_price",
    )
    assert table.height == 3
    assert table.row(1)[1] == MARKUP_TITLE


def test_top_n_limits_the_failed_products_and_says_how_many_more(
    mixed_run: Path,
) -> None:
    written = report.write_report(mixed_run, top_n=2)
    fetch = len({f[0] for f in MIXED_FAILURES if f[1] == "fetch"})
    quality = len({f[0] for f in MIXED_FAILURES if f[1] == "validation"})
    intro = (
        f"The first 2 of {fetch + quality} failed products ({quality} failing a "
        f"quality check, {fetch} that could not be fetched), those failing the most "
        "quality checks first, then those that could not be fetched"
    )
    assert intro in written["markdown"].read_text()
    assert " ".join(written["html"].read_text().split()).count(intro) == 1
    with pytest.raises(ConfigError, match="top_n must be 1 or more, got 0"):
        report.write_report(mixed_run, top_n=0)


def test_fetch_failures_are_listed_after_every_quality_failure(
    mixed_run: Path,
) -> None:
    # What the wording above promises: the order of the failed products table.
    stages = report.failed_products(report.load_run(mixed_run), top_n=None)["stage"]
    quality = stages.to_list().count("validation")
    assert stages.to_list() == ["validation"] * quality + ["fetch"] * (
        len(stages) - quality
    )
    markdown = report.write_report(mixed_run)["markdown"].read_text()
    assert (
        f"Every failed product ({quality} failing a quality check, "
        f"{len(stages) - quality} that could not be fetched)" in markdown
    )


def test_comparison_section_appears_when_the_folder_exists(mixed_run: Path) -> None:
    comparison = mixed_run / "comparison"
    comparison.mkdir()
    # Part of the shape tiktok_import.comparison writes, and a secret-looking key.
    summary = {
        "counts": {"pairs": 9, "shopee_items": 10},
        "largest_gaps_idr": [{"tiktok_product_id": "p02", "price_gap": -5000.0}],
        "inputs": {"shopee_kind": "api", "access_token": "fixture-access-0002"},
    }
    (comparison / "summary.json").write_text(json.dumps(summary))
    Image.new("RGB", (40, 20), "#0072B2").save(comparison / "coverage.png")
    written = report.write_report(mixed_run)
    metrics = json.loads(written["metrics"].read_text())
    assert metrics["comparison"]["charts"] == ["comparison/coverage.png"]
    assert metrics["comparison"]["summary"]["inputs"] == {"shopee_kind": "api"}
    assert metrics["comparison"]["pairs"] is None  # no comparison.parquet
    html = written["html"].read_text()
    assert 'id="comparison"' in html and 'href="#comparison"' in html
    assert "The 1 largest price gaps in IDR" in html
    assert '<td class="id">p02</td>' in html and "-Rp 5,000" in html
    assert "saved Shopee Open Platform API responses" in html
    assert len(resources(html).images) == len(charts.CHART_NAMES) + 1
    markdown = written["markdown"].read_text()
    # Without the coverage figures, the counts are shown as they stand.
    assert "### Other figures" in markdown and "| counts.pairs | 9 |" in markdown
    assert "](comparison/coverage.png)" in markdown
    assert "fixture-access-0002" not in html + markdown


def test_a_comparison_folder_without_summary_shows_its_charts_only(
    mixed_run: Path,
) -> None:
    (mixed_run / "comparison").mkdir()
    metrics = report.compute_metrics(mixed_run)
    assert metrics["comparison"] == {"summary": None, "charts": [], "pairs": None}
    markdown = report.write_report(mixed_run)["markdown"].read_text()
    assert "`comparison/summary.json` is missing" in markdown


# --- other runs ------------------------------------------------------------------


def test_an_empty_catalog_reports_zeros_not_errors(tmp_path: Path) -> None:
    written = report.write_report(make_run(tmp_path, []))
    metrics = json.loads(written["metrics"].read_text())
    assert metrics["import"]["imported"] == 0
    assert metrics["tokopedia"]["integration_rate"] is None
    assert metrics["tokopedia"]["listing"]["both"] == {"products": 0, "share": None}
    html = written["html"].read_text()
    assert "No product failed." in html
    assert len(resources(html).images) == len(charts.CHART_NAMES)


def test_a_run_without_failures(tmp_path: Path) -> None:
    written = report.write_report(make_run(tmp_path, NO_FAILURES_ROWS))
    metrics = json.loads(written["metrics"].read_text())
    assert metrics["import"]["failed"]["total"] == 0
    assert metrics["import"]["failed_by_reason"] == []
    assert metrics["quality"]["expectations"]["failed"] == 0
    assert "No product failed." in written["markdown"].read_text()


def test_an_incomplete_unvalidated_run_is_flagged(tmp_path: Path) -> None:
    run = make_run(tmp_path, MIXED_ROWS, MIXED_FAILURES, status="failed")
    (run / "validation" / "summary.json").unlink()
    written = report.write_report(run)
    assert json.loads(written["metrics"].read_text())["quality"]["validated"] is False
    html = written["html"].read_text()
    assert "This run did not complete (failed)" in html
    assert "has not been validated" in html


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("delete_folder", "does not exist"),
        ("delete_manifest", "has no manifest.json"),
        ("delete_products", "has no tables/products.parquet"),
    ],
)
def test_an_unusable_run_folder_is_a_config_error(
    mixed_run: Path, damage: str, message: str
) -> None:
    if damage == "delete_folder":
        folder = mixed_run / "missing"
    else:
        folder = mixed_run
        name = (
            "manifest.json"
            if damage == "delete_manifest"
            else "tables/products.parquet"
        )
        (mixed_run / name).unlink()
    with pytest.raises(ConfigError, match=message):
        report.write_report(folder)
