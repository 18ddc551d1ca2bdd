#!/usr/bin/env python3
"""kubectl lattice against the real operator on the local cluster.

The e2e suite's frame (test/e2e/operator: chart installed, the operator as a local process, the
suite's 4 KWOK nodes of 8 GPUs) with contention: more jobs than GPUs, several priorities, a node
selector and a cordoned node. A read-only user (get/list/watch on TrainingJobs, Pods, Nodes, Events;
nothing on the operator) runs every verb as `kubectl lattice ...` (the plugin found on PATH), and
each answer is compared with what the operator does: the queue's planned stage and size with the
jobs' status, `snapshot` replayed by `lattice-operator plan`, and `simulate` with the outcome of
applying the job (preemption, a waiting job, an elastic job shrunk by an equal and then a higher
priority). Then the errors: unknown job, no rights, missing CRD, bad flags, bad file.

Usage: plugin_e2e_test.py   (CTest: plugin_e2e, label integration;e2e;plugin)
"""

import datetime
import json
import os
import signal
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e", "operator"))

from e2e_chart import NS as OPERATOR_NS  # noqa: E402
from e2e_chart import SA as OPERATOR_SA  # noqa: E402
from e2e_jobs import delete_jobs, training_job  # noqa: E402
from e2e_kube import (  # noqa: E402
    BUILD_DIR,
    GPU_NODES,
    GROUP,
    NODE_SET_LABEL,
    ScenarioError,
    expect,
    kubectl,
    parse_time,
    strip_finalizers,
    wait_crd_established,
    wait_until,
)
from e2e_operator import LOG_DIR, TEST_TIMINGS, operator_binary  # noqa: E402
from e2e_scenario import Scenario  # noqa: E402

PLUGIN_DIR = os.path.join(BUILD_DIR, "plugin")
READER = "lattice-plugin-reader"
OTHER_GROUP = "plugin-e2e.example.com"  # a chart installed with another `group`
OTHER_OPERATOR_ROLE = "lattice-plugin-e2e-other-group-operator"
CORDONED = GPU_NODES[3]
OPERATOR_FLAGS = " ".join(TEST_TIMINGS)


def reader_rbac(ns):
    """A ClusterRole with read rights on exactly what the plugin reads, bound to a ServiceAccount."""
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": READER, "namespace": ns}},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": READER},
            "rules": [
                {
                    "apiGroups": [GROUP, OTHER_GROUP],
                    "resources": ["trainingjobs"],
                    "verbs": ["get", "list", "watch"],
                },
                {
                    "apiGroups": [""],
                    "resources": ["pods", "nodes", "events"],
                    "verbs": ["get", "list", "watch"],
                },
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": READER},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": READER},
            "subjects": [{"kind": "ServiceAccount", "name": READER, "namespace": ns}],
        },
    ]


def token_kubeconfig(path, sa, ns):
    token = kubectl("create", "token", sa, "-n", ns, "--duration=1h").stdout.strip()
    raw = json.loads(kubectl("config", "view", "--raw", "--minify", "-o", "json").stdout)
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "reader",
        "clusters": [{"name": "local", "cluster": raw["clusters"][0]["cluster"]}],
        "users": [{"name": sa, "user": {"token": token}}],
        "contexts": [{"name": "reader", "context": {"cluster": "local", "user": sa, "namespace": ns}}],
    }
    with open(path, "w") as f:
        json.dump(config, f)
    os.chmod(path, 0o600)
    return path


class Plugin:
    """`kubectl lattice ...` as the read-only user, the plugin found on PATH."""

    def __init__(self, kubeconfig):
        self.env = dict(os.environ, KUBECONFIG=kubeconfig, PATH=PLUGIN_DIR + os.pathsep + os.environ["PATH"])

    def run(self, *args, stdin=None):
        return subprocess.run(
            ["kubectl", "lattice", *args],
            capture_output=True,
            text=True,
            env=self.env,
            input=stdin,
            timeout=120,
        )

    def json(self, *args):
        r = self.run(*args, "-o", "json", "--operator-flags", OPERATOR_FLAGS)
        expect(r.returncode == 0, f"kubectl lattice {' '.join(args)} exited {r.returncode}: {r.stderr}")
        return json.loads(r.stdout)


def job(name, ns, priority, min_size, max_size, gpus=8, host=None, deadline=None):
    obj = training_job(name, ns, min_size=min_size, max_size=max_size, gpus=gpus, priority=priority)
    if host:
        obj["spec"]["replicaSpecs"]["template"]["spec"]["nodeSelector"]["kubernetes.io/hostname"] = host
    if deadline:
        obj["spec"]["runPolicy"] = {"activeDeadlineSeconds": deadline}
    return obj


def other_group_crd():
    """The chart's CRD under OTHER_GROUP."""
    crd = json.loads(kubectl("get", "crd", f"trainingjobs.{GROUP}", "-o", "json").stdout)
    crd["metadata"] = {"name": f"trainingjobs.{OTHER_GROUP}"}
    crd["spec"]["group"] = OTHER_GROUP
    crd["spec"]["names"].pop("shortNames", None)  # `kubectl get tj` must stay unambiguous
    crd.pop("status", None)
    return crd


def show(title, result):
    """A verb's table output in the test log, for the reader of a failure (and of a pass)."""
    print(
        f"----- kubectl lattice {title} (exit {result.returncode})\n{result.stdout}{result.stderr}",
        flush=True,
    )


def check_queue_matches_cluster(s, plugin, group=GROUP):
    queue = plugin.json("queue", "-n", s.ns, *(["--group", group] if group != GROUP else []))
    expect(queue["apiGroup"] == group, f"queue answered for {queue['apiGroup']}, not {group}")
    state = s.state(group)
    rows = {r["name"]: r for r in queue["jobs"]}
    for name in state.jobs:
        expect(name in rows, f"queue misses {name}: {queue}")
        row = rows[name]
        stage, size = state.stage(name), state.size(name) or 0
        expect(
            (row["plannedStage"], row["plannedSize"]) == (stage, size),
            f"queue says {name} {row['plannedStage']} {row['plannedSize']}, the operator: {stage} {size}",
        )
        expect(row["stage"] == stage, f"{name}: stage now {row['stage']}, status {stage}")
    return rows


def scenario():
    with Scenario("plugin") as s:
        cluster_objects = reader_rbac(s.ns)
        reader_kubeconfig = os.path.join(LOG_DIR, "plugin-reader-kubeconfig")
        try:
            s.apply(*cluster_objects)
            s.apply(other_group_crd())
            wait_crd_established(f"trainingjobs.{OTHER_GROUP}")
            kubectl("cordon", CORDONED)
            expect(
                kubectl("get", "node", CORDONED, "-o", "jsonpath={.spec.unschedulable}").stdout == "true",
                f"{CORDONED} not cordoned",
            )
            token_kubeconfig(reader_kubeconfig, READER, s.ns)
            plugin = Plugin(reader_kubeconfig)
            run_checks(s, plugin)
        finally:
            kubectl("uncordon", CORDONED, check=False)
            for obj in cluster_objects[1:]:
                kubectl(
                    "delete", obj["kind"].lower(), obj["metadata"]["name"], "--ignore-not-found", check=False
                )
            delete_crd(f"trainingjobs.{OTHER_GROUP}")


def run_checks(s, plugin):
    s.start_operator()
    # 24 usable GPUs (the fourth node is cordoned) for 56 wanted.
    s.apply(job("low", s.ns, 0, 1, 2), job("mid", s.ns, 3, 2, 2, deadline=3600))
    s.wait(
        "low 1 and mid 2 running",
        lambda st: st.settled("low", "Running", 1) and st.settled("mid", "Running", 2),
    )
    s.apply(job("waiter", s.ns, 1, 2, 2), job("pinned", s.ns, 0, 1, 1, host=CORDONED))
    s.wait(
        "waiter and pinned waiting",
        lambda st: st.stage("waiter") == "Waiting" and st.stage("pinned") == "Waiting",
    )
    node = kubectl("get", "node", CORDONED, "-o", "jsonpath={.spec}").stdout
    expect("unschedulable" in node, f"{CORDONED} is no longer cordoned: {node}")

    rows = check_queue_matches_cluster(s, plugin)
    order = [r["name"] for r in sorted(rows.values(), key=lambda r: r["position"])]
    expect(order == ["mid", "waiter", "low", "pinned"], f"planner order {order}")
    waiter = rows["waiter"]
    expect((waiter["gpusHeld"], waiter["gpusWanted"]) == (0, 16), f"waiter GPUs {waiter}")
    # The operator's status says the same (kubectl get tj -o wide): waiter is first among the waiting.
    expect(waiter["waitingPosition"] == 1, f"waiter's waiting position {waiter}")
    status = s.wait(
        "waiter's status.queuePosition",
        lambda st: st.status("waiter") if st.status("waiter").get("queuePosition") else None,
        timeout=15,
    )
    expect(
        (status["queuePosition"], status["gpus"], status["reason"])
        == (waiter["waitingPosition"], {"held": 0, "wanted": 16}, "InsufficientResources")
        and status["message"].startswith("needs 2 x {nvidia.com/gpu: 8}"),
        f"waiter's status {status} against the plugin's row {waiter}",
    )
    expect(
        any(
            f"at priority >= 4 it would be admitted now, preempting {s.ns}/mid" in c
            for c in waiter["toChange"]
        ),
        f"waiter's changes {waiter['toChange']}",
    )
    expect(
        any(f"{CORDONED} (cordoned)" in c for c in rows["pinned"]["toChange"]),
        f"pinned's changes {rows['pinned']['toChange']}",
    )
    # mid must end by its deadline; then the planner admits waiter, the first job that waits.
    mid_start = s.state().status("mid")["execStatus"]["startTime"]
    want = parse_time(mid_start) + datetime.timedelta(seconds=3600)
    estimate = waiter["estimatedStart"]
    expect(
        estimate["at"] and parse_time(estimate["at"]) == want and f"{s.ns}/mid" in estimate["basis"],
        f"waiter's estimate {estimate}, want {want} (mid started {mid_start})",
    )
    # pinned waits behind waiter: no honest figure.
    expect(rows["pinned"]["estimatedStart"]["at"] is None, f"an estimate without grounds: {rows['pinned']}")
    table = plugin.run("queue", "-n", s.ns, "--operator-flags", OPERATOR_FLAGS)
    show("queue", table)
    expect(table.returncode == 0 and "\x1b" not in table.stdout, f"table: {table.stdout}{table.stderr}")
    expect(
        table.stdout.splitlines()[0].split()[:3] == ["POS", "NAME", "PRIO"], f"table header: {table.stdout}"
    )

    show("why waiter", plugin.run("why", "waiter", "-n", s.ns, "--operator-flags", OPERATOR_FLAGS))
    why = plugin.json("why", "waiter", "-n", s.ns)
    expect(why["plannedStage"] == "Waiting" and why["toChange"] == waiter["toChange"], f"why waiter: {why}")
    low = plugin.json("why", "low", "-n", s.ns)
    expect(low["history"], f"why low shows no history: {low}")

    top = plugin.json("top", "--node-group-label", NODE_SET_LABEL)
    suite = [g for g in top["nodeGroups"] if g["group"] == "e2e-gpu"]
    expect(suite, f"top has no e2e-gpu group: {top}")
    expect(
        (suite[0]["allocatable"], suite[0]["allocated"], suite[0]["idle"], suite[0]["usableNodes"])
        == (32, 24, 0, 3),
        f"top e2e-gpu: {suite[0]}",
    )
    expect(top["queueLength"] >= 2 and top["jobsPerStage"].get("Waiting", 0) >= 2, f"top: {top}")

    # The reader may not read Deployments: the operator's defaults, said so. The admin reads the
    # chart's Deployment and takes its flags.
    r = plugin.run("why", "waiter", "-n", s.ns, "-o", "json")
    settings = json.loads(r.stdout)["plannerSettings"] if r.returncode == 0 else r.stderr
    expect(
        settings.startswith("defaults (the operator's Deployment is not readable"),
        f"reader's settings: {settings}",
    )
    admin = Plugin(os.environ["KUBECONFIG"])
    r = admin.run("queue", "-n", s.ns, "-o", "yaml")
    expect(
        r.returncode == 0
        and 'plannerSettings: "the flags of Deployment lattice/lattice-operator"' in r.stdout,
        f"admin's queue -o yaml: {r.stdout}{r.stderr}",
    )
    show("top", plugin.run("top", "--node-group-label", NODE_SET_LABEL))
    other = plugin.json("top", "--group", OTHER_GROUP)
    expect(other["queueLength"] == 0 and not other["jobsPerStage"], f"top in {OTHER_GROUP}: {other}")

    check_snapshot_replay(s, plugin, rows)
    check_simulate(s, plugin)
    check_errors(s, plugin)


def check_snapshot_replay(s, plugin, rows, group=GROUP):
    """`snapshot` replayed by `lattice-operator plan`: the same decisions as the queue's rows, for
    exactly the rows' jobs of the scenario's namespace. Returns the snapshot document."""
    r = plugin.run(
        "snapshot", "--operator-flags", OPERATOR_FLAGS, *(["--group", group] if group != GROUP else [])
    )
    expect(r.returncode == 0, f"snapshot: {r.stderr}")
    document = json.loads(r.stdout)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(r.stdout)
    replay = subprocess.run(
        [operator_binary(), "plan", "--snapshot", f.name], capture_output=True, text=True, timeout=60
    )
    os.unlink(f.name)
    expect(replay.returncode == 0, f"lattice-operator plan: {replay.stderr}")
    plan = json.loads(replay.stdout)
    replayed = set()
    for decision in plan["jobs"]:
        if decision["namespace"] != s.ns:
            continue
        replayed.add(decision["name"])
        row = rows[decision["name"]]
        expect(
            (decision["stage"], decision["size"]) == (row["plannedStage"], row["plannedSize"]),
            f"replayed plan {decision} differs from the queue {row}",
        )
    expect(
        replayed == set(rows),
        f"the snapshot's jobs of {s.ns}: {sorted(replayed)}, the queue's {sorted(rows)}",
    )
    return document


def simulate_then_apply(s, plugin, obj, priority=None, group=GROUP):
    """`simulate` of obj (at `priority`), then obj applied: the operator must do what was simulated
    (the job's stage, size and nodes; each job it shrinks or preempts). `group`: the jobs' API group
    (passed as --group when not the default)."""
    name = obj["metadata"]["name"]
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        json.dump(obj, f)
    args = ["simulate", "-f", f.name] + (["--priority", str(priority)] if priority is not None else [])
    args += ["--group", group] if group != GROUP else []
    show(" ".join(args[:1] + [name] + args[3:]), plugin.run(*args, "--operator-flags", OPERATOR_FLAGS))
    sim = plugin.json(*args)
    os.unlink(f.name)
    expect(sim["apiGroup"] == group, f"simulate answered for {sim['apiGroup']}, not {group}")
    if priority is not None:
        obj["spec"]["priority"] = priority
    s.apply(obj)
    if sim["admitted"]:
        s.wait(
            f"{name} running", lambda st: st.settled(name, "Running", sim["size"]), timeout=90, group=group
        )
        nodes = sorted(p["spec"].get("nodeName") for p in s.state(group).workers(name))
        want = sorted(w["node"] for w in sim["workers"])
        expect(nodes == want, f"{name} on {nodes}, simulated {want}")
    else:
        s.wait(f"{name} waiting", lambda st: st.stage(name) == "Waiting", group=group)
    for affected in sim["affected"]:
        other = affected["job"].split("/")[1]
        want = ("Waiting", 0) if affected["preempted"] else ("Running", affected["sizeAfter"])
        s.wait(
            f"{other} as simulated {want}",
            lambda st, n=other, w=want: (st.stage(n), st.size(n) or 0) == w,
            group=group,
        )
    return sim


def check_simulate(s, plugin):
    sim = simulate_then_apply(s, plugin, job("urgent", s.ns, 0, 1, 1), priority=5)
    expect(sim["admitted"] and sim["size"] == 1, f"simulate urgent: {sim}")
    expect(sim["affected"], f"urgent fits only by taking someone's GPUs: {sim}")
    # why names who took the preempted job's GPUs (its Preempted Event).
    low = plugin.json("why", "low", "-n", s.ns)
    expect(
        any(h["reason"] == "Preempted" and f"{s.ns}/urgent" in h["message"] for h in low["history"]),
        f"why low does not say urgent preempted it: {low['history']}",
    )
    show("why low", plugin.run("why", "low", "-n", s.ns, "--operator-flags", OPERATOR_FLAGS))

    # A job that must wait: simulated position and stage, then applied.
    big = job("big", s.ns, 0, 3, 3)
    path = os.path.join(LOG_DIR, "plugin-big.json")
    with open(path, "w") as out:
        json.dump(big, out)
    wait = plugin.run("simulate", "-f", path, "--exit-code", "--operator-flags", OPERATOR_FLAGS)
    expect(
        wait.returncode == 5, f"simulate --exit-code of a waiting job exited {wait.returncode}: {wait.stderr}"
    )
    sim = plugin.json("simulate", "-f", path)
    expect(not sim["admitted"] and sim["waitingPosition"] >= 1, f"simulate big: {sim}")
    s.apply(big)
    s.wait("big waiting", lambda st: st.stage("big") == "Waiting")
    rows = check_queue_matches_cluster(s, plugin)
    expect(rows["big"]["position"] == sim["queuePosition"], f"big at {rows['big']}, simulated {sim}")


def check_errors(s, plugin):
    r = plugin.run("why", "no-such-job", "-n", s.ns)
    expect(r.returncode == 3 and "not found" in r.stderr, f"unknown job: {r.returncode} {r.stderr}")
    r = plugin.run("queue", "--group", "nothing.example.com")
    expect(
        r.returncode == 3 and "CRD is not installed" in r.stderr, f"missing CRD: {r.returncode} {r.stderr}"
    )
    r = plugin.run("queue", "--bogus")
    expect(r.returncode == 2 and "unknown flag --bogus" in r.stderr, f"bad flag: {r.returncode} {r.stderr}")
    r = plugin.run("simulate", "-f", "-", stdin="kind: [unclosed\n")
    expect(r.returncode == 2, f"bad file: {r.returncode} {r.stderr}")
    for verb in ["queue", "why", "simulate", "top", "snapshot"]:
        r = plugin.run(verb, "--help")
        expect(r.returncode == 0 and f"kubectl lattice {verb}" in r.stdout, f"{verb} --help: {r.stdout}")
    # A user with no rights at all.
    kubectl("create", "serviceaccount", "lattice-plugin-nobody", "-n", s.ns)
    nobody = Plugin(
        token_kubeconfig(os.path.join(LOG_DIR, "plugin-nobody-kubeconfig"), "lattice-plugin-nobody", s.ns)
    )
    r = nobody.run("queue")
    expect(r.returncode == 4 and "forbidden" in r.stderr, f"no rights: {r.returncode} {r.stderr}")


def elastic_scenario():
    """An elastic job on all 32 GPUs; an equal-priority job takes back its lent workers (it shrinks),
    then a higher-priority one shrinks it to minSize and preempts the other: each simulated first."""
    with Scenario("plugin-elastic") as s:
        admin = Plugin(os.environ["KUBECONFIG"])
        s.start_operator()
        s.apply(job("elastic", s.ns, 0, 1, 4))
        s.wait("elastic at 4", lambda st: st.settled("elastic", "Running", 4), timeout=90)
        sim = simulate_then_apply(s, admin, job("equal", s.ns, 0, 2, 2))
        expect(
            sim["admitted"]
            and [(a["job"].split("/")[1], a["sizeAfter"]) for a in sim["affected"]] == [("elastic", 2)],
            f"equal should take elastic's lent workers: {sim}",
        )
        sim = simulate_then_apply(s, admin, job("high", s.ns, 5, 3, 3))
        expect(sim["admitted"] and len(sim["affected"]) == 2, f"high should shrink and preempt: {sim}")
        check_queue_matches_cluster(s, admin)


def in_group(obj, group):
    obj["apiVersion"] = f"{group}/v1"
    return obj


def operator_rbac_for(group):
    """The rights the chart grants its operator on TrainingJobs (helm/lattice-operator/templates/
    rbac.yaml), for `group`, bound to the chart's ServiceAccount: what a chart installed with that
    `group` grants, for the operator this scenario runs with --api-group."""
    rules = [
        (["trainingjobs"], ["get", "list", "watch", "update", "patch"]),
        (["trainingjobs/status"], ["get", "update", "patch"]),
        (["trainingjobs/finalizers"], ["update"]),
    ]
    return [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": OTHER_OPERATOR_ROLE},
            "rules": [{"apiGroups": [group], "resources": r, "verbs": v} for r, v in rules],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": OTHER_OPERATOR_ROLE},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": OTHER_OPERATOR_ROLE,
            },
            "subjects": [{"kind": "ServiceAccount", "name": OPERATOR_SA, "namespace": OPERATOR_NS}],
        },
    ]


def install_other_group_crd():
    kubectl("apply", "-f", "-", input=json.dumps(other_group_crd()))
    wait_crd_established(f"trainingjobs.{OTHER_GROUP}")


def delete_crd(name):
    """Deletes a CRD and waits until it is gone (its objects with it): no test leaves one behind."""
    kubectl("delete", "crd", name, "--ignore-not-found", "--wait=true", "--timeout=60s", check=False)
    expect(
        not kubectl("get", "crd", name, "--ignore-not-found", "-o", "name", check=False).stdout.strip(),
        f"CRD {name} is still there after the test",
    )


def other_group_scenario():
    """The CRD installed under another API group and the operator run with --api-group for it: every
    verb with --group answers for that group's jobs, as the operator handles them, and the default
    group says plainly that it has none of them instead of reading the other group."""
    with Scenario("plugin-group") as s:
        cluster_objects = reader_rbac(s.ns) + operator_rbac_for(OTHER_GROUP)
        try:
            s.apply(*cluster_objects)
            install_other_group_crd()
            plugin = Plugin(
                token_kubeconfig(os.path.join(LOG_DIR, "plugin-group-reader-kubeconfig"), READER, s.ns)
            )
            op = s.start_operator(extra_args=["--api-group", OTHER_GROUP])
            try:
                run_other_group_checks(s, plugin)
            finally:
                code = stop_after_deleting_its_jobs(s, op)
            expect(code == 0, f"operator exited {code} on SIGTERM (log {op.log_path}):\n{op.log_tail(30)}")
        finally:
            for obj in cluster_objects[1:]:
                kubectl(
                    "delete", obj["kind"].lower(), obj["metadata"]["name"], "--ignore-not-found", check=False
                )
            delete_crd(f"trainingjobs.{OTHER_GROUP}")


def stop_after_deleting_its_jobs(s, op):
    """Deletes the scenario's jobs of OTHER_GROUP while their operator runs (it removes its
    finalizers), then stops it before its CRD goes; returns its exit code. Raises nothing: it runs
    after a failure too."""
    delete_jobs(s.ns, OTHER_GROUP)
    try:
        wait_until(
            f"the scenario's trainingjobs.{OTHER_GROUP} to be deleted",
            lambda: (
                not kubectl(
                    "get", f"trainingjobs.{OTHER_GROUP}", "-n", s.ns, "-o", "name", check=False
                ).stdout.strip()
            ),
            timeout=30,
        )
    except ScenarioError as e:
        print(f"cleanup: {e}")
    strip_finalizers(s.ns, OTHER_GROUP)
    try:
        return op.stop(signal.SIGTERM) if op.alive() else op.exit_code
    except ScenarioError as e:
        print(f"cleanup: {e}")
        return None


def run_other_group_checks(s, plugin):
    group = ["--group", OTHER_GROUP]
    # 32 GPUs: big takes 24, waiter (lower priority) needs 16.
    s.apply(
        in_group(job("big", s.ns, 3, 3, 3), OTHER_GROUP), in_group(job("waiter", s.ns, 1, 2, 2), OTHER_GROUP)
    )
    s.wait(
        "big 3 running, waiter waiting",
        lambda st: st.settled("big", "Running", 3) and st.stage("waiter") == "Waiting",
        timeout=90,
        group=OTHER_GROUP,
    )

    show("queue --group", plugin.run("queue", "-n", s.ns, *group, "--operator-flags", OPERATOR_FLAGS))
    rows = check_queue_matches_cluster(s, plugin, OTHER_GROUP)
    expect(sorted(rows) == ["big", "waiter"], f"queue --group {OTHER_GROUP}: {sorted(rows)}")
    expect(
        any(
            f"at priority >= 4 it would be admitted now, preempting {s.ns}/big" in c
            for c in rows["waiter"]["toChange"]
        ),
        f"waiter's changes {rows['waiter']['toChange']}",
    )
    why = plugin.json("why", "waiter", "-n", s.ns, *group)
    expect(
        (why["apiGroup"], why["plannedStage"], why["toChange"])
        == (OTHER_GROUP, "Waiting", rows["waiter"]["toChange"]),
        f"why waiter --group: {why}",
    )
    big = plugin.json("why", "big", "-n", s.ns, *group)
    expect(big["plannedStage"] == "Running" and big["history"], f"why big --group: {big}")
    top = plugin.json("top", *group)
    expect(
        (top["apiGroup"], top["queueLength"], top["jobsPerStage"])
        == (OTHER_GROUP, 1, {"Running": 1, "Waiting": 1}),
        f"top --group: {top}",
    )
    other_document = check_snapshot_replay(s, plugin, rows, OTHER_GROUP)

    # The default group (the chart's breezeml.ai, installed, no jobs here): plainly none of these.
    queue = plugin.json("queue", "-n", s.ns)
    expect((queue["apiGroup"], queue["jobs"]) == (GROUP, []), f"queue in the default group: {queue}")
    table = plugin.run("queue", "-n", s.ns)
    show("queue (default group)", table)
    expect(
        table.returncode == 0
        and f"No TrainingJobs of API group {GROUP} wait or run in namespace {s.ns} (another group: --group)."
        in table.stdout,
        f"queue in the default group: {table.stdout}{table.stderr}",
    )
    r = plugin.run("why", "big", "-n", s.ns)
    expect(
        r.returncode == 3 and f"TrainingJob {s.ns}/big not found in API group {GROUP}" in r.stderr,
        f"why big in the default group: {r.returncode} {r.stderr}",
    )
    r = plugin.run("snapshot")
    expect(r.returncode == 0, f"snapshot in the default group: {r.stderr}")
    default_jobs = [j for j in json.loads(r.stdout)["jobs"] if j["namespace"] == s.ns]
    expect(not default_jobs, f"the default group's snapshot has the other group's jobs: {default_jobs}")
    expect(
        [j for j in other_document["jobs"] if j["namespace"] == s.ns],
        "the other group's snapshot has no job of the scenario",
    )
    urgent = in_group(job("urgent", s.ns, 5, 2, 2), OTHER_GROUP)
    path = os.path.join(LOG_DIR, "plugin-group-urgent.json")
    with open(path, "w") as out:
        json.dump(urgent, out)
    r = plugin.run("simulate", "-f", path)
    expect(
        r.returncode == 2
        and f"apiVersion {OTHER_GROUP}/v1 is not of the API group this reads ({GROUP}); "
        f"for that group's queue pass --group {OTHER_GROUP}"
        in r.stderr,
        f"simulate of a {OTHER_GROUP} manifest in the default group: {r.returncode} {r.stderr}",
    )

    # simulate --group, then applied: urgent takes big's GPUs, as simulated.
    sim = simulate_then_apply(s, plugin, urgent, group=OTHER_GROUP)
    expect(
        sim["admitted"]
        and sim["size"] == 2
        and [(a["job"], a["preempted"]) for a in sim["affected"]] == [(f"{s.ns}/big", True)],
        f"simulate urgent --group: {sim}",
    )


def main():
    expect(
        os.access(os.path.join(PLUGIN_DIR, "kubectl-lattice"), os.X_OK), f"no kubectl-lattice in {PLUGIN_DIR}"
    )
    try:
        scenario()
        elastic_scenario()
        other_group_scenario()
    except (AssertionError, ScenarioError) as e:
        print(f"FAIL plugin: {e}", flush=True)
        sys.exit(1)
    print("PASS plugin")


if __name__ == "__main__":
    main()
