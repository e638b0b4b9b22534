"""The emulator refuses calls that break the signing and shop contract."""

from __future__ import annotations

import time

import pytest
import requests

SHOPS = "/authorization/202309/shops"
SEARCH = "/product/202312/products/search"


def test_a_correct_call_succeeds(caller):
    body = caller.call("GET", SHOPS).json()
    assert body["code"] == 0
    assert body["data"]["shops"][0]["cipher"] == caller.cipher


def test_request_ids_differ(caller):
    ids = {caller.call("GET", SHOPS).json()["request_id"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda sign: sign.upper(), "sign must be lower-case hex"),
        (lambda sign: sign[:-1] + ("0" if sign[-1] != "0" else "1"), "does not match"),
        (lambda sign: "", "sign is missing"),
    ],
    ids=["upper-case-hex", "wrong", "missing"],
)
def test_bad_sign_is_refused_with_106001(caller, spoil, message):
    response = caller.call("GET", SHOPS, sign=spoil)
    assert response.status_code == 200
    assert response.json()["code"] == 106001
    assert message in response.json()["message"]


def test_body_is_part_of_the_signature(caller):
    """A body changed after signing no longer matches the sign."""
    good = caller.call(
        "POST", SEARCH, {"page_size": 5, "shop_cipher": caller.cipher}, {}
    )
    assert good.json()["code"] == 0
    request = good.request
    tampered = requests.post(
        request.url,
        data=b'{"status": "DRAFT"}',
        headers=dict(request.headers),
        timeout=10,
    )
    assert tampered.json()["code"] == 106001


@pytest.mark.parametrize(
    ("offset", "message"),
    [(-301, "s old"), (31, "in the future")],
    ids=["stale", "future"],
)
def test_timestamp_out_of_window_is_refused(caller, offset, message):
    response = caller.call("GET", SHOPS, timestamp=int(time.time()) + offset)
    assert response.json()["code"] == 36009004
    assert message in response.json()["message"]


def test_timestamp_within_window_is_accepted(caller):
    assert (
        caller.call("GET", SHOPS, timestamp=int(time.time()) - 250).json()["code"] == 0
    )


def test_unknown_app_key_is_refused(caller):
    body = caller.call("GET", SHOPS, app_key="not-the-key").json()
    assert body["code"] == 36009004
    assert "app_key" in body["message"]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"Content-Type": "application/json"}, "header is missing"),
        ({"x-tts-access-token": "TTP_made_up"}, "invalid access token"),
    ],
    ids=["missing", "unknown"],
)
def test_missing_or_unknown_access_token_is_refused(caller, headers, message):
    body = caller.call("GET", SHOPS, headers=headers).json()
    assert body["code"] == 36009004
    assert message in body["message"]


def test_expired_access_token_answers_105002(start_emulator, make_caller):
    emulator = start_emulator(size=20)
    caller = make_caller(emulator)
    assert caller.call("GET", SHOPS).json()["code"] == 0
    emulator.expire_access_tokens()
    body = caller.call("GET", SHOPS).json()
    assert body["code"] == 105002


def test_access_token_expires_after_its_ttl(start_emulator, make_caller):
    emulator = start_emulator(size=20, token_ttl=0.5)
    caller = make_caller(emulator)
    assert caller.call("GET", SHOPS).json()["code"] == 0
    time.sleep(0.6)
    assert caller.call("GET", SHOPS).json()["code"] == 105002


def test_product_calls_need_shop_cipher(caller):
    body = caller.call("POST", SEARCH, {"page_size": 5}, {}).json()
    assert body["code"] == 106013


def test_unknown_shop_cipher_is_refused(caller):
    params = {"page_size": 5, "shop_cipher": "ROW_not_a_shop"}
    body = caller.call("POST", SEARCH, params, {}).json()
    assert body["code"] == 36009004
    assert "shop_cipher" in body["message"]


def test_shop_cipher_on_authorization_is_refused(caller):
    body = caller.call("GET", SHOPS, {"shop_cipher": caller.cipher}).json()
    assert body["code"] == 36009004
    assert "must not be sent" in body["message"]


def test_unknown_path_is_404_with_an_envelope(caller):
    response = caller.call("GET", "/product/202309/nothing")
    assert response.status_code == 404
    assert response.json()["code"] == 36009004


def test_wrong_method_is_405(caller):
    response = caller.call(
        "GET", SEARCH, {"page_size": 5, "shop_cipher": caller.cipher}
    )
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_search_refuses_a_body_that_is_not_json(caller):
    params = {"page_size": 5, "shop_cipher": caller.cipher}
    response = caller.call(
        "POST",
        SEARCH,
        params,
        {},
        headers={"x-tts-access-token": caller.token, "Content-Type": "text/plain"},
    )
    assert response.json()["code"] == 36009004
    assert "Content-Type" in response.json()["message"]


def test_shops_lists_every_shop_under_one_token(start_emulator, make_caller):
    emulator = start_emulator(size=10, shops=3)
    shops = make_caller(emulator).call("GET", SHOPS).json()["data"]["shops"]
    assert shops == emulator.shops
    assert {shop["region"] for shop in shops} == {"ID"}
    assert {shop["seller_type"] for shop in shops} == {"LOCAL"}
    assert len({shop["cipher"] for shop in shops}) == 3


def test_each_shop_serves_its_own_catalog(start_emulator, make_caller):
    emulator = start_emulator(size=30, shops=2)
    first, second = make_caller(emulator, 0), make_caller(emulator, 1)
    first_ids = {p["id"] for p in first.search(page_size=50)["data"]["products"]}
    second_ids = {p["id"] for p in second.search(page_size=50)["data"]["products"]}
    assert len(first_ids) == len(second_ids) == 30
    assert not first_ids & second_ids
    assert first.product(next(iter(second_ids)))["code"] == 12019150
    truth = emulator.ground_truth()
    assert {row["id"] for row in truth} == first_ids | second_ids
