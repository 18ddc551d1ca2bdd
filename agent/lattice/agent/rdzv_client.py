"""Client of the rendezvous server's HTTP/JSON API (urllib only)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from typing import Optional


class RendezvousUnavailable(RuntimeError):
    """The rendezvous server did not answer within the agent's rendezvous timeout."""


class UnknownToRendezvous(RuntimeError):
    """The server no longer knows this agent (lease expired or server restarted)."""


class RendezvousClient:
    """Calls one job's rendezvous; retries connection failures up to `timeout_s`."""

    def __init__(
        self, endpoint: str, node_id: str, timeout_s: float = 600.0, cancel: Optional[threading.Event] = None
    ) -> None:
        self.endpoint = endpoint
        self.node_id = node_id
        self.timeout_s = timeout_s
        # Set (by SIGTERM) to stop retrying at once: leaving must not wait for
        # a rendezvous that is down.
        self.cancel = cancel or threading.Event()

    def join(self, addr: str, nproc: int, index: int) -> dict:
        return self._call(
            "POST", "/v1/join", {"node_id": self.node_id, "addr": addr, "nproc": nproc, "index": index}
        )

    def heartbeat(self, deadline_s: Optional[float] = None) -> dict:
        return self._call("POST", "/v1/heartbeat", {"node_id": self.node_id}, deadline_s=deadline_s)

    def leave(self, succeeded: bool) -> Optional[dict]:
        try:
            return self._call(
                "POST", "/v1/leave", {"node_id": self.node_id, "succeeded": succeeded}, deadline_s=5.0
            )
        except RendezvousUnavailable:
            return None  # leaving is best effort: the lease expires anyway

    def _call(self, method: str, path: str, body: Optional[dict], deadline_s: Optional[float] = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        deadline = time.monotonic() + (self.timeout_s if deadline_s is None else deadline_s)
        delay = 0.2
        while True:
            request = urllib.request.Request(
                self.endpoint + path, data=data, method=method, headers={"Content-Type": "application/json"}
            )
            try:
                timeout = max(1.0, min(10.0, deadline - time.monotonic()))
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as err:
                payload = err.read()
                message = payload.decode(errors="replace")
                if err.code == 404 and path == "/v1/heartbeat":
                    raise UnknownToRendezvous(message) from None
                if 400 <= err.code < 500:
                    raise RuntimeError(f"rendezvous rejected {method} {path}: {err.code} {message}") from None
                last = f"HTTP {err.code}"
            except (urllib.error.URLError, OSError, ValueError) as err:
                last = str(err)
            if time.monotonic() + delay > deadline or self.cancel.wait(delay):
                raise RendezvousUnavailable(f"rendezvous {self.endpoint} unreachable: {last}")
            delay = min(delay * 2, 2.0)
