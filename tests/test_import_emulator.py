"""End-to-end imports against the emulator, checked against its ground truth."""

import json

import pytest
from helpers import assert_matches_ground_truth, read_lines

from tiktok_import.emulator import Emulator, EmulatorConfig
from tiktok_import.errors import ConfigError, FatalApiError
from tiktok_import.importer import ImportConfig, run_import
from tiktok_import.settings import SEARCH_RESULT_CAP
from tiktok_import.tokens import TokenClient


def test_default_catalog_imports_completely(tmp_path):
    with Emulator(EmulatorConfig()) as emulator:
        result = run_import(
            ImportConfig(output_dir=str(tmp_path), run_id="default"),
            progress=False,
            emulator=emulator,
        )
        truth = emulator.ground_truth()
    assert len(truth) == 500
    manifest = assert_matches_ground_truth(result.run_folder, truth)
    assert manifest["shop"]["region"] == "ID"
    assert manifest["requests"]["by_endpoint"]["product"] >= 500
    pages = read_lines(result.run_folder / "raw/search_pages.jsonl.gz")
    assert pages[-1]["data"]["next_page_token"] == ""
    assert sum(len(p["data"]["products"]) for p in pages) >= 500


def test_page_size_one_walks_to_the_last_page(tmp_path):
    with Emulator(EmulatorConfig(size=30, rps=None)) as emulator:
        result = run_import(
            ImportConfig(output_dir=str(tmp_path), run_id="p1", page_size=1),
            progress=False,
            emulator=emulator,
        )
        truth = emulator.ground_truth()
    manifest = assert_matches_ground_truth(result.run_folder, truth)
    assert manifest["windows"][0]["pages"] == 30


def test_token_refresh_mid_run(tmp_path):
    config = EmulatorConfig(size=300, rps=None, token_ttl=1.0)
    with Emulator(config) as emulator:
        result = run_import(
            ImportConfig(
                output_dir=str(tmp_path), run_id="refresh", requests_per_second=150
            ),
            progress=False,
            emulator=emulator,
        )
        truth = emulator.ground_truth()
    manifest = assert_matches_ground_truth(result.run_folder, truth)
    assert manifest["token_refreshes"] >= 1
    assert manifest["retries"]["token_expired"] >= 1


@pytest.mark.slow
def test_catalog_above_the_cap_is_walked_in_windows(tmp_path):
    with Emulator(EmulatorConfig(size=25_000, rps=None)) as emulator:
        result = run_import(
            ImportConfig(
                output_dir=str(tmp_path),
                run_id="big",
                requests_per_second=1000,
                workers=8,
            ),
            progress=False,
            emulator=emulator,
        )
        truth = emulator.ground_truth()
    manifest = assert_matches_ground_truth(result.run_folder, truth)
    walked = [w for w in manifest["windows"] if w["pages"]]
    assert len(walked) >= 3
    assert all(w["total_count"] <= SEARCH_RESULT_CAP for w in manifest["windows"])


def test_throttling_is_backed_off_and_counted(tmp_path):
    with Emulator(EmulatorConfig(size=300, rps=20)) as emulator:
        result = run_import(
            ImportConfig(
                output_dir=str(tmp_path), run_id="throttled", requests_per_second=40
            ),
            progress=False,
            emulator=emulator,
        )
        truth = emulator.ground_truth()
    manifest = assert_matches_ground_truth(result.run_folder, truth)
    throttled = manifest["retries"].get("http_429", 0) + manifest["retries"].get(
        "throttle_code", 0
    )
    assert throttled > 0
    assert manifest["throttle_wait_seconds"] > 0


def test_wrong_app_secret_is_fatal_and_the_run_is_marked_failed(tmp_path, monkeypatch):
    with Emulator(EmulatorConfig(size=10, rps=None)) as emulator:
        tokens = TokenClient(
            emulator.auth_base_url, emulator.app_key, emulator.app_secret
        )
        pair = tokens.get(emulator.issue_auth_code())
        monkeypatch.setenv("TIKTOK_APP_KEY", emulator.app_key)
        monkeypatch.setenv("TIKTOK_APP_SECRET", "not-the-app-secret")
        monkeypatch.setenv("TIKTOK_ACCESS_TOKEN", pair.access_token)
        monkeypatch.setenv("TIKTOK_API_BASE_URL", emulator.base_url)
        with pytest.raises(FatalApiError, match="106001.*TIKTOK_APP_SECRET"):
            run_import(
                ImportConfig(
                    source="live", output_dir=str(tmp_path), run_id="badsecret"
                ),
                progress=False,
            )
    manifest = json.loads((tmp_path / "badsecret" / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert "106001" in manifest["error"]
    assert (
        "not-the-app-secret" not in (tmp_path / "badsecret" / "import.log").read_text()
    )


def test_shop_choice_among_several(tmp_path):
    with Emulator(EmulatorConfig(size=20, shops=3, rps=None)) as emulator:
        with pytest.raises(ConfigError, match="covers 3 shops"):
            run_import(
                ImportConfig(output_dir=str(tmp_path), run_id="ambiguous"),
                progress=False,
                emulator=emulator,
            )
        with pytest.raises(ConfigError, match="no authorized shop matches 'nope'"):
            run_import(
                ImportConfig(output_dir=str(tmp_path), run_id="unknown", shop="nope"),
                progress=False,
                emulator=emulator,
            )
        wanted = emulator.shops[1]
        result = run_import(
            ImportConfig(
                output_dir=str(tmp_path), run_id="second", shop=wanted["code"]
            ),
            progress=False,
            emulator=emulator,
        )
        truth = [p for p in emulator.ground_truth() if p["shop_id"] == wanted["id"]]
    manifest = assert_matches_ground_truth(result.run_folder, truth)
    assert manifest["shop"]["id"] == wanted["id"]


def test_same_run_id_twice_is_refused(tmp_path):
    with Emulator(EmulatorConfig(size=5, rps=None)) as emulator:
        config = ImportConfig(output_dir=str(tmp_path), run_id="twice")
        run_import(config, progress=False, emulator=emulator)
        with pytest.raises(ConfigError, match="already exists"):
            run_import(config, progress=False, emulator=emulator)
