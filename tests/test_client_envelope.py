"""Envelope codes map to the right error class, with a message that says what to do."""

import json

import pytest
import requests

from tiktok_import.client import check_envelope, parse_retry_after
from tiktok_import.errors import (
    FatalApiError,
    ProductNotFoundError,
    RetriableApiError,
    SearchCapError,
    TokenExpiredError,
)


def _response(status=200, body=None, text=None, headers=None):
    response = requests.Response()
    response.status_code = status
    payload = text if text is not None else json.dumps(body)
    response._content = payload.encode()
    response.headers.update(headers or {})
    return response


def _envelope(code, message="m"):
    return {"code": code, "message": message, "request_id": "req-1", "data": {}}


@pytest.mark.parametrize(
    ("status", "code", "headers", "reason", "retry_after"),
    [
        pytest.param(
            429, 36009002, {"Retry-After": "2"}, "http_429", 2.0, id="http-429"
        ),
        pytest.param(
            200, 36009002, {"Retry-After": "1"}, "throttle_code", 1.0, id="36009002"
        ),
        pytest.param(200, 36009003, {}, "internal_error", None, id="36009003"),
        pytest.param(200, 36009007, {}, "timeout_code", None, id="36009007"),
        pytest.param(503, 1, {}, "http_5xx", None, id="http-503-json"),
    ],
)
def test_retriable(status, code, headers, reason, retry_after):
    with pytest.raises(RetriableApiError) as caught:
        check_envelope(_response(status, _envelope(code), headers=headers), "/p")
    assert caught.value.reason == reason
    assert caught.value.retry_after == retry_after


def test_server_error_page_and_truncated_json_are_retriable():
    with pytest.raises(RetriableApiError) as caught:
        check_envelope(_response(502, text="<html>Bad gateway</html>"), "/p")
    assert caught.value.reason == "http_5xx"
    with pytest.raises(RetriableApiError) as caught:
        check_envelope(_response(200, text='{"code": 0, "data": {"produ'), "/p")
    assert caught.value.reason == "malformed_body"


@pytest.mark.parametrize(
    ("code", "advice"),
    [
        pytest.param(106001, "TIKTOK_APP_SECRET", id="bad-sign"),
        pytest.param(105005, "grant the scope", id="scope"),
        pytest.param(106013, "--shop", id="cipher-missing"),
        pytest.param(36009004, "clock", id="request-fault"),
        pytest.param(36004001, "authorize the app again", id="refresh-expired"),
        pytest.param(36004005, "authorize the app again", id="refresh-unknown"),
    ],
)
def test_fatal_codes_say_what_to_do(code, advice):
    with pytest.raises(FatalApiError, match=advice) as caught:
        check_envelope(_response(200, _envelope(code, "refused")), "/product/x")
    message = str(caught.value)
    assert str(code) in message and "refused" in message and "req-1" in message


@pytest.mark.parametrize(
    ("code", "error"),
    [
        pytest.param(105002, TokenExpiredError, id="token-expired"),
        pytest.param(12052180, SearchCapError, id="search-cap"),
        pytest.param(12019150, ProductNotFoundError, id="not-found"),
    ],
)
def test_codes_the_importer_handles(code, error):
    with pytest.raises(error):
        check_envelope(_response(200, _envelope(code)), "/p")


def test_success_whatever_the_http_status():
    body = {"code": 0, "message": "ok", "request_id": "r", "data": {"x": 1}}
    assert check_envelope(_response(201, body), "/p")["data"] == {"x": 1}


def test_secrets_echoed_by_the_api_are_masked():
    body = _envelope(36009004, "invalid access_token=abc123def")
    with pytest.raises(FatalApiError) as caught:
        check_envelope(_response(200, body), "/p")
    assert "abc123def" not in str(caught.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3.0), ("0.5", 0.5), ("", None), (None, None), ("soon", None)],
)
def test_retry_after_header(value, expected):
    assert parse_retry_after(value) == expected
