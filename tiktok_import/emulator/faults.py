"""Injected faults: what a flaky network and a busy API do to a client.

Each signed API call (token calls never) draws, with a seeded random stream,
at most one fault; classes are tried in FAULT_CLASSES order.
"""

from __future__ import annotations

import logging
import random
import socket
import struct
import threading
from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Response

from ..errors import ConfigError
from ..settings import CODE_INTERNAL_ERROR, CODE_REQUEST_TIMEOUT, CODE_TOO_MANY_REQUESTS
from .envelope import envelope, json_response

logger = logging.getLogger(__name__)

FAULT_CLASSES = (
    "http429",  # HTTP 429 with Retry-After
    "throttle_code",  # HTTP 200, code 36009002, Retry-After
    "http5xx",  # HTTP 500 (JSON), 502 (HTML) or 503 (plain text)
    "internal_error",  # HTTP 200, code 36009003
    "timeout_code",  # HTTP 200, code 36009007
    "connection_reset",  # the socket is reset; no response at all
    "read_timeout",  # the answer comes after slow_seconds
    "malformed_json",  # HTTP 200 with a truncated JSON body
    "token_expiry",  # the caller's access token expires now: 105002
    "edit_during_walk",  # Search Products only: a product is edited now
)
# Faults answered in place of the API, before the call is even checked.
ANSWERED_FAULTS = {
    "http429",
    "throttle_code",
    "http5xx",
    "internal_error",
    "timeout_code",
}


def check_faults(faults: Mapping[str, float] | None) -> dict[str, float]:
    """Validated copy of a {fault class: rate} mapping; raise ConfigError if wrong."""
    checked: dict[str, float] = {}
    for name, rate in (faults or {}).items():
        if name not in FAULT_CLASSES:
            raise ConfigError(
                f"unknown fault class {name!r}; valid classes: "
                f"{', '.join(FAULT_CLASSES)}"
            )
        if isinstance(rate, bool) or not isinstance(rate, int | float):
            raise ConfigError(f"fault rate of {name!r} must be a number, got {rate!r}")
        if not 0.0 <= rate <= 1.0:
            raise ConfigError(f"fault rate of {name!r} must be 0..1, got {rate}")
        checked[name] = float(rate)
    return checked


class FaultInjector:
    """Draws the fault (or none) for each API call; thread-safe."""

    def __init__(self, rates: Mapping[str, float], seed: int) -> None:
        self.rates = check_faults(rates)
        self._rng = random.Random(f"faults/{seed}")
        self._lock = threading.Lock()

    def draw(self, endpoint: str) -> str | None:
        """The fault for a call to `endpoint` (shops, search, product), or None."""
        with self._lock:
            for name in FAULT_CLASSES:
                rate = self.rates.get(name, 0.0)
                if not rate or (name == "edit_during_walk" and endpoint != "search"):
                    continue
                if self._rng.random() < rate:
                    return name
        return None

    def pick_5xx(self) -> int:
        with self._lock:
            return self._rng.choice((500, 502, 503))


def too_many_requests(as_http_429: bool, retry_after: int) -> Response:
    """Throttling, either as HTTP 429 or as HTTP 200 with code 36009002."""
    headers = {"Retry-After": str(retry_after)}
    payload = envelope(
        CODE_TOO_MANY_REQUESTS, "Too many requests, please retry after a while"
    )
    return json_response(payload, 429 if as_http_429 else 200, headers)


def answer(fault: str, status_5xx: int = 500) -> Response:
    """The response that stands in for the API for an ANSWERED_FAULTS class."""
    if fault == "http429":
        return too_many_requests(True, 1)
    if fault == "throttle_code":
        return too_many_requests(False, 1)
    if fault == "internal_error":
        return json_response(envelope(CODE_INTERNAL_ERROR, "Internal error"))
    if fault == "timeout_code":
        return json_response(envelope(CODE_REQUEST_TIMEOUT, "Request timeout"))
    if fault == "http5xx":
        return _server_error(status_5xx)
    raise ValueError(f"{fault!r} is not answered in place of the API")


def _server_error(status: int) -> Response:
    if status == 502:
        page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
        return Response(page, status=502, content_type="text/html")
    if status == 503:
        return Response(
            "upstream connect error or disconnect/reset before headers",
            status=503,
            content_type="text/plain",
            headers={"Retry-After": "1"},
        )
    payload = envelope(CODE_INTERNAL_ERROR, "Internal server error")
    return json_response(payload, 500)


def reset_connection(environ: dict[str, Any]) -> None:
    """Make the server drop the connection with a TCP reset and no response.

    SO_LINGER 0 turns the close into a reset; werkzeug treats the raised
    ConnectionResetError as a dropped connection and sends nothing.
    """
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    raise ConnectionResetError("emulated connection reset")


def truncate(response: Response) -> Response:
    """Cut the body in half, keeping HTTP 200 and a matching Content-Length."""
    data = response.get_data()
    response.set_data(data[: max(1, len(data) // 2)])
    response.status_code = 200
    return response
