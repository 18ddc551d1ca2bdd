"""A child process the benchmarks start and stop (the operator, the peers' controllers)."""

import signal
import subprocess
import time


class ManagedProcess:
    """Holds `self.process` (a subprocess.Popen, or None before start); stop() records stop_seconds."""

    process = None
    stop_seconds = None

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        """SIGTERM, then SIGKILL after 30 s; returns the exit code (the seconds it took: stop_seconds)."""
        if self.process is None:
            return None
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.stop_seconds = time.monotonic() - started
        return self.process.returncode
