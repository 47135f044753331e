"""The explorer on a local page: ``convanim explore`` serves it on 127.0.0.1.

The standard library's threaded HTTP server: nothing to install, one thread per
connection, and every answer is made here, so the whole surface is these few routes.

- ``/`` (or ``/index.html``): the page, which reads its state from the address
  (``/?k=3&s=2&p=1&t=1``), so a view can be bookmarked and shared;
- ``/view.json?<state>``: what the page shows (``state.shown``): a refusal too, with
  status 200, as the page's own answer (its ``error`` and ``key`` say it);
- ``/render.svg?<state>``: the animated SVG alone, or status 400 with the ``error:`` line;
- ``/explorer.js``, ``/explorer.css``: the front end, for pages of one's own.

Anything else is 404; a request whose Host is not this machine (DNS rebinding), or that
another site's page makes (its Sec-Fetch-Site says so), is 403; a method other than GET
or HEAD is 405. The command line's budgets hold for every
state, at most ``MAX_RENDERS`` pictures are drawn at once and ``MAX_CONNECTIONS``
connections served (one more is answered 503 at once), so no burst of queries holds more
memory or threads than that.
"""

from __future__ import annotations

import contextlib
import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from convanim.errors import ConvanimError
from convanim.integrations.explorer.page import MODULE, STYLE, front_file, page_html
from convanim.integrations.explorer.state import State, controls_json, read_query, shown

HOST = "127.0.0.1"  # loopback only: the page is for this machine's reader
LOCAL_NAMES = ("localhost", "127.0.0.1", "[::1]")  # Host headers this server answers
MAX_RENDERS = 2  # pictures drawn at once (this machine's cores); other requests wait
WAIT_SECONDS = 30  # how long a request waits for its turn before it is told to retry
SOCKET_SECONDS = 10  # a client that sends nothing for this long is let go
LISTEN_BACKLOG = 128  # connections the system holds until a thread takes them (a burst)
MAX_CONNECTIONS = 64  # connections served at once, each by its own thread
#: What a connection past ``MAX_CONNECTIONS`` is told before it is closed.
BUSY_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 13\r\nConnection: close\r\n\r\nerror: busy\r\n"
)
#: Sec-Fetch-Site values of requests the page makes, or the reader (an address typed):
#: another site's page may not make this machine draw (an <img> of /render.svg).
OWN_SITES = ("same-origin", "none")
#: An SVG answered alone is a document of this origin: it may style itself, nothing else.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
#: No script, style or request leaves the page; its own inline module and style only.
PAGE_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'"
)


def local_host(header: str | None) -> bool:
    """Whether a Host header names this machine (with any port).

    >>> local_host("localhost:8765"), local_host("[::1]:80"), local_host("evil.example:8765")
    (True, True, False)
    """
    if not header:
        return False
    name = header.strip().lower()
    bracketed = name.startswith("[")  # an IPv6 address: [::1]:8765
    name = name[: name.find("]") + 1] if bracketed else name.split(":")[0]
    return name in LOCAL_NAMES


class ExplorerServer(ThreadingHTTPServer):
    """The local page's server, with the state it opens on."""

    daemon_threads = True  # Ctrl-C does not wait for a client that keeps its connection
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, state: State, port: int):
        self.state = state
        self.renders = threading.BoundedSemaphore(MAX_RENDERS)
        self.connections = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__((HOST, port), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """A thread per connection, at most ``MAX_CONNECTIONS`` at once: one more is told
        at once to come back (503), so no burst holds more threads than that."""
        if not self.connections.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.sendall(BUSY_RESPONSE)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.connections.release()

    @property
    def address(self) -> str:
        """The page's address, with the state it opens on."""
        port = self.server_address[1]
        query = f"?{self.state.query}" if self.state.query else ""
        return f"http://{HOST}:{port}/{query}"


class _Handler(BaseHTTPRequestHandler):
    server: ExplorerServer
    timeout = SOCKET_SECONDS
    server_version = "convanim-explore"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the command prints its address once; requests are not logged."""

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        if not local_host(self.headers.get("Host")):
            self._send(HTTPStatus.FORBIDDEN, "text/plain", b"error: Host: not this machine\n", head)
            return
        if self.headers.get("Sec-Fetch-Site", "none") not in OWN_SITES:
            line = b"error: Sec-Fetch-Site: asked by another site's page\n"
            self._send(HTTPStatus.FORBIDDEN, "text/plain", line, head)
            return
        address = urlsplit(self.path)
        route = address.path
        if route in ("/", "/index.html"):
            page = page_html(self._config()).encode()
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", page, head, PAGE_POLICY)
        elif route in (f"/{MODULE}", f"/{STYLE}"):
            kind = "text/javascript" if route.endswith(".js") else "text/css"
            self._send(
                HTTPStatus.OK, f"{kind}; charset=utf-8", front_file(route[1:]).encode(), head
            )
        elif route in ("/view.json", "/render.svg"):
            self._answer(route, address.query, head)
        else:
            self._send(HTTPStatus.NOT_FOUND, "text/plain", b"error: no such page\n", head)

    def _refuse_method(self) -> None:
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, "text/plain", b"error: GET only\n", False)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The standard library's own refusals (a line too long, a method it does not
        know) as one ``error:`` line of text, as every other refusal here."""
        status = HTTPStatus(code)
        line = f"error: {message or status.phrase}\n".encode()
        self.close_connection = True
        self._send(status, "text/plain; charset=utf-8", line, self.command == "HEAD")

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse_method

    def _config(self) -> dict[str, Any]:
        values = dict(self.server.state.flags)
        return {
            "mode": "server",
            "controls": controls_json(),
            "state": {"net": self.server.state.command == "net", "values": values},
        }

    def _answer(self, route: str, query: str, head: bool) -> None:
        try:
            state = read_query(query)
        except ConvanimError as error:
            answer: dict[str, Any] = {"error": error.message({}), "key": error.argument}
        else:
            if not self.server.renders.acquire(timeout=WAIT_SECONDS):
                self._send(HTTPStatus.SERVICE_UNAVAILABLE, "text/plain", b"error: busy\n", head)
                return
            try:
                answer = shown(state)
            finally:
                self.server.renders.release()
        if route == "/view.json":  # the page's question: a refusal is an answer too
            self._send(HTTPStatus.OK, "application/json", json.dumps(answer).encode(), head)
            return
        if "error" in answer:
            line = f"error: {answer['error']}\n".encode()
            self._send(HTTPStatus.BAD_REQUEST, "text/plain; charset=utf-8", line, head)
        else:
            svg = answer["svg"].encode()
            self._send(HTTPStatus.OK, "image/svg+xml", svg, head, SVG_POLICY)

    def _send(
        self, status: HTTPStatus, kind: str, body: bytes, head: bool, policy: str | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if status is HTTPStatus.METHOD_NOT_ALLOWED:
            self.send_header("Allow", "GET, HEAD")
        if policy:
            self.send_header("Content-Security-Policy", policy)
        self.end_headers()
        if not head:
            self.wfile.write(body)
