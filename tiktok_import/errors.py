"""The package's exceptions: one root, configuration errors and API errors below it."""

from __future__ import annotations


class TikTokImportError(Exception):
    """Root of every error this package raises on purpose."""


class ConfigError(TikTokImportError, ValueError):
    """A parameter, a credential or an input file is wrong; the message says the fix."""


class ApiError(TikTokImportError):
    """The Partner API answered with a non-zero code or an unusable response."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        path: str = "",
        request_id: str = "",
        http_status: int | None = None,
        hint: str = "",
    ) -> None:
        self.code = code
        self.path = path
        self.request_id = request_id
        self.http_status = http_status
        self.hint = hint
        self.api_message = message
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [f"{self.path or 'request'}:"]
        if self.code is not None:
            parts.append(f"code {self.code}")
        if self.http_status is not None:
            parts.append(f"(HTTP {self.http_status})")
        parts.append(self.api_message)
        if self.request_id:
            parts.append(f"[request_id {self.request_id}]")
        text = " ".join(parts)
        return f"{text}. {self.hint}" if self.hint else text


class FatalApiError(ApiError):
    """Retrying cannot help: a wrong secret, a missing scope, a revoked grant."""


class RetriableApiError(ApiError):
    """A transient failure (throttling, a server error, a timeout); wait, retry."""

    def __init__(
        self, message: str, *, reason: str, retry_after: float | None = None, **kwargs
    ) -> None:
        self.reason = reason
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class TokenExpiredError(ApiError):
    """Code 105002: the access token expired; refresh it once and retry."""


class SearchCapError(ApiError):
    """Code 12052180: the search went past 10,000 results; narrow the time window."""


class ProductNotFoundError(ApiError):
    """Code 12019150: the product no longer exists; record it as failed and go on."""
