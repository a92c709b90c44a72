"""A loopback HTTP server that plays recorded feed responses (no internet), and shared givens."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"

Answer = tuple[int, str, bytes]  # status, content type, body


@dataclass
class FeedServer:
    """Answers each path with what `routes[path]()` returns; `hang` paths wait until released."""

    routes: dict[str, Callable[[], Answer]] = field(default_factory=dict)
    hang: set[str] = field(default_factory=set)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def serve(self, path: str, body: bytes, content_type: str = "application/json") -> None:
        self.routes[path] = lambda: (200, content_type, body)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    feed = FeedServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            feed.requests.append((path, dict(self.headers.items())))
            if path in feed.hang:
                feed.release.wait(10)  # a feed that does not answer in time
            route = feed.routes.get(path)
            status, content_type, body = route() if route else (404, "text/plain", b"no")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    feed.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield feed
    feed.release.set()
    httpd.shutdown()
    httpd.server_close()


# The notifications tests' real components: SecantusDB with migrations, the local FCM endpoint,
# a worker with a controllable clock.
from tests.notifications.conftest import (  # noqa: E402
    clock,
    db,
    fcm,
    fcm_settings,
    firebase_app,
    local_fcm_server,
    make_worker,
)

__all__ = [
    "clock", "db", "fcm", "fcm_settings", "firebase_app", "local_fcm_server", "make_worker",
]  # fmt: skip
