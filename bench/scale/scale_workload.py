"""The benchmark's cluster layout and job mix: pure functions of (nodes, jobs, seed, durations), so
the same arguments always give the same nodes, jobs and arrival times.

Node groups (every node 8 GPUs, tainted lattice.dev/bench=true:NoSchedule, labelled
lattice.dev/node-set=<prefix> by scripts/cluster):
  bench-a, bench-b   40% each of the general nodes
  bench-c            the other 20%, also tainted lattice.dev/reserved=training:NoSchedule
  bench-probe        8 nodes (64 GPUs), tainted lattice.dev/bench-probe=true:NoSchedule; only the
                     8- and 64-worker latency probes go there, so a probe always finds free
                     capacity while the rest of the cluster is busy.
"""

import dataclasses
import random

GPUS_PER_NODE = 8
GPU = "nvidia.com/gpu"
NODE_SET_LABEL = "lattice.dev/node-set"
NODE_GROUP_LABEL = "lattice.dev/node-group"
BENCH_TAINT = ("lattice.dev/bench", "true")
RESERVED_TAINT = ("lattice.dev/reserved", "training")
PROBE_TAINT = ("lattice.dev/bench-probe", "true")
PROBE_NODES = 8  # 64 workers x 1 GPU
GENERAL_GROUPS = ("bench-a", "bench-b", "bench-c")
PROBE_GROUP = "bench-probe"
EXIT_AFTER = "lattice.dev/exit-after"


@dataclasses.dataclass(frozen=True)
class NodeGroup:
    name: str
    count: int
    taints: tuple  # ((key, value), ...) beyond the bench taint, all NoSchedule


@dataclasses.dataclass
class JobSpec:
    name: str
    min_size: int
    max_size: int
    gpus: int  # per worker
    priority: int
    duration_s: float  # lattice.dev/exit-after of every worker
    placement: str  # "any" or one of GENERAL_GROUPS, or PROBE_GROUP
    tolerates_reserved: bool
    clean_all: bool  # runPolicy.cleanPodPolicy All (else the default, Running)
    wave: str  # "fill", "arrival" or "probe"
    arrival_s: float = 0.0  # after the start of its wave (fill: 0)

    def groups(self):
        """Node groups the job may use."""
        if self.placement != "any":
            return (self.placement,)
        return GENERAL_GROUPS if self.tolerates_reserved else GENERAL_GROUPS[:2]

    def min_gpus(self):
        return self.min_size * self.gpus


def node_layout(nodes):
    """The node groups of a cluster of `nodes` nodes (at least 12: 8 probe + 4 general)."""
    general = nodes - PROBE_NODES
    if general < 4:
        raise ValueError(f"--nodes must be at least {PROBE_NODES + 4} (got {nodes})")
    a = b = int(round(general * 0.4))
    c = general - a - b
    return [
        NodeGroup("bench-a", a, ()),
        NodeGroup("bench-b", b, ()),
        NodeGroup("bench-c", c, (RESERVED_TAINT,)),
        NodeGroup(PROBE_GROUP, PROBE_NODES, (PROBE_TAINT,)),
    ]


def general_gpus(layout):
    return sum(g.count for g in layout if g.name != PROBE_GROUP) * GPUS_PER_NODE


def _weighted(rng, table):
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights=weights)[0]


SIZES = ((1, 14), (2, 16), (3, 6), (4, 18), (6, 6), (8, 18), (12, 6), (16, 16))
GPUS = ((1, 30), (2, 25), (4, 25), (8, 20))
PRIORITIES = ((0, 40), (1, 30), (2, 20), (3, 10))
PLACEMENTS = (("any", 40), ("bench-a", 20), ("bench-b", 20), ("bench-c", 20))


def _random_job(rng, name, durations, wave):
    max_size = _weighted(rng, SIZES)
    elastic = max_size > 1 and rng.random() < 0.5
    min_size = max(1, max_size // rng.choice((2, 4))) if elastic else max_size
    placement = "any" if wave == "fill" else _weighted(rng, PLACEMENTS)
    tolerates = placement == "bench-c" or (placement == "any" and (wave == "fill" or rng.random() < 0.3))
    return JobSpec(
        name=name,
        min_size=min_size,
        max_size=max_size,
        gpus=_weighted(rng, GPUS),
        priority=_weighted(rng, PRIORITIES),
        duration_s=round(rng.uniform(*durations), 1),
        placement=placement,
        tolerates_reserved=tolerates,
        clean_all=rng.random() < 0.3,
        wave=wave,
    )


def _fit(job, layout):
    """Shrinks a job that could never run (more workers than its node groups hold) to what fits."""
    sizes = {g.name: g.count for g in layout}
    placeable = sum(sizes[g] * (GPUS_PER_NODE // job.gpus) for g in job.groups())
    job.max_size = max(1, min(job.max_size, placeable))
    job.min_size = max(1, min(job.min_size, job.max_size))
    return job


def make_jobs(count, layout, seed, durations, fill_min_duration):
    """`count` jobs: a fill wave (applied at once to the empty cluster: the first jobs whose
    maxSize demand adds up to 1.5x the general GPUs, at most half of all, placeable anywhere, each
    running at least fill_min_duration) then the arrival wave."""
    rng = random.Random(seed)
    capacity = general_gpus(layout)
    jobs, demand = [], 0
    for i in range(count):
        wave = "fill" if demand < 1.5 * capacity and i < max(1, count // 2) else "arrival"
        job = _fit(_random_job(rng, f"job-{i:05d}", durations, wave), layout)
        if wave == "fill":
            job.duration_s = max(job.duration_s, fill_min_duration)
            demand += job.max_size * job.gpus
        jobs.append(job)
    return jobs


def arrival_times(jobs, rate, seed):
    """Poisson arrivals at `rate` jobs/s for the arrival wave (seconds after the wave starts)."""
    rng = random.Random(seed * 7919 + 1)
    t = 0.0
    for job in jobs:
        if job.wave == "arrival":
            t += rng.expovariate(rate) if rate > 0 else 0.0
            job.arrival_s = round(t, 3)
    return jobs


def make_probes(per_size, duration_s):
    """Alternating 8- and 64-worker fixed-size jobs of 1 GPU per worker on the probe group."""
    probes = []
    for i in range(per_size):
        for size in (8, 64):
            probes.append(
                JobSpec(
                    name=f"probe-{size}-{i:03d}",
                    min_size=size,
                    max_size=size,
                    gpus=1,
                    priority=3,
                    duration_s=duration_s,
                    placement=PROBE_GROUP,
                    tolerates_reserved=False,
                    clean_all=False,
                    wave="probe",
                )
            )
    return probes


def training_job(job, namespace, api_group, node_set, run_id):
    """The TrainingJob manifest of `job` (busybox workers that KWOK runs for duration_s)."""
    g = job.gpus
    resources = {GPU: str(g), "cpu": str(2 * g), "memory": f"{16 * g}Gi"}
    container = {
        "name": "worker",
        "image": "busybox:1.36",
        "command": ["sh", "-c", "sleep infinity"],
        "resources": {"requests": resources, "limits": dict(resources)},
    }
    tolerations = [
        {"key": BENCH_TAINT[0], "operator": "Equal", "value": BENCH_TAINT[1], "effect": "NoSchedule"}
    ]
    if job.tolerates_reserved:
        tolerations.append({"key": RESERVED_TAINT[0], "operator": "Exists", "effect": "NoSchedule"})
    if job.placement == PROBE_GROUP:
        tolerations.append({"key": PROBE_TAINT[0], "operator": "Exists", "effect": "NoSchedule"})
    pod_spec = {
        "containers": [container],
        "nodeSelector": {NODE_SET_LABEL: node_set},
        "tolerations": tolerations,
    }
    if job.placement == "any":
        pod_spec["affinity"] = {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {"key": NODE_GROUP_LABEL, "operator": "In", "values": list(job.groups())}
                            ]
                        }
                    ]
                }
            }
        }
    else:
        pod_spec["nodeSelector"][NODE_GROUP_LABEL] = job.placement
    template = {"metadata": {"annotations": {EXIT_AFTER: f"{job.duration_s:g}s"}}, "spec": pod_spec}
    spec = {
        "minSize": job.min_size,
        "maxSize": job.max_size,
        "priority": job.priority,
        "replicaSpecs": {"template": template},
    }
    if job.clean_all:
        spec["runPolicy"] = {"cleanPodPolicy": "All"}
    return {
        "apiVersion": f"{api_group}/v1",
        "kind": "TrainingJob",
        "metadata": {
            "name": job.name,
            "namespace": namespace,
            "labels": {"lattice.dev/bench-run": run_id, "lattice.dev/bench-wave": job.wave},
        },
        "spec": spec,
    }


def plain_pod(index, namespace, node_set, node=None):
    """A pod shaped like a 2-GPU worker: what the API server's pod-create ceiling is measured with.
    Without `node` it is held Pending by a scheduling gate (nothing schedules or runs it); with one it
    is pinned there by required node affinity, as the operator pins its workers, and kube-scheduler
    binds it and kwok runs it like a worker."""
    resources = {GPU: "2", "cpu": "4", "memory": "32Gi"}
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"ceiling-{index:06d}",
            "namespace": namespace,
            "labels": {"lattice.dev/bench-ceiling": "true", "app": "ceiling"},
            "annotations": {EXIT_AFTER: "1s"},
        },
        "spec": {
            "schedulingGates": [{"name": "lattice.dev/bench-ceiling"}],
            "restartPolicy": "Never",
            "containers": [
                {
                    "name": "worker",
                    "image": "busybox:1.36",
                    "command": ["sh", "-c", "sleep infinity"],
                    "env": [{"name": "WORLD_SIZE", "value": "8"}, {"name": "RANK", "value": "0"}],
                    "resources": {"requests": resources, "limits": dict(resources)},
                }
            ],
            "nodeSelector": {NODE_SET_LABEL: node_set},
            "tolerations": [{"key": BENCH_TAINT[0], "operator": "Exists", "effect": "NoSchedule"}],
        },
    }
    if node is not None:
        del pod["spec"]["schedulingGates"]
        pod["metadata"]["annotations"][EXIT_AFTER] = "3600s"  # runs through the measurement
        term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
        pod["spec"]["affinity"] = {
            "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}}
        }
    return pod
