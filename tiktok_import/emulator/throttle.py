"""The emulated rate limit: one token bucket over every signed API call."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class TokenBucket:
    """`rate` calls per second on average, bursts of up to one second's worth."""

    def __init__(
        self, rate: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self._tokens = self.capacity
        self._clock = clock
        self._last = clock()
        self._lock = threading.Lock()

    def take(self) -> float:
        """Take a token: 0.0 when the call may go ahead, else seconds to wait."""
        with self._lock:
            now = self._clock()
            elapsed = now - self._last
            self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
            self._last = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return 0.0
            return (1.0 - self._tokens) / self.rate


def retry_after_seconds(wait: float) -> int:
    """Retry-After is whole seconds, at least 1."""
    return max(1, math.ceil(wait))
