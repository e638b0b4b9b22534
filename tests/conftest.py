"""Fixtures for tests that talk to the local emulator over HTTP.

`PartnerCaller` is a deliberately tiny signed-request helper built on
`compute_sign`, so emulator tests do not depend on the production client.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from tiktok_import.emulator import Emulator, EmulatorConfig
from tiktok_import.signing import compute_sign


@pytest.fixture(autouse=True)
def private_token_file(tmp_path_factory, monkeypatch):
    """Live-mode tests keep refreshed tokens in a temporary file, not in ~/.config."""
    folder = tmp_path_factory.mktemp("tokens")
    monkeypatch.setenv("TIKTOK_TOKEN_FILE", str(folder / "tokens.json"))


def get_tokens(emulator: Emulator) -> dict[str, Any]:
    """Trade a fresh auth code for a token pair; the response's `data`."""
    response = requests.get(
        f"{emulator.auth_base_url}/api/v2/token/get",
        params={
            "app_key": emulator.app_key,
            "app_secret": emulator.app_secret,
            "auth_code": emulator.issue_auth_code(),
            "grant_type": "authorized_code",
        },
        timeout=10,
    )
    assert response.json()["code"] == 0, response.text
    return response.json()["data"]


class PartnerCaller:
    """Signs and sends one Partner API call the way API_NOTES.md describes."""

    def __init__(self, emulator: Emulator, shop_index: int = 0) -> None:
        self.emulator = emulator
        self.token = get_tokens(emulator)["access_token"]
        self.cipher = emulator.shops[shop_index]["cipher"]

    def call(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        *,
        timestamp: int | None = None,
        app_key: str | None = None,
        sign: Callable[[str], str] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 10,
    ) -> requests.Response:
        """Send a signed call; `sign` may spoil the signature, `headers` replace."""
        query = {key: str(value) for key, value in (params or {}).items()}
        query["app_key"] = app_key or self.emulator.app_key
        query["timestamp"] = str(int(time.time()) if timestamp is None else timestamp)
        data = json.dumps(body).encode() if body is not None else b""
        signature = compute_sign(self.emulator.app_secret, path, query, data)
        query["sign"] = sign(signature) if sign else signature
        if headers is None:
            headers = {
                "x-tts-access-token": self.token,
                "Content-Type": "application/json",
            }
        return requests.request(
            method,
            f"{self.emulator.base_url}{path}?{urlencode(query)}",
            data=data or None,
            headers=headers,
            timeout=timeout,
        )

    def search(
        self,
        version: str = "202312",
        page_size: int = 100,
        page_token: str = "",
        **filters: Any,
    ) -> dict[str, Any]:
        """The envelope of one Search Products page."""
        params = {"page_size": page_size, "shop_cipher": self.cipher}
        if page_token:
            params["page_token"] = page_token
        path = f"/product/{version}/products/search"
        return self.call("POST", path, params, filters).json()

    def walk(self, version: str = "202312", page_size: int = 100, **filters: Any):
        """Every page of a search, as envelopes; stops on the first error."""
        pages, token = [], ""
        while True:
            page = self.search(version, page_size, token, **filters)
            pages.append(page)
            token = page["data"].get("next_page_token", "") if page["code"] == 0 else ""
            if not token:
                return pages

    def product(self, product_id: str) -> dict[str, Any]:
        """The envelope of Get Product."""
        path = f"/product/202309/products/{product_id}"
        return self.call("GET", path, {"shop_cipher": self.cipher}).json()


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    """A 500-product emulator with no throttle and no faults, shared per module."""
    config = EmulatorConfig(size=500, seed=7, rps=None, token_ttl=3600)
    with Emulator(config) as running:
        yield running


@pytest.fixture
def caller(emulator: Emulator) -> PartnerCaller:
    return PartnerCaller(emulator)


@pytest.fixture
def start_emulator() -> Iterator[Callable[..., Emulator]]:
    """Start an emulator with the given EmulatorConfig fields; stopped afterwards."""
    started: list[Emulator] = []

    def start(**fields: Any) -> Emulator:
        fields.setdefault("rps", None)
        emulator = Emulator(EmulatorConfig(**fields)).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture
def make_caller() -> Callable[..., PartnerCaller]:
    return PartnerCaller


@pytest.fixture
def issue_tokens() -> Callable[[Emulator], dict[str, Any]]:
    return get_tokens
