"""The suite's own cases, none of which needs a working operator: setup (chart, ServiceAccount
kubeconfig, operator binary and flags), harness (namespace cleanup, RBAC switch for leader election,
time and metrics parsing, promtool and Prometheus on a static exposition), teardown."""

import http.server
import os
import threading
import time

from e2e_chart import CHART, NS, delete_lease, ensure_chart, sa_can_i, uninstall_chart, write_sa_kubeconfig
from e2e_jobs import training_job
from e2e_kube import (
    GPU_NODES,
    NS_PREFIX,
    TJ,
    delete_namespace,
    delete_suite_nodes,
    ensure_suite_nodes,
    exists,
    expect,
    kjson,
    kubectl,
    parse_time,
    require_cluster,
    run,
    wait_until,
)
from e2e_operator import (
    LOG_DIR,
    TEST_TIMINGS,
    free_port,
    kill_stale_operators,
    operator_binary,
    parse_metrics,
)
from e2e_prometheus import Prometheus, promtool_check_metrics
from e2e_scenario import Scenario

SAMPLE = """# HELP lattice_jobs TrainingJobs by namespace and stage.
# TYPE lattice_jobs gauge
lattice_jobs{namespace="a",stage="Running"} 2
lattice_jobs{namespace="b",stage="Running"} 1
lattice_jobs{namespace="a",stage="Waiting"} 1
# HELP lattice_admissions_total TrainingJobs admitted from the queue by the autoscaler.
# TYPE lattice_admissions_total counter
lattice_admissions_total 5
"""
BAD_SAMPLE = """# HELP lattice_admissions TrainingJobs admitted.
# TYPE lattice_admissions counter
lattice_admissions 5
"""
FLAGS = [
    "--kubeconfig",
    "--log-format",
    "--log-level",
    "--bind-address",
    "--metrics-port",
    "--probe-port",
    "--debug-port",
    "--leader-elect",
    "--identity",
    "--leader-election-namespace",
    "--lease-duration",
    "--renew-deadline",
    "--retry-period",
    "--namespace",
] + TEST_TIMINGS[::2]


def case_setup():
    """The chart installed (Deployment at 0), its ServiceAccount's token works with exactly its rights."""
    require_cluster()
    kill_stale_operators()
    ensure_chart()
    deploy = kjson("get", "deployment", "lattice-operator", "-n", NS)
    expect(
        deploy["spec"]["replicas"] == 0, f"operator Deployment replicas {deploy['spec']['replicas']}, want 0"
    )
    kubeconfig = write_sa_kubeconfig(os.path.join(LOG_DIR, "setup-sa-kubeconfig"))
    for verb, resource, ns in [
        ("create", "pods", "default"),
        ("delete", "pods", "default"),
        ("list", "nodes", None),
        ("watch", "trainingjobs.breezeml.ai", None),
        ("patch", "trainingjobs.breezeml.ai/status", "default"),
        ("create", "events", "default"),
        ("create", "services", "default"),
    ]:
        expect(
            sa_can_i(kubeconfig, verb, resource, ns), f"chart ServiceAccount cannot {verb} {resource} ({ns})"
        )
    for verb, resource, ns in [
        ("get", "secrets", NS),
        ("create", "trainingjobs.breezeml.ai", "default"),
        ("delete", "nodes", None),
    ]:
        expect(
            not sa_can_i(kubeconfig, verb, resource, ns), f"chart ServiceAccount may {verb} {resource} ({ns})"
        )
    ensure_suite_nodes()
    nodes = run(["kubectl", f"--kubeconfig={kubeconfig}", "get", "nodes", "-o", "name"]).stdout.split()
    expect(all(f"node/{n}" in nodes for n in GPU_NODES), f"nodes seen with the SA token: {nodes}")
    check_no_other_operator()
    help_text = run([operator_binary(), "--help"]).stdout
    missing = [f for f in FLAGS if f not in help_text]
    expect(not missing, f"lattice-operator --help lacks flags the suite passes: {missing}")
    print(f"ok chart {CHART} installed, Deployment at 0, SA kubeconfig {kubeconfig} has the chart's rights")


def check_no_other_operator(wait=6):
    """Another operator acting on the cluster (a developer's, a leftover) would fight the suite's: a
    canary job nobody may touch."""
    with Scenario("canary") as s:
        s.apply(training_job("canary", s.ns, min_size=1, max_size=1, gpus=1))
        time.sleep(wait)
        st = s.state()
        expect(
            not st.status("canary") and not st.pods,
            f"another operator is acting on this cluster (the canary job got {st.summary()}); stop it first",
        )
    print("ok no other operator acts on TrainingJobs")


class _Static(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = SAMPLE.encode()
        self.send_response(200 if self.path == "/metrics" else 404)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def case_harness():
    require_cluster()
    # Parsers the scenarios rely on.
    expect(parse_time("2026-01-02T03:04:05Z").second == 5, "parse_time")
    expect(parse_time("2026-01-02T03:04:05.123456789Z").microsecond == 123456, "parse_time fractions")
    samples = parse_metrics(SAMPLE)
    expect(
        ("lattice_jobs", {"namespace": "b", "stage": "Running"}, 1.0) in samples, f"parse_metrics {samples}"
    )
    # promtool: passes the sample, fails a counter without _total.
    ok, out = promtool_check_metrics(SAMPLE)
    expect(ok, f"promtool rejects the good sample: {out}")
    ok, out = promtool_check_metrics(BAD_SAMPLE)
    expect(not ok and "_total" in out, f"promtool accepted a counter without _total: {out}")
    # A real Prometheus scrapes a static exposition and answers the suite's query.
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Static)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with Prometheus("harness", [f"127.0.0.1:{server.server_address[1]}"]) as prom:
            prom.wait_scraped()
            prom.wait_query('sum(lattice_jobs{stage="Running"})', 3)
    finally:
        server.shutdown()
    print("ok promtool and Prometheus on a static exposition")
    # The operator refuses to start when two of its ports coincide; the kernel often hands a
    # just-closed port out again, so the suite's port picker must never repeat one.
    drawn = [free_port() for _ in range(3000)]
    expect(len(set(drawn)) == len(drawn), f"free_port repeated {len(drawn) - len(set(drawn))} of 3000 ports")
    print("ok free_port never hands a port out twice")
    # Leader election needs replicaCount > 1 in the chart: that is what grants the Lease rights.
    ensure_chart(leader_election=True)
    kubeconfig = write_sa_kubeconfig(os.path.join(LOG_DIR, "harness-sa-kubeconfig"))
    expect(
        sa_can_i(kubeconfig, "create", "leases.coordination.k8s.io", NS),
        "no Lease rights with replicaCount 2",
    )
    ensure_chart()
    expect(
        not sa_can_i(kubeconfig, "create", "leases.coordination.k8s.io", NS),
        "Lease rights with replicaCount 1",
    )
    print("ok chart switches to leader-election RBAC and back, Deployment stays at 0")
    # A scenario frame cleans up after itself, even with no operator running.
    with Scenario("harness") as s:
        s.apply(training_job("left", s.ns))
        kubectl("run", "stray", "-n", s.ns, "--image=busybox", "--restart=Never")
        expect(exists(TJ, "left", "-n", s.ns), "TrainingJob not created")
    wait_until(
        f"namespace {s.ns} to go after the scenario's cleanup",
        lambda: not exists("namespace", s.ns),
        timeout=60,
    )
    print("ok scenario namespace, its job and pod removed on exit")


def case_teardown():
    """Whatever the scenarios left: operators, namespaces, the Lease, the suite's nodes; then the release."""
    require_cluster()
    kill_stale_operators()
    for n in kjson("get", "namespaces")["items"]:
        if n["metadata"]["name"].startswith(NS_PREFIX):
            delete_namespace(n["metadata"]["name"])
    delete_lease()
    uninstall_chart()
    # The release's namespace too: ensure_chart creates it (helm --create-namespace), and the
    # cluster fixture's leftovers check fails on a namespace the tests leave behind.
    delete_namespace(NS)
    delete_suite_nodes()
    left = [
        n["metadata"]["name"]
        for n in kjson("get", "namespaces")["items"]
        if n["metadata"]["name"].startswith(NS_PREFIX) or n["metadata"]["name"] == NS
    ]
    expect(not left, f"e2e namespaces left: {left}")
    print("ok e2e namespaces, nodes, Lease, release and its namespace removed")
