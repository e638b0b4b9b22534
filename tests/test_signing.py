"""Signing: TikTok's published vectors and re-signing of prepared requests."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tiktok_import.signing import PartnerAuth, compute_sign


@pytest.mark.parametrize(
    ("secret", "path", "params", "expected"),
    [
        pytest.param(
            "e59af819cc",
            "/authorization/202309/shops",
            {"app_key": "29a39d", "timestamp": "1623812664"},
            "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8",
            id="tiktok-docs-authorized-shops",
        ),
        pytest.param(
            "app_secret",
            "/test-api",
            {"foo": "bar"},
            "d3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f",
            id="php-sdk-test-api",
        ),
    ],
)
def test_published_vectors(secret, path, params, expected):
    assert compute_sign(secret, path, params) == expected


def test_sign_and_access_token_are_not_signed():
    params = {"app_key": "29a39d", "timestamp": "1623812664"}
    with_extra = {**params, "sign": "x", "access_token": "y"}
    assert compute_sign("s", "/p", params) == compute_sign("s", "/p", with_extra)


def test_body_is_signed_except_multipart():
    params = {"a": "1"}
    plain = compute_sign("s", "/p", params)
    assert compute_sign("s", "/p", params, b'{"x":1}') != plain
    assert (
        compute_sign("s", "/p", params, b"--form", "multipart/form-data; b=1") == plain
    )


def _prepare(auth, url, **kwargs):
    return requests.Request("POST", url, auth=auth, **kwargs).prepare()


def test_prepared_request_is_signed_with_fresh_timestamp_and_token():
    clock = iter([1000.0, 1007.0])
    tokens = iter(["tok-1", "tok-2"])
    auth = PartnerAuth("key", "secret", lambda: next(tokens), clock=lambda: next(clock))
    url = "http://127.0.0.1/product/202312/products/search"
    first = _prepare(
        auth, url, params={"page_token": "a+b/c=="}, data=b'{"status":"ALL"}'
    )
    second = _prepare(
        auth, url, params={"page_token": "a+b/c=="}, data=b'{"status":"ALL"}'
    )

    q1 = {k: v[0] for k, v in parse_qs(urlsplit(first.url).query).items()}
    q2 = {k: v[0] for k, v in parse_qs(urlsplit(second.url).query).items()}
    assert q1["page_token"] == "a+b/c=="  # survives encoding
    assert (q1["timestamp"], q2["timestamp"]) == ("1000", "1007")
    assert q1["sign"] != q2["sign"]
    expected = compute_sign(
        "secret",
        "/product/202312/products/search",
        {"app_key": "key", "timestamp": "1000", "page_token": "a+b/c=="},
        b'{"status":"ALL"}',
    )
    assert q1["sign"] == expected == expected.lower()
    assert first.headers["x-tts-access-token"] == "tok-1"
    assert second.headers["x-tts-access-token"] == "tok-2"
