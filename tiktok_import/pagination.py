"""Walking Search Products: page tokens, and update_time windows under the cap."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass
from typing import Any

from .client import PartnerClient
from .errors import ApiError, FatalApiError, SearchCapError
from .settings import CODE_REQUEST_FAULT, SEARCH_RESULT_CAP

log = logging.getLogger(__name__)

PageHandler = Callable[[dict[str, Any], bytes], None]


@dataclass
class Window:
    """An inclusive update_time range in Unix seconds; `le` None: no upper bound."""

    ge: int = 0
    le: int | None = None
    total_count: int = 0
    pages: int = 0
    token: str = ""  # the next page's page_token; empty: the first page

    def filters(self) -> dict[str, int]:
        bounds = {}
        if self.ge > 0:
            bounds["update_time_ge"] = self.ge
        if self.le is not None:
            bounds["update_time_le"] = self.le
        return bounds

    def split(self, now: int) -> tuple[Window, Window]:
        """Halve the window; the later half keeps an open upper bound if it had one."""
        upper = self.le if self.le is not None else now
        if upper <= self.ge:
            raise ApiError(
                f"more than {SEARCH_RESULT_CAP:,} products were updated at one second "
                f"({self.ge}); the search cannot be windowed further",
                hint="Filter by status or listing platform to narrow the search.",
            )
        middle = (self.ge + upper) // 2
        return Window(self.ge, middle), Window(middle + 1, self.le)

    def describe(self) -> str:
        upper = "open" if self.le is None else str(self.le)
        return f"[{self.ge}, {upper}]"

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> Window:
        return cls(
            record["update_time_ge"],
            record["update_time_le"],
            record.get("total_count", 0),
            record.get("pages", 0),
            record.get("page_token", ""),
        )

    def as_dict(self, with_token: bool = False) -> dict[str, Any]:
        """The window as the manifest records it; a checkpoint adds the token."""
        record = asdict(self)
        token = record.pop("token")
        if with_token:
            record["page_token"] = token
        return {
            "update_time_ge": record.pop("ge"),
            "update_time_le": record.pop("le"),
            **record,
        }


def _refuses_page_token(exc: FatalApiError) -> bool:
    # A page token that is too old, or from another search, comes back as the
    # catch-all 36009004 with a message naming the page token.
    return exc.code == CODE_REQUEST_FAULT and "page_token" in exc.api_message.lower()


class CatalogWalk:
    """Pages through every product of the shop, splitting windows past the cap.

    Up to `parallel` windows are walked at once (each one page after another, as
    its page tokens require), all under the client's shared rate ceiling; only
    the calling thread changes the walk's state or calls `on_page`. The last
    regular window has no upper bound, so a product edited during the walk shows
    up again later rather than being lost; a catch-up window from the walk's
    start time, begun only once every earlier window is done, collects edits
    made while it ran. The caller de-duplicates on product id.

    `state()` after any page is enough to carry on from the next page of every
    window, so an interrupted walk can be resumed with `CatalogWalk(...,
    state=saved)`.
    """

    def __init__(
        self,
        client: PartnerClient,
        page_size: int,
        on_page: PageHandler,
        base_filters: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.time,
        state: dict[str, Any] | None = None,
        parallel: int = 1,
    ) -> None:
        self.client = client
        self.page_size = page_size
        self.on_page = on_page
        self.base_filters = dict(base_filters or {})
        self.clock = clock
        self.parallel = max(1, parallel)
        if state:
            self.started = int(state["walk_started"])
            self.windows = [Window.from_dict(w) for w in state["done"]]
            self.pending = [Window.from_dict(w) for w in state["pending"]]
            # Checkpoints from before windows were walked concurrently kept one
            # page token, the first pending window's.
            if self.pending and state.get("page_token"):
                self.pending[0].token = state["page_token"]
        else:
            self.started = int(clock())
            self.windows: list[Window] = []
            self.pending = [Window(), Window(ge=self.started)]

    def state(self) -> dict[str, Any]:
        """Where the walk stands, as plain JSON-able data."""
        return {
            "walk_started": self.started,
            "done": [w.as_dict() for w in self.windows],
            "pending": [w.as_dict(with_token=True) for w in self.pending],
        }

    def run(self) -> list[Window]:
        """Walk the catalog (or what is left of it); return the windows walked."""
        with ThreadPoolExecutor(self.parallel, thread_name_prefix="search") as pool:
            in_flight: dict[Future, Window] = {}
            try:
                while True:
                    for window in self._ready(in_flight.values()):
                        in_flight[pool.submit(self._fetch, window)] = window
                    if not in_flight:
                        break
                    finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in finished:
                        self._take(in_flight.pop(future), future)
            except BaseException:
                for future in in_flight:
                    future.cancel()
                raise
        self.windows.sort(key=lambda w: w.ge)
        return self.windows

    def _ready(self, busy: Iterable[Window]) -> list[Window]:
        """Pending windows to start now, up to the number of free places."""
        busy = list(busy)
        free = self.parallel - len(busy)
        idle = [w for w in self.pending if not any(w is b for b in busy)]
        earlier = [w for w in self.pending if w.ge < self.started]
        if earlier:
            # The catch-up windows wait until every earlier window is walked.
            idle = [w for w in idle if w.ge < self.started]
        return idle[: max(free, 0)]

    def _fetch(self, window: Window) -> tuple[dict[str, Any], bytes]:
        filters = {**self.base_filters, **window.filters()}
        return self.client.search_products(filters, self.page_size, window.token)

    def _take(self, window: Window, future: Future) -> None:
        """Record one page of `window` (or the error that came instead)."""
        try:
            body, raw = future.result()
        except SearchCapError:
            self._split(window)
            return
        except FatalApiError as exc:
            if not (window.token and _refuses_page_token(exc)):
                raise
            log.warning(
                "window %s: the API no longer accepts the page token (%s); "
                "walking the window again from its start",
                window.describe(),
                exc.api_message,
            )
            window.token, window.pages = "", 0
            return
        data = body.get("data") or {}
        if window.pages == 0:
            window.total_count = int(data.get("total_count") or 0)
            if window.total_count > SEARCH_RESULT_CAP:
                self._split(window)
                return
        window.pages += 1
        products = data.get("products") or []
        window.token = data.get("next_page_token") or ""
        log.info(
            "window %s page %d: %d products (total %d)",
            window.describe(),
            window.pages,
            len(products),
            window.total_count,
        )
        if not window.token or not products:
            why = "had no next_page_token" if not window.token else "was empty"
            log.info("window %s ended: the last page %s", window.describe(), why)
            self._remove(window)
            window.token = ""
            self.windows.append(window)
        self.on_page(body, raw)

    def _remove(self, window: Window) -> int:
        index = next(i for i, w in enumerate(self.pending) if w is window)
        del self.pending[index]
        return index

    def _split(self, window: Window) -> None:
        earlier, later = window.split(int(self.clock()))
        log.info(
            "window %s holds %d products, above the %d cap: split into %s, %s",
            window.describe(),
            window.total_count,
            SEARCH_RESULT_CAP,
            earlier.describe(),
            later.describe(),
        )
        index = self._remove(window)
        self.pending[index:index] = [earlier, later]
