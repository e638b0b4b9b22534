"""The catalog walk on its own: windows under the cap, walked concurrently.

A small in-memory stand-in for Search Products keeps these tests about the walk's
bookkeeping; the emulator tests check the same walk over HTTP.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from tiktok_import.pagination import CatalogWalk
from tiktok_import.settings import SEARCH_RESULT_CAP

STARTED = 1_790_000_000


class FakeSearch:
    """Search Products over `times` (product id -> update_time), with call records."""

    def __init__(self, times: dict[str, int], latency: float = 0.005) -> None:
        self.times = times
        self.latency = latency
        self.calls: list[tuple[float, float, dict[str, Any]]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()

    def search_products(
        self, filters: dict[str, Any], page_size: int, page_token: str = ""
    ) -> tuple[dict[str, Any], bytes]:
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        began = time.monotonic()
        time.sleep(self.latency)
        ge = filters.get("update_time_ge", 0)
        le = filters.get("update_time_le", 2**40)
        matches = sorted(
            (stamp, pid) for pid, stamp in self.times.items() if ge <= stamp <= le
        )
        start = int(page_token or 0)
        page = matches[start : start + page_size]
        more = start + page_size < len(matches)
        body = {
            "code": 0,
            "data": {
                "products": [{"id": pid, "update_time": stamp} for stamp, pid in page],
                "next_page_token": str(start + page_size) if more else "",
                "total_count": len(matches),
            },
        }
        with self._lock:
            self.in_flight -= 1
            self.calls.append((began, time.monotonic(), dict(filters)))
        return body, b"{}"


def catalog(size: int) -> dict[str, int]:
    # Spread over about three years before the walk starts.
    return {
        f"p{i:06d}": STARTED - 100_000_000 + i * (100_000_000 // size)
        for i in range(size)
    }


def walk(
    search: FakeSearch,
    parallel: int,
    state: dict[str, Any] | None = None,
    stop_when: Callable[[dict[str, Any]], bool] | None = None,
):
    seen: list[str] = []
    states: list[dict[str, Any]] = []

    def on_page(body: dict[str, Any], raw: bytes) -> None:
        seen.extend(p["id"] for p in body["data"]["products"])
        states.append(walker.state())
        if stop_when is not None and stop_when(states[-1]):
            raise KeyboardInterrupt

    walker = CatalogWalk(
        search, 100, on_page, clock=lambda: STARTED, state=state, parallel=parallel
    )
    windows = walker.run() if stop_when is None else None
    if stop_when is not None:
        with pytest.raises(KeyboardInterrupt):
            walker.run()
    return seen, states, windows


@pytest.mark.parametrize("parallel", [1, 4])
def test_every_product_is_listed_and_every_window_stays_under_the_cap(parallel):
    times = catalog(25_000)
    search = FakeSearch(times)

    seen, _, windows = walk(search, parallel)

    assert set(seen) == set(times)
    assert all(w.total_count <= SEARCH_RESULT_CAP for w in windows)
    assert [w.ge for w in windows] == sorted(w.ge for w in windows)
    assert search.most_in_flight == parallel


def test_the_catch_up_window_waits_for_every_earlier_window():
    search = FakeSearch(catalog(25_000))

    walk(search, parallel=4)

    catch_up = [c for c in search.calls if c[2].get("update_time_ge") == STARTED]
    earlier = [c for c in search.calls if c[2].get("update_time_ge", 0) < STARTED]
    assert catch_up and earlier
    assert min(began for began, _, _ in catch_up) >= max(end for _, end, _ in earlier)


def test_a_walk_interrupted_mid_way_resumes_from_its_state():
    times = catalog(25_000)

    def two_windows_part_walked(state: dict[str, Any]) -> bool:
        return sum(bool(w["page_token"]) for w in state["pending"]) >= 2

    first, states, _ = walk(
        FakeSearch(times), parallel=4, stop_when=two_windows_part_walked
    )
    saved = states[-1]

    rest, _, windows = walk(FakeSearch(times), parallel=4, state=saved)

    assert set(first) | set(rest) == set(times)
    assert not set(first) & set(rest), "a resumed walk repeated committed pages"
    assert sum(w.pages for w in windows) * 100 >= len(times)
