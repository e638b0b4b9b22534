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


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(
            b"TIKTOK_APP_KEY=k\nTIKTOK_APP_SECRET=s\xff\xfe\n", id="stray-byte"
        ),
        pytest.param("TIKTOK_APP_KEY=k\n".encode("utf-16"), id="utf-16"),
    ],
)
def test_env_file_that_is_not_utf8_is_named(tmp_path, content):
    env = tmp_path / ".env"
    env.write_bytes(content)
    with pytest.raises(ConfigError, match=r"\.env is not UTF-8 text.*save it as UTF-8"):
        read_env_file(env)


def test_env_file_saved_with_a_byte_order_mark_reads(tmp_path):
    env = tmp_path / ".env"
    env.write_bytes("TIKTOK_APP_KEY=k\n".encode("utf-8-sig"))
    assert read_env_file(env) == {"TIKTOK_APP_KEY": "k"}


def test_env_path_that_is_a_folder_is_refused(tmp_path):
    (tmp_path / ".env").mkdir()
    with pytest.raises(ConfigError, match=r"\.env is not a file"):
        read_env_file(tmp_path / ".env")
