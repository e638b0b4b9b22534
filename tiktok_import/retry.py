"""Retries and the requests-per-second ceiling, on tenacity and pyrate-limiter."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from typing import TypeVar

import pyrate_limiter
import requests
import tenacity

from .errors import ApiError, ConfigError, RetriableApiError
from .redact import redact
from .settings import MAX_RPS

log = logging.getLogger(__name__)

T = TypeVar("T")

_INITIAL_WAIT = 0.5
_MAX_WAIT = 30.0
_RETRY_AFTER_CAP = 120.0
_THROTTLE_REASONS = {"http_429", "throttle_code"}


def retry_reason(exc: BaseException) -> str | None:
    """Name the retriable failure `exc` stands for, or None when it is not retriable."""
    if isinstance(exc, RetriableApiError):
        return exc.reason
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "read_timeout"
    if isinstance(
        exc,
        requests.exceptions.ConnectionError | requests.exceptions.ChunkedEncodingError,
    ):
        return "connection_error"
    return None


class RetryStats:
    """Thread-safe tallies of retries by reason and of seconds spent waiting."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.retries: Counter[str] = Counter()
        self.wait_seconds = 0.0
        self.throttle_wait_seconds = 0.0

    def record(self, reason: str, wait: float) -> None:
        with self._lock:
            self.retries[reason] += 1
            self.wait_seconds += wait
            if reason in _THROTTLE_REASONS:
                self.throttle_wait_seconds += wait


class _WaitRetryAfterOrBackoff(tenacity.wait.wait_base):
    """Honour the server's Retry-After when it gives one, else exponential jitter."""

    def __init__(self, initial_wait: float) -> None:
        self._backoff = tenacity.wait_exponential_jitter(
            multiplier=initial_wait, max=_MAX_WAIT, jitter=initial_wait
        )

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return min(max(float(retry_after), 0.0), _RETRY_AFTER_CAP)
        return self._backoff(retry_state)


class RetryPolicy:
    """Runs a call again on retriable failures, with backoff, counting every retry."""

    def __init__(
        self,
        max_attempts: int,
        stats: RetryStats | None = None,
        initial_wait: float = _INITIAL_WAIT,
    ) -> None:
        if not 1 <= max_attempts <= 100:
            raise ConfigError(f"max_attempts must be 1..100, got {max_attempts}")
        self.max_attempts = max_attempts
        self.stats = stats or RetryStats()
        self.initial_wait = initial_wait

    def call(self, fn: Callable[[], T], what: str) -> T:
        """Call `fn` until it succeeds, fails for good, or runs out of attempts."""
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(
                lambda exc: retry_reason(exc) is not None
            ),
            wait=_WaitRetryAfterOrBackoff(self.initial_wait),
            stop=tenacity.stop_after_attempt(self.max_attempts),
            before_sleep=lambda state: self._before_sleep(state, what),
            reraise=True,
        )
        try:
            return retrying(fn)
        except requests.exceptions.RequestException as exc:
            reason = retry_reason(exc)
            if reason is None:
                raise ApiError(
                    f"the request could not be made: {redact(str(exc))}",
                    path=what,
                    hint="Check the base URL (TIKTOK_API_BASE_URL).",
                ) from None
            # requests puts the whole URL, query and sign included, in its messages.
            raise RetriableApiError(
                f"gave up after {self.max_attempts} attempts, the last one: "
                f"{redact(str(exc))}",
                reason=reason,
                path=what,
                hint="Check the network and the base URL, or raise max_attempts.",
            ) from None

    def _before_sleep(self, state: tenacity.RetryCallState, what: str) -> None:
        exc = state.outcome.exception()
        reason = retry_reason(exc) or "unknown"
        wait = state.next_action.sleep if state.next_action else 0.0
        self.stats.record(reason, wait)
        log.warning(
            "%s: %s, retry %d/%d in %.2fs",
            what,
            reason,
            state.attempt_number,
            self.max_attempts - 1,
            wait,
        )


class RateCeiling:
    """A shared requests-per-second ceiling; every thread acquires before each call."""

    def __init__(self, requests_per_second: float) -> None:
        rps = float(requests_per_second)
        if not 0 < rps <= MAX_RPS:
            raise ConfigError(
                f"requests_per_second must be above 0 and at most {MAX_RPS:g}, "
                f"got {requests_per_second!r}"
            )
        self.requests_per_second = rps
        if rps >= 1:
            rate = pyrate_limiter.Rate(round(rps), pyrate_limiter.Duration.SECOND)
        else:
            rate = pyrate_limiter.Rate(1, round(1000 / rps))
        self._limiter = pyrate_limiter.Limiter(rate, buffer_ms=5)

    def acquire(self) -> None:
        """Block until one more request fits under the ceiling."""
        self._limiter.try_acquire("partner-api")
