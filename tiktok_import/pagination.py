"""Walking Search Products: page tokens, and update_time windows under the cap."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from .client import PartnerClient
from .errors import ApiError, SearchCapError
from .settings import SEARCH_RESULT_CAP

log = logging.getLogger(__name__)

PageHandler = Callable[[dict[str, Any], bytes], None]


@dataclass
class Window:
    """An inclusive update_time range in Unix seconds; `le` None: no upper bound."""

    ge: int = 0
    le: int | None = None
    total_count: int = 0
    pages: int = 0

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

    def as_dict(self) -> dict[str, Any]:
        record = asdict(self)
        return {
            "update_time_ge": record.pop("ge"),
            "update_time_le": record.pop("le"),
            **record,
        }


class _TooLarge(Exception):
    """The window holds more results than one search may return."""


class CatalogWalk:
    """Pages through every product of the shop, splitting windows past the cap.

    Windows are walked in ascending update_time order and the last one has no
    upper bound, so a product edited during the walk shows up again later rather
    than being lost; a final catch-up window from the walk's start time collects
    edits made while it ran. The caller de-duplicates on product id.
    """

    def __init__(
        self,
        client: PartnerClient,
        page_size: int,
        on_page: PageHandler,
        base_filters: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.page_size = page_size
        self.on_page = on_page
        self.base_filters = dict(base_filters or {})
        self.clock = clock
        self.windows: list[Window] = []

    def run(self) -> list[Window]:
        """Walk the catalog; return the windows walked."""
        started = int(self.clock())
        pending = [Window()]
        while pending:
            window = pending.pop(0)
            try:
                self._walk(window)
            except _TooLarge:
                earlier, later = window.split(int(self.clock()))
                log.info(
                    "window %s holds %d products, above the %d cap: split into %s, %s",
                    window.describe(),
                    window.total_count,
                    SEARCH_RESULT_CAP,
                    earlier.describe(),
                    later.describe(),
                )
                pending[:0] = [earlier, later]
                continue
            self.windows.append(window)
        catch_up = Window(ge=started)
        self._walk(catch_up)
        self.windows.append(catch_up)
        return self.windows

    def _walk(self, window: Window) -> None:
        filters = {**self.base_filters, **window.filters()}
        token = ""
        while True:
            try:
                body, raw = self.client.search_products(filters, self.page_size, token)
            except SearchCapError:
                raise _TooLarge from None
            data = body.get("data") or {}
            if window.pages == 0:
                window.total_count = int(data.get("total_count") or 0)
                if window.total_count > SEARCH_RESULT_CAP:
                    raise _TooLarge
            window.pages += 1
            self.on_page(body, raw)
            products = data.get("products") or []
            token = data.get("next_page_token") or ""
            log.info(
                "window %s page %d: %d products (total %d)",
                window.describe(),
                window.pages,
                len(products),
                window.total_count,
            )
            if not token:
                log.info(
                    "window %s ended: the last page had no next_page_token",
                    window.describe(),
                )
                return
            if not products:
                log.info("window %s ended: an empty page", window.describe())
                return
