"""The measured training rate drives an elastic job's size on the real node
(test real.throughput_growth).

    throughput_growth.py OPERATOR_IMAGE TRAINING_IMAGE

The chart's operator (a pod on real-0, short throughput polls) runs two
injected copies of examples/train_elastic.py side by side, minSize 1,
maxSize MAX, pinned to real-0 (GPUS nvidia.com/gpu, GPUS >= 2 x MAX):
"linear" sleeps --step-delay per step, so its samples/s rises with its
size; "flat" sleeps --step-delay x world size (--step-delay-scales-with-world),
so its samples/s stays the same at any size. The agents measure with a short
warm-up and window (LATTICE_THROUGHPUT_WARMUP_SECONDS/_WINDOW_SECONDS).
  1. Both are admitted at MAX (no reports yet: planned as linear); each one's
     rate at MAX shows in status.throughput (workers MAX, nodes 1) within
     FIRST_REPORT_LIMIT seconds of its workers starting.
  2. A job of higher priority asking GPUS - 2 workers shrinks both to 1;
     their rates at 1 show. The rates are checked to scale as their step
     delays say (linear: x >= 1.5 at MAX; flat: x <= 1.25).
  3. That job ends (its pods exit 0 once released): "linear" grows back to
     MAX; "flat" is not grown into the GPUS - MAX - 1 GPUs left free for
     HOLD seconds, and the operator's inspection of it (GET
     /debug/jobs/<ns>/flat on its debug port, opened on the pod's address
     for this test) holds its samples at 1 and MAX workers and the
     planner's reason "its throughput reports show no speed-up worth a
     worker past 1", and its status.reason says NoSpeedup before the HOLD
     seconds end (a new reason word is written within seconds).
The operator's reports are all it has to tell the two apart: with
--use-throughput=false (LATTICE_REAL_OPERATOR_ARGS) "flat" grows too and the
scenario fails at step 3. Figures (time to the first report, the rates at
each size, the decisions) go to LATTICE_REAL_RESULTS/throughput_growth.json.

Parameters (environment, defaults in brackets): LATTICE_REAL_TPUT_MAX [2],
LATTICE_REAL_TPUT_STEP_DELAY [0.25 s of sleep per step], LATTICE_REAL_BATCH
[8 per rank], LATTICE_REAL_TPUT_WARMUP [10 s], LATTICE_REAL_TPUT_WINDOW
[30 s], LATTICE_REAL_TPUT_POLL [5s: --throughput-poll-interval],
LATTICE_REAL_TPUT_HOLD [60 s the flat job must stay at 1],
LATTICE_REAL_RESCALE_INTERVAL [10s], LATTICE_REAL_RESTART_COST [2s],
LATTICE_REAL_OPERATOR_ARGS [none: more operator flags, space-separated].
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import urllib.request

import realtest as rt
from realtest import expect, kubectl, kubectl_json, log

NS = "real-throughput"
LINEAR = "linear"
FLAT = "flat"
HP_JOB = "urgent"

MAX = int(os.environ.get("LATTICE_REAL_TPUT_MAX", 2))
STEP_DELAY = float(os.environ.get("LATTICE_REAL_TPUT_STEP_DELAY", 0.25))
BATCH = int(os.environ.get("LATTICE_REAL_BATCH", 8))
WARMUP = int(os.environ.get("LATTICE_REAL_TPUT_WARMUP", 10))
WINDOW = int(os.environ.get("LATTICE_REAL_TPUT_WINDOW", 30))
POLL = os.environ.get("LATTICE_REAL_TPUT_POLL", "5s")
HOLD = int(os.environ.get("LATTICE_REAL_TPUT_HOLD", 60))
RESCALE_INTERVAL = os.environ.get("LATTICE_REAL_RESCALE_INTERVAL", "10s")
RESTART_COST = os.environ.get("LATTICE_REAL_RESTART_COST", "2s")
OPERATOR_ARGS = os.environ.get("LATTICE_REAL_OPERATOR_ARGS", "").split()
# The agent's first rate: the warm-up, then min(10 s, window/2) of points;
# then the operator's next poll, the status write, and the pods' start-up
# spread (the rate is the job's, so every worker must be training).
FIRST_REPORT_LIMIT = WARMUP + min(10, WINDOW / 2) + 45
SHARED = os.path.join(rt.CLUSTER_DIR, "realnode", "shared", "throughput")


def shared_dir(job: str) -> str:
    return os.path.join(SHARED, job)


def worker_template(image: str, command: list[str], job: str, env: list[dict]) -> dict:
    return {
        "spec": {
            **rt.PLACEMENT,
            "terminationGracePeriodSeconds": 30,
            "volumes": [
                {"name": "shared", "hostPath": {"path": shared_dir(job), "type": "DirectoryOrCreate"}}
            ],
            "containers": [
                {
                    "name": "trainingjob",
                    "image": image,
                    "imagePullPolicy": "IfNotPresent",
                    "command": command[:1],
                    "args": command[1:],
                    "env": env,
                    "volumeMounts": [{"name": "shared", "mountPath": "/shared"}],
                    "resources": {
                        "requests": {"cpu": "100m", "memory": "600Mi", "nvidia.com/gpu": "1"},
                        "limits": {"nvidia.com/gpu": "1"},
                    },
                }
            ],
        }
    }


def training_job(image: str, name: str, flat: bool) -> dict:
    command = [
        "python3", "-u", "/opt/lattice/examples/train_elastic.py",
        "--epochs", "100000", "--batch-size", str(BATCH), "--step-delay", str(STEP_DELAY),
    ]  # fmt: skip
    if flat:
        command.append("--step-delay-scales-with-world")
    env = [
        {"name": "LATTICE_CHECKPOINT_DIR", "value": "/shared/checkpoint"},
        {"name": "LATTICE_EXAMPLE_LOG_DIR", "value": "/shared/log"},
        {"name": "LATTICE_THROUGHPUT_WARMUP_SECONDS", "value": str(WARMUP)},
        {"name": "LATTICE_THROUGHPUT_WINDOW_SECONDS", "value": str(WINDOW)},
    ]
    template = worker_template(image, command, name, env)
    return rt.training_job(name, NS, (1, MAX), template, **rt.injected_pytorch())


def urgent_job(image: str, size: int) -> dict:
    """Holds its GPUs until the file `release` appears in its shared
    directory, then its pods exit 0 (the job Completes)."""
    wait = "import os, time\nwhile not os.path.exists('/shared/release'):\n    time.sleep(0.5)\n"
    template = worker_template(image, ["python3", "-c", wait], HP_JOB, [])
    template["spec"]["terminationGracePeriodSeconds"] = 2
    return rt.training_job(HP_JOB, NS, (size, size), template, priority=10)


def starts(job: str) -> list[dict]:
    """The job's generation starts (rank 0's 'start' records)."""
    return [
        e
        for e in rt.read_jsonl(os.path.join(shared_dir(job), "log", "events.jsonl"))
        if e["event"] == "start"
    ]


def step_rate(job: str, generation: int, world_size: int) -> float | None:
    """samples/s from rank 0's own step log of a generation (every rank
    trains BATCH samples a step), after the agent's warm-up: a check of
    the agent's figure from the other end."""
    path = os.path.join(shared_dir(job), "log", f"steps-rank0-gen{generation}.jsonl")
    ts = sorted(r["t"] for r in rt.read_jsonl(path))
    if len(ts) < 10:
        return None
    ts = [t for t in ts if t >= ts[0] + WARMUP] or ts
    if len(ts) < 5 or ts[-1] <= ts[0]:
        return None
    return round((len(ts) - 1) * BATCH * world_size / (ts[-1] - ts[0]), 2)


class Jobs:
    """Polls both jobs: currentSize changes (the decisions, with the time
    they were seen) and the status.throughput each showed."""

    def __init__(self):
        self.decisions: list[dict] = []
        self.sizes: dict[str, int] = {}
        self.status: dict[str, dict] = {}
        self.reports: list[dict] = []

    def poll(self) -> dict[str, dict]:
        items = kubectl_json("get", "trainingjobs", "-n", NS)["items"]
        now = time.time()
        for item in items:
            name = item["metadata"]["name"]
            status = item.get("status", {})
            self.status[name] = status
            size = status.get("currentSize")
            if size is not None and self.sizes.get(name) != size:
                self.sizes[name] = size
                self.decisions.append({"t": now, "job": name, "size": size, "stage": status.get("stage")})
                log(f"decision: {name} currentSize {size} (stage {status.get('stage')})")
            tput = status.get("throughput")
            if tput and name != HP_JOB:
                last = next((r for r in reversed(self.reports) if r["job"] == name), None)
                if not last or (last["workers"], last["samplesPerSecond"]) != (
                    tput.get("workers"),
                    tput.get("samplesPerSecond"),
                ):
                    self.reports.append({"t": now, "job": name, **tput})
                    log(f"status.throughput of {name}: {json.dumps(tput)}")
        return self.status

    def size(self, name: str) -> int | None:
        return self.status.get(name, {}).get("currentSize")

    def throughput_at(self, name: str, workers: int) -> dict | None:
        t = self.status.get(name, {}).get("throughput") or {}
        return t if t.get("workers") == workers and self.size(name) == workers else None


def gpus_used_on_node() -> int:
    used = 0
    for pod in kubectl_json("get", "pods", "-A", "--field-selector", f"spec.nodeName={rt.REAL_NODE}")[
        "items"
    ]:
        if pod["status"].get("phase") in ("Succeeded", "Failed"):
            continue
        for c in pod["spec"]["containers"]:
            used += int(c.get("resources", {}).get("requests", {}).get("nvidia.com/gpu", 0))
    return used


def wait_reports(jobs: Jobs, names: tuple[str, ...], workers: int, since: float) -> dict[str, dict]:
    """Waits for each job's rate at `workers` in its status, from a
    generation started after `since`; returns, per job, the report with the
    seconds from that generation's start to the poll that first saw it."""

    def generation(name):
        gens = [s for s in starts(name) if s["world_size"] == workers and s["t"] >= since]
        return gens[-1] if gens else None

    def shown():
        jobs.poll()
        return all(jobs.throughput_at(name, workers) and generation(name) for name in names)

    rt.wait_for(f"the rates of {', '.join(names)} at {workers} workers in their status", shown, 300, 1)
    out = {}
    for name in names:
        t, gen = jobs.throughput_at(name, workers), generation(name)
        sightings = [
            r["t"] for r in jobs.reports if r["job"] == name and r["workers"] == workers and r["t"] >= since
        ]
        seen = min(sightings, default=time.time())
        # Negative when a rate kept from an earlier run at this size shows
        # before the new generation starts training (after growing back).
        after = round(seen - gen["t"], 1)
        log(
            f"{name}: first status.throughput at {workers} workers {after}s after its generation started: {t}"
        )
        expect(t.get("samplesPerSecond", 0) > 0, f"{name}: samplesPerSecond > 0 at {workers} workers")
        expect(t.get("nodes") == 1, f"{name}: nodes = 1 (all on {rt.REAL_NODE})")
        expect(
            after <= FIRST_REPORT_LIMIT,
            f"{name}: the rate showed {after}s after its workers started (limit {FIRST_REPORT_LIMIT:.0f}s)",
        )
        out[name] = {
            "workers": workers,
            "samplesPerSecond": t["samplesPerSecond"],
            "nodes": t["nodes"],
            "seconds_after_start": after,
            "seconds_after_cause": round(seen - since, 1),
            "generation": gen["generation"],
            "step_log_samples_per_s": step_rate(name, gen["generation"], workers),
        }
    return out


DEBUG_PORT = 8082


def inspect(path: str) -> dict:
    """The operator's debug port (actor inspection, listening on the pod's
    address for this test): GET /debug/<path>."""
    pod = next(p for p in rt.operator_pods() if rt.is_ready(p))
    url = f"http://{pod['status']['podIP']}:{DEBUG_PORT}/debug/{path}"
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def job_inspection(name: str) -> dict:
    """What the job actor holds of the job: the planner's reason and the
    throughput samples it gives the planner."""
    doc = inspect(f"jobs/{NS}/{name}")
    return {k: doc.get(k) for k in ("plannerReason", "throughput", "throughputNote")}


def diagnostics() -> None:
    for args in (
        ["get", "trainingjobs", "-n", NS, "-o", "wide"],
        ["get", "pods", "-n", NS, "-o", "wide"],
        ["get", "events", "-n", NS, "--sort-by=.lastTimestamp"],
    ):
        print(kubectl(*args, check=False), file=sys.stderr)
    for name in (LINEAR, FLAT):
        status = kubectl("get", "trainingjob", "-n", NS, name, "-o", "jsonpath={.status}", check=False)
        print(f"--- status of {name}: {status}", file=sys.stderr)
    for name in (LINEAR, FLAT):
        try:
            print(f"--- /debug/jobs/{NS}/{name}: {json.dumps(job_inspection(name))}", file=sys.stderr)
        except (OSError, ValueError, StopIteration) as e:
            print(f"--- /debug/jobs/{NS}/{name}: {e}", file=sys.stderr)
    logs = kubectl("logs", "-n", rt.NAMESPACE, "deployment/lattice-operator", "--tail=400", check=False)
    lines = [line for line in logs.splitlines() if "throughput" in line or "plan" in line]
    print("--- operator log (throughput, plan):\n" + "\n".join(lines[-60:]), file=sys.stderr)


def scenario() -> None:
    operator_image, training_image = sys.argv[1], sys.argv[2]
    gpus = int(kubectl("get", "node", rt.REAL_NODE, "-o", "jsonpath={.status.allocatable.nvidia\\.com/gpu}"))
    hp_size = gpus - 2
    if not (2 <= MAX and 2 * MAX <= gpus):
        raise rt.Failure(f"need 2 <= MAX ({MAX}) and 2 x MAX <= GPUs of {rt.REAL_NODE} ({gpus})")
    log(
        f"jobs {LINEAR} and {FLAT}, 1..{MAX} workers, batch {BATCH}/rank, {STEP_DELAY}s sleep/step "
        f"({FLAT}: x world size); agent warm-up {WARMUP}s, window {WINDOW}s; poll {POLL}; "
        f"high-priority job of {hp_size}; node has {gpus} GPUs"
    )
    kubectl("delete", "namespace", NS, "--wait=true", "--timeout=180s", check=False)
    shutil.rmtree(SHARED, ignore_errors=True)
    for job in (LINEAR, FLAT, HP_JOB):
        os.makedirs(os.path.join(shared_dir(job), "log"))
        os.makedirs(os.path.join(shared_dir(job), "checkpoint"))
    operator_args = [
        f"--rescale-interval={RESCALE_INTERVAL}",
        f"--restart-cost={RESTART_COST}",
        f"--throughput-poll-interval={POLL}",
        "--debug-address=0.0.0.0",
        f"--debug-port={DEBUG_PORT}",
        *OPERATOR_ARGS,
    ]
    log(f"operator flags: {' '.join(operator_args)}")
    rt.helm_uninstall()  # a fresh operator pod: the image may be new under the same tag
    rt.helm_install(operator_image, extra_args=operator_args)
    rt.wait_operator_ready(1)
    kubectl("create", "namespace", NS)
    rt.wait_for("ServiceAccount default", lambda: kubectl("get", "sa", "default", "-n", NS, check=False), 60)

    jobs = Jobs()
    marks: dict[str, float] = {}
    rates: dict[str, list[dict]] = {LINEAR: [], FLAT: []}
    try:
        marks["submitted"] = time.time()
        rt.apply([training_job(training_image, LINEAR, False), training_job(training_image, FLAT, True)])
        for name, report in wait_reports(jobs, (LINEAR, FLAT), MAX, marks["submitted"]).items():
            rates[name].append(report)

        marks["urgent"] = time.time()
        rt.apply([urgent_job(training_image, hp_size)])
        for name, report in wait_reports(jobs, (LINEAR, FLAT), 1, marks["urgent"]).items():
            rates[name].append(report)
        for name, lo, hi in ((LINEAR, 1.5, None), (FLAT, None, 1.25)):
            at_max, at_one = rates[name][0]["samplesPerSecond"], rates[name][1]["samplesPerSecond"]
            ratio = at_max / at_one
            ok = (lo is None or ratio >= lo) and (hi is None or ratio <= hi)
            expect(
                ok,
                f"{name}: {at_max} samples/s at {MAX} workers, {at_one} at 1 (x{ratio:.2f}; "
                f"{'at least ' + str(lo) if lo else 'at most ' + str(hi)})",
            )

        # The high-priority job ends; its GPUs are free.
        with open(os.path.join(shared_dir(HP_JOB), "release"), "w"):
            pass
        rt.wait_for(
            "the high-priority job to complete",
            lambda: jobs.poll().get(HP_JOB, {}).get("stage") == "Completed",
            120,
            1,
        )
        marks["urgent_done"] = time.time()

        def flat_still_at_one() -> None:
            size = jobs.size(FLAT)
            if size != 1:
                raise rt.Failure(
                    f"{FLAT} was grown to {size} {time.time() - marks['urgent_done']:.0f}s after the GPUs "
                    f"freed, although its reports show no speed-up: {json.dumps(rates[FLAT])}"
                )

        def linear_grown_or_flat_changed() -> bool:
            jobs.poll()
            return jobs.size(LINEAR) == MAX or jobs.size(FLAT) != 1

        rt.wait_for(f"{LINEAR} grown back to {MAX}", linear_grown_or_flat_changed, 180, 1)
        flat_still_at_one()
        marks["linear_grown"] = time.time()
        log(
            f"{LINEAR} grew back to {MAX} {marks['linear_grown'] - marks['urgent_done']:.1f}s after the GPUs freed"
        )

        # flat must stay at 1 with GPUs free, for HOLD seconds.
        free_seen: list[int] = []
        reasons: set[tuple[str, str]] = set()
        deadline = time.time() + HOLD
        while time.time() < deadline:
            jobs.poll()
            flat_still_at_one()
            status = jobs.status.get(FLAT, {})
            reasons.add((status.get("reason", ""), status.get("message", "")))
            if status.get("reason") == "NoSpeedup" and "no_speedup_shown" not in marks:
                marks["no_speedup_shown"] = time.time()
            free_seen.append(gpus - gpus_used_on_node())
            time.sleep(2)
        marks["hold_end"] = time.time()
        expect(
            min(free_seen) >= 1,
            f"{FLAT} stayed at 1 for {HOLD}s with {min(free_seen)}..{max(free_seen)} of {gpus} GPUs free",
        )
        final = jobs.status[FLAT]
        log(f"{FLAT}'s status: reason {final.get('reason')!r}, message {final.get('message')!r}")
        expect(
            final.get("reason") == "NoSpeedup",
            f"{FLAT}'s status.reason says its reports hold it (NoSpeedup), not {final.get('reason')!r}",
        )
        inspection = job_inspection(FLAT)
        log(f"{FLAT} in the operator's /debug/jobs: {json.dumps(inspection)}")
        sizes = sorted(t["workers"] for t in inspection.get("throughput") or [])
        expect(sizes == [1, MAX], f"the operator holds {FLAT}'s samples at 1 and {MAX} workers: {sizes}")
        expect(
            "no speed-up worth a worker past 1" in (inspection.get("plannerReason") or ""),
            f"the planner's reason for {FLAT} is its reports: {inspection.get('plannerReason')!r}",
        )
        # status.throughput shows a rate of the new size at once (the kept
        # one of that size; a new rate of the same size follows within the
        # operator's message delay): the fresh one is the operator's own.
        rates[LINEAR].append(wait_reports(jobs, (LINEAR,), MAX, marks["urgent_done"])[LINEAR])
        regrown = rt.wait_for(
            f"a new rate of {LINEAR} at {MAX} workers in the operator",
            lambda: next(
                (
                    t
                    for t in job_inspection(LINEAR).get("throughput") or []
                    if t["workers"] == MAX
                    and t["measuredAt"]
                    > time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(marks["linear_grown"]))
                ),
                None,
            ),
            120,
            1,
        )
        rates[LINEAR][-1]["operator_samples_per_s_after_regrowth"] = round(regrown["samplesPerSecond"], 2)
        log(f"{LINEAR}'s rate at {MAX} after growing back: {regrown}")
    except rt.Failure:
        diagnostics()
        raise

    results = {
        "parameters": {
            "max": MAX,
            "batch": BATCH,
            "step_delay_s": STEP_DELAY,
            "warmup_s": WARMUP,
            "window_s": WINDOW,
            "poll": POLL,
            "hold_s": HOLD,
            "gpus": gpus,
            "operator_args": operator_args,
        },
        "rates": rates,
        "decisions": [
            dict(d, t=round(d["t"] - marks["submitted"], 1)) for d in jobs.decisions if d["job"] != HP_JOB
        ],
        "reports_seen": [dict(r, t=round(r["t"] - marks["submitted"], 1)) for r in jobs.reports],
        "linear_regrow_after_gpus_freed_s": round(marks["linear_grown"] - marks["urgent_done"], 1),
        "flat_held_at_1_s": round(marks["hold_end"] - marks["urgent_done"], 1),
        "flat_status_reason": {"reason": final.get("reason"), "message": final.get("message")},
        "flat_no_speedup_shown_after_gpus_freed_s": round(
            marks.get("no_speedup_shown", marks["hold_end"]) - marks["urgent_done"], 1
        ),
        "flat_inspection": inspection,
        "flat_reasons_while_held": sorted(f"{r}: {m}" for r, m in reasons),
        "free_gpus_while_held": [min(free_seen), max(free_seen)],
        "total_s": round(marks["hold_end"] - marks["submitted"], 1),
    }
    rt.save_results("throughput_growth", results)
    log(f"figures: {json.dumps(results['rates'], indent=1)}")
    kubectl("delete", "namespace", NS, "--wait=false", check=False)


if __name__ == "__main__":
    rt.main(scenario)
