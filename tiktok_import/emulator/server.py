"""Running the emulator: a werkzeug server on a background thread, or blocking."""

from __future__ import annotations

import io
import logging
import re
import secrets
import threading
from collections.abc import Callable
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import PartnerApi
from .catalog import generate_catalog
from .config import EmulatorConfig
from .tokens import TokenStore

logger = logging.getLogger(__name__)


_SECRET_PARAMS = re.compile(
    r"((?:app_secret|sign|access_token|refresh_token|auth_code)=)[^&\s\"']*"
)


class _RequestHandler(WSGIRequestHandler):
    """werkzeug's handler with HTTP/1.1 keep-alive, logging at DEBUG, secrets masked.

    werkzeug's own `run_wsgi` answers every request with `Connection: close`, so
    each call would open a new TCP connection (and leave a socket in TIME_WAIT).
    This one reads the whole request body first, answers with an exact
    Content-Length and keeps the connection open unless the client closes it.
    Request lines are not logged here: the application logs method, path and
    status of each request without the query string.
    """

    protocol_version = "HTTP/1.1"
    # An idle keep-alive connection is closed after this many seconds.
    timeout = 30
    # Headers and body go out in two writes; without this, Nagle's algorithm and
    # the client's delayed ACK hold the body back ~40 ms on a kept-alive socket.
    disable_nagle_algorithm = True

    def run_wsgi(self) -> None:
        environ = self.make_environ()
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or environ.get("wsgi.input_terminated"):
            # Chunked or unreadable bodies: werkzeug's way, which closes.
            super().run_wsgi()
            return
        environ["wsgi.input"] = io.BytesIO(self.rfile.read(length) if length else b"")
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list, exc_info: Any = None):
            answer["status"], answer["headers"] = status, headers
            return answer.setdefault("written", []).append

        try:
            chunks = self.server.app(environ, start_response)
            try:
                body = b"".join([*answer.get("written", []), *chunks])
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()
            code, _, message = answer["status"].partition(" ")
            self.send_response(int(code), message)
            for key, value in answer["headers"]:
                if key.lower() not in ("content-length", "connection"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if environ["REQUEST_METHOD"] != "HEAD":
                self.wfile.write(body)
            self.wfile.flush()
        except (TimeoutError, ConnectionError) as error:
            self.connection_dropped(error, environ)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:
        text = message % args if args else message
        logger.debug("%s: %s", type, _SECRET_PARAMS.sub(r"\1***", text))

    def connection_dropped(
        self, error: BaseException, environ: dict[str, Any] | None = None
    ) -> None:
        # Without this an HTTP/1.1 handler would wait for another request on
        # the socket the connection_reset fault means to close.
        self.close_connection = True


class Emulator:
    """The TikTok Shop Partner API on 127.0.0.1, serving a generated catalog.

    Use it as a context manager, or call start() and stop().
    """

    def __init__(self, config: EmulatorConfig | None = None, host: str = "127.0.0.1"):
        self.config = config or EmulatorConfig()
        self.host = host
        # Made up per instance; they open nothing but this emulator.
        self.app_key = self.config.app_key or secrets.token_hex(7)
        self.app_secret = self.config.app_secret or secrets.token_hex(20)
        catalogs = [
            generate_catalog(self.config.size, self.config.seed, shop_index)
            for shop_index in range(self.config.shops)
        ]
        self.shops = [dict(catalog.shop) for catalog in catalogs]
        tokens = TokenStore(
            self.app_key,
            self.app_secret,
            seller_name=self.shops[0]["name"],
            token_ttl=self.config.token_ttl,
            refresh_ttl=self.config.refresh_ttl,
        )
        self._api = PartnerApi(
            catalogs,
            tokens,
            self.app_secret,
            rps=self.config.rps,
            fault_rates=dict(self.config.faults),
            slow_seconds=self.config.slow_seconds,
            seed=self.config.seed,
        )
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._lifecycle = threading.Lock()

    def start(self) -> Emulator:
        """Start serving on a background thread; return self."""
        with self._lifecycle:
            if self._server is not None:
                raise RuntimeError("the emulator is already running")
            self._server = make_server(
                self.host,
                self.config.port,
                self._api,
                threaded=True,
                request_handler=_RequestHandler,
            )
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"tiktok-emulator-{self._server.port}",
                daemon=True,
            )
            self._thread.start()
        logger.info(
            "TikTok Shop emulator at %s: %d shop(s) x %d products, seed %d, rps %s, "
            "faults %s",
            self.base_url,
            self.config.shops,
            self.config.size,
            self.config.seed,
            self.config.rps or "unlimited",
            dict(self.config.faults) or "none",
        )
        return self

    def stop(self) -> None:
        """Stop serving and free the port; calling it again is harmless."""
        with self._lifecycle:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        if thread is not None:
            thread.join()
        server.server_close()
        logger.info(
            "TikTok Shop emulator at http://%s:%d stopped", self.host, server.port
        )

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server stops or `timeout` passes; True if still running."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.running

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return self._server.port

    @property
    def base_url(self) -> str:
        """The API host, e.g. http://127.0.0.1:41234."""
        return f"http://{self.host}:{self.port}"

    @property
    def auth_base_url(self) -> str:
        """The auth host (/api/v2/token/*); the same server as the API host."""
        return self.base_url

    def issue_auth_code(self) -> str:
        """A one-time auth code for /api/v2/token/get."""
        return self._api.tokens.issue_auth_code()

    def ground_truth(self) -> list[dict[str, Any]]:
        """One row per product of every shop (docs/CONTRACTS.md)."""
        return [row for catalog in self._api.catalogs for row in catalog.ground_truth()]

    def stats(self) -> dict[str, Any]:
        """Requests by endpoint, faults injected by class, throttled calls."""
        return self._api.stats.snapshot()

    def expire_access_tokens(self) -> None:
        """Test hook: every access token issued so far now answers 105002."""
        self._api.tokens.expire_access()

    def edit_products(self, n: int) -> list[str]:
        """Test hook: set the update_time of n random products to now; their ids."""
        return self._api.edit_random(n)


def serve(
    config: EmulatorConfig | None = None,
    host: str = "127.0.0.1",
    on_ready: Callable[[Emulator], None] | None = None,
) -> None:
    """Serve until Ctrl-C. `on_ready(emulator)` runs once the port is open.

    Use `on_ready` to show the base URL, the app key and secret and an auth
    code (`emulator.issue_auth_code()`); they are not logged here.
    """
    emulator = Emulator(config, host=host).start()
    try:
        if on_ready is not None:
            on_ready(emulator)
        while emulator.wait(0.5):
            pass
    except KeyboardInterrupt:
        logger.info("interrupted; stopping the emulator")
    finally:
        emulator.stop()
