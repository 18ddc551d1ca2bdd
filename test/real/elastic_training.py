"""A real elastic PyTorch job on the real node (test real.elastic_training).

    elastic_training.py OPERATOR_IMAGE TRAINING_IMAGE

The chart's operator (a pod on real-0) runs a TrainingJob with
`injectLattice: true`, the training image and examples/train_elastic.py,
minSize MIN, maxSize MAX, pinned to real-0 (GPUS nvidia.com/gpu):
  1. it grows to MAX;
  2. a job of higher priority asking GPUS - MIN workers arrives: the elastic
     job shrinks to MIN; that job ends (its pods exit 0) and the elastic job
     grows back to MAX;
  3. worker 0 (rank 0, the master) is deleted, as an eviction would: the
     others re-form without it, the operator recreates it, it rejoins;
  4. the job reaches Completed.
Checked from the script's own record (hostPath volume shared by the pods,
the same files the agent's end-to-end test reads) and from `kubectl logs`
of every worker pod: the loss falls across every resize, every sample of
every epoch is trained exactly once, every SIGTERMed worker checkpointed
before it exited. (The loss falls within every generation that trained 10
steps or more; one of a few steps may move it within 5%.) Figures per resize go to LATTICE_REAL_RESULTS.

Parameters (environment, defaults in brackets): LATTICE_REAL_MIN [1],
LATTICE_REAL_MAX [3], LATTICE_REAL_EPOCHS [60], LATTICE_REAL_SAMPLES [600],
LATTICE_REAL_BATCH [8], LATTICE_REAL_STEP_DELAY [seconds of sleep per step:
0.1 at the other defaults, scaled so the job's training time stays about
the same for other sizes],
LATTICE_REAL_HP_SECONDS [45: how long the high-priority job holds the GPUs],
LATTICE_REAL_KILL_WORKER0 [1], LATTICE_REAL_RESCALE_INTERVAL [10s: the
operator's --rescale-interval], LATTICE_REAL_RESTART_COST [2s: the operator's
--restart-cost, which the gain rule weighs a growth against; short, as the
job is], LATTICE_REAL_TIMEOUT [1800 s].
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import realtest as rt
from realtest import expect, kubectl, kubectl_json, log

NS = "real-elastic"
JOB = "elastic"
HP_JOB = "urgent"


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


MIN = env_int("LATTICE_REAL_MIN", 1)
MAX = env_int("LATTICE_REAL_MAX", 3)
EPOCHS = env_int("LATTICE_REAL_EPOCHS", 60)
SAMPLES = env_int("LATTICE_REAL_SAMPLES", 600)
BATCH = env_int("LATTICE_REAL_BATCH", 8)


def default_step_delay() -> float:
    """0.1 s at the defaults (a 6-minute run); scaled with the job's work so
    that other sizes still train long enough for the scenario's resizes:
    more samples or epochs make steps shorter, more workers longer."""
    work = EPOCHS * SAMPLES / BATCH / ((MIN + MAX) / 2)
    return round(min(2.0, max(0.02, 0.1 * (60 * 600 / 8 / 2) / work)), 3)


STEP_DELAY = float(os.environ.get("LATTICE_REAL_STEP_DELAY") or default_step_delay())
HP_SECONDS = env_int("LATTICE_REAL_HP_SECONDS", 45)
KILL_WORKER0 = os.environ.get("LATTICE_REAL_KILL_WORKER0", "1") == "1"
RESCALE_INTERVAL = os.environ.get("LATTICE_REAL_RESCALE_INTERVAL", "10s")
RESTART_COST = os.environ.get("LATTICE_REAL_RESTART_COST", "2s")
TIMEOUT = env_int("LATTICE_REAL_TIMEOUT", 1800)
SHARED = os.path.join(rt.CLUSTER_DIR, "realnode", "shared", JOB)
LOGS = os.path.join(SHARED, "log")


def worker_template(image: str, command: list[str], grace: int) -> dict:
    return {
        "spec": {
            **rt.PLACEMENT,
            "terminationGracePeriodSeconds": grace,
            "volumes": [{"name": "shared", "hostPath": {"path": SHARED, "type": "DirectoryOrCreate"}}],
            "containers": [
                {
                    "name": "trainingjob",
                    "image": image,
                    "imagePullPolicy": "IfNotPresent",
                    "command": command[:1],
                    "args": command[1:],
                    "env": [
                        {"name": "LATTICE_CHECKPOINT_DIR", "value": "/shared/checkpoint"},
                        {"name": "LATTICE_EXAMPLE_LOG_DIR", "value": "/shared/log"},
                    ],
                    "volumeMounts": [{"name": "shared", "mountPath": "/shared"}],
                    "resources": {
                        "requests": {"cpu": "100m", "memory": "600Mi", "nvidia.com/gpu": "1"},
                        "limits": {"nvidia.com/gpu": "1"},
                    },
                }
            ],
        }
    }


def elastic_job(image: str) -> dict:
    command = [
        "python3", "-u", "/opt/lattice/examples/train_elastic.py",
        "--epochs", str(EPOCHS), "--samples", str(SAMPLES), "--batch-size", str(BATCH),
        "--step-delay", str(STEP_DELAY),
    ]  # fmt: skip
    return rt.training_job(JOB, NS, (MIN, MAX), worker_template(image, command, 30), **rt.injected_pytorch())


def urgent_job(image: str, size: int) -> dict:
    template = worker_template(image, ["python3", "-c", f"import time; time.sleep({HP_SECONDS})"], 2)
    template["spec"]["containers"][0]["env"] = []
    template["spec"]["containers"][0]["volumeMounts"] = []
    template["spec"]["volumes"] = []
    return rt.training_job(HP_JOB, NS, (size, size), template, priority=10)


class Watcher:
    """Follows the job: currentSize changes (the autoscaler's decisions, with
    the time they were seen) and `kubectl logs -f` of every worker pod."""

    def __init__(self, out_dir: str):
        self.out_dir = out_dir
        self.sizes: list[tuple[float, int]] = []
        self.followed: dict[str, subprocess.Popen] = {}
        self.deleted: dict[str, float] = {}

    def poll(self) -> dict:
        job = kubectl_json("get", "trainingjob", "-n", NS, JOB)
        size = job.get("status", {}).get("currentSize")
        if size is not None and (not self.sizes or self.sizes[-1][1] != size):
            self.sizes.append((time.time(), size))
            log(f"decision: currentSize {size} (stage {job['status'].get('stage')})")
        for pod in rt.pods(NS, f"breezeml.ai/job-name={JOB},breezeml.ai/role!=rendezvous"):
            key = f"{pod['metadata']['name']}-{pod['metadata']['uid'][:8]}"
            if key not in self.followed and pod["status"].get("phase") in ("Running", "Succeeded", "Failed"):
                out = open(os.path.join(self.out_dir, key + ".log"), "w")
                self.followed[key] = subprocess.Popen(
                    ["kubectl", "logs", "-f", "-n", NS, pod["metadata"]["name"], "-c", "trainingjob"],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            if pod["metadata"].get("deletionTimestamp") and key not in self.deleted:
                self.deleted[key] = time.time()
        return job

    def close(self) -> None:
        for proc in self.followed.values():
            if proc.poll() is None:
                proc.terminate()

    def log_of(self, key: str) -> str:
        with open(os.path.join(self.out_dir, key + ".log")) as f:
            return f.read()


def events() -> list[dict]:
    return rt.read_jsonl(os.path.join(LOGS, "events.jsonl"))


def steps(generation: int | None = None) -> list[dict]:
    out = []
    for name in sorted(os.listdir(LOGS)) if os.path.isdir(LOGS) else []:
        if name.startswith("steps-rank") and (generation is None or name.endswith(f"-gen{generation}.jsonl")):
            out += [
                dict(r, rank=int(name.split("rank")[1].split("-")[0]))
                for r in rt.read_jsonl(os.path.join(LOGS, name))
            ]
    return out


def started_after(t: float, world_size: int) -> dict | None:
    for e in events():
        if e["event"] == "start" and e["world_size"] == world_size and e["t"] >= t:
            return e
    return None


def wait_training(watcher: Watcher, what: str, condition, timeout: float = 600):
    def check():
        job = watcher.poll()
        stage = job.get("status", {}).get("stage")
        if stage in ("Completed", "Failed") and what != "completion":
            raise rt.Failure(
                f"the job reached {stage} while waiting for {what}: raise LATTICE_REAL_EPOCHS "
                "or LATTICE_REAL_STEP_DELAY so training outlasts the scenario"
            )
        return condition()

    return rt.wait_for(what, check, timeout, 0.5)


def steps_at(generation: int) -> int:
    return len([s for s in steps(generation) if s["rank"] == 0])


def scenario() -> None:
    operator_image, training_image = sys.argv[1], sys.argv[2]
    gpus = int(kubectl("get", "node", rt.REAL_NODE, "-o", "jsonpath={.status.allocatable.nvidia\\.com/gpu}"))
    hp_size = gpus - MIN
    if not (1 <= MIN < MAX <= gpus and hp_size >= 1):
        raise rt.Failure(f"need 1 <= MIN ({MIN}) < MAX ({MAX}) <= GPUs of {rt.REAL_NODE} ({gpus})")
    log(
        f"job {MIN}..{MAX} workers, {EPOCHS} epochs x {SAMPLES} samples, batch {BATCH}/rank, "
        f"{STEP_DELAY}s sleep/step; high-priority job of {hp_size} for {HP_SECONDS}s; node has {gpus} GPUs"
    )
    results_dir = os.environ.get("LATTICE_REAL_RESULTS", "/tmp/lattice-real-results")
    pod_logs = os.path.join(results_dir, "elastic-pod-logs")
    shutil.rmtree(pod_logs, ignore_errors=True)
    os.makedirs(pod_logs)

    kubectl("delete", "namespace", NS, "--wait=true", "--timeout=180s", check=False)
    shutil.rmtree(SHARED, ignore_errors=True)
    os.makedirs(LOGS)
    os.makedirs(os.path.join(SHARED, "checkpoint"))
    rt.helm_install(
        operator_image,
        extra_args=[f"--rescale-interval={RESCALE_INTERVAL}", f"--restart-cost={RESTART_COST}"],
    )
    rt.wait_operator_ready(1)
    kubectl("create", "namespace", NS)
    rt.wait_for("ServiceAccount default", lambda: kubectl("get", "sa", "default", "-n", NS, check=False), 60)

    watcher = Watcher(pod_logs)
    marks: dict[str, float] = {}
    try:
        marks["submitted"] = time.time()
        rt.apply([elastic_job(training_image)])
        first = wait_training(watcher, f"training at world size {MAX}", lambda: started_after(0, MAX), 900)
        marks["grown"] = first["t"]
        wait_training(watcher, "10 steps at full size", lambda: steps_at(first["generation"]) >= 10)

        marks["urgent"] = time.time()
        rt.apply([urgent_job(training_image, hp_size)])
        shrunk = wait_training(
            watcher, f"training at world size {MIN}", lambda: started_after(marks["urgent"], MIN)
        )
        log(f"shrunk to {MIN} (generation {shrunk['generation']}) for the high-priority job")
        wait_training(
            watcher,
            "the high-priority job to complete",
            lambda: (
                kubectl("get", "trainingjob", "-n", NS, HP_JOB, "-o", "jsonpath={.status.stage}")
                == "Completed"
            ),
            HP_SECONDS + 300,
        )
        marks["urgent_done"] = time.time()
        regrown = wait_training(
            watcher, f"training at world size {MAX} again", lambda: started_after(marks["urgent_done"], MAX)
        )
        log(f"grew back to {MAX} (generation {regrown['generation']})")

        if KILL_WORKER0:
            wait_training(
                watcher, "10 steps after growing back", lambda: steps_at(regrown["generation"]) >= 10
            )
            marks["worker0_deleted"] = time.time()
            kubectl("delete", "pod", "-n", NS, f"{JOB}-worker-0", "--wait=false")
            rejoined = wait_training(
                watcher,
                "worker 0 back in the group",
                lambda: started_after(marks["worker0_deleted"] + 1, MAX),
            )
            log(
                f"worker 0 deleted and recreated: training at {MAX} again (generation {rejoined['generation']})"
            )

        wait_training(
            watcher,
            "completion",
            lambda: (
                kubectl("get", "trainingjob", "-n", NS, JOB, "-o", "jsonpath={.status.stage}") == "Completed"
            ),
            TIMEOUT,
        )
        marks["completed"] = time.time()
        time.sleep(3)  # the last log lines of the followed pods
    finally:
        watcher.close()
    verify(watcher, marks, results_dir)


def verify(watcher: Watcher, marks: dict, results_dir: str) -> None:
    evs = events()
    starts = [e for e in evs if e["event"] == "start"]
    stops = [e for e in evs if e["event"] == "stop"]
    done = [e for e in evs if e["event"] == "done"]
    sizes = [e["world_size"] for e in starts]
    log(f"generations' world sizes: {sizes}")
    expect(len(done) == 1, "the script finished once (one 'done' record)")
    expect(MAX in sizes and MIN in sizes[sizes.index(MAX) :], f"grew to {MAX}, then shrank to {MIN}")
    i_min = sizes.index(MIN, sizes.index(MAX))
    expect(MAX in sizes[i_min:], f"grew back to {MAX} after the shrink")

    # Restored, not restarted; and the loss falls across every resize.
    expect(
        len(stops) == len(starts) - 1,
        f"every generation but the last stopped with a checkpoint ({len(stops)} stops)",
    )
    for stop, nxt in zip(stops, starts[1:], strict=False):
        expect(
            nxt["restored"] and nxt["step"] == stop["step"],
            f"generation {nxt['generation']} resumed at step {stop['step']}",
        )
        expect(
            abs(nxt["loss"] - stop["loss"]) <= 1e-5 * max(1.0, stop["loss"]),
            "... with the loss it stopped at",
        )
    boundary_losses = [starts[0]["loss"]] + [s["loss"] for s in stops] + [done[0]["loss"]]
    # Within each generation the loss falls; a generation of a few steps (one
    # that ended at once because worker 0 came back) may move it within
    # noise, never back towards where training started.
    ends = stops + done
    for start, end in zip(starts, ends, strict=True):
        trained = end["step"] - start["step"]
        bound = start["loss"] if trained >= 10 else 1.05 * start["loss"]
        expect(
            end["loss"] < bound,
            f"generation {start['generation']} ({trained} steps at size {start['world_size']}): "
            f"loss {start['loss']:.5f} -> {end['loss']:.5f}",
        )
    expect(
        all(b < boundary_losses[0] for b in boundary_losses[1:])
        and all(
            later < earlier for earlier, later in zip(boundary_losses, boundary_losses[2:], strict=False)
        ),
        f"the loss fell across the resizes: {[round(x, 5) for x in boundary_losses]}",
    )
    expect(done[0]["loss"] < 0.25 * starts[0]["loss"], "the final loss is below a quarter of the first")

    # Exactly once: every sample of every epoch, and every global step once.
    all_steps = steps()
    by_epoch: dict[int, list[int]] = {}
    for s in all_steps:
        by_epoch.setdefault(s["epoch"], []).extend(s["samples"])
    expect(sorted(by_epoch) == list(range(EPOCHS)), f"all {EPOCHS} epochs trained")
    bad = [e for e, samples in by_epoch.items() if sorted(samples) != list(range(SAMPLES))]
    expect(not bad, f"every sample of every epoch trained exactly once ({EPOCHS} x {SAMPLES})")
    rank0_steps = sorted(s["step"] for s in all_steps if s["rank"] == 0)
    expect(rank0_steps == list(range(done[0]["step"])), "no global step trained twice")

    # Every SIGTERM led to a checkpoint before the process exited.
    terminated = []
    for key in sorted(watcher.followed):
        text = watcher.log_of(key)
        if "SIGTERM: asking workers to checkpoint" not in text:
            continue
        terminated.append(key)
        # The agent writes the stop file in its signal handler, so the worker's
        # line may come before the agent's own SIGTERM line: what counts is
        # that the last generation's worker checkpointed before the agent left.
        last_generation = text.rsplit("[lattice-agent] generation ", 1)[-1]
        expect(
            "checkpointed at step" in last_generation
            and last_generation.rstrip().endswith("workers stopped after SIGTERM; leaving"),
            f"{key}: SIGTERM -> the worker checkpointed -> the agent left",
        )
    expected = (MAX - MIN) * 1 + (1 if KILL_WORKER0 else 0)
    expect(
        len(terminated) >= expected,
        f"{len(terminated)} SIGTERMed workers (at least {expected}): {terminated}",
    )
    if KILL_WORKER0:
        expect(any(k.startswith(f"{JOB}-worker-0-") for k in terminated), "worker 0 was among the removed")

    results = {
        "parameters": {
            "min": MIN,
            "max": MAX,
            "epochs": EPOCHS,
            "samples": SAMPLES,
            "batch": BATCH,
            "step_delay_s": STEP_DELAY,
            "hp_seconds": HP_SECONDS,
        },
        "world_sizes": sizes,
        "boundary_losses": boundary_losses,
        "total_s": round(marks["completed"] - marks["submitted"], 1),
        "resizes": resize_figures(watcher, marks),
    }
    rt.save_results("elastic_training", results)
    log(f"figures: {json.dumps(results['resizes'], indent=1)}")


def rate(records: list[dict]) -> float | None:
    if len(records) < 3:
        return None
    ts = sorted(r["t"] for r in records)
    return round((len(ts) - 1) / (ts[-1] - ts[0]), 2) if ts[-1] > ts[0] else None


def resize_figures(watcher: Watcher, marks: dict) -> list[dict]:
    """Per change of generation: its cause (the autoscaler's decision as seen
    in status.currentSize, or the deletion of worker 0) -> every rank's first
    step in the new generation; rank 0's steps/s and the job's samples/s in
    the 30 steps before and after; the training time lost (the gap in rank
    0's steps minus one normal step)."""
    starts = [e for e in events() if e["event"] == "start"]
    causes = [(t, f"decision: size {n}") for t, n in watcher.sizes[1:]]
    if "worker0_deleted" in marks:
        causes.append((marks["worker0_deleted"], "worker 0 deleted"))
    out = []
    for prev, cur in zip(starts, starts[1:], strict=False):
        before = sorted((s for s in steps(prev["generation"]) if s["rank"] == 0), key=lambda s: s["t"])
        after_all = steps(cur["generation"])
        after = sorted((s for s in after_all if s["rank"] == 0), key=lambda s: s["t"])
        if not before or not after:
            continue
        # The latest cause before this generation started (a generation that
        # follows an intermediate one, e.g. worker 0 back after its deletion,
        # is measured from the same cause).
        cause = max((c for c in causes if c[0] <= cur["t"]), default=None, key=lambda c: c[0])
        first_per_rank: dict[int, float] = {}
        for s in after_all:
            first_per_rank[s["rank"]] = min(first_per_rank.get(s["rank"], s["t"]), s["t"])
        gaps = [b["t"] - a["t"] for a, b in zip(before, before[1:], strict=False)]
        step_period = statistics.median(gaps) if gaps else 0.0
        before_rate, after_rate = rate(before[-30:]), rate(after[:30])
        out.append(
            {
                "from": prev["world_size"],
                "to": cur["world_size"],
                "cause": cause[1] if cause else "unknown",
                "cause_to_all_training_s": round(max(first_per_rank.values()) - cause[0], 2)
                if cause
                else None,
                "steps_per_s_before": before_rate,
                "steps_per_s_after": after_rate,
                "samples_per_s_before": round(before_rate * BATCH * prev["world_size"], 1)
                if before_rate
                else None,
                "samples_per_s_after": round(after_rate * BATCH * cur["world_size"], 1)
                if after_rate
                else None,
                "training_time_lost_s": round(after[0]["t"] - before[-1]["t"] - step_period, 2),
            }
        )
    decided = sorted(r["cause_to_all_training_s"] for r in out if r["cause"].startswith("decision"))
    if decided:
        log(
            f"decision -> all processes training at the new size: p50 {statistics.median(decided):.2f}s, "
            f"max {max(decided):.2f}s over {len(decided)} resizes"
        )
    return out


if __name__ == "__main__":
    rt.main(scenario)
