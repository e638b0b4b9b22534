"""Retry policy and rate ceiling: what is retried, how long it waits, what it counts."""

import time

import pytest
import requests

from tiktok_import.errors import ConfigError, FatalApiError, RetriableApiError
from tiktok_import.retry import RateCeiling, RetryPolicy, retry_reason


def _failing(errors, result="ok"):
    calls = []

    def fn():
        calls.append(time.monotonic())
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result

    return fn, calls


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        pytest.param(RetriableApiError("x", reason="http_429"), "http_429", id="429"),
        pytest.param(
            RetriableApiError("x", reason="internal_error"), "internal_error", id="code"
        ),
        pytest.param(requests.exceptions.ReadTimeout(), "read_timeout", id="timeout"),
        pytest.param(
            requests.exceptions.ConnectionError(), "connection_error", id="reset"
        ),
    ],
)
def test_retriable_failures_are_retried_and_counted(error, reason):
    assert retry_reason(error) == reason
    policy = RetryPolicy(max_attempts=3, initial_wait=0.01)
    fn, calls = _failing([error, error])
    assert policy.call(fn, "test") == "ok"
    assert len(calls) == 3
    assert policy.stats.retries[reason] == 2


def test_fatal_errors_are_not_retried():
    policy = RetryPolicy(max_attempts=5)
    fn, calls = _failing([FatalApiError("bad sign", code=106001)])
    with pytest.raises(FatalApiError):
        policy.call(fn, "test")
    assert len(calls) == 1
    assert not policy.stats.retries


def test_retry_after_is_honoured_and_counted_as_throttle_wait():
    policy = RetryPolicy(max_attempts=2, initial_wait=0.01)
    fn, calls = _failing(
        [RetriableApiError("slow", reason="http_429", retry_after=0.3)]
    )
    policy.call(fn, "test")
    assert calls[1] - calls[0] >= 0.3
    assert policy.stats.throttle_wait_seconds == pytest.approx(0.3)


def test_attempts_run_out_with_the_last_error():
    policy = RetryPolicy(max_attempts=2, initial_wait=0.01)
    error = RetriableApiError("busy", reason="internal_error", retry_after=0)
    fn, calls = _failing([error, error, error])
    with pytest.raises(RetriableApiError, match="busy"):
        policy.call(fn, "test")
    assert len(calls) == 2


@pytest.mark.parametrize("rps", [0, -1, 5000, float("nan")], ids=str)
def test_absurd_ceilings_are_refused(rps):
    with pytest.raises(ConfigError, match="requests_per_second"):
        RateCeiling(rps)


def test_ceiling_spaces_requests():
    ceiling = RateCeiling(20)
    start = time.monotonic()
    for _ in range(30):
        ceiling.acquire()
    # 20 fit in the first second, the other 10 must wait for the window to slide.
    assert time.monotonic() - start >= 0.9
