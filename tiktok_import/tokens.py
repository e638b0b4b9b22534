"""Access and refresh tokens: get, refresh, keep the pair together, share safely."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import requests

from .errors import ApiError, FatalApiError
from .redact import redact, register_secret
from .settings import (
    CODE_OK,
    CODE_REFRESH_TOKEN_EXPIRED,
    CODE_REFRESH_TOKEN_UNKNOWN,
    TOKEN_GET_PATH,
    TOKEN_REFRESH_PATH,
)

log = logging.getLogger(__name__)

_REAUTHORIZE = (
    "The seller must authorize the app again; then set TIKTOK_ACCESS_TOKEN and "
    "TIKTOK_REFRESH_TOKEN to the new tokens."
)


@dataclass(frozen=True, repr=False)
class TokenPair:
    """An access and a refresh token; expiries are absolute Unix times (0: unknown)."""

    access_token: str
    refresh_token: str
    access_expires_at: int = 0
    refresh_expires_at: int = 0

    def __repr__(self) -> str:
        return (
            f"TokenPair(access_expires_at={self.access_expires_at}, "
            f"refresh_expires_at={self.refresh_expires_at})"
        )

    def access_expired(self, now: float) -> bool:
        return 0 < self.access_expires_at <= now

    def refresh_expired(self, now: float) -> bool:
        return 0 < self.refresh_expires_at <= now


class TokenStore(Protocol):
    def load(self) -> TokenPair | None: ...

    def save(self, pair: TokenPair) -> None: ...


class MemoryTokenStore:
    """Keeps the pair in memory only (emulator runs)."""

    def __init__(self) -> None:
        self._pair: TokenPair | None = None

    def load(self) -> TokenPair | None:
        return self._pair

    def save(self, pair: TokenPair) -> None:
        self._pair = pair


class FileTokenStore:
    """Keeps the pair in a private JSON file, written atomically, both tokens at once.

    The file remembers which starting refresh token it descends from, so that new
    tokens put in the environment after a re-authorization win over an old file.
    """

    def __init__(self, path: Path, origin_refresh_token: str) -> None:
        self.path = path
        self._origin = hashlib.sha256(origin_refresh_token.encode()).hexdigest()[:16]

    def load(self) -> TokenPair | None:
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if stored.get("origin") != self._origin:
            return None
        pair = TokenPair(**stored["pair"])
        register_secret(pair.access_token)
        register_secret(pair.refresh_token)
        return pair

    def save(self, pair: TokenPair) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            json.dump({"origin": self._origin, "pair": asdict(pair)}, stream)
        os.replace(tmp, self.path)


class TokenClient:
    """Calls the token host. Token calls are unsigned and never retried blindly."""

    def __init__(
        self,
        auth_base_url: str,
        app_key: str,
        app_secret: str,
        session: requests.Session | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._base = auth_base_url.rstrip("/")
        self._app_key = app_key
        self._app_secret = app_secret
        self._session = session or requests.Session()
        self._timeout = timeout
        register_secret(app_secret)

    def get(self, auth_code: str) -> TokenPair:
        """Exchange a seller's authorization code for a token pair."""
        return self._call(
            TOKEN_GET_PATH,
            {"auth_code": auth_code, "grant_type": "authorized_code"},
        )

    def refresh(self, refresh_token: str) -> TokenPair:
        """Trade a refresh token for a new pair (the refresh token changes too)."""
        return self._call(
            TOKEN_REFRESH_PATH,
            {"refresh_token": refresh_token, "grant_type": "refresh_token"},
        )

    def _call(self, path: str, params: dict[str, str]) -> TokenPair:
        query = {"app_key": self._app_key, "app_secret": self._app_secret, **params}
        try:
            # Each token call gets a connection of its own. Calls come minutes apart,
            # so a kept-alive one may be closed by the host just as it is reused,
            # and a token call is not safe to send twice.
            response = self._session.get(
                self._base + path,
                params=query,
                headers={"Connection": "close"},
                timeout=self._timeout,
            )
            body = response.json()
        except requests.RequestException as exc:
            raise ApiError(
                redact(f"token host unreachable: {exc}"), path=path
            ) from None
        except ValueError:
            raise ApiError(
                "token host answered with a body that is not JSON",
                path=path,
                http_status=response.status_code,
            ) from None
        code = body.get("code")
        if code != CODE_OK:
            hint = (
                _REAUTHORIZE
                if code in (CODE_REFRESH_TOKEN_EXPIRED, CODE_REFRESH_TOKEN_UNKNOWN)
                else "Check TIKTOK_APP_KEY and TIKTOK_APP_SECRET."
            )
            raise FatalApiError(
                redact(str(body.get("message", ""))),
                code=code,
                path=path,
                request_id=str(body.get("request_id", "")),
                http_status=response.status_code,
                hint=hint,
            )
        data = body["data"]
        pair = TokenPair(
            access_token=data["access_token"],
            refresh_token=data["refresh_token"],
            access_expires_at=int(data["access_token_expire_in"]),
            refresh_expires_at=int(data["refresh_token_expire_in"]),
        )
        register_secret(pair.access_token)
        register_secret(pair.refresh_token)
        return pair


class TokenManager:
    """Hands out the access token; refreshes it once per expiry, across threads."""

    def __init__(self, client: TokenClient, store: TokenStore, pair: TokenPair) -> None:
        self._client = client
        self._store = store
        self._lock = threading.Lock()
        self._pair = store.load() or pair
        register_secret(self._pair.access_token)
        register_secret(self._pair.refresh_token)
        self.refreshes = 0

    def access_token(self) -> str:
        return self._pair.access_token

    def ensure_fresh(self) -> None:
        """Refresh up front when the access token's own expiry has passed."""
        if self._pair.access_expired(time.time()):
            self.refresh(self._pair.access_token)

    def refresh(self, stale_access_token: str) -> None:
        """Refresh, unless another thread already replaced `stale_access_token`."""
        with self._lock:
            if self._pair.access_token != stale_access_token:
                return
            if not self._pair.refresh_token:
                raise FatalApiError(
                    "the access token expired and there is no refresh token",
                    path=TOKEN_REFRESH_PATH,
                    hint="Set TIKTOK_REFRESH_TOKEN, or a new TIKTOK_ACCESS_TOKEN.",
                )
            if self._pair.refresh_expired(time.time()):
                raise FatalApiError(
                    "the refresh token expired",
                    code=CODE_REFRESH_TOKEN_EXPIRED,
                    path=TOKEN_REFRESH_PATH,
                    hint=_REAUTHORIZE,
                )
            pair = self._client.refresh(self._pair.refresh_token)
            self._store.save(pair)
            self._pair = pair
            self.refreshes += 1
            log.info(
                "access token refreshed; it now expires at %d", pair.access_expires_at
            )
