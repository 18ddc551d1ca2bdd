"""The agent's configuration: the LATTICE_* environment the operator sets.

Every variable, its default and meaning is listed in docs/design/agent.md.
Bad values raise ConfigError naming the variable; the agent prints it and
exits 2 before starting anything.
"""

from __future__ import annotations

import dataclasses
import socket
from typing import List, Mapping, Optional

SUPPORTED_FRAMEWORKS = ("pytorch",)


class ConfigError(ValueError):
    """An environment variable has a value the agent cannot use."""


@dataclasses.dataclass
class AgentConfig:
    job_name: str
    job_namespace: str
    framework: str
    rdzv_endpoint: str
    pod_name: str
    advertise_addr: str
    worker_index: int
    nproc_per_node: int
    min_size: int
    max_size: int
    max_restarts: int
    checkpoint_dir: Optional[str]
    heartbeat_s: float
    stop_timeout_s: float
    termination_grace_s: float
    rdzv_timeout_s: float
    command: List[str]
    # The port serving GET /throughput and /healthz (0: no server).
    status_port: int = 29410
    throughput_warmup_s: float = 30.0
    throughput_window_s: float = 120.0


def _int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"invalid value {raw!r} for {name}: expected an integer >= {minimum}") from None
    if value < minimum:
        raise ConfigError(f"invalid value {raw!r} for {name}: expected an integer >= {minimum}")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"invalid value {raw!r} for {name}: expected seconds (e.g. 2 or 0.5)") from None
    if value <= 0:
        raise ConfigError(f"invalid value {raw!r} for {name}: expected a positive number of seconds")
    return value


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default, 0)
    if value > 65535:
        raise ConfigError(f"invalid value {value!r} for {name}: expected a port (0 disables)")
    return value


def _gpu_count(env: Mapping[str, str]) -> int:
    """GPUs visible to this container, as the NVIDIA runtime announces them; at least 1."""
    for name in ("CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES"):
        raw = env.get(name, "").strip()
        if raw and raw not in ("all", "none", "void", "NoDevFiles"):
            return max(1, len([d for d in raw.split(",") if d.strip()]))
    return 1


def _endpoint(raw: str) -> str:
    if not raw:
        raise ConfigError("LATTICE_RDZV_ENDPOINT is not set: expected host:port of the job's rendezvous")
    url = raw if "://" in raw else f"http://{raw}"
    host_port = url.split("://", 1)[1].rstrip("/")
    host, _, port = host_port.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"invalid value {raw!r} for LATTICE_RDZV_ENDPOINT: expected host:port")
    return url.rstrip("/")


def load(env: Mapping[str, str], command: List[str]) -> AgentConfig:
    """Builds the configuration from an environment and the wrapped command."""
    if not command:
        raise ConfigError("no command to run: usage is python -m lattice.agent -- <command...>")
    framework = env.get("LATTICE_FRAMEWORK", "") or "pytorch"
    if framework.lower() not in SUPPORTED_FRAMEWORKS:
        raise ConfigError(
            f"LATTICE_FRAMEWORK={framework!r} is not supported by this agent yet; "
            f"supported: {', '.join(SUPPORTED_FRAMEWORKS)}"
        )
    min_size = _int(env, "LATTICE_MIN_SIZE", 1, 1)
    max_size = _int(env, "LATTICE_MAX_SIZE", max(min_size, 1), 1)
    if max_size < min_size:
        raise ConfigError(f"LATTICE_MAX_SIZE={max_size} is below LATTICE_MIN_SIZE={min_size}")
    nproc_raw = env.get("LATTICE_NPROC_PER_NODE", "") or "auto"
    nproc = _gpu_count(env) if nproc_raw == "auto" else _int(env, "LATTICE_NPROC_PER_NODE", 1, 1)
    pod_name = env.get("LATTICE_POD_NAME", "") or socket.gethostname()
    addr = env.get("LATTICE_ADVERTISE_ADDR", "") or env.get("LATTICE_POD_IP", "") or socket.getfqdn()
    return AgentConfig(
        job_name=env.get("LATTICE_JOB_NAME", "") or "job",
        job_namespace=env.get("LATTICE_JOB_NAMESPACE", "") or "default",
        framework=framework.lower(),
        rdzv_endpoint=_endpoint(env.get("LATTICE_RDZV_ENDPOINT", "")),
        pod_name=pod_name,
        advertise_addr=addr,
        worker_index=_int(env, "LATTICE_WORKER_INDEX", 0, 0),
        nproc_per_node=nproc,
        min_size=min_size,
        max_size=max_size,
        max_restarts=_int(env, "LATTICE_MAX_RESTARTS", 3, 0),
        checkpoint_dir=env.get("LATTICE_CHECKPOINT_DIR") or None,
        heartbeat_s=_seconds(env, "LATTICE_HEARTBEAT_SECONDS", 2.0),
        stop_timeout_s=_seconds(env, "LATTICE_STOP_TIMEOUT_SECONDS", 60.0),
        termination_grace_s=_seconds(env, "LATTICE_TERMINATION_GRACE_SECONDS", 25.0),
        rdzv_timeout_s=_seconds(env, "LATTICE_RDZV_TIMEOUT_SECONDS", 600.0),
        command=list(command),
        status_port=_port(env, "LATTICE_AGENT_STATUS_PORT", 29410),
        throughput_warmup_s=_seconds(env, "LATTICE_THROUGHPUT_WARMUP_SECONDS", 30.0),
        throughput_window_s=_seconds(env, "LATTICE_THROUGHPUT_WINDOW_SECONDS", 120.0),
    )
