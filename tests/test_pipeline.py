"""The pipeline records each step, and a failed comparison still gets a report."""

import json
import subprocess
import sys

import pytest


def test_failed_comparison_still_reports_and_exits_non_zero(tmp_path):
    shopee = tmp_path / "shopee"
    shopee.mkdir()
    (shopee / "get_item_list.json").write_text(
        '{"error": "", "response": {"item": [,]}}'
    )
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tiktok_import.cli",
            "run",
            "--output-dir",
            str(tmp_path / "runs"),
            "--run-id",
            "bad-shopee",
            "--catalog-size",
            "40",
            "--shopee-source",
            str(shopee),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 1
    err = completed.stderr.strip().splitlines()
    assert "05_compare_shopee.ipynb failed" in err[-1], completed.stderr[-2000:]
    folder = tmp_path / "runs" / "bad-shopee"
    steps = json.loads((folder / "pipeline.json").read_text())["steps"]
    status = {step["notebook"]: step["status"] for step in steps}
    assert status == {
        "01_import.ipynb": "complete",
        "02_validate.ipynb": "complete",
        "03_tokopedia_breakdown.ipynb": "complete",
        "05_compare_shopee.ipynb": "failed",
        "04_report.ipynb": "complete",
    }
    failed = next(s for s in steps if s["status"] == "failed")
    assert "get_item_list.json" in failed["error"]
    assert (folder / "report.html").is_file()


@pytest.mark.slow
def test_failed_import_skips_the_later_steps(tmp_path, monkeypatch):
    for name in ("TIKTOK_APP_KEY", "TIKTOK_APP_SECRET", "TIKTOK_ACCESS_TOKEN"):
        monkeypatch.setenv(name, "x" * 12)
    monkeypatch.setenv("TIKTOK_API_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("TIKTOK_AUTH_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.chdir(tmp_path)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tiktok_import.cli",
            "run",
            "--source",
            "live",
            "--output-dir",
            str(tmp_path / "runs"),
            "--run-id",
            "down",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 1
    assert "01_import.ipynb failed" in completed.stderr
    steps = json.loads((tmp_path / "runs" / "down" / "pipeline.json").read_text())
    # No Shopee source for a live run: four steps, the comparison is not one.
    assert [s["status"] for s in steps["steps"]] == ["failed"] + ["skipped"] * 3


def test_a_full_disk_under_papermill_is_one_step_error(tmp_path, monkeypatch):
    # papermill writes the executed notebook after each cell; there a full disk
    # surfaces as a bare OSError, and pipeline.json cannot be written either.
    import errno

    import papermill

    from tiktok_import import pipeline
    from tiktok_import.importer import ImportConfig

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    writes = []

    def pipeline_json_fills_up(path, record):
        writes.append(record)
        if any(step["status"] == "failed" for step in record["steps"]):
            raise OSError(errno.ENOSPC, "No space left on device")
        (tmp_path / "record.json").write_text(json.dumps(record))

    monkeypatch.setattr(papermill, "execute_notebook", disk_full)
    monkeypatch.setattr(pipeline, "write_json_atomic", pipeline_json_fills_up)
    config = ImportConfig(output_dir=str(tmp_path), run_id="full")
    with pytest.raises(pipeline.StepFailed) as failed:
        pipeline.run_pipeline(config)
    message = str(failed.value)
    assert message.startswith("01_import.ipynb: cannot write ")
    assert "No space left on device" in message and "--resume" in message
    assert "\n" not in message
    last_kept = json.loads((tmp_path / "record.json").read_text())["steps"]
    assert last_kept[0]["status"] == "running"  # never marked complete
