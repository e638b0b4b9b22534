"""Token endpoints: one-time auth codes, absolute expiry, rotating refresh tokens."""

from __future__ import annotations

import time

import pytest
import requests

SHOPS = "/authorization/202309/shops"


def token_call(emulator, endpoint: str, **params) -> dict:
    url = f"{emulator.auth_base_url}/api/v2/token/{endpoint}"
    query = {"app_key": emulator.app_key, "app_secret": emulator.app_secret} | params
    return requests.get(url, params=query, timeout=10).json()


def grant(emulator) -> dict:
    return token_call(
        emulator,
        "get",
        auth_code=emulator.issue_auth_code(),
        grant_type="authorized_code",
    )


def refresh(emulator, refresh_token: str) -> dict:
    return token_call(
        emulator, "refresh", refresh_token=refresh_token, grant_type="refresh_token"
    )


def test_token_get_answers_absolute_expiry_times(start_emulator):
    emulator = start_emulator(size=5, token_ttl=120, refresh_ttl=86_400)
    before = int(time.time())
    body = grant(emulator)
    assert body["code"] == 0
    data = body["data"]
    assert before + 119 <= data["access_token_expire_in"] <= int(time.time()) + 120
    assert (
        before + 86_399 <= data["refresh_token_expire_in"] <= int(time.time()) + 86_400
    )
    assert data["seller_base_region"] == "ID"
    assert data["access_token"].startswith("TTP_")


def test_auth_code_works_once(emulator):
    code = emulator.issue_auth_code()
    params = {"auth_code": code, "grant_type": "authorized_code"}
    assert token_call(emulator, "get", **params)["code"] == 0
    again = token_call(emulator, "get", **params)
    assert again["code"] == 36004004
    assert "already used" in again["message"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"app_secret": "wrong"}, 36009004),
        ({"app_key": "unknown"}, 36009004),
        ({"grant_type": "authorization_code"}, 36009004),
        ({"auth_code": "ROW_made_up"}, 36004004),
    ],
    ids=["wrong-secret", "unknown-app-key", "bad-grant-type", "unknown-auth-code"],
)
def test_token_get_refusals(emulator, change, code):
    params = {"auth_code": emulator.issue_auth_code(), "grant_type": "authorized_code"}
    body = token_call(emulator, "get", **(params | change))
    assert body["code"] == code
    assert body["data"] == {}


def test_refresh_rotates_both_tokens_and_retires_the_old_refresh_token(emulator):
    first = grant(emulator)["data"]
    second = refresh(emulator, first["refresh_token"])
    assert second["code"] == 0
    assert second["data"]["access_token"] != first["access_token"]
    assert second["data"]["refresh_token"] != first["refresh_token"]
    assert second["data"]["access_token_expire_in"] > time.time()
    reused = refresh(emulator, first["refresh_token"])
    assert reused["code"] == 36004005
    assert refresh(emulator, second["data"]["refresh_token"])["code"] == 0


def test_refreshed_access_token_opens_the_api(start_emulator, make_caller):
    emulator = start_emulator(size=5)
    caller = make_caller(emulator)
    emulator.expire_access_tokens()
    assert caller.call("GET", SHOPS).json()["code"] == 105002
    pair = grant(emulator)["data"]
    caller.token = refresh(emulator, pair["refresh_token"])["data"]["access_token"]
    assert caller.call("GET", SHOPS).json()["code"] == 0


def test_unknown_refresh_token_answers_36004005(emulator):
    body = refresh(emulator, "TTP_never_issued")
    assert body["code"] == 36004005


def test_expired_refresh_token_answers_36004001(start_emulator):
    emulator = start_emulator(size=5, refresh_ttl=0.3)
    pair = grant(emulator)["data"]
    time.sleep(0.4)
    assert refresh(emulator, pair["refresh_token"])["code"] == 36004001


def test_refresh_refuses_a_wrong_secret_or_grant_type(emulator):
    pair = grant(emulator)["data"]
    token = pair["refresh_token"]
    wrong_secret = token_call(
        emulator,
        "refresh",
        refresh_token=token,
        grant_type="refresh_token",
        app_secret="nope",
    )
    assert wrong_secret["code"] == 36009004
    wrong_grant = token_call(
        emulator, "refresh", refresh_token=token, grant_type="authorized_code"
    )
    assert wrong_grant["code"] == 36009004
    assert refresh(emulator, token)["code"] == 0  # refusals did not spend it


def test_token_calls_are_unsigned_and_not_throttled(start_emulator):
    emulator = start_emulator(size=5, rps=1.0)
    codes = [grant(emulator)["code"] for _ in range(5)]
    assert codes == [0] * 5
    assert emulator.stats()["throttled"] == 0
    assert emulator.stats()["requests"]["token"] == 5
