"""Every fault the emulator can inject, at 10% and 30%, checked against ground truth.

Each trial imports a small catalog through the faults and asserts that every
ground-truth product is there exactly once (fetched, or failed with its reason)
and that the manifest counts each retry under the reason the fault stands for.
"""

from __future__ import annotations

import pytest
from helpers import assert_matches_ground_truth, listed_ids

from tiktok_import.emulator import FAULT_CLASSES, Emulator, EmulatorConfig
from tiktok_import.importer import ImportConfig, run_import
from tiktok_import.settings import SEARCH_RESULT_CAP

# The retry reason the manifest must count for each retried fault class.
RETRY_REASON = {
    "http429": "http_429",
    "throttle_code": "throttle_code",
    "http5xx": "http_5xx",
    "internal_error": "internal_error",
    "timeout_code": "timeout_code",
    "connection_reset": "connection_error",
    "read_timeout": "read_timeout",
    "malformed_json": "malformed_body",
    "token_expiry": "token_expired",
}
# Faults the server answers with Retry-After: 1 (seconds the client must wait).
RETRY_AFTER = {"http429": 1.0, "throttle_code": 1.0}
RATES = (0.1, 0.3)
SIZE = 200
NOISE_ALLOWED = 3
SEED = 11


def test_every_emulator_fault_class_is_covered():
    assert set(RETRY_REASON) | {"edit_during_walk"} == set(FAULT_CLASSES)


def _trials() -> list:
    return [
        pytest.param(fault, rate, id=f"{fault}-{rate:.0%}", marks=_slow_above_10(rate))
        for fault in RETRY_REASON
        for rate in RATES
    ]


def _slow_above_10(rate: float) -> list:
    return [pytest.mark.slow] if rate > 0.1 else []


def _import(emulator: Emulator, tmp_path, run_id: str, **fields) -> dict:
    config = ImportConfig(
        output_dir=str(tmp_path),
        run_id=run_id,
        requests_per_second=200,
        timeout_seconds=0.5,
        max_attempts=12,
        **fields,
    )
    result = run_import(config, progress=False, emulator=emulator)
    return assert_matches_ground_truth(result.run_folder, emulator.ground_truth())


def _only_noise(retries: dict[str, int]) -> bool:
    """No retry but the odd read timeout or dropped idle connection (see above)."""
    return (
        set(retries) <= {"read_timeout", "connection_error"}
        and sum(retries.values()) <= NOISE_ALLOWED
    )


def _emulator(faults: dict[str, float], size: int = SIZE) -> Emulator:
    return Emulator(
        EmulatorConfig(
            size=size,
            seed=SEED,
            rps=None,
            faults=faults,
            slow_seconds=1.5,
            token_ttl=3600,  # tokens expire only when token_expiry says so
        )
    )


@pytest.mark.parametrize(("fault", "rate"), _trials())
def test_fault_class_at_rate(fault, rate, tmp_path):
    with _emulator({fault: rate}) as emulator:
        manifest = _import(emulator, tmp_path, fault)
        injected = emulator.stats()["faults"].get(fault, 0)
        truth = emulator.ground_truth()

    reason = RETRY_REASON[fault]
    retries = dict(manifest["retries"])
    assert injected > 0, f"{fault} at {rate:.0%} was never injected"
    counted = retries.pop(reason, 0)
    # On a loaded machine an answer can miss the 0.5 s timeout now and then (a
    # retry no fault caused, and a fault the client never saw), and a kept-alive
    # connection the server closed while idle can be reused: a connection error.
    noise = retries.pop("read_timeout", 0) + retries.pop("connection_error", 0)
    assert retries == {}, f"retries counted under other reasons: {retries}"
    assert noise <= NOISE_ALLOWED, f"{noise} read timeouts no fault caused"
    if fault == "token_expiry":
        # Calls in flight with the expired token all get 105002; one refresh
        # per expiry serves them all.
        assert counted >= injected - noise
        assert 1 <= manifest["token_refreshes"] <= counted
    elif reason in ("read_timeout", "connection_error"):  # the noise's own kind
        assert abs(counted - injected) <= NOISE_ALLOWED
    else:
        # Every injected fault costs exactly one retry, and nothing else does.
        assert injected - noise <= counted <= injected
        assert manifest["token_refreshes"] == 0
    if fault in RETRY_AFTER:
        assert manifest["throttle_wait_seconds"] >= counted * RETRY_AFTER[fault]
    else:
        assert manifest["throttle_wait_seconds"] == 0
    requests = manifest["requests"]["by_endpoint"]
    assert requests["product"] >= len(truth)
    assert sum(p["vanishes"] for p in truth) >= 1, "the catalog should hold a vanisher"
    assert manifest["counts"]["failed"] == sum(p["vanishes"] for p in truth)


@pytest.mark.parametrize(
    "rate",
    [pytest.param(r, id=f"{r:.0%}", marks=_slow_above_10(r)) for r in RATES],
)
def test_products_edited_during_the_walk(rate, tmp_path):
    with _emulator({"edit_during_walk": rate}, size=400) as emulator:
        manifest = _import(emulator, tmp_path, "edits", page_size=20)
        edits = emulator.stats()["faults"].get("edit_during_walk", 0)
    assert edits > 0
    assert _only_noise(manifest["retries"])
    listed = listed_ids(tmp_path / "edits")
    assert max(listed.values()) > 1, "an edited product should have been seen twice"
    # The catch-up window from the walk's start collected the edited products.
    assert manifest["windows"][-1]["total_count"] > 0


def test_vanishing_products_are_failed_with_their_reason(tmp_path):
    with _emulator({}) as emulator:
        manifest = _import(emulator, tmp_path, "vanish")
        vanishers = [p["id"] for p in emulator.ground_truth() if p["vanishes"]]
    assert vanishers
    assert manifest["counts"]["failed"] == len(vanishers)
    assert _only_noise(manifest["retries"]), "12019150 is not retried"


@pytest.mark.slow
@pytest.mark.parametrize("rate", [pytest.param(r, id=f"{r:.0%}") for r in RATES])
def test_catalog_above_the_cap_through_faults(rate, tmp_path):
    # Search only (fetch_details off): the windows, with products edited at
    # `rate` of the search calls and a retried fault on 10% of every call. The
    # walk is sequential, so a higher fault rate would only add a minute.
    faults = {"internal_error": 0.1, "edit_during_walk": rate}
    with _emulator(faults, size=SEARCH_RESULT_CAP + 500) as emulator:
        manifest = _import(emulator, tmp_path, "cap", fetch_details=False)
        injected = emulator.stats()["faults"]
    walked = [w for w in manifest["windows"] if w["pages"]]
    assert len(walked) >= 3, "the catalog should have been split into windows"
    assert all(w["total_count"] <= SEARCH_RESULT_CAP for w in manifest["windows"])
    retries = dict(manifest["retries"])
    counted = retries.pop("internal_error", 0)
    assert _only_noise(retries)
    noise = sum(retries.values())
    assert injected["internal_error"] - noise <= counted <= injected["internal_error"]
    assert injected.get("edit_during_walk", 0) > 0
