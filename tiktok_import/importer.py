"""One import run: authorize, pick the shop, walk the catalog, fetch details, record."""

from __future__ import annotations

import contextlib
import json
import logging
import resource
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from tqdm.auto import tqdm

from . import __version__
from . import settings as s
from .client import PartnerClient
from .credentials import Credentials
from .errors import (
    ConfigError,
    ProductNotFoundError,
    RetriableApiError,
    TikTokImportError,
)
from .incremental import plan as incremental_plan
from .incremental import previous_complete_run
from .pagination import CatalogWalk, Window
from .redact import RedactingFilter, redact
from .retry import RateCeiling, RetryPolicy, RetryStats
from .storage import (
    JsonLinesWriter,
    RunFolder,
    check_run_id,
    restore_committed,
    utc_now_iso,
    write_json_atomic,
)
from .tokens import (
    FileTokenStore,
    MemoryTokenStore,
    TokenClient,
    TokenManager,
    TokenPair,
    TokenStore,
)

log = logging.getLogger(__name__)

SOURCES = ("emulator", "live")
_MAX_CATALOG_SIZE = 2_000_000
_MAX_WORKERS = 32


@dataclass(frozen=True)
class ImportConfig:
    """The parameters of one import; `validate` checks them all before any work."""

    source: str = "emulator"
    shop: str = ""
    catalog_size: int = s.DEFAULT_CATALOG_SIZE
    seed: int = s.DEFAULT_SEED
    page_size: int = s.DEFAULT_PAGE_SIZE
    fetch_details: bool = True
    requests_per_second: float | None = None
    workers: int = s.DEFAULT_WORKERS
    run_id: str = ""
    output_dir: str = s.DEFAULT_OUTPUT_DIR
    emulator_shops: int = 1
    max_attempts: int = s.DEFAULT_MAX_ATTEMPTS
    retry_initial_wait: float = 0.5
    timeout_seconds: float = s.DEFAULT_TIMEOUT_SECONDS
    incremental: bool = False
    env_file: str = ".env"
    emulator_options: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> ImportConfig:
        # Values may come from a JSON params file: check their types, not only
        # their ranges. A numeric shop id is what one naturally writes there.
        shop = self.shop
        if isinstance(shop, int) and not isinstance(shop, bool):
            shop = str(shop)
        for name, value in (
            ("shop", shop),
            ("source", self.source),
            ("run_id", self.run_id),
            ("output_dir", self.output_dir),
        ):
            if not isinstance(value, str):
                raise ConfigError(f"{name} must be text, got {value!r}")
        for name in ("fetch_details", "incremental"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(
                    f"{name} must be true or false, got {getattr(self, name)!r}"
                )
        for name in ("timeout_seconds", "retry_initial_wait"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"{name} must be a number, got {value!r}")
        if self.source not in SOURCES:
            raise ConfigError(
                f"source must be one of {', '.join(SOURCES)}, got {self.source!r}"
            )
        _check_int("page_size", self.page_size, 1, s.PAGE_SIZE_MAX)
        _check_int("workers", self.workers, 1, _MAX_WORKERS)
        _check_int("catalog_size", self.catalog_size, 1, _MAX_CATALOG_SIZE)
        _check_int("emulator_shops", self.emulator_shops, 1, 50)
        _check_int("max_attempts", self.max_attempts, 1, 100)
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            raise ConfigError(f"seed must be a whole number, got {self.seed!r}")
        if not 0 <= float(self.retry_initial_wait) <= 60:
            raise ConfigError(
                "retry_initial_wait must be 0..60 seconds, "
                f"got {self.retry_initial_wait!r}"
            )
        if not 0 < float(self.timeout_seconds) <= 600:
            raise ConfigError(
                "timeout_seconds must be above 0 and at most 600, "
                f"got {self.timeout_seconds!r}"
            )
        rps = self.requests_per_second
        if rps is not None and (
            isinstance(rps, bool)
            or not isinstance(rps, int | float)
            or not 0 < rps <= s.MAX_RPS
        ):
            raise ConfigError(
                "requests_per_second must be above 0 and at most "
                f"{s.MAX_RPS:g}, got {rps!r}"
            )
        run_id = check_run_id(
            self.run_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        )
        return replace(self, run_id=run_id, shop=shop)

    @property
    def ceiling(self) -> float:
        if self.requests_per_second is not None:
            return float(self.requests_per_second)
        return (
            s.DEFAULT_RPS_EMULATOR if self.source == "emulator" else s.DEFAULT_RPS_LIVE
        )

    def public_parameters(self) -> dict[str, Any]:
        """The parameters as recorded in the manifest (they hold no secrets)."""
        params = asdict(self)
        params["requests_per_second"] = self.ceiling
        params.pop("env_file")
        if self.source == "live":
            for key in ("catalog_size", "seed", "emulator_shops", "emulator_options"):
                params.pop(key)
        return params


def _check_int(name: str, value: Any, low: int, high: int) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not low <= value <= high
    ):
        raise ConfigError(
            f"{name} must be a whole number from {low} to {high}, got {value!r}"
        )


@dataclass
class ImportResult:
    run_folder: Path
    manifest: dict[str, Any]


def pick_shop(shops: list[dict[str, Any]], wanted: str) -> dict[str, Any]:
    """Choose the shop by id, code or name; with no choice, the token's only shop."""
    listing = ", ".join(
        f"{x.get('name')} (id {x.get('id')}, code {x.get('code')})" for x in shops
    )
    if not shops:
        raise ConfigError(
            "the access token covers no shop: have the seller authorize a shop"
        )
    if not wanted:
        if len(shops) == 1:
            return shops[0]
        raise ConfigError(
            f"the access token covers {len(shops)} shops ({listing}): choose one with "
            "--shop (id, code or name)"
        )
    needle = wanted.strip().casefold()
    for shop in shops:
        if needle in {str(shop.get(k, "")).casefold() for k in ("id", "code", "name")}:
            return shop
    raise ConfigError(f"no authorized shop matches {wanted!r}; authorized: {listing}")


@dataclass
class _Connection:
    source: str
    base_url: str
    client: PartnerClient


@contextlib.contextmanager
def _connect(
    config: ImportConfig, stats: RetryStats, emulator: Any = None
) -> Iterator[_Connection]:
    """Authorize against the emulator (started here unless given) or live."""
    with contextlib.ExitStack() as stack:
        if config.source == "live":
            creds = Credentials.from_env(config.env_file)
            base_url, app_key, app_secret = (
                creds.api_base_url,
                creds.app_key,
                creds.app_secret,
            )
            token_client = TokenClient(creds.auth_base_url, app_key, app_secret)
            pair = TokenPair(creds.access_token, creds.refresh_token)
            store: TokenStore = (
                FileTokenStore(creds.token_file, creds.refresh_token)
                if creds.token_file
                else MemoryTokenStore()
            )
            log.info("refreshed tokens are kept in %s", creds.token_file)
        else:
            from .emulator import Emulator, EmulatorConfig

            if emulator is None:
                emu_config = EmulatorConfig(
                    size=config.catalog_size,
                    seed=config.seed,
                    shops=config.emulator_shops,
                    **config.emulator_options,
                )
                emulator = stack.enter_context(Emulator(emu_config))
            base_url, app_key, app_secret = (
                emulator.base_url,
                emulator.app_key,
                emulator.app_secret,
            )
            token_client = TokenClient(emulator.auth_base_url, app_key, app_secret)
            pair = token_client.get(emulator.issue_auth_code())
            store = MemoryTokenStore()
        client = PartnerClient(
            base_url,
            app_key,
            app_secret,
            TokenManager(token_client, store, pair),
            ceiling=RateCeiling(config.ceiling),
            retry=RetryPolicy(
                config.max_attempts, stats, initial_wait=config.retry_initial_wait
            ),
            timeout=config.timeout_seconds,
        )
        yield _Connection(config.source, base_url, client)


def _storage_error(exc: OSError) -> ConfigError:
    where = exc.filename or "the run folder"
    return ConfigError(
        f"cannot write {where} ({exc.strerror or exc}): free some space or choose "
        "another --output-dir; what was written so far is kept, and --resume "
        "carries on from it"
    )


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


@contextlib.contextmanager
def _run_log(run: RunFolder) -> Iterator[None]:
    handler = logging.FileHandler(run.path / "import.log", encoding="utf-8")
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(RedactingFilter())
    package_log = logging.getLogger("tiktok_import")
    previous_level = package_log.level
    package_log.addHandler(handler)
    if package_log.getEffectiveLevel() > logging.INFO:
        package_log.setLevel(logging.INFO)
    try:
        yield
    finally:
        package_log.removeHandler(handler)
        package_log.setLevel(previous_level)
        handler.close()


CHECKPOINT = "checkpoint.json"
_RAW_FILES = ("search_pages.jsonl.gz", "products.jsonl.gz", "fetch_failures.jsonl.gz")
_DETAILS_PER_CHECKPOINT = 100


class _Importer:
    """The steps of one run, sharing the run folder, the client and the tallies.

    Progress is checkpointed as it goes (`checkpoint.json`: the committed length
    of each raw file and where the search walk stands), so a resumed run carries
    on where the last one stopped and ends with the catalog a clean run gives.
    """

    def __init__(
        self,
        config: ImportConfig,
        run: RunFolder,
        progress: bool,
        previous: dict[str, Any] | None = None,
    ) -> None:
        self.config = config
        self.run = run
        self.progress = progress
        self.stats = RetryStats()
        self.latest: dict[str, int] = {}
        self.fetched = 0
        self.failed = 0
        self.checkpoint: dict[str, Any] = {
            "raw": {},
            "walk": None,
            "search_done": False,
        }
        self.manifest: dict[str, Any] = {
            "run_id": config.run_id,
            "status": "running",
            "package_version": __version__,
            "source": config.source,
            "base_url": None,
            "started_at": utc_now_iso(),
            "finished_at": None,
            "duration_seconds": None,
            "parameters": config.public_parameters(),
            "shop": None,
            "counts": {"found": 0, "fetched": 0, "failed": 0},
            "requests": {"total": 0, "by_endpoint": {}},
            "retries": {},
            "token_refreshes": 0,
            "throttle_wait_seconds": 0.0,
            "windows": [],
            "peak_rss_mb": None,
            "resumed": [],
            "incremental": None,
            "error": None,
        }
        self.carried: dict[str, Any] = {}
        self._client: PartnerClient | None = None
        self._started = time.monotonic()
        if previous is not None:
            self._resume_from(previous)

    def _resume_from(self, previous: dict[str, Any]) -> None:
        """Carry the interrupted run's record and checkpoint into this attempt."""
        self.carried = previous
        for key in ("started_at", "shop", "resumed", "incremental"):
            self.manifest[key] = previous.get(key, self.manifest[key])
        self.manifest["resumed"] = [*previous.get("resumed", []), utc_now_iso()]
        path = self.run.path / CHECKPOINT
        if path.is_file():
            self.checkpoint = json.loads(path.read_text(encoding="utf-8"))
            # A killed attempt never wrote its manifest's tallies; its checkpoint
            # has them as of its last page or batch of details.
            self.carried = {**previous, **self.checkpoint.get("tallies", {})}
        log.info(
            "resuming run %s from its checkpoint (search %s)",
            self.config.run_id,
            "done" if self.checkpoint["search_done"] else "in progress",
        )

    def _save_checkpoint(self, **changes: Any) -> None:
        self.checkpoint.update(changes, tallies=self._tallies())
        write_json_atomic(self.run.path / CHECKPOINT, self.checkpoint)

    def _tallies(self) -> dict[str, Any]:
        """Requests, retries, waits and seconds so far, earlier attempts included."""
        before = self.carried
        retries = Counter(before.get("retries", {}))
        retries.update(self.stats.retries)
        by_endpoint = Counter(before.get("requests", {}).get("by_endpoint", {}))
        refreshes = before.get("token_refreshes", 0)
        if self._client is not None:
            by_endpoint.update(self._client.requests_by_endpoint)
            # Emulator runs get their first pair from an auth code; live ones
            # start from the environment's tokens.
            by_endpoint["token"] += self._client.tokens.refreshes + (
                self.config.source == "emulator"
            )
            refreshes += self._client.tokens.refreshes
        seconds = time.monotonic() - self._started
        return {
            "duration_seconds": round(
                seconds + (before.get("duration_seconds") or 0), 3
            ),
            "requests": {
                "total": sum(by_endpoint.values()),
                "by_endpoint": dict(by_endpoint),
            },
            "retries": dict(sorted(retries.items())),
            "token_refreshes": refreshes,
            "throttle_wait_seconds": round(
                self.stats.throttle_wait_seconds
                + before.get("throttle_wait_seconds", 0.0),
                3,
            ),
            "peak_rss_mb": max(_peak_rss_mb(), before.get("peak_rss_mb") or 0),
        }

    def _restore(self, name: str) -> list[dict[str, Any]]:
        """Cut a raw file back to its last checkpoint; return what it keeps."""
        return restore_committed(
            self.run.raw(name), self.checkpoint["raw"].get(name, 0)
        )

    def execute(self, emulator: Any = None) -> None:
        self._started = time.monotonic()
        self.run.write_manifest(self.manifest)
        try:
            with _connect(self.config, self.stats, emulator) as conn:
                self._client = conn.client
                self.manifest["base_url"] = conn.base_url
                try:
                    self._import(conn.client)
                except OSError as exc:
                    if isinstance(exc, requests.RequestException):
                        raise
                    raise _storage_error(exc) from None
            self.manifest["status"] = "complete"
        except BaseException as exc:
            self.manifest["status"] = "failed"
            if isinstance(exc, TikTokImportError):
                error = str(exc)
            elif isinstance(exc, KeyboardInterrupt):
                error = (
                    "interrupted (KeyboardInterrupt): --resume --run-id "
                    f"{self.config.run_id} carries the run on"
                )
            else:
                error = f"{type(exc).__name__}: {exc}"
            self.manifest["error"] = redact(error)
            log.error("import failed: %s", self.manifest["error"])
            raise
        finally:
            self._close()

    def _import(self, client: PartnerClient) -> None:
        client.tokens.ensure_fresh()
        shops = client.get_authorized_shops()
        recorded = self.manifest["shop"]
        shop = pick_shop(shops, recorded["id"] if recorded else self.config.shop)
        client.shop_cipher = shop.get("cipher")
        self.manifest["shop"] = {
            k: shop.get(k) for k in ("id", "name", "region", "code", "seller_type")
        }
        log.info(
            "shop %s (%s, %s)", shop.get("name"), shop.get("id"), shop.get("region")
        )
        self.run.write_manifest(self.manifest)

        windows = self._search(client)
        self.manifest["windows"] = [w.as_dict() for w in windows]
        self.manifest["counts"]["found"] = len(self.latest)
        log.info(
            "search found %d products in %d windows", len(self.latest), len(windows)
        )
        if not self.config.fetch_details:
            self.fetched = len(self.latest)
            return
        carry: dict[str, bytes] = {}
        if self.config.incremental:
            carry = self._plan_incremental(str(shop.get("id")))
        self._fetch_details(client, sorted(self.latest), carry)

    def _plan_incremental(self, shop_id: str) -> dict[str, bytes]:
        """Bodies to carry forward from the shop's previous complete run."""
        same = (
            {
                "catalog_size": self.config.catalog_size,
                "seed": self.config.seed,
                "emulator_shops": self.config.emulator_shops,
            }
            if self.config.source == "emulator"
            else None
        )
        previous = previous_complete_run(
            self.config.output_dir,
            shop_id,
            self.config.source,
            self.config.run_id,
            same,
        )
        if previous is None:
            log.info(
                "no earlier complete run of shop %s: importing everything", shop_id
            )
            self.manifest["incremental"] = {"since_run": None}
            return {}
        plan = incremental_plan(previous, self.latest)
        for name, records in (
            ("carried_forward.jsonl.gz", [{"product_id": p} for p in plan.carry]),
            (
                "disappeared.jsonl.gz",
                [
                    {"product_id": pid, "last_update_time": stamp}
                    for pid, stamp in plan.disappeared.items()
                ],
            ),
        ):
            self.run.raw(name).unlink(missing_ok=True)
            with JsonLinesWriter(self.run.raw(name)) as writer:
                for record in records:
                    writer.write_json({**record, "from_run": plan.since_run})
        self.manifest["incremental"] = plan.summary()
        return plan.carry

    def _note_products(self, body: dict[str, Any]) -> int:
        """Record a search page's products; return how many were new."""
        new = 0
        for product in (body.get("data") or {}).get("products") or []:
            pid = str(product["id"])
            stamp = int(product.get("update_time") or 0)
            new += pid not in self.latest
            self.latest[pid] = max(stamp, self.latest.get(pid, stamp))
        return new

    def _search(self, client: PartnerClient) -> list[Window]:
        name = "search_pages.jsonl.gz"
        bar = tqdm(desc="search", unit=" products", disable=not self.progress)
        for body in self._restore(name):
            bar.update(self._note_products(body))
        with JsonLinesWriter(self.run.raw(name)) as pages:

            def on_page(body: dict[str, Any], raw: bytes) -> None:
                pages.write(raw)
                bar.update(self._note_products(body))
                raw_lengths = {**self.checkpoint["raw"], name: pages.commit()}
                self._save_checkpoint(raw=raw_lengths, walk=walk.state())

            walk = CatalogWalk(
                client,
                self.config.page_size,
                on_page,
                state=self.checkpoint["walk"],
                parallel=self.config.workers,
            )
            try:
                if not self.checkpoint["search_done"]:
                    walk.run()
                    self._save_checkpoint(search_done=True)
            finally:
                bar.close()
        return walk.windows

    def _fetch_details(
        self, client: PartnerClient, ids: list[str], carry: dict[str, bytes]
    ) -> None:
        """Fetch every product concurrently; only this thread writes the raw files.

        Bodies in `carry` (an incremental run's unchanged products) are copied
        from the previous run instead of fetched.
        """
        done = {b["data"]["id"] for b in self._restore("products.jsonl.gz")}
        failed = {r["product_id"] for r in self._restore("fetch_failures.jsonl.gz")}
        self.fetched, self.failed = len(done), len(failed)
        with (
            JsonLinesWriter(self.run.raw("products.jsonl.gz")) as products,
            JsonLinesWriter(self.run.raw("fetch_failures.jsonl.gz")) as failures,
        ):
            for pid, line in carry.items():
                if pid not in done:
                    products.write(line.rstrip(b"\n"))
                    done.add(pid)
                    self.fetched += 1
            todo = [pid for pid in ids if pid not in done and pid not in failed]
            if len(todo) < len(ids):
                log.info("%d product details already stored", len(ids) - len(todo))
            self._fetch_concurrently(client, todo, products, failures, len(ids))

    def _fetch_concurrently(
        self,
        client: PartnerClient,
        todo: list[str],
        products: JsonLinesWriter,
        failures: JsonLinesWriter,
        total: int,
    ) -> None:
        bar = tqdm(
            total=total,
            initial=total - len(todo),
            desc="details",
            unit=" products",
            disable=not self.progress,
        )
        queue = iter(todo)
        in_flight: dict[Future, str] = {}
        since_checkpoint = 0

        def commit() -> None:
            raw = {
                **self.checkpoint["raw"],
                "products.jsonl.gz": products.commit(),
                "fetch_failures.jsonl.gz": failures.commit(),
            }
            self._save_checkpoint(raw=raw)

        with ThreadPoolExecutor(
            self.config.workers, thread_name_prefix="detail"
        ) as pool:

            def top_up() -> None:
                while len(in_flight) < self.config.workers * 4:
                    pid = next(queue, None)
                    if pid is None:
                        return
                    in_flight[pool.submit(client.get_product, pid)] = pid

            top_up()
            try:
                while in_flight:
                    finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in finished:
                        pid = in_flight.pop(future)
                        self._record_detail(pid, future, products, failures)
                        bar.update(1)
                        since_checkpoint += 1
                    if since_checkpoint >= _DETAILS_PER_CHECKPOINT:
                        commit()
                        since_checkpoint = 0
                    top_up()
                commit()
            except BaseException:
                for future in in_flight:
                    future.cancel()
                raise
            finally:
                bar.close()

    def _record_detail(
        self,
        pid: str,
        future: Future,
        products: JsonLinesWriter,
        failures: JsonLinesWriter,
    ) -> None:
        try:
            _, raw = future.result()
        except (ProductNotFoundError, RetriableApiError) as exc:
            # Gone (12019150), or still failing after every retry: the product is
            # recorded as failed with its reason and the import goes on.
            self.failed += 1
            failures.write_json(
                {
                    "product_id": pid,
                    "code": exc.code if exc.code is not None else exc.reason,
                    "message": exc.api_message,
                    "request_id": exc.request_id,
                }
            )
            log.warning("product %s failed: %s", pid, exc)
            return
        products.write(raw)
        self.fetched += 1
        if self.fetched % 1000 == 0:
            log.info("fetched %d product details", self.fetched)

    def _close(self) -> None:
        tallies = self._tallies()
        self.manifest.update(finished_at=utc_now_iso(), **tallies)
        self.manifest["counts"].update(
            {"found": len(self.latest), "fetched": self.fetched, "failed": self.failed}
        )
        try:
            self.run.write_manifest(self.manifest)
        except OSError as exc:  # e.g. the disk is full: say so, keep the first error
            log.error("could not write %s: %s", self.run.manifest_path, exc)
        if self.manifest["status"] == "complete":
            (self.run.path / CHECKPOINT).unlink(missing_ok=True)
        elif self.checkpoint["raw"] or self.checkpoint["walk"]:
            # Keep the checkpoint's tallies as fresh as the manifest's.
            with contextlib.suppress(OSError):
                self._save_checkpoint()
        log.info(
            "run %s %s: found %d, fetched %d, failed %d, %d requests, %.1fs",
            self.config.run_id,
            self.manifest["status"],
            len(self.latest),
            self.fetched,
            self.failed,
            tallies["requests"]["total"],
            tallies["duration_seconds"],
        )


def list_shops(config: ImportConfig) -> list[dict[str, Any]]:
    """The shops the configured credentials (or the emulator) cover."""
    with _connect(config.validate(), RetryStats()) as conn:
        return conn.client.get_authorized_shops()


def _resumable(config: ImportConfig) -> tuple[RunFolder, dict[str, Any] | None]:
    """The run folder to resume and its record; None when it never got going."""
    run = RunFolder.to_resume(config.output_dir, config.run_id)
    if not run.manifest_path.is_file():
        log.info("run %s left no record; starting it afresh", config.run_id)
        return RunFolder.create(config.output_dir, config.run_id), None
    return run, run.read_manifest()


def _recorded_config(config: ImportConfig, manifest: dict[str, Any]) -> ImportConfig:
    """The interrupted run's own parameters, so the resumed catalog is the same."""
    # Where the run folder is comes from this call: it may have been moved.
    names = {f.name for f in fields(ImportConfig)} - {"output_dir", "run_id"}
    recorded = {k: v for k, v in manifest.get("parameters", {}).items() if k in names}
    return replace(config, **recorded).validate()


def run_import(
    config: ImportConfig,
    *,
    progress: bool = True,
    emulator: Any = None,
    run_folder: RunFolder | None = None,
    resume: bool = False,
) -> ImportResult:
    """Run one import and return its run folder; the manifest says how it went.

    `emulator` lets a caller (tests, batch runs) supply a running emulator instead
    of starting one; `run_folder` lets the pipeline create the folder first.
    With `resume`, an interrupted run (same output dir and run id) carries on from
    its checkpoint with its recorded parameters; a complete one is left as it is,
    and one that left no record is started.
    """
    config = config.validate()
    previous = None
    if resume:
        run, previous = _resumable(config)
        if previous is not None:
            if previous.get("status") == "complete":
                log.info("run %s is already complete; nothing to resume", config.run_id)
                return ImportResult(run.path, previous)
            config = _recorded_config(config, previous)
    else:
        run = run_folder or RunFolder.create(config.output_dir, config.run_id)
    importer = _Importer(config, run, progress, previous)
    with _run_log(run):
        importer.execute(emulator)
    return ImportResult(run.path, importer.manifest)
