"""Live credentials come from the environment or .env, with clear errors."""

import pytest

from tiktok_import.credentials import Credentials, read_env_file
from tiktok_import.errors import ConfigError


@pytest.fixture
def clean_env(monkeypatch):
    for name in (
        "TIKTOK_APP_KEY",
        "TIKTOK_APP_SECRET",
        "TIKTOK_ACCESS_TOKEN",
        "TIKTOK_REFRESH_TOKEN",
        "TIKTOK_API_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)


def test_env_file_supplies_credentials_and_environment_wins(
    tmp_path, clean_env, monkeypatch
):
    env = tmp_path / ".env"
    env.write_text(
        "TIKTOK_APP_KEY=key-from-file\nTIKTOK_APP_SECRET=secret-from-file\n"
        "TIKTOK_ACCESS_TOKEN=access-from-file\n"
    )
    monkeypatch.setenv("TIKTOK_APP_KEY", "key-from-env")
    creds = Credentials.from_env(env)
    assert creds.app_key == "key-from-env"
    assert creds.app_secret == "secret-from-file"
    assert "secret-from-file" not in repr(creds)


def test_missing_credentials_name_the_variables(tmp_path, clean_env):
    with pytest.raises(ConfigError, match="TIKTOK_APP_SECRET, TIKTOK_ACCESS_TOKEN"):
        Credentials.from_env(tmp_path / "absent.env")


def test_malformed_env_line_is_named(tmp_path):
    env = tmp_path / ".env"
    env.write_text("TIKTOK_APP_KEY=ok\nthis line is not an assignment\n")
    with pytest.raises(ConfigError, match=r"line 2: expected NAME=value"):
        read_env_file(env)
