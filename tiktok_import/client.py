"""The Partner API client: signed calls, envelope checks, retries under one ceiling."""

from __future__ import annotations

import email.utils
import json
import logging
import threading
import time
from collections import Counter
from typing import Any

import requests

from . import settings as s
from .errors import (
    ApiError,
    FatalApiError,
    ProductNotFoundError,
    RetriableApiError,
    SearchCapError,
    TokenExpiredError,
)
from .redact import redact
from .retry import RateCeiling, RetryPolicy
from .signing import PartnerAuth
from .tokens import TokenManager

log = logging.getLogger(__name__)

_REAUTHORIZE = (
    "The seller must authorize the app again; then set TIKTOK_ACCESS_TOKEN and "
    "TIKTOK_REFRESH_TOKEN to the new tokens."
)
# What to do about each code that retrying cannot fix.
FATAL_HINTS = {
    s.CODE_BAD_SIGN: "The signature was refused: check that TIKTOK_APP_SECRET is the "
    "secret of TIKTOK_APP_KEY.",
    s.CODE_SCOPE_NOT_GRANTED: "The app lacks a scope this call needs: grant the scope "
    "named in the message to the app in Partner Center, then re-authorize the seller.",
    s.CODE_SHOP_CIPHER_MISSING: "No shop_cipher was sent: choose a shop (--shop) so "
    "that its cipher is used.",
    s.CODE_REQUEST_FAULT: "The request was refused (app key, access token, timestamp "
    "or shop cipher): read the message, check the machine's clock and TIKTOK_APP_KEY.",
    s.CODE_REFRESH_TOKEN_EXPIRED: _REAUTHORIZE,
    s.CODE_REFRESH_TOKEN_UNKNOWN: _REAUTHORIZE,
}
# Connections kept open per host: the most detail workers an import may use.
POOL_SIZE = 32
_RETRIABLE_CODES = {
    s.CODE_TOO_MANY_REQUESTS: "throttle_code",
    s.CODE_INTERNAL_ERROR: "internal_error",
    s.CODE_REQUEST_TIMEOUT: "timeout_code",
}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def check_envelope(response: requests.Response, path: str) -> dict[str, Any]:
    """Return the parsed body of a successful call, else raise the matching error."""
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    common = {"path": path, "http_status": status}
    if status == 429:
        raise RetriableApiError(
            "too many requests", reason="http_429", retry_after=retry_after, **common
        )
    try:
        body = json.loads(response.content)
    except ValueError:
        reason = "http_5xx" if status >= 500 else "malformed_body"
        raise RetriableApiError(
            "the response body is not valid JSON", reason=reason, **common
        ) from None
    if not isinstance(body, dict) or "code" not in body:
        reason = "http_5xx" if status >= 500 else "malformed_body"
        raise RetriableApiError("the response has no envelope", reason=reason, **common)

    code = body["code"]
    if code == s.CODE_OK:
        return body
    message = redact(str(body.get("message", "")))
    common["request_id"] = str(body.get("request_id", ""))
    common["code"] = code
    if code in _RETRIABLE_CODES and status < 500:  # an HTTP 5xx is http_5xx
        raise RetriableApiError(
            message, reason=_RETRIABLE_CODES[code], retry_after=retry_after, **common
        )
    if status >= 500:
        raise RetriableApiError(message, reason="http_5xx", **common)
    if code == s.CODE_TOKEN_EXPIRED:
        raise TokenExpiredError(message, **common)
    if code == s.CODE_SEARCH_CAP:
        raise SearchCapError(message, **common)
    if code == s.CODE_PRODUCT_NOT_FOUND:
        raise ProductNotFoundError(message, **common)
    hint = FATAL_HINTS.get(
        code, "This code is not retried; report it with the request_id."
    )
    raise FatalApiError(message, hint=hint, **common)


class PartnerClient:
    """Calls the Partner API for one app and (once chosen) one shop.

    Every attempt waits for the shared rate ceiling, is signed afresh, and is
    retried on throttling and transient failures; an expired access token is
    refreshed and the call retried.
    """

    def __init__(
        self,
        base_url: str,
        app_key: str,
        app_secret: str,
        tokens: TokenManager,
        *,
        ceiling: RateCeiling,
        retry: RetryPolicy,
        timeout: float = s.DEFAULT_TIMEOUT_SECONDS,
        session: requests.Session | None = None,
        pool_size: int = POOL_SIZE,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.ceiling = ceiling
        self.retry = retry
        self.timeout = timeout
        self.shop_cipher: str | None = None
        if session is None:
            session = requests.Session()
            # One kept-alive connection per worker; requests keeps 10 by default and
            # opens (then drops) a new connection for every call above that.
            adapter = requests.adapters.HTTPAdapter(
                pool_connections=2, pool_maxsize=pool_size
            )
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        self._session = session
        self._auth = PartnerAuth(app_key, app_secret, tokens.access_token)
        self._lock = threading.Lock()
        self.requests_by_endpoint: Counter[str] = Counter()

    def get_authorized_shops(self) -> list[dict[str, Any]]:
        """The shops the access token may act for (no shop_cipher on this call)."""
        body = self.call("GET", s.SHOPS_PATH, endpoint="shops", shop_scoped=False)
        return list(body.get("data", {}).get("shops") or [])

    def search_products(
        self, filters: dict[str, Any], page_size: int, page_token: str = ""
    ) -> tuple[dict[str, Any], bytes]:
        """One page of Search Products; returns the parsed body and the raw bytes."""
        params = {"page_size": str(page_size)}
        if page_token:
            params["page_token"] = page_token
        return self.call_raw(
            "POST", s.SEARCH_PATH, endpoint="search", params=params, json_body=filters
        )

    def get_product(self, product_id: str) -> tuple[dict[str, Any], bytes]:
        """Get Product 202309 for one id; returns the parsed body and the raw bytes."""
        path = s.PRODUCT_PATH.format(product_id=product_id)
        return self.call_raw("GET", path, endpoint="product")

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return self.call_raw(method, path, **kwargs)[0]

    def call_raw(
        self,
        method: str,
        path: str,
        *,
        endpoint: str,
        params: dict[str, str] | None = None,
        json_body: dict[str, Any] | None = None,
        shop_scoped: bool = True,
    ) -> tuple[dict[str, Any], bytes]:
        """Make one logical call, with as many attempts as the retry policy allows."""
        query = dict(params or {})
        if shop_scoped:
            if not self.shop_cipher:
                raise FatalApiError(
                    "no shop chosen",
                    path=path,
                    hint=FATAL_HINTS[s.CODE_SHOP_CIPHER_MISSING],
                )
            query["shop_cipher"] = self.shop_cipher
        data = None
        if json_body is not None:
            data = json.dumps(
                json_body, separators=(",", ":"), ensure_ascii=False
            ).encode()

        def send(refresh_on_expiry: bool) -> tuple[dict[str, Any], bytes]:
            self.ceiling.acquire()
            with self._lock:
                self.requests_by_endpoint[endpoint] += 1
            request = requests.Request(
                method,
                self.base_url + path,
                params=query,
                data=data,
                headers={"Content-Type": "application/json"},
                auth=self._auth,
            )
            prepared = self._session.prepare_request(request)
            # The token this request carries: other threads may refresh while it
            # waits for the ceiling, so the one read before it was sent may be older.
            sent_token = prepared.headers.get(s.ACCESS_TOKEN_HEADER, "")
            response = self._session.send(prepared, timeout=self.timeout)
            log.debug("%s %s -> HTTP %d", method, path, response.status_code)
            try:
                return check_envelope(response, path), response.content
            except TokenExpiredError:
                if not refresh_on_expiry:
                    raise
            # Refresh once (or take the token another thread just got) and send
            # again within the same attempt.
            self.tokens.refresh(sent_token)
            self.retry.stats.record("token_expired", 0.0)
            return send(refresh_on_expiry=False)

        def attempt() -> tuple[dict[str, Any], bytes]:
            try:
                return send(refresh_on_expiry=True)
            except TokenExpiredError as exc:
                raise RetriableApiError(
                    exc.api_message, reason="token_expired", retry_after=0.0, path=path
                ) from exc

        return self.retry.call(attempt, f"{method} {path}")

    @property
    def requests_total(self) -> int:
        return sum(self.requests_by_endpoint.values())


__all__ = ["ApiError", "PartnerClient", "check_envelope", "parse_retry_after"]
