"""The operator as a local subprocess: free ports, JSON log file, readiness, SIGTERM/SIGKILL, and
its HTTP endpoints (/metrics, /healthz, /readyz, the debug port)."""

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from e2e_kube import BUILD_DIR, ScenarioError, expect, print_section

LOG_DIR = os.path.join(BUILD_DIR, "test", "e2e", "operator")
PID_FILE = os.path.join(LOG_DIR, "operator-pids")
# Short timings so rule 5 (requeue, cooldown) and rule 6 (rescale interval) show within seconds, and a
# restart cost to match (the gain rule holds a growth until the job has run some multiple of it). The
# requeue timeout is short only where rule 5 is the subject (REQUEUE_TIMINGS): elsewhere a slow KWOK
# (the cluster is shared) must not turn a pod that is late to run into a requeue. The arrival headroom
# keeps its default window: it holds growth back only while an arrival waits or within the rescale
# interval after its admission, which the short rescale interval keeps to seconds.
TEST_TIMINGS = [
    "--requeue-timeout",
    "30s",
    "--cooldown-base",
    "5s",
    "--cooldown-max",
    "20s",
    "--rescale-interval",
    "5s",
    "--restart-cost",
    "1s",
]
REQUEUE_TIMINGS = ["--requeue-timeout", "8s"] + TEST_TIMINGS[2:]


def operator_binary():
    path = os.environ.get("LATTICE_OPERATOR_BIN") or os.path.join(BUILD_DIR, "app", "lattice-operator")
    expect(
        os.access(path, os.X_OK),
        f"operator binary {path} not found (build the lattice-operator target, or set LATTICE_OPERATOR_BIN)",
    )
    return path


_ports_handed_out = set()


def free_port():
    """A loopback port nothing listens on, never one this process handed out before.

    The kernel may give a just-closed port again, so an operator's metrics, probe
    and debug ports drawn one after another could otherwise coincide."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _ports_handed_out:
            _ports_handed_out.add(port)
            return port


def http_get(url, timeout=5):
    """(status, body) of a GET; status None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as e:
        return None, str(e)


def kill_stale_operators():
    """Operators an interrupted earlier run started (pids recorded by us) would act on the cluster."""
    if not os.path.exists(PID_FILE):
        return
    for line in open(PID_FILE).read().split():
        try:
            pid = int(line)
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
        except (ValueError, OSError):
            continue
        if "lattice-operator" in cmdline and "--log-format" in cmdline:
            print(f"killing operator pid {pid} left by an earlier run")
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    os.remove(PID_FILE)


def find_reason(tree, ns, name):
    """The reason the autoscaler gives for job ns/name, wherever /debug/autoscaler nests it."""
    key = f"{ns}/{name}"
    if isinstance(tree, dict):
        names_it = key in tree.values() or (tree.get("name") == name and tree.get("namespace") == ns)
        if names_it and isinstance(tree.get("reason"), str):
            return tree["reason"]
        for k, v in tree.items():
            if k == key and isinstance(v, str):
                return v
            if k == key and isinstance(v, dict) and isinstance(v.get("reason"), str):
                return v["reason"]
            found = find_reason(v, ns, name)
            if found:
                return found
    elif isinstance(tree, list):
        for v in tree:
            found = find_reason(v, ns, name)
            if found:
                return found
    return None


def parse_metrics(text):
    """Prometheus text format to [(name, {label: value}, float)]."""
    samples = []
    pattern = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)')
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = pattern.match(line)
        if not m:
            continue
        labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        samples.append((m.group(1), labels, float(m.group(4))))
    return samples


class Operator:
    """One lattice-operator process. `name` names its log file: <build>/test/e2e/operator/<name>.log."""

    def __init__(self, name, kubeconfig, extra_args=(), timings=TEST_TIMINGS):
        self.name = name
        self.kubeconfig = kubeconfig
        self.metrics_port, self.probe_port, self.debug_port = free_port(), free_port(), free_port()
        self.log_path = os.path.join(LOG_DIR, f"{name}.log")
        self.args = [
            operator_binary(),
            "--kubeconfig",
            kubeconfig,
            "--log-format",
            "json",
            "--log-level",
            os.environ.get("LATTICE_E2E_LOG_LEVEL", "debug"),
            "--bind-address",
            "127.0.0.1",
            "--metrics-port",
            str(self.metrics_port),
            "--probe-port",
            str(self.probe_port),
            "--debug-port",
            str(self.debug_port),
        ]
        self.args += list(timings)
        self.args += shlex.split(os.environ.get("LATTICE_E2E_OPERATOR_ARGS", "")) + list(extra_args)
        self.process = None
        self.exit_code = None

    # -- lifecycle
    def start(self):
        os.makedirs(LOG_DIR, exist_ok=True)
        # Only the SA kubeconfig: no admin KUBECONFIG, no LATTICE_* settings of the test environment.
        env = {k: v for k, v in os.environ.items() if not k.startswith("LATTICE_") and k != "KUBECONFIG"}
        log = open(self.log_path, "w")
        log.write(f"# {shlex.join(self.args)}\n")
        log.flush()
        self.process = subprocess.Popen(
            self.args, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        log.close()
        with open(PID_FILE, "a") as f:
            f.write(f"{self.process.pid}\n")
        self.started_at = time.time()
        return self

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout=90):
        """Until GET /readyz answers 200 (watches synced). Fails at once if the process exits."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if not self.alive():
                raise ScenarioError(
                    f"operator {self.name} exited with {self.process.returncode} before ready:\n"
                    + self.log_tail()
                )
            last = self.probe("/readyz")
            if last[0] == 200:
                return self
            time.sleep(0.3)
        raise ScenarioError(
            f"operator {self.name}: /readyz not 200 after {timeout}s (last {last})\n" + self.log_tail()
        )

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Sends `sig` and waits for the exit; returns the exit code (negative: killed by a signal).
        Raises if a SIGTERM does not end the process within `timeout` (it is then killed)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                self.exit_code = self.process.returncode
                raise ScenarioError(
                    f"operator {self.name} ignored {signal.Signals(sig).name} for {timeout}s"
                ) from None
        self.exit_code = self.process.returncode
        return self.exit_code

    def kill(self):
        """SIGKILL: no chance to clean up (Lease, in-flight requests)."""
        return self.stop(signal.SIGKILL, timeout=10)

    # -- endpoints
    def probe(self, path):
        return http_get(f"http://127.0.0.1:{self.probe_port}{path}")

    def metrics_text(self):
        status, body = http_get(f"http://127.0.0.1:{self.metrics_port}/metrics")
        expect(status == 200, f"operator {self.name}: GET /metrics answered {status}: {body[:300]}")
        return body

    def metrics(self):
        return parse_metrics(self.metrics_text())

    def debug(self, path):
        """GET on the debug port, decoded JSON."""
        status, body = http_get(f"http://127.0.0.1:{self.debug_port}{path}")
        expect(
            status == 200,
            f"operator {self.name}: GET {path} on the debug port answered {status}: {body[:300]}",
        )
        try:
            return json.loads(body)
        except ValueError as e:
            raise ScenarioError(f"operator {self.name}: {path} is not JSON ({e}): {body[:300]}") from e

    # -- diagnostics
    def log_tail(self, lines=80):
        try:
            text = open(self.log_path, errors="replace").read().splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(text[-lines:])

    def actions(self, lines=40):
        """The last info-or-above lines and pod creations, compact: what the operator decided
        (pods created or deleted and why, Events, warnings), without the rest of the debug traffic."""
        out = []
        for line in self.log_lines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            msg = rec.get("msg", "")
            if rec.get("level") != "debug" or msg.startswith("creating pod"):
                out.append(
                    f"{rec.get('ts', '')[11:23]} {str(rec.get('level'))[:4]} {rec.get('object', '')} {msg}"
                )
        return "\n".join(out[-lines:]) or "(none)"

    def log_lines(self):
        try:
            return open(self.log_path, errors="replace").read().splitlines()
        except OSError:
            return []

    def print_diagnostics(self, lines=80):
        state = "running" if self.alive() else f"exited {self.process.returncode if self.process else None}"
        print_section(f"operator {self.name} ({state}) log tail: {self.log_path}", self.log_tail(lines))
        if self.alive():
            status, body = http_get(f"http://127.0.0.1:{self.debug_port}/debug/autoscaler")
            print_section(f"operator {self.name} /debug/autoscaler ({status})", body[:4000])
