"""The report of a run whose later steps failed, never ran, or were skipped."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from test_report_fixtures import MIXED_FAILURES, MIXED_ROWS, make_run

from tiktok_import import report

VANISHED = [
    {"product_id": "p98", "code": 12019150, "message": "product not found"},
    {"product_id": "p99", "code": 12019150, "message": "product not found"},
]


def unvalidated_run(root: Path, *, raw_failures: bool = True) -> Path:
    """A mixed run killed during validation: no summary, no failures table."""
    run = make_run(root, MIXED_ROWS, MIXED_FAILURES)
    (run / "validation" / "summary.json").unlink()
    (run / "tables" / "failures.parquet").unlink()
    if raw_failures:
        (run / "raw").mkdir()
        with gzip.open(run / "raw" / "fetch_failures.jsonl.gz", "wt") as stream:
            stream.writelines(json.dumps(row) + "\n" for row in VANISHED)
    return run


def write_pipeline(run: Path, *steps: tuple[str, str, str | None]) -> None:
    record = {
        "steps": [
            {
                "notebook": notebook,
                "status": status,
                "started_at": "2026-12-03T18:00:05Z",
                "finished_at": None if status == "running" else "2026-12-03T18:00:09Z",
                "error": error,
            }
            for notebook, status, error in steps
        ]
    }
    (run / "pipeline.json").write_text(json.dumps(record))


def read(written: dict[str, Path]) -> tuple[dict, str, str]:
    metrics = json.loads(written["metrics"].read_text())
    return metrics, written["markdown"].read_text(), written["html"].read_text()


def test_an_unvalidated_run_lists_its_fetch_failures_from_the_raw_file(
    tmp_path: Path,
) -> None:
    metrics, markdown, html = read(report.write_report(unvalidated_run(tmp_path)))
    assert metrics["import"]["validated"] is False
    failed = metrics["import"]["failed"]
    assert failed == {"total": None, "fetch": 2, "validation": None}
    assert metrics["import"]["clean"] is None
    assert [row["check"] for row in metrics["import"]["failed_by_reason"]] == [
        "12019150"
    ]
    for text in (markdown, html):
        assert "2 could not be fetched" in text
        assert "No product failed" not in text
        assert "Validation has not run for this run" in text
        assert "p98" in text and "p99" in text


def test_an_unvalidated_run_has_nulls_not_zeros_for_quality(tmp_path: Path) -> None:
    metrics, _, _ = read(report.write_report(unvalidated_run(tmp_path)))
    quality = metrics["quality"]
    assert quality["validated"] is False
    assert quality["expectations"] == {"total": None, "passed": None, "failed": None}
    assert quality["products_passing"] is None
    assert quality["products_failing"] is None
    assert quality["issues"] is None


def test_stale_quality_flags_are_ignored_until_validation_ran(tmp_path: Path) -> None:
    # The fixture's products carry quality_ok; without the validation's outputs
    # they cannot be trusted to be this run's.
    metrics, markdown, _ = read(report.write_report(unvalidated_run(tmp_path)))
    assert metrics["quality"]["pass_rate"] is None
    assert "| Failed a quality check | not validated |" in markdown


def test_without_the_raw_file_the_manifest_count_is_reported(tmp_path: Path) -> None:
    run = unvalidated_run(tmp_path, raw_failures=False)
    metrics, markdown, html = read(report.write_report(run))
    assert metrics["import"]["failed"]["fetch"] == 2  # the manifest's counts.failed
    for text in (markdown, html):
        assert "No product failed" not in text
        assert "2 products could not be fetched" in text


def test_a_failed_step_is_named_above_the_summary(tmp_path: Path) -> None:
    run = make_run(tmp_path, MIXED_ROWS, MIXED_FAILURES)
    write_pipeline(
        run,
        ("01_import.ipynb", "complete", None),
        ("02_validate.ipynb", "complete", None),
        ("03_tokopedia_breakdown.ipynb", "complete", None),
        ("05_compare_shopee.ipynb", "failed", "ConfigError: Shopee source is empty"),
        ("04_report.ipynb", "running", None),
    )
    metrics, markdown, html = read(report.write_report(run))
    notice = "The Shopee comparison failed: ConfigError: Shopee source is empty"
    assert metrics["pipeline"]["notices"] == [notice]
    assert [step["status"] for step in metrics["pipeline"]["steps"]] == [
        "complete",
        "complete",
        "complete",
        "failed",
        "running",
    ]
    assert markdown.index(notice) < markdown.index("## Summary")
    assert html.index(notice) < html.index('id="summary"')
    assert "The report" not in markdown
    assert "There is no Shopee comparison" not in markdown


def test_validation_that_did_not_finish_is_said_plainly(tmp_path: Path) -> None:
    run = unvalidated_run(tmp_path)
    write_pipeline(
        run,
        ("01_import.ipynb", "complete", None),
        ("02_validate.ipynb", "running", None),
    )
    metrics, markdown, _ = read(report.write_report(run))
    assert metrics["pipeline"]["notices"] == ["Validation did not finish."]
    assert markdown.index("Validation did not finish.") < markdown.index("## Summary")


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        ("complete", None, "There is no Shopee comparison for this run."),
        (
            "skipped",
            "live run without --shopee-source",
            "There is no Shopee comparison for this run: the step was skipped "
            "(live run without --shopee-source).",
        ),
    ],
    ids=["ran", "skipped"],
)
def test_no_comparison_is_said_only_when_the_step_ran_or_was_skipped(
    tmp_path: Path, status: str, error: str | None, expected: str
) -> None:
    run = make_run(tmp_path, MIXED_ROWS, MIXED_FAILURES)
    write_pipeline(run, ("05_compare_shopee.ipynb", status, error))
    _, markdown, html = read(report.write_report(run))
    assert expected in markdown
    assert expected in html


def test_without_pipeline_json_nothing_is_said_about_steps(tmp_path: Path) -> None:
    metrics, markdown, html = read(
        report.write_report(make_run(tmp_path, MIXED_ROWS, MIXED_FAILURES))
    )
    assert metrics["pipeline"] is None
    for text in (markdown, html):
        assert "Not every step" not in text
        assert "There is no Shopee comparison" not in text
        assert "Shopee comparison" not in text


def test_a_pipeline_record_of_the_wrong_shape_is_a_config_error(
    tmp_path: Path,
) -> None:
    run = make_run(tmp_path, MIXED_ROWS, MIXED_FAILURES)
    (run / "pipeline.json").write_text(json.dumps([{"notebook": "x"}]))
    with pytest.raises(report.ConfigError, match='should hold {"steps"'):
        report.write_report(run)


def test_throttling_is_labelled_as_summed_over_workers(tmp_path: Path) -> None:
    _, markdown, html = read(
        report.write_report(make_run(tmp_path, MIXED_ROWS, MIXED_FAILURES))
    )
    assert "Seconds waited on throttling, summed over workers" in markdown
    assert "Seconds waited on throttling, summed over workers" in html
    assert "Waiting on throttling" not in markdown + html


def test_a_search_only_run_fetched_no_details(tmp_path: Path) -> None:
    run = make_run(tmp_path, MIXED_ROWS, MIXED_FAILURES)
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["parameters"]["fetch_details"] = False
    (run / "manifest.json").write_text(json.dumps(manifest))
    metrics, markdown, html = read(report.write_report(run))
    assert metrics["import"]["details_fetched"] is False
    assert metrics["import"]["fetched"] is None
    assert "| Products fetched (detail) | not fetched (search only) |" in markdown
    assert "not fetched (search only)" in html
