"""Request signing for the Partner API, applied once, to the prepared request."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from .settings import ACCESS_TOKEN_HEADER

_UNSIGNED_PARAMS = {"sign", "access_token"}


def compute_sign(
    app_secret: str,
    path: str,
    params: Mapping[str, str],
    body: bytes | None = None,
    content_type: str = "application/json",
) -> str:
    """Return the lower-case hex HMAC-SHA256 signature TikTok expects for a call."""
    pieces = [path]
    pieces += [
        f"{key}{params[key]}" for key in sorted(params) if key not in _UNSIGNED_PARAMS
    ]
    payload = "".join(pieces).encode()
    # The body is signed as sent, except for file uploads.
    if body and not content_type.startswith("multipart/form-data"):
        payload += body
    secret = app_secret.encode()
    return hmac.new(secret, secret + payload + secret, hashlib.sha256).hexdigest()


class PartnerAuth(requests.auth.AuthBase):
    """Adds app_key, a fresh timestamp, shop_cipher, the token header and sign.

    It runs every time a request is prepared, so a retried request carries a new
    timestamp, the current access token and a new signature.
    """

    def __init__(
        self,
        app_key: str,
        app_secret: str,
        access_token: Callable[[], str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._app_key = app_key
        self._app_secret = app_secret
        self._access_token = access_token
        self._clock = clock

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        scheme, netloc, path, query, fragment = urlsplit(request.url)
        params = {
            key: value
            for key, value in parse_qsl(query, keep_blank_values=True)
            if key not in _UNSIGNED_PARAMS and key != "timestamp"
        }
        params["app_key"] = self._app_key
        params["timestamp"] = str(int(self._clock()))
        body = request.body
        if isinstance(body, str):
            body = body.encode()
        content_type = request.headers.get("Content-Type", "application/json")
        params["sign"] = compute_sign(
            self._app_secret, path, params, body, content_type
        )
        request.url = urlunsplit((scheme, netloc, path, urlencode(params), fragment))
        request.headers[ACCESS_TOKEN_HEADER] = self._access_token()
        request.headers.setdefault("Content-Type", "application/json")
        return request
