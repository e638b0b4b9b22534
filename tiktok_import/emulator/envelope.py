"""The response envelope `{code, message, request_id, data}` and the API's errors."""

from __future__ import annotations

import itertools
import json
import secrets
import time
from typing import Any

from werkzeug.wrappers import Response

from ..settings import CODE_OK

_counter = itertools.count(1)


class ApiFault(Exception):
    """A request the API refuses: answered as an envelope with a non-zero code."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        http_status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status
        self.headers = headers or {}


def new_request_id() -> str:
    """A request id shaped like TikTok's: UTC time then 20 upper-case hex digits."""
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    serial = next(_counter) % 0x1000000
    return f"{stamp}{serial:06X}{secrets.token_hex(7).upper()}"


def envelope(code: int, message: str, data: Any = None) -> dict[str, Any]:
    """The body of every JSON answer; errors carry `data: {}`."""
    return {
        "code": code,
        "message": message,
        "request_id": new_request_id(),
        "data": {} if data is None else data,
    }


def json_response(
    payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Response(
        body, status=status, headers=headers, content_type="application/json"
    )


def success(data: Any) -> Response:
    return json_response(envelope(CODE_OK, "Success", data))


def failure(fault: ApiFault) -> Response:
    payload = envelope(fault.code, fault.message)
    return json_response(payload, fault.http_status, fault.headers)
