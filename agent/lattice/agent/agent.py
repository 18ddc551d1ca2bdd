"""The agent's state machine: join, run a generation, stop, repeat.

           join                  assigned in a newer generation
START ---------> WAITING ---------------------------------> RUNNING
                   ^  |  job completed by others                |
                   |  +--------------------------> DONE (0)     |
                   |                                            |
                   |   generation ended (member left/joined,    |
                   +-- or peer's workers stopped) -> STOPPING --+
                   |   worker crashed, restarts left            |
                   +--------------------------------------------+
                       all workers exited 0 -> DONE (0)
                       crashed, no restarts left -> FAILED (worker's code)
                       SIGTERM -> checkpoint within grace -> TERMINATED (143)
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from typing import Callable, List, Optional

from .config import AgentConfig
from .keepalive import KeepAlive
from .rdzv_client import RendezvousClient, RendezvousUnavailable, UnknownToRendezvous
from .throughput import DEFAULT_MIN_SPAN_S, StatusServer, ThroughputMeter, read_progress
from .workers import EXIT_RESTART, WorkerGroup, reap_orphans, worker_env

EXIT_TERMINATED = 128 + signal.SIGTERM

SUCCEEDED = "succeeded"
STOPPED = "stopped"
FAILED = "failed"


@dataclasses.dataclass
class Outcome:
    kind: str  # SUCCEEDED | STOPPED | FAILED
    code: int = 0


def classify(codes: List[int], stop_requested: bool) -> Outcome:
    """What the exit codes of a finished worker group mean for the agent."""
    if all(code == 0 for code in codes):
        return Outcome(SUCCEEDED)
    failed = [code for code in codes if code not in (0, EXIT_RESTART)]
    if failed and not stop_requested:
        return Outcome(FAILED, failed[0])
    return Outcome(STOPPED)


def log(message: str) -> None:
    print(f"[lattice-agent] {message}", file=sys.stderr, flush=True)


class Agent:
    """Runs the wrapped command for as many generations as the job needs."""

    def __init__(
        self,
        config: AgentConfig,
        client: Optional[RendezvousClient] = None,
        environ: Optional[dict] = None,
        logger: Callable[[str], None] = log,
    ) -> None:
        self.config = config
        self.node_id = f"{config.pod_name}-{uuid.uuid4().hex[:8]}"
        self.terminating = threading.Event()
        self.client = client or RendezvousClient(
            config.rdzv_endpoint, self.node_id, config.rdzv_timeout_s, cancel=self.terminating
        )
        self.client.node_id = self.node_id
        self.environ = dict(os.environ if environ is None else environ)
        self.log = logger
        self.run_dir = tempfile.mkdtemp(prefix="lattice-agent-")
        self.restarts = 0
        self.launches = 0
        self.terminated_at: Optional[float] = None
        window = config.throughput_window_s
        self.meter = ThroughputMeter(config.throughput_warmup_s, window, min(DEFAULT_MIN_SPAN_S, window / 2))
        self.progress_file: Optional[str] = None
        self.status_server: Optional[StatusServer] = None

    def terminate(self, *_args) -> None:
        """SIGTERM/SIGINT handler: checkpoint and leave (pod deletion)."""
        if self.terminated_at is None:
            self.terminated_at = time.monotonic()
        self.terminating.set()

    def _grace_deadline(self) -> Optional[float]:
        """Once SIGTERM arrived: the time by which the workers must be gone."""
        if self.terminated_at is None:
            return None
        return self.terminated_at + self.config.termination_grace_s

    def run(self) -> int:
        """Runs until the job succeeds, fails for good, or SIGTERM; returns the exit code."""
        if self.config.status_port:
            try:
                self.status_server = StatusServer(self.meter.document, self.config.status_port).start()
            except OSError as err:  # training matters more than its throughput report
                self.log(f"cannot serve throughput on port {self.config.status_port}: {err}")
        try:
            return self._run()
        except RendezvousUnavailable:
            if self.terminating.is_set():
                return EXIT_TERMINATED  # SIGTERM while the rendezvous was down
            raise
        finally:
            if self.status_server is not None:
                self.status_server.stop()
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def _run(self) -> int:
        last_generation = ("", -1)  # (server_id, generation) this agent last ran
        while True:
            if self.terminating.is_set():
                self.client.leave(succeeded=False)
                return EXIT_TERMINATED
            self.client.join(self.config.advertise_addr, self.config.nproc_per_node, self.config.worker_index)
            view = self._wait_for_assignment(last_generation)
            if view is None:
                continue  # terminating, or forgotten by the server: loop decides
            if view.get("assignment") is None:  # job completed by the other members
                self.log("job completed by the other members; exiting 0")
                self.client.leave(succeeded=True)
                return 0
            last_generation = (view["server_id"], view["generation"])
            outcome = self._run_generation(view)
            if outcome.kind == SUCCEEDED:
                self.log("workers finished successfully")
                self.client.leave(succeeded=True)
                return 0
            if self.terminating.is_set():
                self.log("workers stopped after SIGTERM; leaving")
                self.client.leave(succeeded=False)
                return EXIT_TERMINATED
            if outcome.kind == FAILED:
                self.restarts += 1
                if self.restarts > self.config.max_restarts:
                    self.log(
                        f"workers failed with exit code {outcome.code}; "
                        f"restart limit {self.config.max_restarts} reached"
                    )
                    self.client.leave(succeeded=False)
                    return outcome.code
                self.log(
                    f"workers failed with exit code {outcome.code}; "
                    f"restart {self.restarts} of {self.config.max_restarts}"
                )

    def _wait_for_assignment(self, last_generation: tuple) -> Optional[dict]:
        """Polls until a generation newer than the last assigns this node a rank."""
        while not self.terminating.is_set():
            try:
                view = self.client.heartbeat()
            except UnknownToRendezvous:
                return None
            newer = view["server_id"] != last_generation[0] or view["generation"] > last_generation[1]
            if view.get("status") == "running" and newer and view.get("assignment") is not None:
                return view
            if view.get("completed") and view.get("assignment") is None:
                return {"generation": view["generation"], "assignment": None}
            self.terminating.wait(min(self.config.heartbeat_s, 0.5))
        return None

    def _run_generation(self, view: dict) -> Outcome:
        generation = view["generation"]
        assignment = view["assignment"]
        # One stop file per launch: generation numbers repeat if the rendezvous restarts.
        self.launches += 1
        stop_file = os.path.join(self.run_dir, f"stop-{self.launches}")
        self.progress_file = os.path.join(self.run_dir, f"progress-{self.launches}")
        self.meter.start(generation, assignment["nnodes"], assignment["world_size"])
        envs = [
            worker_env(
                self.environ,
                assignment,
                local_rank,
                generation,
                self.restarts,
                self.config.max_restarts,
                self.config.job_name,
                stop_file,
                self.progress_file,
            )
            for local_rank in range(assignment["nproc"])
        ]
        self.log(
            f"generation {generation}: node rank {assignment['node_rank']} of {assignment['nnodes']}, "
            f"world size {assignment['world_size']}, master {assignment['master_addr']}:"
            f"{assignment['master_port']}"
        )
        group = WorkerGroup(self.config.command, envs, stop_file)
        try:
            return self._supervise(group, view["server_id"], generation)
        finally:
            group.kill()  # no-op unless something above raised

    def _supervise(self, group: WorkerGroup, server_id: str, generation: int) -> Outcome:
        next_heartbeat = 0.0
        next_progress = 0.0
        while True:
            if os.getpid() == 1:
                reap_orphans(group.pids())
            codes = group.poll()
            if None not in codes:
                return classify(codes, group.stop_requested)  # type: ignore[arg-type]
            failed = [c for c in codes if c is not None and c not in (0, EXIT_RESTART)]
            if failed and not group.stop_requested:
                self.log(f"a worker exited with code {failed[0]}; stopping the others")
                self._stop_workers(group, self.config.stop_timeout_s)
                return Outcome(FAILED, failed[0])
            if self.terminating.is_set():
                self.log("SIGTERM: asking workers to checkpoint and exit")
                codes = self._stop_workers(group, self.config.termination_grace_s)
                return classify(codes, True)
            if time.monotonic() >= next_progress:
                next_progress = time.monotonic() + 1.0
                self._read_progress()
            if time.monotonic() >= next_heartbeat:
                next_heartbeat = time.monotonic() + self.config.heartbeat_s
                reason = self._generation_ended(server_id, generation)
                if reason:
                    self.log(f"generation {generation} ended ({reason}); asking workers to checkpoint")
                    codes = self._stop_workers(group, self.config.stop_timeout_s)
                    return classify(codes, True)
            time.sleep(0.1)

    def _read_progress(self) -> None:
        point = read_progress(self.progress_file) if self.progress_file else None
        if point is not None:
            self.meter.observe(*point)

    def _stop_workers(self, group: WorkerGroup, timeout_s: float) -> List[int]:
        """Has the workers checkpoint and exit, heartbeating meanwhile (keepalive.py says why)."""
        with KeepAlive(self._beat_quietly, self.config.heartbeat_s):
            return group.stop(timeout_s, cap=self._grace_deadline)

    def _beat_quietly(self) -> None:
        try:
            self.client.heartbeat(deadline_s=self.config.heartbeat_s)
        except RuntimeError as err:  # unreachable or forgotten: the next join sorts it out
            self.log(f"heartbeat while stopping workers failed: {err}")

    def _generation_ended(self, server_id: str, generation: int) -> Optional[str]:
        try:
            # Short deadline: while the rendezvous is briefly unreachable the
            # workers keep training and SIGTERM is still noticed.
            view = self.client.heartbeat(deadline_s=self.config.heartbeat_s)
        except RendezvousUnavailable as err:
            self.log(f"heartbeat failed, workers keep running: {err}")
            return None
        except UnknownToRendezvous:
            return "the rendezvous forgot this agent (lease expired or server restarted)"
        if view["server_id"] != server_id:
            return "the rendezvous server restarted"
        if view["generation"] != generation:
            return f"new generation {view['generation']}"
        return None


def install_signal_handlers(agent: Agent) -> None:
    signal.signal(signal.SIGTERM, agent.terminate)
    signal.signal(signal.SIGINT, agent.terminate)
