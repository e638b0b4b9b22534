"""The token client, against a token host that drops kept-alive connections."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tiktok_import.tokens import TokenClient


class DropsReusedConnections(BaseHTTPRequestHandler):
    """Answers the first request on a connection; closes on any later one, unanswered.

    That is what a client meets when a host closes an idle kept-alive connection
    just as the client sends on it.
    """

    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.answered = 0

    def do_GET(self) -> None:
        if self.answered:
            self.close_connection = True
            return
        self.answered += 1
        self.server.connections += 1
        n = self.server.connections
        body = json.dumps(
            {
                "code": 0,
                "message": "success",
                "request_id": f"r{n}",
                "data": {
                    "access_token": f"access-{n}",
                    "access_token_expire_in": 4_000_000_000,
                    "refresh_token": f"refresh-{n}",
                    "refresh_token_expire_in": 4_000_000_000,
                },
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_each_token_call_opens_its_own_connection():
    server = ThreadingHTTPServer(("127.0.0.1", 0), DropsReusedConnections)
    server.connections = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client = TokenClient(
            f"http://127.0.0.1:{server.server_address[1]}", "key", "secret", timeout=5
        )
        first = client.get("auth-code")
        second = client.refresh(first.refresh_token)
        third = client.refresh(second.refresh_token)
    finally:
        server.shutdown()
        server.server_close()
    assert (first.access_token, second.access_token, third.access_token) == (
        "access-1",
        "access-2",
        "access-3",
    )
