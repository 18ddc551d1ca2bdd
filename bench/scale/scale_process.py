"""A child process the benchmarks start and stop (the operator, the peers' controllers)."""

import os
import signal
import subprocess
import time

from scale_kube import BenchError


class ManagedProcess:
    """Holds `self.process` (a subprocess.Popen, or None before start); stop() records stop_seconds."""

    process = None
    stop_seconds = None

    def launch(self, args, log_path, env=None, cwd=None, preexec_fn=None):
        """Starts `args` in a session of its own, its output (after the command line) in `log_path`.
        No LATTICE_* or KUBECONFIG of the caller's environment (CTest's) reaches it; `env` adds to
        what is left."""
        clean = {k: v for k, v in os.environ.items() if not k.startswith("LATTICE_") and k != "KUBECONFIG"}
        clean.update(env or {})
        with open(log_path, "w") as log:
            log.write(" ".join(args) + "\n")
            log.flush()
            self.process = subprocess.Popen(
                args,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=clean,
                cwd=cwd or os.path.dirname(log_path) or ".",
                start_new_session=True,
                preexec_fn=preexec_fn,
            )

    def wait_ready(self, ready, timeout, what, log_path, poll=0.5):
        """Waits until `ready()`; raises BenchError if the process exits first or `timeout` passes."""
        deadline = time.time() + timeout
        while not ready():
            if self.process.poll() is not None:
                raise BenchError(f"{what} exited with {self.process.returncode}; see {log_path}")
            if time.time() > deadline:
                raise BenchError(f"{what} is not ready after {timeout}s; see {log_path}")
            time.sleep(poll)

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
