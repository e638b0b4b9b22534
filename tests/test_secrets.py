"""Secrets (app secret, tokens, signatures) never reach a file, a log line or a message.

The whole pipeline runs in live mode against the emulator, with credentials in
the environment as a real user would set them and a short token lifetime so that
tokens are refreshed mid-run; then every file of the run folder is searched for
every secret value the run used.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import re
import secrets
from pathlib import Path
from urllib.parse import parse_qs

import polars as pl
import pytest
import requests
from helpers import point_live_mode_at

from tiktok_import.emulator import Emulator, EmulatorConfig
from tiktok_import.emulator.shopee import write_shopee_catalog
from tiktok_import.errors import ApiError, ConfigError, FatalApiError, RetriableApiError
from tiktok_import.importer import ImportConfig, run_import
from tiktok_import.notebook import refuse_secret_parameters, secret_looking
from tiktok_import.pipeline import (
    IMPORT_NOTEBOOK,
    NOTEBOOKS_DIR,
    ShopeeSource,
    execute_notebook,
    run_pipeline,
)
from tiktok_import.tokens import TokenClient

# A sign left in clear: `sign=` followed by anything but the mask.
_CLEAR_SIGN = re.compile(rb"sign[\"']?\s*[=:]\s*[\"']?(?!\*\*\*)[0-9a-fA-F]{16,}")
_HEX64 = re.compile(rb"[0-9a-f]{64}")
NOTEBOOKS = sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb"))


class _Recorder:
    """Stands in for the emulator's WSGI app: notes every sign it is sent."""

    def __init__(self, api) -> None:  # noqa: ANN001
        self._api = api
        self.signs: set[str] = set()

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._api, name)

    def __call__(self, environ, start_response):  # noqa: ANN001, ANN204
        query = parse_qs(environ.get("QUERY_STRING", ""))
        self.signs.update(query.get("sign", []))
        return self._api(environ, start_response)


def _recording_emulator(config: EmulatorConfig) -> tuple[Emulator, _Recorder, list]:
    """An emulator (not started) that records the signs and token pairs it sees."""
    emulator = Emulator(config)
    recorder = _Recorder(emulator._api)
    emulator._api = recorder
    issued: list[dict] = []
    issue = recorder.tokens._issue_pair

    def issue_and_record() -> dict:
        pair = issue()
        issued.append(pair)
        return pair

    recorder.tokens._issue_pair = issue_and_record
    return emulator, recorder, issued


def _live_env(monkeypatch, emulator: Emulator) -> None:
    """Point live mode at the emulator through the environment, as a user would."""
    point_live_mode_at(monkeypatch, emulator)


def _texts(path: Path) -> list[bytes]:
    """The file's bytes, and its decoded content where it is compressed."""
    data = path.read_bytes()
    texts = [data]
    if path.suffix == ".gz":
        texts.append(gzip.decompress(data))
    elif path.suffix == ".parquet":
        frame = pl.read_parquet(io.BytesIO(data))
        texts.append(frame.write_ndjson().encode())
    return texts


def _leaks(folder: Path, secret_values: dict[str, str], signs: set[str]) -> list:
    """(file, what) for every secret value or sign found in a file under folder."""
    found = []
    sign_bytes = {s.encode() for s in signs}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        for text in _texts(path):
            for name, value in secret_values.items():
                if value.encode() in text:
                    found.append((str(path.relative_to(folder)), name))
            if set(_HEX64.findall(text)) & sign_bytes:
                found.append((str(path.relative_to(folder)), "a request's sign"))
            if _CLEAR_SIGN.search(text):
                found.append((str(path.relative_to(folder)), "sign=<value>"))
    return found


@pytest.mark.slow
def test_live_pipeline_leaves_no_secret_in_the_run_folder(
    tmp_path, monkeypatch, caplog, capfd
):
    app_secret = "SECRET-APP-" + secrets.token_hex(12)
    config = EmulatorConfig(
        size=150,
        seed=5,
        rps=None,
        token_ttl=1.5,  # several refreshes while the details are fetched
        app_key="key" + secrets.token_hex(4),
        app_secret=app_secret,
    )
    shopee = write_shopee_catalog(150, 5, tmp_path / "shopee", "api")
    emulator, recorder, issued = _recording_emulator(config)
    monkeypatch.chdir(tmp_path)  # no stray .env
    caplog.set_level(logging.DEBUG)
    with emulator:
        _live_env(monkeypatch, emulator)
        folder = run_pipeline(
            ImportConfig(
                source="live",
                output_dir=str(tmp_path / "outputs"),
                run_id="live-secrets",
                requests_per_second=100,
                workers=2,
            ),
            ShopeeSource(str(shopee), "api"),
        )

    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["token_refreshes"] >= 1
    assert len(issued) == 1 + manifest["token_refreshes"]
    assert recorder.signs
    secret_values = {"app secret": app_secret}
    for number, pair in enumerate(issued):
        secret_values[f"access token {number}"] = pair["access_token"]
        secret_values[f"refresh token {number}"] = pair["refresh_token"]

    files = [p for p in folder.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".ipynb", ".gz", ".parquet", ".json", ".md", ".html", ".log"} <= kinds
    assert (folder / "comparison" / "summary.json").is_file()
    assert (folder / "validation" / "data_docs" / "index.html").is_file()
    assert len(files) > 20
    assert _leaks(folder, secret_values, recorder.signs) == []

    shown = (caplog.text + "".join(capfd.readouterr())).encode()
    for name, value in secret_values.items():
        assert value.encode() not in shown, f"{name} was logged"
    assert not _CLEAR_SIGN.search(shown)


def test_log_lines_and_errors_mask_secrets(tmp_path, monkeypatch, caplog):
    # Every package and HTTP-library log line at DEBUG, a refresh, a retried fault.
    app_secret = "SECRET-APP-" + secrets.token_hex(12)
    config = EmulatorConfig(
        size=40,
        seed=3,
        rps=None,
        token_ttl=60,
        app_secret=app_secret,
        faults={"token_expiry": 0.1, "http5xx": 0.1},
    )
    emulator, recorder, issued = _recording_emulator(config)
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.DEBUG)
    with emulator:
        _live_env(monkeypatch, emulator)
        result = run_import(
            ImportConfig(
                source="live", output_dir=str(tmp_path), run_id="logs", max_attempts=12
            ),
            progress=False,
        )
    assert result.manifest["token_refreshes"] >= 1
    assert any(r.name.startswith("urllib3") for r in caplog.records)
    secret_values = [app_secret]
    for pair in issued:
        secret_values += [pair["access_token"], pair["refresh_token"]]
    for record in caplog.records:
        line = record.getMessage()
        for value in [*secret_values, *recorder.signs]:
            assert value not in line, f"{record.name} logged a secret: {line}"
        assert not _CLEAR_SIGN.search(line.encode()), line
    named = {f"secret {number}": value for number, value in enumerate(secret_values)}
    assert _leaks(result.run_folder, named, recorder.signs) == []


def test_wrong_secret_error_message_holds_no_secret(tmp_path, monkeypatch):
    with Emulator(EmulatorConfig(size=5, rps=None)) as emulator:
        _live_env(monkeypatch, emulator)
        access_token = os.environ["TIKTOK_ACCESS_TOKEN"]
        monkeypatch.setenv("TIKTOK_APP_SECRET", "SECRET-WRONG-0123456789")
        with pytest.raises(FatalApiError) as caught:
            run_import(
                ImportConfig(source="live", output_dir=str(tmp_path), run_id="w"),
                progress=False,
            )
    message = str(caught.value)
    assert "106001" in message and "TIKTOK_APP_SECRET" in message
    assert "SECRET-WRONG-0123456789" not in message
    assert access_token not in message


def test_unreachable_hosts_give_errors_without_secrets():
    secret = "SECRET-UNREACHABLE-42"
    client = TokenClient("http://127.0.0.1:1", "key", secret, timeout=2)
    with pytest.raises(ApiError, match="token host unreachable") as caught:
        client.refresh("TTP_refresh-token-value-123")
    assert secret not in str(caught.value)
    assert "TTP_refresh-token-value-123" not in str(caught.value)


def test_transport_errors_after_retries_hide_the_sign(tmp_path, monkeypatch):
    # requests names the whole URL, sign included, in a connection error.
    with Emulator(EmulatorConfig(size=5, rps=None)) as emulator:
        _live_env(monkeypatch, emulator)
        port = emulator.port
    monkeypatch.setenv("TIKTOK_API_BASE_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(RetriableApiError) as caught:
        run_import(
            ImportConfig(
                source="live", output_dir=str(tmp_path), run_id="down", max_attempts=2
            ),
            progress=False,
        )
    message = str(caught.value)
    assert "gave up after 2 attempts" in message
    assert "sign=***" in message and not _CLEAR_SIGN.search(message.encode())
    manifest = json.loads((tmp_path / "down" / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert not _CLEAR_SIGN.search(manifest["error"].encode())


def test_urllib3_request_lines_are_masked(caplog):
    caplog.set_level(logging.DEBUG, logger="urllib3")
    with Emulator(EmulatorConfig(size=1, rps=None, app_secret="SECRET-URL-LOG-7")) as e:
        requests.get(
            f"{e.auth_base_url}/api/v2/token/get",
            params={"app_key": e.app_key, "app_secret": "SECRET-URL-LOG-7"},
            timeout=5,
        )
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("urllib3")]
    assert any("/api/v2/token/get" in line for line in lines)
    assert not any("SECRET-URL-LOG-7" in line for line in lines)


@pytest.mark.parametrize(
    "name",
    [
        "app_secret",
        "access_token",
        "refresh_token",
        "sign",
        "shopee_partner_secret",
        "my_token",
        "db_password",
        "TIKTOK_APP_SECRET",
    ],
)
def test_secret_looking_parameter_names_are_refused(name):
    with pytest.raises(ConfigError, match=f"{name}.*environment or in .env"):
        refuse_secret_parameters({name: "x", "page_size": 10}, "01_import.ipynb")


def test_ordinary_parameter_names_pass():
    names = ["source", "shop", "page_size", "run_folder", "shopee_source", "signal"]
    assert secret_looking(names) == []
    refuse_secret_parameters(dict.fromkeys(names, ""), "any notebook")


def test_pipeline_refuses_a_secret_parameter_before_papermill(tmp_path):
    output = tmp_path / "01.ipynb"
    with pytest.raises(ConfigError, match="app_secret looks like a secret") as caught:
        execute_notebook(IMPORT_NOTEBOOK, output, {"app_secret": "SECRET-NB-PARAM"})
    assert "\n" not in str(caught.value)
    assert not output.exists(), "papermill must not have written the notebook"


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_papermill_run_with_a_secret_parameter_fails_at_once(notebook, tmp_path):
    import papermill

    output = tmp_path / notebook
    with pytest.raises(papermill.PapermillExecutionError) as caught:
        papermill.execute_notebook(
            str(NOTEBOOKS_DIR / notebook),
            str(output),
            parameters={"access_token": "TTP_not-a-real-token", "run_folder": "x"},
            kernel_name="python3",
            progress_bar=False,
        )
    error = caught.value
    assert error.ename == "ConfigError"
    assert "access_token looks like a secret" in error.evalue
    assert "environment or in .env" in error.evalue
    assert len(error.traceback) == 1, "one line, no traceback"
    cells = json.loads(output.read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    # Failed in the first cell after the parameters: nothing else ran.
    failed_at = next(
        i
        for i, c in enumerate(code)
        if any(o.get("output_type") == "error" for o in c.get("outputs", []))
    )
    tags = [c["metadata"].get("tags", []) for c in code[:failed_at]]
    assert all("parameters" in t or "injected-parameters" in t for t in tags)
