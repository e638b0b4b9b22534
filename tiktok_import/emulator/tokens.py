"""The token endpoints: auth codes, access tokens and rotating refresh tokens.

Codes answered (API_NOTES.md where it names them, an emulator choice otherwise):

| case | code |
|---|---|
| unknown `app_key`, wrong `app_secret`, missing parameter | 36009004 |
| `grant_type` other than the endpoint's (emulator choice) | 36009004 |
| `auth_code` unknown or already used (emulator choice) | 36004004 |
| `refresh_token` unknown (or already rotated away) | 36004005 |
| `refresh_token` expired | 36004001 |
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..settings import (
    CODE_REFRESH_TOKEN_EXPIRED,
    CODE_REFRESH_TOKEN_UNKNOWN,
    CODE_REQUEST_FAULT,
    CODE_TOKEN_EXPIRED,
)
from .envelope import ApiFault

CODE_AUTH_CODE_INVALID = 36004004
GRANTED_SCOPES = ["seller.authorization.info", "seller.product.basic"]


class TokenStore:
    """Issues and checks tokens for one app; thread-safe."""

    def __init__(
        self,
        app_key: str,
        app_secret: str,
        seller_name: str,
        token_ttl: float,
        refresh_ttl: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app_key = app_key
        self._app_secret = app_secret
        self._seller_name = seller_name
        self._token_ttl = token_ttl
        self._refresh_ttl = refresh_ttl
        self._clock = clock
        self._open_id = "70" + "".join(secrets.choice("0123456789") for _ in range(17))
        self._auth_codes: set[str] = set()
        self._access: dict[str, float] = {}  # token -> expiry
        self._refresh: dict[str, float] = {}  # token -> expiry
        self._lock = threading.Lock()

    def issue_auth_code(self) -> str:
        """A one-time code, as the seller's authorization redirect would carry."""
        code = "ROW_" + secrets.token_urlsafe(24)
        with self._lock:
            self._auth_codes.add(code)
        return code

    def get(self, query: Mapping[str, str]) -> dict[str, Any]:
        """`/api/v2/token/get`: trade an auth code for a token pair."""
        self._check_app(query, "authorized_code")
        code = query.get("auth_code", "")
        with self._lock:
            if code not in self._auth_codes:
                raise ApiFault(
                    CODE_AUTH_CODE_INVALID,
                    "auth_code is invalid or was already used; ask the seller to "
                    "authorize the app again",
                )
            self._auth_codes.discard(code)
            return self._issue_pair()

    def refresh(self, query: Mapping[str, str]) -> dict[str, Any]:
        """`/api/v2/token/refresh`: a new pair; the old refresh token stops working."""
        self._check_app(query, "refresh_token")
        token = query.get("refresh_token", "")
        with self._lock:
            expires = self._refresh.get(token)
            if expires is None:
                raise ApiFault(
                    CODE_REFRESH_TOKEN_UNKNOWN,
                    "refresh_token is invalid (unknown or already used); the seller "
                    "must authorize the app again",
                )
            if self._clock() >= expires:
                raise ApiFault(
                    CODE_REFRESH_TOKEN_EXPIRED,
                    "refresh_token expired; the seller must authorize the app again",
                )
            del self._refresh[token]
            return self._issue_pair()

    def check_access(self, token: str | None) -> None:
        """Raise ApiFault unless `token` is a live access token."""
        if not token:
            raise ApiFault(
                CODE_REQUEST_FAULT,
                "invalid access token: the x-tts-access-token header is missing",
            )
        with self._lock:
            expires = self._access.get(token)
        if expires is None:
            raise ApiFault(CODE_REQUEST_FAULT, "invalid access token")
        if self._clock() >= expires:
            raise ApiFault(
                CODE_TOKEN_EXPIRED, "access token expired; refresh it and retry"
            )

    def expire_access(self, token: str | None = None) -> None:
        """Expire one access token now, or every one issued so far."""
        now = self._clock()
        with self._lock:
            if token is None:
                for known in self._access:
                    self._access[known] = min(self._access[known], now)
            elif token in self._access:
                self._access[token] = min(self._access[token], now)

    def _check_app(self, query: Mapping[str, str], grant_type: str) -> None:
        if query.get("app_key") != self.app_key:
            raise ApiFault(CODE_REQUEST_FAULT, "app_key is missing or unknown")
        secret = query.get("app_secret", "")
        if not hmac.compare_digest(secret.encode(), self._app_secret.encode()):
            raise ApiFault(CODE_REQUEST_FAULT, "app_secret does not match the app_key")
        if query.get("grant_type") != grant_type:
            raise ApiFault(
                CODE_REQUEST_FAULT,
                f"grant_type must be {grant_type!r}, got {query.get('grant_type')!r}",
            )

    def _issue_pair(self) -> dict[str, Any]:
        now = self._clock()
        access = "TTP_" + secrets.token_urlsafe(48)
        refresh = "TTP_" + secrets.token_urlsafe(32)
        self._access[access] = now + self._token_ttl
        self._refresh[refresh] = now + self._refresh_ttl
        return {
            "access_token": access,
            # Absolute Unix times, not durations.
            "access_token_expire_in": int(now + self._token_ttl),
            "refresh_token": refresh,
            "refresh_token_expire_in": int(now + self._refresh_ttl),
            "open_id": self._open_id,
            "seller_name": self._seller_name,
            "seller_base_region": "ID",
            "user_type": 0,
            "granted_scopes": list(GRANTED_SCOPES),
        }
