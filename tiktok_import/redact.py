"""Keeps secrets (app secret, tokens, signatures) out of logs and error messages."""

from __future__ import annotations

import logging
import re
import threading

_MASK = "***"
_MIN_SECRET_LENGTH = 6
# Query or JSON fields that always carry a secret, whatever their value.
_SECRET_FIELD = re.compile(
    r"(?P<key>\b(?:sign|app_secret|access_token|refresh_token|auth_code|"
    r"x-tts-access-token)\b[\"']?\s*[=:]\s*[\"']?)(?P<value>[^&\s\"',}]+)",
    re.IGNORECASE,
)

_lock = threading.Lock()
_known: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret value so that `redact` masks it wherever it appears."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _known.add(value)


def redact(text: str) -> str:
    """Mask every registered secret and every secret-named field in `text`."""
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        text = text.replace(value, _MASK)
    return _SECRET_FIELD.sub(lambda m: m.group("key") + _MASK, text)


class RedactingFilter(logging.Filter):
    """A logging filter that renders each record and masks secrets in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


# urllib3 logs every request line, query included, at DEBUG: the token calls
# carry app_secret and refresh_token there, and every API call its sign.
HTTP_LOGGERS = ("urllib3.connectionpool",)


def mask_http_logs() -> None:
    """Mask secrets in the HTTP library's own log lines (done once, on import)."""
    for name in HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


mask_http_logs()
