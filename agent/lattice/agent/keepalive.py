"""Heartbeats from a background thread while the agent's loop waits on its workers.

Stopping a generation's workers takes as long as their checkpoint (minutes
for a large model), far past the rendezvous lease. The rendezvous must keep
counting the agent as a live member meanwhile: the next round waits for the
members that are stopping, and a member the server forgot mid-checkpoint
would let the others start without it, from an older checkpoint.
"""

from __future__ import annotations

import threading
from typing import Callable, Optional


class KeepAlive:
    """Calls beat() every interval_s until the block ends; beat() must not raise.

    with KeepAlive(beat, 2.0):
        group.stop(...)
    """

    def __init__(self, beat: Callable[[], None], interval_s: float) -> None:
        self.beat = beat
        self.interval_s = interval_s
        self.beats = 0
        self._done = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def __enter__(self) -> KeepAlive:
        self._thread = threading.Thread(target=self._run, name="lattice-keepalive", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        # Not joined: a beat in flight may take a second, and after SIGTERM the
        # agent must not spend its grace period waiting for it. A late beat is
        # harmless (the server ignores beats of members that left).
        self._done.set()

    def _run(self) -> None:
        while not self._done.wait(self.interval_s):
            self.beat()
            self.beats += 1
