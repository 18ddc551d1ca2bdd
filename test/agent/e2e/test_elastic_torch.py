"""End to end with real PyTorch (CPU, gloo): grow 2 -> 3, shrink to 2 by deleting index 0.

Everything runs as the operator runs it, only as local processes: the agent
package comes from the built wheel, unpacked onto PYTHONPATH as the init
container does; a rendezvous process per job; one agent per "pod", wrapping
examples/train_elastic.py; the operator's part (announcing the intended size,
deleting a pod = SIGTERM to its agent) is played by this test.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

# The shared test helpers one directory up (test/agent/proctools.py).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from proctools import descendants  # noqa: E402

SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TRAIN = os.path.join(SOURCE, "examples", "train_elastic.py")
SAMPLES, EPOCHS, BATCH = 600, 4, 8
# The container command the operator writes (docs/design/agent.md, "Injection").
BOOTSTRAP = (
    "import runpy,sys; sys.path.insert(0,{wheel!r}); "
    "runpy.run_module({module!r}, run_name='__main__', alter_sys=True)"
)


_ports_handed_out = set()


def free_port():
    """A loopback port nothing listens on, never one handed out before: the kernel may
    give a just-closed port again, and two agents must not share a status port."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _ports_handed_out:
            _ports_handed_out.add(port)
            return port


@pytest.fixture
def agent_path(tmp_path):
    """The wheel, put on PYTHONPATH as a file exactly as the operator's init container does."""
    wheel = os.environ.get("LATTICE_AGENT_WHEEL")
    if wheel:
        assert os.path.isfile(wheel), f"{wheel} missing: build the lattice_agent_wheel target first"
    else:
        out = tmp_path / "dist"
        built = subprocess.run(
            [sys.executable, os.path.join(SOURCE, "agent", "build_wheel.py"), str(out)],
            check=True,
            capture_output=True,
            text=True,
        )
        wheel = built.stdout.strip()
    installed = tmp_path / "lattice" / "agent" / "lattice_agent.whl"
    installed.parent.mkdir(parents=True)
    shutil.copyfile(wheel, installed)
    return str(installed)


class Job:
    def __init__(self, tmp_path, agent_path):
        self.tmp = tmp_path
        self.wheel = agent_path
        self.logs = tmp_path / "train-logs"
        self.logs.mkdir()
        self.env = dict(os.environ, GLOO_SOCKET_IFNAME="lo", PYTHONWARNINGS="ignore")
        self.env.pop("PYTHONPATH", None)  # the wheel reaches the workers through the agent only
        port_file = tmp_path / "rdzv-port"
        self.rdzv_log = open(tmp_path / "rendezvous.log", "w")
        self.rdzv = subprocess.Popen(
            [
                sys.executable,
                "-c",
                BOOTSTRAP.format(wheel=self.wheel, module="lattice.rendezvous"),
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--port-file",
                str(port_file),
                "--min-size",
                "1",
                "--max-size",
                "3",
                "--settle",
                "10",
                "--lease",
                "10",
                "--master-port",
                str(free_port()),
            ],
            env=self.env,
            stdout=self.rdzv_log,
            stderr=subprocess.STDOUT,
        )
        wait_for(port_file.exists, 30, "the rendezvous server")
        self.endpoint = f"127.0.0.1:{port_file.read_text()}"
        self.agents = {}
        self.status_ports = {}

    def announce(self, size):
        """What the operator does when it sets the job's size."""
        import urllib.request

        request = urllib.request.Request(
            f"http://{self.endpoint}/v1/target", method="POST", data=json.dumps({"size": size}).encode()
        )
        urllib.request.urlopen(request, timeout=5).read()

    def start_pod(self, index):
        env = dict(
            self.env,
            LATTICE_JOB_NAME="elastic-e2e",
            LATTICE_JOB_NAMESPACE="default",
            LATTICE_FRAMEWORK="pytorch",
            LATTICE_MIN_SIZE="1",
            LATTICE_MAX_SIZE="3",
            LATTICE_RDZV_ENDPOINT=self.endpoint,
            LATTICE_WORKER_INDEX=str(index),
            LATTICE_POD_NAME=f"elastic-e2e-worker-{index}",
            LATTICE_POD_IP="127.0.0.1",
            LATTICE_NPROC_PER_NODE="1",
            LATTICE_CHECKPOINT_DIR=str(self.tmp / "checkpoints"),
            LATTICE_HEARTBEAT_SECONDS="0.5",
            LATTICE_TERMINATION_GRACE_SECONDS="60",
            LATTICE_STOP_TIMEOUT_SECONDS="60",
            LATTICE_MAX_RESTARTS="2",
            LATTICE_AGENT_STATUS_PORT=str(self.status_ports.setdefault(index, free_port())),
            LATTICE_THROUGHPUT_WARMUP_SECONDS="1",
            LATTICE_THROUGHPUT_WINDOW_SECONDS="4",
        )
        log = open(self.tmp / f"agent{index}.log", "w")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                BOOTSTRAP.format(wheel=self.wheel, module="lattice.agent"),
                "--",
                sys.executable,
                "-u",
                TRAIN,
                "--epochs",
                str(EPOCHS),
                "--samples",
                str(SAMPLES),
                "--batch-size",
                str(BATCH),
                "--step-delay",
                "0.05",
                "--log-dir",
                str(self.logs),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.agents[index] = (proc, log)
        return proc

    def throughput(self, index):
        """What pod `index`'s agent serves on GET /throughput (None while it does not answer)."""
        import urllib.request

        try:
            url = f"http://127.0.0.1:{self.status_ports[index]}/throughput"
            with urllib.request.urlopen(url, timeout=2) as r:
                return json.loads(r.read())
        except OSError:
            return None

    def events(self):
        path = self.logs / "events.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def steps(self):
        out = []
        for path in sorted(self.logs.glob("steps-*.jsonl")):
            out += [json.loads(line) for line in path.read_text().splitlines()]
        return out

    def steps_of(self, generation):
        out = []
        for path in self.logs.glob(f"steps-rank*-gen{generation}.jsonl"):
            out += [json.loads(line) for line in path.read_text().splitlines()]
        return out

    def agent_log(self, index):
        return (self.tmp / f"agent{index}.log").read_text()

    def close(self):
        for proc, log in self.agents.values():
            for pid in [proc.pid, *descendants(proc.pid)]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            proc.wait()
            log.close()
        self.rdzv.terminate()
        self.rdzv.wait(10)
        self.rdzv_log.close()


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def started(job, world_size):
    return [e for e in job.events() if e["event"] == "start" and e["world_size"] == world_size]


def test_grow_shrink_removing_index_zero_keeps_training(tmp_path, agent_path):
    job = Job(tmp_path, agent_path)
    try:
        run_scenario(job, tmp_path)
    except BaseException:
        for index in sorted(job.agents):
            print(f"---- agent {index} log ----\n{job.agent_log(index)[-4000:]}")
        print("---- events ----\n" + "\n".join(map(json.dumps, job.events())))
        raise
    finally:
        job.close()


def run_scenario(job, tmp_path):
    # Size 2: the operator creates the rendezvous, announces 2, creates pods 0 and 1.
    job.announce(2)
    job.start_pod(0)
    job.start_pod(1)
    wait_for(lambda: started(job, 2), 120, "generation 0 at world size 2")
    gen0 = started(job, 2)[0]["generation"]
    wait_for(lambda: len(job.steps_of(gen0)) >= 2 * 15, 120, "15 steps at world size 2")

    # Each agent serves the job's rate at world size 2 once past its warm-up
    # (1 s here): every rank counts the whole job's samples (2 x 8 per step).
    def rate_at_2(index):
        doc = job.throughput(index) or {}
        report = doc.get("report") or {}
        return report if report.get("workers") == 2 else None

    for index in (0, 1):
        wait_for(lambda index=index: rate_at_2(index), 60, f"agent {index}'s throughput at world size 2")
        report = rate_at_2(index)
        # A step sleeps 0.05 s: at most 16 / 0.05 = 320 samples/s.
        assert 0 < report["samplesPerSecond"] <= 320, report
        assert report["processes"] == 2 and report["generation"] == gen0, report

    # Grow to 3: the operator announces 3 and creates pod 2.
    job.announce(3)
    job.start_pod(2)
    wait_for(lambda: started(job, 3), 120, "a generation at world size 3")
    gen1 = started(job, 3)[0]["generation"]
    wait_for(lambda: len(job.steps_of(gen1)) >= 3 * 15, 120, "15 steps at world size 3")

    # Shrink to 2 by deleting pod 0 (rank 0, the master): announce 2, SIGTERM its agent.
    job.announce(2)
    pod0 = job.agents[0][0]
    pod0.send_signal(signal.SIGTERM)
    assert pod0.wait(90) == 128 + signal.SIGTERM, job.agent_log(0)
    assert "SIGTERM: asking workers to checkpoint" in job.agent_log(0)
    stops = [e for e in job.events() if e["event"] == "stop" and e["generation"] == gen1]
    assert stops, "pod 0's worker did not checkpoint before its agent exited"
    import torch

    saved = torch.load(tmp_path / "checkpoints" / "checkpoint.pt", weights_only=False)
    assert saved["generation"] == gen1 and saved["progress"]["step"] == stops[0]["step"]

    # The remaining two finish the job at world size 2.
    for index in (1, 2):
        assert job.agents[index][0].wait(240) == 0, job.agent_log(index)

    events = job.events()
    starts = [e for e in events if e["event"] == "start"]
    assert [e["world_size"] for e in starts] == [2, 3, 2], events
    assert [e["restored"] for e in starts] == [False, True, True]
    assert any(e["event"] == "done" for e in events)

    # Restored, not restarted: each generation starts at the step and loss the
    # previous one stopped at, and the loss falls within every generation.
    stops = [e for e in events if e["event"] == "stop"]
    assert len(stops) == 2
    for stop, nxt in zip(stops, starts[1:], strict=False):
        assert nxt["step"] == stop["step"] > 0
        assert nxt["loss"] == pytest.approx(stop["loss"], rel=1e-5)
    ends = stops + [e for e in events if e["event"] == "done"]
    for start, end in zip(starts, ends, strict=False):
        assert end["loss"] < start["loss"], (start, end)
    assert ends[-1]["loss"] < 0.25 * starts[0]["loss"]

    # Every sample of every epoch trained exactly once, across the resizes.
    by_epoch = {}
    for step in job.steps():
        by_epoch.setdefault(step["epoch"], []).extend(step["samples"])
    assert sorted(by_epoch) == list(range(EPOCHS))
    for epoch, samples in by_epoch.items():
        assert sorted(samples) == list(range(SAMPLES)), f"epoch {epoch}"
    # ...and each global step trained once: no step number in two generations.
    assert sorted({s["step"] for s in job.steps()}) == list(range(ends[-1]["step"]))
