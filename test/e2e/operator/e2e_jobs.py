"""TrainingJob manifests for the scenarios and readers of what the operator made of them (status,
worker pods, Events), with the operator contract's checks of a worker pod."""

import copy

from e2e_kube import GPU, GROUP, ScenarioError, expect, kjson, kubectl, parse_time, placement, wait_until

JOB_LABEL, INDEX_LABEL, ROLE_LABEL = f"{GROUP}/job-name", f"{GROUP}/replica-index", f"{GROUP}/role"
NODE_ANNOTATION = f"{GROUP}/node"
FAILURES_ANNOTATION = f"{GROUP}/schedule-failures"
TIME_FIELDS = ("submitTime", "queuedTime", "lastExecTime", "completionTime", "requeueTime", "cooldownTime")


def training_job(
    name,
    ns,
    min_size=1,
    max_size=1,
    gpus=8,
    priority=0,
    exit_after=None,
    exit_code=None,
    backoff_limit=None,
    clean_pod_policy=None,
    inject=False,
    command=True,
    missing_pvc=None,
):
    """A TrainingJob whose workers each request `gpus` GPUs (8 = one whole node) on the suite's nodes
    (nodeSelector and toleration of e2e_kube.placement()). exit_after /
    exit_code become the KWOK annotations of the pod template (the worker then Succeeds or Fails that
    long after it runs); missing_pvc mounts a PersistentVolumeClaim that does not exist, so
    kube-scheduler keeps the pinned pod Pending while the planner thinks it fits (rule 5)."""
    container = {"name": "worker", "image": "busybox:1.36"}
    if command:
        container["command"] = ["sh", "-c", "sleep 3600"]
    if gpus:
        container["resources"] = {"requests": {GPU: gpus}, "limits": {GPU: gpus}}
    pod_spec = {"containers": [container], **placement()}
    annotations = {}
    if exit_after:
        annotations["lattice.dev/exit-after"] = exit_after
    if exit_code is not None:
        annotations["lattice.dev/exit-code"] = str(exit_code)
    if missing_pvc:
        pod_spec["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": missing_pvc}}]
        container["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
    template = {"spec": pod_spec}
    if annotations:
        template["metadata"] = {"annotations": annotations}
    run_policy = {}
    if backoff_limit is not None:
        run_policy["backoffLimit"] = backoff_limit
    if clean_pod_policy:
        run_policy["cleanPodPolicy"] = clean_pod_policy
    spec = {
        "minSize": min_size,
        "maxSize": max_size,
        "priority": priority,
        "injectLattice": inject,
        "replicaSpecs": {"template": template},
    }
    if run_policy:
        spec["runPolicy"] = run_policy
    return {
        "apiVersion": f"{GROUP}/v1",
        "kind": "TrainingJob",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


def example_job(path, ns, exit_after):
    """The spec's example (examples/lattice-simple1.yaml) as JSON, in `ns`, with the KWOK exit
    annotation and the suite's nodeSelector/toleration added to its pod template (the copy; the file
    is not changed)."""
    job = kjson("create", "--dry-run=client", "-f", path)
    job = copy.deepcopy(job)
    job["metadata"]["namespace"] = ns
    template = job["spec"]["replicaSpecs"]["template"]
    template.setdefault("metadata", {}).setdefault("annotations", {})["lattice.dev/exit-after"] = exit_after
    template["spec"].update(placement())  # the suite's nodes (e2e_kube.GPU_NODES)
    return job


def index_of(pod, group=GROUP):
    try:
        return int(pod["metadata"].get("labels", {}).get(f"{group}/replica-index", ""))
    except ValueError:
        return None


def is_active(pod):
    """Counts toward the job's size: not finished, not being deleted."""
    return pod.get("status", {}).get("phase") not in ("Succeeded", "Failed") and not pod["metadata"].get(
        "deletionTimestamp"
    )


class State:
    """One consistent-enough read of a namespace: its TrainingJobs and pods (one kubectl call).
    `group`: the TrainingJob API group (an operator run with --api-group labels its pods with it)."""

    def __init__(self, ns, group=GROUP):
        self.ns = ns
        self.group = group
        items = kjson("get", f"trainingjobs.{group},pods", "-n", ns)["items"]
        self.jobs = {o["metadata"]["name"]: o for o in items if o["kind"] == "TrainingJob"}
        self.pods = [o for o in items if o["kind"] == "Pod"]

    def job(self, name):
        expect(name in self.jobs, f"TrainingJob {self.ns}/{name} not found")
        return self.jobs[name]

    def status(self, name):
        return self.job(name).get("status") or {}

    def stage(self, name):
        return self.status(name).get("stage")

    def size(self, name):
        return self.status(name).get("currentSize")

    def condition(self, name, type_):
        for c in (self.status(name).get("execStatus") or {}).get("conditions") or []:
            if c.get("type") == type_:
                return c
        return None

    def condition_true(self, name, type_):
        c = self.condition(name, type_)
        return bool(c) and c.get("status") == "True"

    def workers(self, name, active_only=True):
        """The job's worker pods (role=worker), by replica index."""
        job_label, role_label = f"{self.group}/job-name", f"{self.group}/role"
        pods = [
            p
            for p in self.pods
            if p["metadata"].get("labels", {}).get(job_label) == name
            and p["metadata"].get("labels", {}).get(role_label) == "worker"
        ]
        if active_only:
            pods = [p for p in pods if is_active(p)]

        def index(p):
            return index_of(p, self.group)

        return sorted(pods, key=lambda p: (index(p) is None, index(p) or 0, p["metadata"]["name"]))

    def running_workers(self, name):
        return [p for p in self.workers(name) if p.get("status", {}).get("phase") == "Running"]

    def settled(self, name, stage, size=None):
        """stage (and size) as wanted, with exactly `size` active workers, all Running."""
        if self.stage(name) != stage:
            return False
        if size is None:
            return True
        return (
            self.size(name) == size
            and len(self.workers(name)) == size
            and len(self.running_workers(name)) == size
        )

    def summary(self):
        parts = []
        for name in sorted(self.jobs):
            w = self.workers(name)
            phases = ",".join(p.get("status", {}).get("phase", "?")[0] for p in w)
            parts.append(
                f"{name}: stage={self.stage(name)} size={self.size(name)} workers={len(w)}[{phases}]"
            )
        return "; ".join(parts) or "(no jobs)"


def job_events(ns, name, reason=None):
    """Events whose object is the TrainingJob `name` (core/v1 view; events.k8s.io ones included)."""
    out = []
    for e in kjson("get", "events", "-n", ns)["items"]:
        obj = e.get("involvedObject") or e.get("regarding") or {}
        if obj.get("kind") != "TrainingJob" or obj.get("name") != name:
            continue
        if reason is None or e.get("reason") == reason:
            out.append(e)
    return out


def event_count(event):
    """Occurrences one Event stands for (a recorder may aggregate repeats into `count`/`series`)."""
    return max(event.get("count") or 0, (event.get("series") or {}).get("count") or 0, 1)


def event_messages(ns, name, reason):
    """Messages of the job's Events of `reason`, one per occurrence."""
    return [e.get("message", "") for e in job_events(ns, name, reason) for _ in range(event_count(e))]


def pod_incarnations(ns, pod_name):
    """UIDs of every pod ever bound under this name (kube-scheduler's Scheduled Events)."""
    uids = set()
    for e in kjson("get", "events", "-n", ns)["items"]:
        obj = e.get("involvedObject") or e.get("regarding") or {}
        if obj.get("kind") == "Pod" and obj.get("name") == pod_name and e.get("reason") == "Scheduled":
            uids.add(obj.get("uid"))
    return uids


def expect_events(ns, name, reason, what, check=bool, timeout=20):
    """Waits (Events are written asynchronously) until check(messages of `reason` on the job) holds;
    returns the messages, or raises with them."""
    seen = {}

    def probe():
        seen["messages"] = event_messages(ns, name, reason)
        return check(seen["messages"])

    try:
        wait_until(what, probe, timeout=timeout)
    except ScenarioError:
        raise ScenarioError(f"{what}: {reason} Events on {name} are {seen.get('messages')}") from None
    return seen["messages"]


def env_of(container):
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env") or []}


def worker_pod_problems(job, pod, inject):
    """The operator contract for one worker pod of `job`; returns what is wrong (empty when fine)."""
    problems = []
    md, spec = pod["metadata"], pod["spec"]
    name, job_name = md["name"], job["metadata"]["name"]
    index = index_of(pod)
    labels = md.get("labels", {})
    if index is None or name != f"{job_name}-worker-{index}":
        problems.append(f"name {name} / {INDEX_LABEL}={labels.get(INDEX_LABEL)}")
    if labels.get(JOB_LABEL) != job_name or labels.get(ROLE_LABEL) != "worker":
        problems.append(f"labels {labels}")
    owners = [o for o in md.get("ownerReferences", []) if o.get("controller")]
    if (
        len(owners) != 1
        or owners[0].get("uid") != job["metadata"]["uid"]
        or owners[0].get("kind") != "TrainingJob"
    ):
        problems.append(f"controller ownerReference {md.get('ownerReferences')}")
    if spec.get("restartPolicy") != "Never":
        problems.append(f"restartPolicy {spec.get('restartPolicy')}")
    pinned = md.get("annotations", {}).get(NODE_ANNOTATION)
    terms = (
        ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        )
        or {}
    ).get("nodeSelectorTerms") or []
    name_values = [
        e.get("values")
        for t in terms
        for e in t.get("matchFields") or []
        if e.get("key") == "metadata.name" and e.get("operator") == "In"
    ]
    if not pinned or name_values != [[pinned]]:
        problems.append(
            f"not pinned: annotation {NODE_ANNOTATION}={pinned}, node-name affinity {name_values}"
        )
    if spec.get("nodeName") and spec.get("nodeName") != pinned:
        problems.append(f"bound to {spec.get('nodeName')} but pinned to {pinned}")
    first = spec["containers"][0]
    env = env_of(first)
    size = (job.get("status") or {}).get("currentSize")
    if inject:
        inits = [c.get("name") for c in spec.get("initContainers") or []]
        if "lattice-agent-install" not in inits:
            problems.append(f"no lattice-agent-install init container ({inits})")
        cmd = first.get("command") or []
        if "--" not in cmd or "lattice.agent" not in " ".join(cmd):
            problems.append(f"command not wrapped by the agent: {cmd}")
        want = {
            "LATTICE_FRAMEWORK": job["spec"].get("framework", "pytorch"),
            "LATTICE_MIN_SIZE": str(job["spec"]["minSize"]),
            "LATTICE_MAX_SIZE": str(job["spec"]["maxSize"]),
            "LATTICE_JOB_NAME": job_name,
            "LATTICE_WORKER_INDEX": str(index),
        }
        for k, v in want.items():
            if env.get(k) != v:
                problems.append(f"env {k}={env.get(k)!r}, want {v!r}")
    else:
        want = {"RANK": str(index), "WORLD_SIZE": str(size)}
        for k, v in want.items():
            if env.get(k) != v:
                problems.append(f"env {k}={env.get(k)!r}, want {v!r}")
        if f"{job_name}-workers" not in str(env.get("MASTER_ADDR")) or not env.get("MASTER_PORT"):
            problems.append(f"MASTER_ADDR={env.get('MASTER_ADDR')!r} MASTER_PORT={env.get('MASTER_PORT')!r}")
    return [f"{name}: {p}" for p in problems]


def check_workers(state, name, inject):
    """Every active worker of `name` follows the contract, indices are 0..n-1 on distinct pods."""
    job = state.job(name)
    workers = state.workers(name)
    problems = [p for pod in workers for p in worker_pod_problems(job, pod, inject)]
    indices = [index_of(p) for p in workers]
    if indices != list(range(len(workers))):
        problems.append(f"indices {indices}, want 0..{len(workers) - 1}")
    expect(not problems, f"worker pods of {name} break the contract:\n  " + "\n  ".join(problems))


def check_times(status, *fields):
    """Each field is set, RFC3339, and they are in the given order (non-decreasing)."""
    times = []
    for f in fields:
        expect(status.get(f), f"status.{f} not set: {status}")
        times.append(parse_time(status[f]))
    for (fa, a), (fb, b) in zip(
        zip(fields, times, strict=True), zip(fields[1:], times[1:], strict=True), strict=False
    ):
        expect(a <= b, f"status.{fa} {a} is after status.{fb} {b}")
    return times


def delete_jobs(ns, group=GROUP):
    kubectl("delete", f"trainingjobs.{group}", "--all", "-n", ns, "--wait=false", check=False)


def raise_if(problems, what):
    if problems:
        raise ScenarioError(f"{what}:\n  " + "\n  ".join(problems))
