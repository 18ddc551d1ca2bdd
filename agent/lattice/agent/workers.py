"""The local training processes of one generation: launch, watch, stop.

Stop protocol (docs/design/agent.md): the agent creates the generation's
stop file (LATTICE_STOP_FILE); the addon sees it at the next step boundary,
the ranks agree to stop at the same step, rank 0 checkpoints and every rank
exits with EXIT_RESTART. Processes that do not stop in time get SIGTERM, then
SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from typing import Callable, Dict, List, Mapping, Optional

# Exit code of a worker that checkpointed because it was asked to stop
# (EX_TEMPFAIL). Mirrored in lattice.addon.
EXIT_RESTART = 75


def package_root() -> str:
    """Where the `lattice` package was imported from (a directory, or the wheel file itself)."""
    import lattice  # noqa: WPS433 (our own top-level package)

    return os.path.dirname(os.path.dirname(os.path.abspath(lattice.__file__)))


def with_addon_on_path(base: Mapping[str, str], root: str) -> Dict[str, str]:
    """base with `root` first on PYTHONPATH, so training scripts can `from lattice import addon`.

    The agent may have been started with the wheel on sys.path only (the
    operator's bootstrap command), so the workers would not find it otherwise."""
    env = dict(base)
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in parts:
        env["PYTHONPATH"] = os.pathsep.join([root, *parts])
    return env


def worker_env(
    base: Mapping[str, str],
    assignment: dict,
    local_rank: int,
    generation: int,
    restart_count: int,
    max_restarts: int,
    run_id: str,
    stop_file: str,
    progress_file: Optional[str] = None,
) -> Dict[str, str]:
    """The environment torchrun would give local process `local_rank`, plus Lattice's.

    `progress_file` goes to local rank 0 only: every rank counts the whole
    job's samples, so one writer per node is enough."""
    env = with_addon_on_path(base, package_root())
    env.pop("LATTICE_PROGRESS_FILE", None)
    if progress_file is not None and local_rank == 0:
        env["LATTICE_PROGRESS_FILE"] = progress_file
    nproc = assignment["nproc"]
    env.update(
        {
            "WORLD_SIZE": str(assignment["world_size"]),
            "RANK": str(assignment["first_rank"] + local_rank),
            "LOCAL_RANK": str(local_rank),
            "LOCAL_WORLD_SIZE": str(nproc),
            "GROUP_RANK": str(assignment["node_rank"]),
            "GROUP_WORLD_SIZE": str(assignment["nnodes"]),
            "ROLE_NAME": "default",
            "ROLE_RANK": str(assignment["first_rank"] + local_rank),
            "ROLE_WORLD_SIZE": str(assignment["world_size"]),
            "MASTER_ADDR": assignment["master_addr"],
            "MASTER_PORT": str(assignment["master_port"]),
            "TORCHELASTIC_RESTART_COUNT": str(restart_count),
            "TORCHELASTIC_MAX_RESTARTS": str(max_restarts),
            "TORCHELASTIC_RUN_ID": run_id,
            "TORCHELASTIC_USE_AGENT_STORE": "False",
            "LATTICE_GENERATION": str(generation),
            "LATTICE_STOP_FILE": stop_file,
        }
    )
    if nproc > 1 and "OMP_NUM_THREADS" not in base:
        env["OMP_NUM_THREADS"] = "1"  # as torchrun: avoid oversubscribing the node
    return env


def exit_code(returncode: int) -> int:
    """A process's status as a shell reports it (killed by signal N -> 128+N)."""
    return 128 - returncode if returncode < 0 else returncode


def reap_orphans(own: List[int]) -> int:
    """Reaps zombie children that are not our workers; returns how many.

    In a container the agent is PID 1, so processes the workers leave behind
    (e.g. data-loader workers of a killed rank) are re-parented to it and would
    stay zombies. Our own workers are left to Popen, which needs their status."""
    reaped = 0
    me = str(os.getpid())
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for entry in entries:
        if not entry.isdigit() or int(entry) in own:
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == "Z" and fields[1] == me:
            try:
                os.waitpid(int(entry), os.WNOHANG)
                reaped += 1
            except ChildProcessError:
                pass
    return reaped


class WorkerGroup:
    """The processes of one generation on this node."""

    def __init__(self, command: List[str], envs: List[Dict[str, str]], stop_file: str) -> None:
        self.stop_file = stop_file
        self.stop_requested = False
        self.procs: List[subprocess.Popen] = []
        for env in envs:
            # Own session: a terminal's Ctrl-C or the pod's SIGTERM reaches the
            # agent only; the agent decides how the workers stop.
            self.procs.append(subprocess.Popen(command, env=env, start_new_session=True))

    def pids(self) -> List[int]:
        return [p.pid for p in self.procs]

    def poll(self) -> List[Optional[int]]:
        """Exit codes so far (None: still running)."""
        return [None if p.poll() is None else exit_code(p.returncode) for p in self.procs]

    def request_stop(self) -> None:
        """Asks the workers to checkpoint and exit at their next step."""
        if not self.stop_requested:
            self.stop_requested = True
            with open(self.stop_file, "w") as out:
                out.write(str(time.time()))

    def stop(
        self, timeout_s: float, poll_s: float = 0.1, cap: Callable[[], Optional[float]] = lambda: None
    ) -> List[int]:
        """Requests a stop, waits up to timeout_s, then SIGTERM (3 s), then SIGKILL.

        cap() may return an earlier absolute deadline (monotonic) while waiting:
        a SIGTERM arriving during a resize shortens the wait to the grace period."""
        self.request_stop()
        deadline = time.monotonic() + timeout_s
        while None in self.poll():
            limit = cap()
            if time.monotonic() >= (deadline if limit is None else min(deadline, limit)):
                break
            time.sleep(poll_s)
        for sig, wait_s in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 5.0)):
            if None not in self.poll():
                break
            for proc in self.procs:
                if proc.poll() is None:
                    try:
                        os.killpg(proc.pid, sig)
                    except ProcessLookupError:
                        pass
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline and None in self.poll():
                time.sleep(poll_s)
        return [code for code in self.poll()]  # type: ignore[misc]

    def kill(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for proc in self.procs:
            proc.wait()
