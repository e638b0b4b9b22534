"""Credentials for live mode, read from the environment or a `.env` file."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

from dotenv.parser import parse_stream

from .errors import ConfigError
from .redact import register_secret
from .settings import API_BASE_URL, AUTH_BASE_URL

ENV_APP_KEY = "TIKTOK_APP_KEY"
ENV_APP_SECRET = "TIKTOK_APP_SECRET"
ENV_ACCESS_TOKEN = "TIKTOK_ACCESS_TOKEN"
ENV_REFRESH_TOKEN = "TIKTOK_REFRESH_TOKEN"
ENV_API_BASE_URL = "TIKTOK_API_BASE_URL"
ENV_AUTH_BASE_URL = "TIKTOK_AUTH_BASE_URL"
ENV_TOKEN_FILE = "TIKTOK_TOKEN_FILE"
SECRET_NAMES = (ENV_APP_SECRET, ENV_ACCESS_TOKEN, ENV_REFRESH_TOKEN)


@dataclass(frozen=True, repr=False)
class Credentials:
    """What live mode needs to call the Partner API for one seller."""

    app_key: str
    app_secret: str
    access_token: str
    refresh_token: str = ""
    api_base_url: str = API_BASE_URL
    auth_base_url: str = AUTH_BASE_URL
    token_file: Path | None = None

    def __repr__(self) -> str:
        return (
            f"Credentials(app_key={self.app_key!r}, api_base_url={self.api_base_url!r})"
        )

    @classmethod
    def from_env(cls, env_file: str | Path = ".env") -> Credentials:
        """Read credentials from the environment, falling back to `env_file`."""
        values = dict(read_env_file(Path(env_file)))
        values.update({k: v for k, v in os.environ.items() if k.startswith("TIKTOK_")})
        missing = [
            name
            for name in (ENV_APP_KEY, ENV_APP_SECRET, ENV_ACCESS_TOKEN)
            if not values.get(name)
        ]
        if missing:
            raise ConfigError(
                f"live mode needs {', '.join(missing)}: set them in the environment "
                f"or in {env_file} (see README, 'Going live')"
            )
        for name in SECRET_NAMES:
            register_secret(values.get(name))
        token_file = values.get(ENV_TOKEN_FILE) or default_token_file(
            values[ENV_APP_KEY]
        )
        return cls(
            app_key=values[ENV_APP_KEY],
            app_secret=values[ENV_APP_SECRET],
            access_token=values[ENV_ACCESS_TOKEN],
            refresh_token=values.get(ENV_REFRESH_TOKEN, ""),
            api_base_url=values.get(ENV_API_BASE_URL) or API_BASE_URL,
            auth_base_url=values.get(ENV_AUTH_BASE_URL) or AUTH_BASE_URL,
            token_file=Path(token_file).expanduser(),
        )


def default_token_file(app_key: str) -> Path:
    """Where refreshed tokens are kept when TIKTOK_TOKEN_FILE is not set.

    A refresh invalidates the old refresh token, so the new pair must outlive
    the run: kept in memory only, the next run would start from a dead token.
    """
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in app_key)
    return Path("~/.config/tiktok-import").expanduser() / f"tokens-{safe}.json"


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a `.env` file; a line that does not parse is an error naming it."""
    if not path.exists():
        return {}
    if not path.is_file():
        raise ConfigError(
            f"{path} is not a file: the credentials file must be a text file of "
            "NAME=value lines; remove or rename what is there"
        )
    try:
        # utf-8-sig: an editor's byte order mark is not part of the first name.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path} is not UTF-8 text (byte {exc.start} cannot be read): save it "
            "as UTF-8, for instance with 'Save as' and the UTF-8 encoding"
        ) from None
    values: dict[str, str] = {}
    with io.StringIO(text) as stream:
        for binding in parse_stream(stream):
            if binding.error:
                raise ConfigError(
                    f"{path}, line {binding.original.line}: expected NAME=value, "
                    "could not parse it: fix or remove that line"
                )
            if binding.key is not None and binding.value is not None:
                values[binding.key] = binding.value
    return values
