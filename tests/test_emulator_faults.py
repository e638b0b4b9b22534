"""Each injected fault class and the throttle produce their symptom."""

from __future__ import annotations

import json
import time

import pytest
import requests

from tiktok_import.emulator import FAULT_CLASSES, EmulatorConfig
from tiktok_import.errors import ConfigError

SHOPS = "/authorization/202309/shops"


@pytest.fixture
def faulty(start_emulator, make_caller):
    """A caller to an emulator where one fault class hits every API call."""

    def start(fault: str, **fields):
        emulator = start_emulator(size=50, faults={fault: 1.0}, **fields)
        return make_caller(emulator)

    return start


def test_http429_answers_429_with_retry_after(faulty):
    response = faulty("http429").call("GET", SHOPS)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json()["code"] == 36009002


def test_throttle_code_answers_36009002_with_retry_after(faulty):
    response = faulty("throttle_code").call("GET", SHOPS)
    assert response.status_code == 200
    assert response.json()["code"] == 36009002
    assert int(response.headers["Retry-After"]) >= 1


def test_http5xx_answers_server_errors_some_not_json(faulty):
    caller = faulty("http5xx")
    responses = [caller.call("GET", SHOPS) for _ in range(12)]
    assert {r.status_code for r in responses} == {500, 502, 503}
    not_json = [r for r in responses if "json" not in r.headers["Content-Type"]]
    assert not_json
    with pytest.raises(ValueError):
        not_json[0].json()


@pytest.mark.parametrize(
    ("fault", "code"), [("internal_error", 36009003), ("timeout_code", 36009007)]
)
def test_error_codes_come_with_http_200(faulty, fault, code):
    response = faulty(fault).call("GET", SHOPS)
    assert response.status_code == 200
    assert response.json()["code"] == code


def test_connection_reset_gives_the_client_a_connection_error(faulty):
    caller = faulty("connection_reset")
    with pytest.raises(requests.exceptions.ConnectionError):
        caller.call("GET", SHOPS)
    assert caller.emulator.stats()["faults"] == {"connection_reset": 1}


def test_read_timeout_answers_after_slow_seconds(faulty):
    caller = faulty("read_timeout", slow_seconds=0.6)
    with pytest.raises(requests.exceptions.ReadTimeout):
        caller.call("GET", SHOPS, timeout=0.2)
    started = time.perf_counter()
    assert caller.call("GET", SHOPS, timeout=5).json()["code"] == 0
    assert time.perf_counter() - started >= 0.6


def test_malformed_json_is_a_truncated_200_body(faulty):
    response = faulty("malformed_json").call("GET", SHOPS)
    assert response.status_code == 200
    assert response.text.startswith('{"code":0')
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_token_expiry_expires_the_callers_token(faulty):
    caller = faulty("token_expiry")
    assert caller.call("GET", SHOPS).json()["code"] == 105002


def test_edit_during_walk_edits_a_product_per_search_call(faulty):
    caller = faulty("edit_during_walk")
    started = int(time.time())
    pages = caller.walk(page_size=10)
    products = [p for page in pages for p in page["data"]["products"]]
    assert any(p["update_time"] >= started for p in products)
    assert len(products) >= 50
    assert caller.emulator.stats()["faults"] == {"edit_during_walk": len(pages)}
    # Other endpoints never see this fault.
    assert caller.call("GET", SHOPS).json()["code"] == 0
    assert caller.emulator.stats()["faults"] == {"edit_during_walk": len(pages)}


def test_token_calls_are_never_faulted(start_emulator, issue_tokens):
    emulator = start_emulator(size=5, faults={"http5xx": 1.0})
    assert issue_tokens(emulator)["access_token"]
    assert emulator.stats()["faults"] == {}


def test_fault_rate_is_a_share_of_calls(start_emulator, make_caller):
    emulator = start_emulator(size=5, faults={"internal_error": 0.5})
    caller = make_caller(emulator)
    codes = [caller.call("GET", SHOPS).json()["code"] for _ in range(60)]
    faulted = codes.count(36009003)
    assert 15 <= faulted <= 45
    assert codes.count(0) == 60 - faulted
    assert emulator.stats()["faults"] == {"internal_error": faulted}


def test_unknown_fault_class_is_refused_with_the_valid_ones():
    with pytest.raises(ConfigError, match="unknown fault class 'http418'.*http429"):
        EmulatorConfig(faults={"http418": 0.1})


@pytest.mark.parametrize("rate", [-0.1, 1.5])
def test_fault_rate_outside_0_to_1_is_refused(rate):
    with pytest.raises(ValueError, match="must be 0..1"):
        EmulatorConfig(faults={"http429": rate})


def test_every_fault_class_is_accepted():
    config = EmulatorConfig(faults=dict.fromkeys(FAULT_CLASSES, 0.01))
    assert set(config.faults) == set(FAULT_CLASSES)


def test_throttle_answers_429_or_36009002_with_retry_after(start_emulator, make_caller):
    emulator = start_emulator(size=5, rps=2.0)
    caller = make_caller(emulator)
    responses = [caller.call("GET", SHOPS) for _ in range(8)]
    throttled = [r for r in responses if r.json()["code"] == 36009002]
    assert len(throttled) >= 4
    assert {r.status_code for r in throttled} == {200, 429}
    assert all(int(r.headers["Retry-After"]) >= 1 for r in throttled)
    assert emulator.stats()["throttled"] == len(throttled)
    time.sleep(1.0)
    assert caller.call("GET", SHOPS).json()["code"] == 0


def test_no_throttle_when_rps_is_zero(start_emulator, make_caller):
    emulator = start_emulator(size=5, rps=0)
    caller = make_caller(emulator)
    assert {caller.call("GET", SHOPS).json()["code"] for _ in range(30)} == {0}
    assert emulator.stats()["throttled"] == 0


def test_stats_count_requests_by_endpoint(start_emulator, make_caller):
    emulator = start_emulator(size=20)
    caller = make_caller(emulator)
    caller.call("GET", SHOPS)
    product_id = caller.search(page_size=5)["data"]["products"][0]["id"]
    caller.product(product_id)
    caller.product(product_id)
    caller.call("GET", "/nowhere")
    stats = emulator.stats()
    assert stats["requests"] == {
        "token": 1,
        "shops": 1,
        "search": 1,
        "product": 2,
        "other": 1,
    }
    assert stats["requests_total"] == 6
    assert stats["throttled"] == 0
