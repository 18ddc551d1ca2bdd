"""HTTP/JSON front of RendezvousState: one lock, one ticker thread.

Endpoints (all JSON; errors are {"error": "..."} naming the field):
  POST /v1/join       {"node_id", "addr", "nproc", "index"}  -> view
  POST /v1/heartbeat  {"node_id"}                            -> view (404 if unknown)
  POST /v1/leave      {"node_id", "succeeded": bool}         -> view
  POST /v1/target     {"size": int | null}   (the operator)  -> view
  GET  /v1/state[?node_id=...]                                -> view
  GET  /healthz                                               -> {"ok": true}
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Optional
from urllib.parse import parse_qs, urlparse

from .state import RendezvousState, Settings, UnknownMember

MAX_BODY = 64 * 1024


class BadRequest(ValueError):
    """A request body that is not what the endpoint expects."""


def _field(body: dict, name: str, kind: type, default=None, required: bool = True):
    if name not in body or body[name] is None:
        if required:
            raise BadRequest(f"missing field {name!r}")
        return default
    value = body[name]
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise BadRequest(f"field {name!r} must be an integer, got {value!r}")
    if kind is str and (not isinstance(value, str) or not value):
        raise BadRequest(f"field {name!r} must be a non-empty string, got {value!r}")
    if kind is bool and not isinstance(value, bool):
        raise BadRequest(f"field {name!r} must be true or false, got {value!r}")
    return value


class RendezvousServer:
    """Serves one job's rendezvous on (host, port); port 0 picks a free one."""

    def __init__(
        self,
        settings: Settings,
        host: str = "0.0.0.0",
        port: int = 0,
        clock: Callable[[], float] = time.monotonic,
        tick_s: float = 0.2,
    ) -> None:
        self.state = RendezvousState(settings)
        self.lock = threading.Lock()
        self.clock = clock
        self.tick_s = tick_s
        self._stop = threading.Event()
        self.httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self.httpd.daemon_threads = True
        self._threads = []

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def start(self) -> RendezvousServer:
        for target in (self.httpd.serve_forever, self._ticker):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def serve_forever(self) -> None:
        ticker = threading.Thread(target=self._ticker, daemon=True)
        ticker.start()
        self.httpd.serve_forever()

    def stop(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _ticker(self) -> None:
        while not self._stop.wait(self.tick_s):
            with self.lock:
                self.state.tick(self.clock())

    def handle(self, method: str, path: str, body: Optional[dict]) -> tuple:
        """Routes one request; returns (http status, json object)."""
        url = urlparse(path)
        now = self.clock()
        try:
            with self.lock:
                if method == "GET" and url.path == "/healthz":
                    return 200, {"ok": True}
                if method == "GET" and url.path == "/v1/state":
                    node_id = parse_qs(url.query).get("node_id", [None])[0]
                    self.state.tick(now)
                    return 200, self.state.view(node_id)
                if method != "POST":
                    return 404, {"error": f"no endpoint {method} {url.path}"}
                if not isinstance(body, dict):
                    raise BadRequest("request body must be a JSON object")
                if url.path == "/v1/join":
                    node_id = _field(body, "node_id", str)
                    self.state.join(
                        node_id,
                        _field(body, "addr", str),
                        _field(body, "nproc", int),
                        _field(body, "index", int, default=0, required=False),
                        now,
                    )
                    return 200, self.state.view(node_id)
                if url.path == "/v1/heartbeat":
                    node_id = _field(body, "node_id", str)
                    self.state.heartbeat(node_id, now)
                    self.state.tick(now)
                    return 200, self.state.view(node_id)
                if url.path == "/v1/leave":
                    node_id = _field(body, "node_id", str)
                    self.state.leave(node_id, _field(body, "succeeded", bool, False, False), now)
                    self.state.tick(now)
                    return 200, self.state.view(node_id)
                if url.path == "/v1/target":
                    self.state.announce(_field(body, "size", int, None, False), now)
                    return 200, self.state.view()
                return 404, {"error": f"no endpoint {method} {url.path}"}
        except UnknownMember as err:
            return 404, {"error": f"unknown node_id {err.args[0]!r}: join first"}
        except (BadRequest, ValueError) as err:
            return 400, {"error": str(err)}

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _reply(self, status: int, obj: dict) -> None:
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 (http.server naming)
                self._reply(*server.handle("GET", self.path, None))

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    self._reply(413, {"error": f"body larger than {MAX_BODY} bytes"})
                    return
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"null")
                except ValueError as err:
                    self._reply(400, {"error": f"body is not JSON: {err}"})
                    return
                self._reply(*server.handle("POST", self.path, body))

            def log_message(self, fmt: str, *args) -> None:  # quiet: agents poll often
                pass

        return Handler
