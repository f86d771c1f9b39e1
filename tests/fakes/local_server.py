"""What every fake in tests/fakes runs on: a request handler bound to its fake, served on a free port of
127.0.0.1 from a daemon thread until `close`."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

POLL_S = 0.05  # how soon `close` stops the serving loop
JOIN_S = 10.0  # how long `close` waits for the serving thread


class LocalServer:
    """`handler` (given the class attribute `fake`) served on 127.0.0.1 from a daemon thread named `name`.

    `join_handlers`: `close` waits for every handler thread, so nothing outlives the fake; otherwise handler
    threads are daemons, left to end on their own.
    """

    def __init__(
        self, handler: type[BaseHTTPRequestHandler], fake: Any, name: str, *, join_handlers: bool = False
    ) -> None:
        bound = type(f"Bound{handler.__name__}", (handler,), {"fake": fake})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), bound)
        self.httpd.daemon_threads = not join_handlers
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": POLL_S}, name=name, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        """Stop the serving loop, close the socket (joining handler threads if asked) and join the thread."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=JOIN_S)
