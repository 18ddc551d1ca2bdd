"""The Lattice planner as a policy of the Pollux paper's simulator.

A TiresiasPolicy subclass, so that simulator builds "TunedJobs" (each job
at its trace's tuned batch size, maxSize its tuned GPU count) and hands over
each job's attained service. Every interval it applies the operator's
job-state rules (stage; the workers in force; submitTime as queuedTime;
lastResizeTime set when stage or size changes), writes a snapshot document
(docs/reference/snapshot-format.md) to `lattice-sim plan --stream` and
reads the plan back. With throughput on, each job reports the samples per
second the simulator's model gives it at every size and placement it has
run at.
"""

import json
import subprocess

from tiresias import TiresiasPolicy

BASE = 1767225600  # 2026-01-01T00:00:00Z: the simulator's second 0


class LatticePolicy(TiresiasPolicy):
    def __init__(
        self,
        time_fn,
        binary,
        config=None,
        min_size=1,
        max_factor=1.0,
        fixed=False,
        attained=True,
        throughput=False,
        sort_workers=False,
    ):
        super().__init__(time_fn)
        self.proc = subprocess.Popen(
            [binary, "plan", "--stream"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        self.config = config or {}
        self.min_size = min_size
        self.max_factor = max_factor
        self.fixed = fixed
        self.attained = attained
        self.throughput = throughput
        self.sort_workers = sort_workers
        self.cluster = None  # set by the caller: throughput reports read its jobs
        self.last_resize = {}
        self.rates = {}  # job -> {(workers, nodes): (samples/s, time)}

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()

    def _sizes(self, job):
        tuned = job.max_replicas
        if self.fixed:
            return tuned, tuned
        largest = max(1, int(round(tuned * self.max_factor)))
        return min(self.min_size, largest), largest

    def _record_rates(self, now):
        for job in self.cluster.jobs:
            if not job.placement or job.completion_time is not None:
                continue
            placement = tuple(filter(None, job.placement))
            step, sync = job.application.get_throughput(placement, job.atomic_bsz)
            seconds = step + (step - sync) * job.accum_steps
            batch = job.atomic_bsz * (job.accum_steps + 1) * sum(placement)
            self.rates.setdefault(job.name, {})[(sum(placement), len(placement))] = (batch / seconds, now)

    def _job(self, key, job, workers, node_names):
        lowest, largest = self._sizes(job)
        entry = {
            "name": key,
            "minSize": lowest,
            "maxSize": largest,
            "workerResources": {"nvidia.com/gpu": 1},
            "submitTime": BASE + job.creation_timestamp,
            "stage": "Running" if workers else "Waiting",
            # Jobs run under the Lattice agent: a worker may move.
            "movable": True,
        }
        if workers:
            entry["workers"] = [{"index": i, "node": node_names[n]} for i, n in enumerate(workers)]
        if key in self.last_resize:
            entry["lastResizeTime"] = BASE + self.last_resize[key]
        if self.attained:
            entry["attainedService"] = float(job.attained_service)
        if self.throughput and key in self.rates:
            entry["throughput"] = [
                {"workers": w, "nodes": n, "samplesPerSecond": r, "measuredAt": BASE + t}
                for (w, n), (r, t) in sorted(self.rates[key].items())
            ]
        return entry

    def optimize(self, jobs, nodes, prev_allocations, node_template):
        now = self._time_fn()
        if self.throughput and self.cluster is not None:
            self._record_rates(now)
        node_names = {idx: f"node-{idx:02d}" for idx in nodes}
        by_name = {name: idx for idx, name in node_names.items()}
        doc = {
            "now": BASE + now,
            "config": self.config,
            "nodes": [
                {
                    "name": node_names[idx],
                    "allocatable": {"nvidia.com/gpu": int(n.resources["nvidia.com/gpu"])},
                }
                for idx, n in nodes.items()
            ],
            "jobs": [
                self._job(key, job, prev_allocations.get(key, []), node_names) for key, job in jobs.items()
            ],
        }
        self.proc.stdin.write(json.dumps(doc) + "\n")
        plan = json.loads(self.proc.stdout.readline())
        if "error" in plan:
            raise RuntimeError(plan["error"])
        allocations = {}
        for d in plan["jobs"]:
            key = d["name"]
            old = prev_allocations.get(key, [])
            if d["stage"] == "Running":
                workers = [by_name[w["node"]] for w in sorted(d["workers"], key=lambda w: w["index"])]
                if self.sort_workers and sorted(old) != sorted(workers):
                    workers = sorted(workers)
                elif self.sort_workers:
                    workers = old
                allocations[key] = workers
            if len(allocations.get(key, [])) != len(old):
                self.last_resize[key] = now
        return allocations, len(nodes)
