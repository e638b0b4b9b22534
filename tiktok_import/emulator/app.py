"""The WSGI application that plays the Partner API (API host and auth host)."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ..settings import (
    ACCESS_TOKEN_HEADER,
    CODE_INTERNAL_ERROR,
    CODE_PRODUCT_NOT_FOUND,
    CODE_REQUEST_FAULT,
    SHOPS_PATH,
    TOKEN_GET_PATH,
    TOKEN_REFRESH_PATH,
)
from . import faults
from .catalog import Catalog
from .contract import verify_call
from .envelope import ApiFault, failure, success
from .search import SEARCH_VERSIONS, parse_search, search_page
from .throttle import TokenBucket, retry_after_seconds
from .tokens import TokenStore

logger = logging.getLogger(__name__)

URLS = Map(
    [
        Rule(TOKEN_GET_PATH, endpoint="token_get"),
        Rule(TOKEN_REFRESH_PATH, endpoint="token_refresh"),
        Rule(SHOPS_PATH, endpoint="shops"),
        *(
            Rule(
                f"/product/{version}/products/search",
                endpoint="search",
                defaults={"version": version},
            )
            for version in SEARCH_VERSIONS
        ),
        Rule("/product/202309/products/<product_id>", endpoint="product"),
    ]
)
# Endpoint -> (name in stats, HTTP method).
ENDPOINTS = {
    "token_get": ("token", "GET"),
    "token_refresh": ("token", "GET"),
    "shops": ("shops", "GET"),
    "search": ("search", "POST"),
    "product": ("product", "GET"),
}


class Stats:
    """Requests by endpoint, faults by class, throttled calls; thread-safe."""

    def __init__(self) -> None:
        self._requests: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()
        self._throttled = 0
        self._lock = threading.Lock()

    def request(self, endpoint: str) -> None:
        with self._lock:
            self._requests[endpoint] += 1

    def fault(self, name: str) -> None:
        with self._lock:
            self._faults[name] += 1

    def throttle(self) -> int:
        """Count a throttled call; return how many there were so far."""
        with self._lock:
            self._throttled += 1
            return self._throttled

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(self._requests),
                "requests_total": sum(self._requests.values()),
                "faults": dict(self._faults),
                "faults_total": sum(self._faults.values()),
                "throttled": self._throttled,
            }


class PartnerApi:
    """Routes, throttles, injects faults, checks the contract, answers.

    Every request is counted in `stats` under token, shops, search, product or
    other, whatever its fate (answered, throttled or faulted).
    """

    def __init__(
        self,
        catalogs: list[Catalog],
        tokens: TokenStore,
        app_secret: str,
        *,
        rps: float | None,
        fault_rates: dict[str, float],
        slow_seconds: float,
        seed: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.catalogs = catalogs
        self.tokens = tokens
        self.stats = Stats()
        self._catalog_by_shop = {catalog.shop["id"]: catalog for catalog in catalogs}
        self._shops_by_cipher = {
            catalog.shop["cipher"]: catalog.shop for catalog in catalogs
        }
        self._app_secret = app_secret
        self._bucket = TokenBucket(rps) if rps else None
        self._faults = faults.FaultInjector(fault_rates, seed) if fault_rates else None
        self._slow_seconds = slow_seconds
        self._clock = clock
        self._edit_rng = random.Random(f"edits/{seed}")
        self._edit_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        request = Request(environ)
        try:
            response = self._dispatch(request)
        except ConnectionResetError:
            raise
        except Exception:
            logger.exception("emulator failed on %s %s", request.method, request.path)
            fault = ApiFault(
                CODE_INTERNAL_ERROR, "emulator internal error", http_status=500
            )
            response = failure(fault)
        logger.debug(
            "%s %s -> HTTP %s", request.method, request.path, response.status_code
        )
        return response(environ, start_response)

    def edit_random(self, count: int) -> list[str]:
        """Bump the update_time of `count` random products (all shops) to now."""
        sizes = [len(catalog) for catalog in self.catalogs]
        with self._edit_lock:
            picks = self._edit_rng.sample(range(sum(sizes)), min(count, sum(sizes)))
        now = int(self._clock())
        edited = []
        offset = 0
        for catalog, size in zip(self.catalogs, sizes, strict=True):
            indices = [
                pick - offset for pick in picks if offset <= pick < offset + size
            ]
            if indices:
                catalog.edit(indices, now)
                edited += [catalog.records[index].id for index in indices]
            offset += size
        return edited

    def _dispatch(self, request: Request) -> Response:
        try:
            endpoint, args = self._route(request)
        except ApiFault as refused:
            return failure(refused)
        if endpoint in ("token_get", "token_refresh"):
            return self._token(request, endpoint)
        throttled = self._throttle()
        if throttled is not None:
            return throttled

        fault = self._faults.draw(ENDPOINTS[endpoint][0]) if self._faults else None
        if fault:
            self.stats.fault(fault)
            logger.debug("injecting %s into %s", fault, request.path)
            if fault in faults.ANSWERED_FAULTS:
                return faults.answer(fault, self._faults.pick_5xx())
            self._disturb(request, fault)
        try:
            response = self._api(request, endpoint, args)
        except ApiFault as refused:
            response = failure(refused)
        if fault == "malformed_json":
            response = faults.truncate(response)
        return response

    def _route(self, request: Request) -> tuple[str, dict[str, str]]:
        """The endpoint and its arguments; counts the request in stats."""
        try:
            endpoint, args = URLS.bind_to_environ(request.environ).match()
        except NotFound:
            self.stats.request("other")
            message = f"no API at {request.path}"
            raise ApiFault(CODE_REQUEST_FAULT, message, http_status=404) from None
        name, method = ENDPOINTS[endpoint]
        self.stats.request(name)
        if request.method != method:
            raise ApiFault(
                CODE_REQUEST_FAULT,
                f"{request.path} takes {method}, not {request.method}",
                http_status=405,
                headers={"Allow": method},
            )
        return endpoint, args

    def _throttle(self) -> Response | None:
        """The throttled answer when the bucket is empty, else None."""
        if self._bucket is None:
            return None
        wait = self._bucket.take()
        if not wait:
            return None
        count = self.stats.throttle()
        # Alternate the two ways TikTok says "slow down".
        return faults.too_many_requests(count % 2 == 1, retry_after_seconds(wait))

    def _disturb(self, request: Request, fault: str) -> None:
        """Apply a fault that does not replace the answer (or that drops it)."""
        if fault == "connection_reset":
            faults.reset_connection(request.environ)
        elif fault == "read_timeout":
            time.sleep(self._slow_seconds)
        elif fault == "token_expiry":
            self.tokens.expire_access(request.headers.get(ACCESS_TOKEN_HEADER))
        elif fault == "edit_during_walk":
            self.edit_random(1)

    def _token(self, request: Request, endpoint: str) -> Response:
        query = request.args.to_dict(flat=True)
        try:
            if endpoint == "token_get":
                return success(self.tokens.get(query))
            return success(self.tokens.refresh(query))
        except ApiFault as refused:
            return failure(refused)

    def _api(self, request: Request, endpoint: str, args: dict[str, str]) -> Response:
        shop = verify_call(
            request,
            app_secret=self._app_secret,
            tokens=self.tokens,
            shops_by_cipher=self._shops_by_cipher,
            now=self._clock(),
        )
        if endpoint == "shops":
            return success({"shops": [dict(catalog.shop) for catalog in self.catalogs]})
        catalog = self._catalog_by_shop[shop["id"]]
        if endpoint == "search":
            content_type = request.headers.get("Content-Type", "")
            if request.get_data(cache=True) and not content_type.startswith(
                "application/json"
            ):
                raise ApiFault(
                    CODE_REQUEST_FAULT,
                    f"Content-Type must be application/json, got {content_type!r}",
                )
            search = parse_search(
                args["version"],
                request.args.get("page_size"),
                request.args.get("page_token"),
                request.get_data(cache=True),
            )
            return success(
                search_page(catalog, args["version"], search, shop["cipher"])
            )
        record = catalog.find(args["product_id"])
        if record is None or record.vanishes:
            raise ApiFault(
                CODE_PRODUCT_NOT_FOUND,
                f"product {args['product_id']} does not exist in this shop",
            )
        return success(catalog.body(record.index))
