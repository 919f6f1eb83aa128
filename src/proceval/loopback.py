"""A threaded HTTP server on ``127.0.0.1`` for the loopback test servers (fake Hub, fake judge endpoint).

:class:`LoopbackServer` owns the socket and the serving thread; a subclass builds its request handler
class and calls :meth:`LoopbackServer.serve` from its ``start``. The port is chosen by the OS, so
servers never collide; ``stop`` (or leaving the ``with`` block) shuts the thread down and closes the
socket.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # many clients connect at once; the default backlog of 5 drops connections
    daemon_threads = True
    block_on_close = False


class LoopbackServer:
    """Base of the loopback servers: ``serve(handler)``, ``stop()`` and the context-manager protocol.

    Attributes:
        url: ``http://127.0.0.1:<port>`` plus the subclass's path prefix, once serving.
    """

    url: str = ""
    _httpd: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def start(self) -> Any:
        """Start serving (subclasses build their handler and call :meth:`serve`)."""
        raise NotImplementedError

    def serve(self, handler: type[BaseHTTPRequestHandler], path: str = "") -> None:
        """Serve ``handler`` on 127.0.0.1 at a free port in a daemon thread; set :attr:`url`."""
        httpd = _Server(("127.0.0.1", 0), handler)
        self._httpd = httpd
        self.url = f"http://127.0.0.1:{httpd.server_address[1]}{path}"
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
