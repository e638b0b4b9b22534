"""Walking Search Products: page tokens, and update_time windows under the cap."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
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
        )

    def as_dict(self) -> dict[str, Any]:
        record = asdict(self)
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

    Windows are walked in ascending update_time order and the last one has no
    upper bound, so a product edited during the walk shows up again later rather
    than being lost; a final catch-up window from the walk's start time collects
    edits made while it ran. The caller de-duplicates on product id.

    `state()` after any page is enough to carry on from the next page, so an
    interrupted walk can be resumed with `CatalogWalk(..., state=saved)`.
    """

    def __init__(
        self,
        client: PartnerClient,
        page_size: int,
        on_page: PageHandler,
        base_filters: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.time,
        state: dict[str, Any] | None = None,
    ) -> None:
        self.client = client
        self.page_size = page_size
        self.on_page = on_page
        self.base_filters = dict(base_filters or {})
        self.clock = clock
        if state:
            self.started = int(state["walk_started"])
            self.windows = [Window.from_dict(w) for w in state["done"]]
            self.pending = [Window.from_dict(w) for w in state["pending"]]
            self.token = state["page_token"]
        else:
            self.started = int(clock())
            self.windows: list[Window] = []
            self.pending = [Window(), Window(ge=self.started)]
            self.token = ""

    def state(self) -> dict[str, Any]:
        """Where the walk stands, as plain JSON-able data."""
        return {
            "walk_started": self.started,
            "done": [w.as_dict() for w in self.windows],
            "pending": [w.as_dict() for w in self.pending],
            "page_token": self.token,
        }

    def run(self) -> list[Window]:
        """Walk the catalog (or what is left of it); return the windows walked."""
        while self.pending:
            window = self.pending[0]
            filters = {**self.base_filters, **window.filters()}
            try:
                body, raw = self.client.search_products(
                    filters, self.page_size, self.token
                )
            except SearchCapError:
                self._split(window)
                continue
            except FatalApiError as exc:
                if not (self.token and _refuses_page_token(exc)):
                    raise
                log.warning(
                    "window %s: the API no longer accepts the page token (%s); "
                    "walking the window again from its start",
                    window.describe(),
                    exc.api_message,
                )
                self.token, window.pages = "", 0
                continue
            data = body.get("data") or {}
            if window.pages == 0:
                window.total_count = int(data.get("total_count") or 0)
                if window.total_count > SEARCH_RESULT_CAP:
                    self._split(window)
                    continue
            window.pages += 1
            products = data.get("products") or []
            self.token = data.get("next_page_token") or ""
            log.info(
                "window %s page %d: %d products (total %d)",
                window.describe(),
                window.pages,
                len(products),
                window.total_count,
            )
            if not self.token or not products:
                why = "had no next_page_token" if not self.token else "was empty"
                log.info("window %s ended: the last page %s", window.describe(), why)
                self.windows.append(self.pending.pop(0))
                self.token = ""
            self.on_page(body, raw)
        return self.windows

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
        self.pending[0:1] = [earlier, later]
        self.token = ""
