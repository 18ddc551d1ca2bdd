"""The job's training rate as this agent measures it, and the HTTP port that serves it.

Every rank's addon counts the samples of the whole job (all ranks) per step,
so the first local process of any node knows the job's rate; it writes its
running count to LATTICE_PROGRESS_FILE (lattice.addon.session). The agent
reads that file, keeps the points of the current generation and, once the
generation is past its warm-up (start-up, data loader and compilation make
the first steps slow), reports samples/s over the last window. The operator
reads the report over HTTP (GET /throughput on LATTICE_AGENT_STATUS_PORT):
training pods need no API rights and write nothing.
"""

from __future__ import annotations

import collections
import json
import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Deque, Optional, Tuple

# Seconds after the first progress point of a generation that do not count.
DEFAULT_WARMUP_S = 30.0
# The rate is measured over at most this many seconds of the newest points...
DEFAULT_WINDOW_S = 120.0
# ...and only once this many seconds past the warm-up are covered.
DEFAULT_MIN_SPAN_S = 10.0


def read_progress(path: str) -> Optional[Tuple[int, float]]:
    """(samples trained, wall time) from a progress file; None if absent or torn."""
    try:
        with open(path) as f:
            data = json.load(f)
        samples, at = int(data["samples"]), float(data["time"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if samples < 0 or not math.isfinite(at):
        return None
    return samples, at


class ThroughputMeter:
    """Samples/s of one generation in steady state (pure: the caller supplies times)."""

    def __init__(
        self,
        warmup_s: float = DEFAULT_WARMUP_S,
        window_s: float = DEFAULT_WINDOW_S,
        min_span_s: float = DEFAULT_MIN_SPAN_S,
    ) -> None:
        self.warmup_s = warmup_s
        self.window_s = window_s
        self.min_span_s = min_span_s
        self._lock = threading.Lock()
        self._generation: Optional[int] = None
        self._workers = 0
        self._processes = 0
        self._first_at: Optional[float] = None
        self._points: Deque[Tuple[float, int]] = collections.deque()

    def start(self, generation: int, workers: int, processes: int) -> None:
        """A new generation runs at `workers` pods (agents) and `processes` ranks: measure afresh."""
        with self._lock:
            self._generation = generation
            self._workers = workers
            self._processes = processes
            self._first_at = None
            self._points.clear()

    def observe(self, samples: int, at: float) -> None:
        """The job had trained `samples` samples (this generation's process count) at wall time `at`."""
        with self._lock:
            if self._generation is None:
                return
            if self._points and (at <= self._points[-1][0] or samples < self._points[-1][1]):
                return  # same point again, or a count from before a restart
            if self._first_at is None:
                self._first_at = at
            if at - self._first_at < self.warmup_s:
                self._points.clear()
                self._points.append((at, samples))  # the newest warm-up point is the baseline
                return
            self._points.append((at, samples))
            while len(self._points) > 2 and at - self._points[1][0] >= self.window_s:
                self._points.popleft()

    def report(self) -> Optional[dict]:
        """The measurement, or None while warming up or when nothing trained."""
        with self._lock:
            if self._generation is None or len(self._points) < 2 or self._first_at is None:
                return None
            (t0, s0), (t1, s1) = self._points[0], self._points[-1]
            if t1 - t0 < self.min_span_s or s1 <= s0:
                return None
            return {
                "generation": self._generation,
                "workers": self._workers,
                "processes": self._processes,
                "samplesPerSecond": (s1 - s0) / (t1 - t0),
                "windowSeconds": t1 - t0,
                "measuredAt": t1,
            }

    def document(self) -> dict:
        """What GET /throughput answers: the report, or null with the generation's size."""
        with self._lock:
            generation, workers = self._generation, self._workers
        return {"generation": generation, "workers": workers, "report": self.report()}


class StatusServer:
    """GET /throughput (the meter's document) and /healthz on a port of the agent, in a thread."""

    def __init__(self, document: Callable[[], dict], port: int, host: str = "0.0.0.0") -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                if self.path == "/throughput":
                    body, code = json.dumps(document()).encode(), 200
                elif self.path == "/healthz":
                    body, code = b'{"ok":true}', 200
                else:
                    body, code = b'{"error":"not found"}', 404
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args) -> None:  # polled every 30 s: no access log
                pass

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="lattice-status", daemon=True)

    def start(self) -> StatusServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
