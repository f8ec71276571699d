"""A webhook receiver for tests: an HTTP server on 127.0.0.1 (a free port) in a thread that
records every request and deduplicates on the Idempotency-Key, as a real consumer must
(docs/governance.md "Outbox and connectors")."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Seen:
    key: str
    body: bytes
    signature: str


class WebhookReceiver:
    """`requests`: every POST that reached the handler (failed ones included); `processed`:
    the distinct keys handled successfully, in order. `fail_first(k)` answers the next k
    requests with 500; `block_first()` holds the next request open until `release()`."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.requests: list[Seen] = []
        self.processed: list[str] = []
        self.duplicates = 0
        self._lock = threading.Lock()
        self._failures_left = 0
        self._block_next = False
        self.arrived = threading.Event()
        self._released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/revocations"

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def fail_first(self, k: int) -> None:
        with self._lock:
            self._failures_left = k

    def block_first(self) -> None:
        with self._lock:
            self._block_next = True
            self.arrived.clear()
            self._released.clear()

    def release(self) -> None:
        self._released.set()

    def distinct_processed(self) -> set[str]:
        with self._lock:
            return set(self.processed)

    def _receive(self, key: str, body: bytes, signature: str) -> int:
        """The consumer's logic: record, maybe fail or block, then process once per key."""
        with self._lock:
            self.requests.append(Seen(key, body, signature))
            fail = self._failures_left > 0
            if fail:
                self._failures_left -= 1
            block = self._block_next
            self._block_next = False
        if block:
            self.arrived.set()
            self._released.wait(60)
        if fail:
            return 500
        with self._lock:
            if key in self.processed:
                self.duplicates += 1
            else:
                self.processed.append(key)
        return 200

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if receiver.delay:
                    threading.Event().wait(receiver.delay)
                status = receiver._receive(
                    self.headers.get("Idempotency-Key", ""),
                    body,
                    self.headers.get("X-Socialops-Signature", ""),
                )
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the sender died while we held the request open
                    pass

            def log_message(self, format, *args):  # quiet
                pass

        return Handler
