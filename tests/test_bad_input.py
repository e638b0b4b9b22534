"""Bad input of every kind: a one-line error naming the input and the fix.

No traceback, a non-zero exit, and no run marked complete. Kinds already tested
elsewhere are listed in `COVERED_ELSEWHERE` rather than tested twice.
"""

from __future__ import annotations

import errno
import gzip
import json
import shutil
from pathlib import Path

import papermill
import pytest
from helpers import point_live_mode_at

from tiktok_import import comparison, mapping, report, storage, validation
from tiktok_import.cli import main
from tiktok_import.emulator import Emulator, EmulatorConfig
from tiktok_import.errors import ConfigError, FatalApiError, TikTokImportError
from tiktok_import.importer import ImportConfig, run_import
from tiktok_import.pipeline import NOTEBOOKS_DIR, ShopeeSource

COVERED_ELSEWHERE = {
    "page_size outside 1..100": "test_cli.py::test_bad_parameters_get_one_line",
    "negative or absurd rates": "test_cli.py::test_bad_parameters_get_one_line, "
    "test_retry.py::test_absurd_ceilings_are_refused",
    "workers, catalog size, run id": "test_cli.py::test_bad_parameters_get_one_line",
    "missing credentials": "test_cli.py::test_live_without_credentials_says_which, "
    "test_credentials.py::test_missing_credentials_name_the_variables",
    "malformed .env line (parser)": "test_credentials.py::"
    "test_malformed_env_line_is_named",
    "wrong app secret (106001)": "test_import_emulator.py::"
    "test_wrong_app_secret_is_fatal_and_the_run_is_marked_failed",
    "unknown or ambiguous shop": "test_import_emulator.py::"
    "test_shop_choice_among_several",
    "same run id twice": "test_import_emulator.py::test_same_run_id_twice_is_refused",
    "params file": "test_cli.py::test_bad_params_file",
    "unknown fault class": "test_cli.py::test_unknown_fault_class_is_one_line",
    "notebook 02 on a missing or unfinished run": "test_notebook_02.py",
    "map_run on a missing folder, missing or non-gzip raw file": "test_mapping.py",
    "write_report on a folder without manifest or tables": "test_report.py::"
    "test_an_unusable_run_folder_is_a_config_error",
    "Shopee files that do not parse, unknown Shopee kind": "test_shopee.py, "
    "test_comparison.py::test_bad_kind_is_a_config_error",
    "bad notebook parameter (01)": "test_notebook_01.py::"
    "test_bad_parameter_fails_in_one_line",
}

CREDENTIALS = (
    "TIKTOK_APP_KEY",
    "TIKTOK_APP_SECRET",
    "TIKTOK_ACCESS_TOKEN",
    "TIKTOK_REFRESH_TOKEN",
    "TIKTOK_API_BASE_URL",
    "TIKTOK_AUTH_BASE_URL",
    "TIKTOK_TOKEN_FILE",
)


def _one_line_error(err: str) -> str:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("tiktok-import:")]
    assert len(lines) == 1, err
    return lines[0]


def _assert_no_complete_run(output_dir: Path) -> None:
    for manifest in output_dir.glob("*/manifest.json"):
        assert json.loads(manifest.read_text())["status"] != "complete"


@pytest.fixture
def live_env(monkeypatch, tmp_path):
    """Clears the credentials and works in an empty folder (no stray .env)."""
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)

    def point_at(emulator: Emulator) -> None:
        point_live_mode_at(monkeypatch, emulator)

    return point_at


@pytest.fixture(scope="module")
def complete_run(tmp_path_factory) -> Path:
    """A real, complete, unmapped import of 100 products, one of them vanished."""
    out = tmp_path_factory.mktemp("runs")
    with Emulator(EmulatorConfig(size=100, seed=11, rps=None)) as emulator:
        result = run_import(
            ImportConfig(output_dir=str(out), run_id="good"),
            progress=False,
            emulator=emulator,
        )
    assert result.manifest["counts"]["failed"] >= 1
    return result.run_folder


def _copy(run: Path, tmp_path: Path, status: str | None = None) -> Path:
    copy = Path(shutil.copytree(run, tmp_path / run.name))
    if status:
        manifest = json.loads((copy / "manifest.json").read_text())
        manifest["status"] = status
        (copy / "manifest.json").write_text(json.dumps(manifest))
    return copy


# --- parameters ---------------------------------------------------------------


def test_unknown_source_is_refused():
    with pytest.raises(ConfigError, match="source must be one of emulator, live"):
        ImportConfig(source="sandbox").validate()


def test_unknown_source_on_the_command_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["run", "--source", "sandbox", "--output-dir", str(tmp_path)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'sandbox'" in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(["--page-size", "0"], "page_size must be", id="page-size-0"),
        pytest.param(["--page-size", "101"], "from 1 to 100", id="page-size-101"),
        pytest.param(["--rps", "0"], "requests_per_second must be", id="zero-rps"),
        pytest.param(["--rps", "nan"], "requests_per_second must be", id="nan-rps"),
        pytest.param(["--parallel", "0"], "parallel must be 1..16", id="parallel"),
        pytest.param(
            ["--output-dir", "/etc/hostname/x"], "is not writable", id="under-a-file"
        ),
        pytest.param(["--output-dir", "/proc/x"], "is not writable", id="proc"),
    ],
)
def test_bad_run_options_get_one_line(args, expected, tmp_path, capsys):
    argv = ["run", "--output-dir", str(tmp_path), "--catalog-size", "5", *args]
    code = main(argv)
    line = _one_line_error(capsys.readouterr().err)
    assert code != 0
    assert expected in line
    _assert_no_complete_run(tmp_path)


def test_unwritable_output_dir_names_the_fix(tmp_path):
    with pytest.raises(ConfigError, match="not writable.*choose another --output-dir"):
        storage.RunFolder.create("/etc/hostname/x", "r1")


# --- credentials and the API ----------------------------------------------------


def test_malformed_env_line_on_the_command_line(tmp_path, capsys, live_env):
    (tmp_path / ".env").write_text(
        "TIKTOK_APP_KEY=k\nTIKTOK_APP_SECRET s3cret-without-equals\n"
    )
    code = main(
        ["run", "--source", "live", "--output-dir", str(tmp_path / "o"), "--shop", "x"]
    )
    line = _one_line_error(capsys.readouterr().err)
    assert code != 0
    assert ".env, line 2: expected NAME=value" in line
    assert "s3cret-without-equals" not in line
    _assert_no_complete_run(tmp_path / "o")


def test_expired_refresh_token_says_to_reauthorize(tmp_path, live_env):
    config = EmulatorConfig(size=5, rps=None, token_ttl=1, refresh_ttl=1)
    with Emulator(config) as emulator:
        live_env(emulator)
        import time

        time.sleep(1.2)  # both tokens have now expired
        with pytest.raises(FatalApiError, match="36004001") as caught:
            run_import(
                ImportConfig(source="live", output_dir=str(tmp_path), run_id="stale"),
                progress=False,
            )
    assert "authorize the app again" in str(caught.value)
    assert "\n" not in str(caught.value)
    manifest = json.loads((tmp_path / "stale" / "manifest.json").read_text())
    assert manifest["status"] == "failed" and "36004001" in manifest["error"]


def test_pipeline_errors_are_one_line_on_the_command_line(tmp_path, capsys, live_env):
    # A wrong app secret and an unknown shop, through papermill, as the CLI shows them.
    with Emulator(EmulatorConfig(size=5, rps=None)) as emulator:
        live_env(emulator)
        code_shop = main(
            ["run", "--source", "live", "--output-dir", str(tmp_path), "--shop", "nope"]
        )
        shop_line = _one_line_error(capsys.readouterr().err)
        import os

        os.environ["TIKTOK_APP_SECRET"] = "not-the-secret"
        code_sign = main(
            ["run", "--source", "live", "--output-dir", str(tmp_path), "--run-id", "s"]
        )
        sign_line = _one_line_error(capsys.readouterr().err)
    assert code_shop != 0 and code_sign != 0
    assert "no authorized shop matches 'nope'" in shop_line
    assert "01_import.ipynb failed in cell" in shop_line
    assert "106001" in sign_line and "TIKTOK_APP_SECRET" in sign_line
    assert "not-the-secret" not in sign_line
    _assert_no_complete_run(tmp_path)


def test_bad_base_url_is_one_line(tmp_path, live_env, monkeypatch):
    with Emulator(EmulatorConfig(size=5, rps=None)) as emulator:
        live_env(emulator)
    monkeypatch.setenv("TIKTOK_API_BASE_URL", "open-api.example.invalid")
    with pytest.raises(TikTokImportError, match="TIKTOK_API_BASE_URL"):
        run_import(
            ImportConfig(source="live", output_dir=str(tmp_path), run_id="url"),
            progress=False,
        )
    _assert_no_complete_run(tmp_path)


def test_existing_run_id_on_the_command_line(tmp_path, capsys):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "manifest.json").write_text('{"status": "complete"}')
    code = main(["run", "--output-dir", str(tmp_path), "--run-id", "taken"])
    line = _one_line_error(capsys.readouterr().err)
    assert code != 0
    assert "run 'taken' already exists" in line and "choose another run id" in line


def test_existing_unfinished_run_id_points_at_resume(tmp_path, capsys):
    (tmp_path / "cut").mkdir()
    (tmp_path / "cut" / "manifest.json").write_text('{"status": "failed"}')
    code = main(["run", "--output-dir", str(tmp_path), "--run-id", "cut"])
    line = _one_line_error(capsys.readouterr().err)
    assert code != 0
    assert "did not finish (status failed)" in line
    assert "--resume --run-id cut" in line


def test_resume_of_a_run_id_with_no_folder_on_the_command_line(tmp_path, capsys):
    code = main(
        ["run", "--resume", "--output-dir", str(tmp_path), "--run-id", "nosuch"]
    )
    line = _one_line_error(capsys.readouterr().err)
    assert code != 0
    assert "there is no run 'nosuch'" in line and "leave out --resume" in line
    assert not (tmp_path / "nosuch").exists()


# --- run folders for the steps after the import ---------------------------------

STEPS = {
    "map_run": mapping.map_run,
    "validate_run": validation.validate_run,
    "compare_run": comparison.compare_run,
    "write_report": report.write_report,
}


@pytest.mark.parametrize("step", STEPS)
def test_steps_refuse_a_folder_that_does_not_exist(step, tmp_path):
    with pytest.raises(ConfigError, match="does not exist|has no manifest.json"):
        STEPS[step](tmp_path / "no-such-run")


@pytest.mark.parametrize("status", ["running", "failed"])
@pytest.mark.parametrize("step", STEPS)
def test_steps_refuse_an_incomplete_run(step, status, complete_run, tmp_path):
    run = _copy(complete_run, tmp_path, status)
    expected = (
        "has no tables/products.parquet: map"
        if step == "write_report"  # the report reads tables, which it never had
        else f"is {status}, not complete"
    )
    with pytest.raises(ConfigError, match=expected):
        STEPS[step](run)


@pytest.mark.parametrize(
    "notebook",
    ["03_tokopedia_breakdown.ipynb", "04_report.ipynb", "05_compare_shopee.ipynb"],
)
@pytest.mark.parametrize("case", ["missing", "running"])
def test_notebooks_refuse_a_bad_run_folder_in_one_line(
    notebook, case, complete_run, tmp_path
):
    if case == "missing":
        folder, expected = tmp_path / "gone", "has no manifest.json|does not exist"
    else:
        folder = _copy(complete_run, tmp_path, "running")
        expected = "is running, not complete"
    with pytest.raises(papermill.PapermillExecutionError) as caught:
        papermill.execute_notebook(
            str(NOTEBOOKS_DIR / notebook),
            str(tmp_path / notebook),
            parameters={"run_folder": str(folder)},
            kernel_name="python3",
            progress_bar=False,
        )
    assert caught.value.ename == "ConfigError"
    assert len(caught.value.traceback) == 1
    import re

    assert re.search(expected, caught.value.evalue), caught.value.evalue


# --- corrupt raw files ------------------------------------------------------------


def _damage(run: Path, name: str, how: str) -> None:
    path = run / "raw" / name
    if how == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) - 7])  # into the last gzip trailer
    else:  # a line that is not JSON, between good ones
        lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
        lines.insert(1, b'{"code": 0, "data": {"id": "123", "tit\n')
        path.write_bytes(gzip.compress(b"".join(lines)))


@pytest.mark.parametrize(
    ("name", "step", "how"),
    [
        pytest.param("products.jsonl.gz", "map_run", "truncated", id="products-cut"),
        pytest.param(
            "products.jsonl.gz", "map_run", "not-json", id="products-not-json"
        ),
        pytest.param(
            "fetch_failures.jsonl.gz", "validate_run", "truncated", id="failures-cut"
        ),
        pytest.param(
            "fetch_failures.jsonl.gz",
            "validate_run",
            "not-json",
            id="failures-bad",
        ),
    ],
)
def test_corrupt_raw_file_is_named(name, step, how, complete_run, tmp_path):
    run = _copy(complete_run, tmp_path)
    if name == "fetch_failures.jsonl.gz":
        mapping.map_run(run)  # so that only the failures file is read
    _damage(run, name, how)
    with pytest.raises(ConfigError, match=f"{name}.*re-run the import") as caught:
        STEPS[step](run)
    assert "\n" not in str(caught.value)


def test_corrupt_search_pages_of_a_run_without_details(tmp_path):
    with Emulator(EmulatorConfig(size=30, rps=None)) as emulator:
        result = run_import(
            ImportConfig(output_dir=str(tmp_path), run_id="s", fetch_details=False),
            progress=False,
            emulator=emulator,
        )
    _damage(result.run_folder, "search_pages.jsonl.gz", "not-json")
    with pytest.raises(ConfigError, match="search_pages.jsonl.gz.*re-run the import"):
        mapping.map_run(result.run_folder)


# --- the disk fills up during the raw writes ---------------------------------------


def test_disk_full_during_raw_writes(tmp_path, monkeypatch):
    write = storage.JsonLinesWriter.write
    written = {"lines": 0}

    def write_until_full(self, body: bytes) -> None:
        if self.path.name == "products.jsonl.gz" and written["lines"] >= 50:
            raise OSError(errno.ENOSPC, "No space left on device", str(self.path))
        write(self, body)
        if self.path.name == "products.jsonl.gz":
            written["lines"] += 1

    monkeypatch.setattr(storage.JsonLinesWriter, "write", write_until_full)
    with (
        Emulator(EmulatorConfig(size=120, rps=None)) as emulator,
        pytest.raises(Exception) as caught,  # noqa: PT011 - checked below
    ):
        run_import(
            ImportConfig(output_dir=str(tmp_path), run_id="full"),
            progress=False,
            emulator=emulator,
        )
    folder = tmp_path / "full"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert "No space left on device" in manifest["error"]
    kept = storage.read_json_lines(folder / "raw" / "products.jsonl.gz")
    assert len(kept) >= 1, "the raw written before the disk filled is kept"
    # What the analyst sees: one line naming the file and what to do.
    assert isinstance(caught.value, ConfigError), repr(caught.value)
    assert "products.jsonl.gz" in str(caught.value)
    assert "free" in str(caught.value) or "--output-dir" in str(caught.value)


# --- the Shopee source ------------------------------------------------------------


def test_shopee_source_that_does_not_exist(tmp_path, capsys):
    missing = tmp_path / "no-shopee"
    code = main(
        [
            "run",
            "--output-dir",
            str(tmp_path / "o"),
            "--catalog-size",
            "5",
            "--shopee-source",
            str(missing),
        ]
    )
    line = _one_line_error(capsys.readouterr().err)
    assert code != 0
    assert f"Shopee source {missing} does not exist" in line
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())


@pytest.mark.parametrize(
    ("kind", "make", "expected"),
    [
        pytest.param("xlsx", "folder", "xlsx", id="folder-as-xlsx"),
        pytest.param("api", "xlsx", "api", id="xlsx-as-api"),
    ],
)
def test_shopee_source_of_the_wrong_kind(kind, make, expected, complete_run, tmp_path):
    from tiktok_import.emulator.shopee import write_shopee_catalog

    source = write_shopee_catalog(
        30, 7, tmp_path / "shopee", make.replace("folder", "api")
    )
    run = _copy(complete_run, tmp_path)
    # The command refuses it before any work ...
    with pytest.raises(ConfigError, match="xlsx") as early:
        ShopeeSource(str(source), kind).check()
    assert "\n" not in str(early.value) and str(source) in str(early.value)
    # ... and so does the comparison step, run on its own.
    with pytest.raises(ConfigError) as caught:
        comparison.compare_run(run, source, kind)
    assert "\n" not in str(caught.value)
    assert str(Path(source).name) in str(caught.value)
