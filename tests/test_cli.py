"""The console command: one-line errors for bad input, runs and batches end to end."""

import json
import subprocess
import sys

import pytest

from tiktok_import.cli import main


def _cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "tiktok_import.cli", *args],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=cwd,
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["--page-size", "500"],
            "page_size must be a whole number from 1 to 100",
            id="page-size",
        ),
        pytest.param(
            ["--rps", "-3"], "requests_per_second must be above 0", id="negative-rps"
        ),
        pytest.param(["--rps", "1e9"], "at most 1000", id="absurd-rps"),
        pytest.param(["--workers", "0"], "workers must be", id="workers"),
        pytest.param(["--run-id", "../x"], "run_id must be", id="run-id"),
        pytest.param(
            ["--catalog-size", "0"], "catalog_size must be", id="catalog-size"
        ),
    ],
)
def test_bad_parameters_get_one_line(args, expected, tmp_path, capsys):
    code = main(["run", "--output-dir", str(tmp_path), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not list(tmp_path.iterdir()), "nothing may be written for bad parameters"


def test_live_without_credentials_says_which(tmp_path, capsys, monkeypatch):
    for name in ("TIKTOK_APP_KEY", "TIKTOK_APP_SECRET", "TIKTOK_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    code = main(
        ["run", "--source", "live", "--all-shops", "--output-dir", str(tmp_path)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "TIKTOK_APP_KEY, TIKTOK_APP_SECRET, TIKTOK_ACCESS_TOKEN" in err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param("{not json", "is not valid JSON", id="not-json"),
        pytest.param(
            '{"shop": "A"}', "must hold a JSON list of one or more", id="not-a-list"
        ),
        pytest.param("[]", "must hold a JSON list of one or more", id="empty-list"),
        pytest.param(
            '[{"shop": "A"}, {"page_size": 0}]',
            "params file entry 2: page_size must be",
            id="bad-value-names-its-entry",
        ),
        pytest.param(
            '[{"app_secret": "x"}]',
            "params file entry 1: parameter app_secret looks like a secret",
            id="secret",
        ),
        pytest.param(
            '[{"shoop": "A"}]', "unknown parameter(s) shoop", id="unknown-key"
        ),
        pytest.param('[{"page_size": 0}]', "page_size must be", id="bad-value"),
    ],
)
def test_bad_params_file(content, expected, tmp_path, capsys):
    params = tmp_path / "runs.json"
    params.write_text(content)
    code = main(
        ["run", "--params-file", str(params), "--output-dir", str(tmp_path / "o")]
    )
    assert code == 2
    assert expected in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(["run", "--rps", "abc"], "invalid float value: 'abc'", id="rps"),
        pytest.param(["run", "--source", "foo"], "invalid choice: 'foo'", id="source"),
        pytest.param(["run", "--no-such-flag"], "unrecognized arguments", id="flag"),
        pytest.param(["nothing"], "invalid choice: 'nothing'", id="command"),
    ],
)
def test_command_line_mistakes_are_one_line(args, expected, capsys):
    with pytest.raises(SystemExit) as exited:
        main(args)
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err.count("\n") == 1, err
    assert err.startswith("tiktok-import: error: ") and expected in err
    assert "--help" in err


def test_emulator_catalog_writes_ground_truth(tmp_path):
    out = tmp_path / "truth.jsonl"
    completed = _cli(
        "emulator", "catalog", "--size", "50", "--seed", "3", "--out", str(out)
    )
    assert completed.returncode == 0, completed.stderr
    truth = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(truth) == 50
    assert {"id", "listing", "defects", "vanishes"} <= set(truth[0])


def test_unknown_fault_class_is_one_line(capsys):
    code = main(["emulator", "serve", "--fault", "gremlins=0.5"])
    err = capsys.readouterr().err
    assert code == 2 and "gremlins" in err and "Traceback" not in err


def test_run_prints_the_run_folder(tmp_path):
    completed = _cli(
        "run", "--output-dir", str(tmp_path), "--run-id", "cli", "--catalog-size", "60"
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    folder = tmp_path / "cli"
    assert completed.stdout.strip().splitlines()[-1] == str(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    executed = sorted(p.name for p in (folder / "notebooks").glob("*.ipynb"))
    assert executed == [
        "01_import.ipynb",
        "02_validate.ipynb",
        "03_tokopedia_breakdown.ipynb",
        "04_report.ipynb",
        "05_compare_shopee.ipynb",
    ]
    for name in ("report.md", "report.html", "metrics.json"):
        assert (folder / name).stat().st_size > 0
    assert len(list((folder / "charts").glob("*.png"))) == 5
    assert (folder / "comparison" / "comparison.parquet").is_file()

    truth_file = tmp_path / "truth.jsonl"
    _cli("emulator", "catalog", "--size", "60", "--out", str(truth_file))
    truth = [json.loads(line) for line in truth_file.read_text().splitlines()]
    metrics = json.loads((folder / "metrics.json").read_text())["import"]
    assert metrics["found"] == len(truth)
    assert metrics["failed"]["fetch"] == sum(p["vanishes"] for p in truth)
    assert metrics["failed"]["validation"] == sum(bool(p["defects"]) for p in truth)
    assert "## Shopee comparison" in (folder / "report.md").read_text()


def test_batch_of_three_emulated_shops(tmp_path):
    completed = _cli(
        "run",
        "--output-dir",
        str(tmp_path),
        "--run-id",
        "batch",
        "--catalog-size",
        "40",
        "--emulator-shops",
        "3",
        "--all-shops",
        "--parallel",
        "3",
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    folders = completed.stdout.split()
    assert len(folders) == 3
    shops = set()
    for folder in folders:
        manifest = json.loads(
            (tmp_path / folder.split("/")[-1] / "manifest.json").read_text()
        )
        assert manifest["status"] == "complete"
        assert manifest["counts"]["found"] == 40
        shops.add(manifest["shop"]["id"])
    assert len(shops) == 3


def test_resume_needs_a_single_run_id(tmp_path, capsys):
    code = main(["run", "--resume", "--output-dir", str(tmp_path)])
    assert code == 2
    assert "--resume carries on one run" in capsys.readouterr().err


def test_resume_through_the_command_finishes_an_interrupted_run(tmp_path):
    from tiktok_import.importer import ImportConfig, run_import

    # An interrupted run: the import stopped (here: a fatal error) before details.
    config = ImportConfig(output_dir=str(tmp_path), run_id="again", catalog_size=50)
    run_import(config, progress=False)
    manifest_path = tmp_path / "again" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["status"] = "failed"
    manifest_path.write_text(json.dumps(manifest))

    completed = _cli(
        "run", "--resume", "--run-id", "again", "--output-dir", str(tmp_path)
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    manifest = json.loads(manifest_path.read_text())
    assert manifest["status"] == "complete"
    assert manifest["counts"]["found"] == 50
    assert len(manifest["resumed"]) == 1
    assert (tmp_path / "again" / "report.html").is_file()


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        pytest.param(
            '{"timeout_seconds": "abc"}',
            "timeout_seconds must be a number",
            id="text-number",
        ),
        pytest.param('{"run_id": 5}', "run_id must be text", id="number-text"),
        pytest.param(
            '{"fetch_details": "no"}',
            "fetch_details must be true or false",
            id="text-bool",
        ),
    ],
)
def test_params_file_values_are_type_checked(entry, expected, tmp_path, capsys):
    params = tmp_path / "runs.json"
    params.write_text(f"[{entry}]")
    code = main(
        ["run", "--params-file", str(params), "--output-dir", str(tmp_path / "o")]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err and "Traceback" not in err


def test_a_numeric_shop_id_is_taken_as_text():
    from tiktok_import.importer import ImportConfig

    assert (
        ImportConfig(shop=7499654443147356962).validate().shop == "7499654443147356962"
    )


def test_ctrl_c_is_one_line_and_leaves_a_run_to_resume(tmp_path):
    import os
    import signal
    import time

    process = subprocess.Popen(
        [sys.executable, "-m", "tiktok_import.cli", "run"]
        + ["--output-dir", str(tmp_path), "--run-id", "cut", "--catalog-size", "2000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # Ctrl-C reaches the whole process group
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    checkpoint = tmp_path / "cut" / "checkpoint.json"
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert checkpoint.exists(), "the import never got going"
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=120)

    assert process.returncode == 130, err
    assert err.strip().splitlines() == [
        "tiktok-import: interrupted; --resume --run-id <the run folder's name> "
        "carries an interrupted run on"
    ]
    steps = json.loads((tmp_path / "cut" / "pipeline.json").read_text())["steps"]
    assert (steps[0]["status"], steps[0]["error"]) == ("failed", "interrupted")
    manifest = json.loads((tmp_path / "cut" / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert "--resume --run-id cut" in manifest["error"]
