"""Helpers for the agent's process-level tests: a real rendezvous server and
real agent processes (python -m lattice.agent) run as the operator starts them."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from lattice.rendezvous.server import RendezvousServer
from lattice.rendezvous.state import Settings

# The shared test helpers one directory up (test/agent/proctools.py).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from proctools import descendants  # noqa: E402

AGENT_PATH = os.path.dirname(os.path.dirname(os.path.abspath(sys.modules["lattice"].__file__)))
WORKER = os.path.join(os.path.dirname(__file__), "stepping_worker.py")


@pytest.fixture
def rendezvous():
    server = RendezvousServer(
        Settings(1, 4, settle_s=2.0, lease_s=3.0, master_port=29555), host="127.0.0.1"
    ).start()
    server.url = f"http://127.0.0.1:{server.port}"
    yield server
    server.stop()


def post(url, path, body):
    request = urllib.request.Request(
        url + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


class AgentProcess:
    def __init__(self, server, tmp_path, index, nproc=1, extra_env=None, command=None):
        self.log_path = tmp_path / f"agent{index}.log"
        env = dict(os.environ)
        env.update(
            {
                "PYTHONPATH": AGENT_PATH,
                "TEST_AGENT_PATH": AGENT_PATH,
                "TEST_RECORD": str(tmp_path / "record.jsonl"),
                "LATTICE_JOB_NAME": "test-job",
                "LATTICE_RDZV_ENDPOINT": f"127.0.0.1:{server.port}",
                "LATTICE_POD_NAME": f"test-job-worker-{index}",
                "LATTICE_POD_IP": f"10.0.0.{index + 1}",
                "LATTICE_WORKER_INDEX": str(index),
                "LATTICE_NPROC_PER_NODE": str(nproc),
                "LATTICE_CHECKPOINT_DIR": str(tmp_path / "checkpoints"),
                "LATTICE_HEARTBEAT_SECONDS": "0.3",
                "LATTICE_STOP_TIMEOUT_SECONDS": "10",
                "LATTICE_TERMINATION_GRACE_SECONDS": "10",
                # Several agents share the host: no status port unless a test asks.
                "LATTICE_AGENT_STATUS_PORT": "0",
            }
        )
        env.update(extra_env or {})
        command = command or [sys.executable, WORKER]
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lattice.agent", "--", *command],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait(self, timeout=60):
        try:
            return self.proc.wait(timeout)
        finally:
            self.log.close()

    def output(self):
        return self.log_path.read_text()

    def kill(self):
        """Kills the agent and its workers (they run in their own session)."""
        for pid in [self.proc.pid, *descendants(self.proc.pid)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        if not self.log.closed:
            self.log.close()


@pytest.fixture
def agents(rendezvous, tmp_path):
    started = []

    def start(index, **kwargs):
        agent = AgentProcess(rendezvous, tmp_path, index, **kwargs)
        started.append(agent)
        return agent

    yield start
    for agent in started:
        agent.kill()


def records(tmp_path):
    path = tmp_path / "record.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def wait_for(predicate, timeout=30, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
