"""One scenario's frame: chart installed, idle cluster, own namespace, operator processes, polling
with diagnostics, and a cleanup that leaves nothing behind (so scenarios are independent)."""

import os
import signal
import time

from e2e_chart import NS as OPERATOR_NS
from e2e_chart import delete_lease, ensure_chart, write_sa_kubeconfig
from e2e_jobs import State, delete_jobs
from e2e_kube import (
    GROUP,
    NS_PREFIX,
    TJ,
    ScenarioError,
    apply_object,
    delete_namespace,
    kubectl,
    make_namespace,
    print_section,
    require_cluster,
    require_idle_cluster,
    strip_finalizers,
    wait_until,
)
from e2e_operator import LOG_DIR, TEST_TIMINGS, Operator, kill_stale_operators


class Scenario:
    """`with Scenario("requeue") as s:` — namespace lattice-e2e-requeue, chart ready, SA kubeconfig
    written; s.start_operator() runs the operator; on failure the jobs, pods, events and operator
    logs are printed; on exit every job, pod and operator is gone."""

    def __init__(self, name, leader_election=False):
        self.name = name
        self.ns = NS_PREFIX + name
        self.leader_election = leader_election
        self.operators = []
        self.kubeconfig = os.path.join(LOG_DIR, f"{name}-sa-kubeconfig")
        self.started = time.time()
        self.problems = []  # failed checks that do not stop the scenario (reported at its end)

    def __enter__(self):
        require_cluster()
        kill_stale_operators()
        ensure_chart(leader_election=self.leader_election)
        require_idle_cluster(keep=self.ns)
        make_namespace(self.ns)
        if self.leader_election:
            delete_lease()
        write_sa_kubeconfig(self.kubeconfig)
        return self

    def __exit__(self, exc_type, exc, tb):
        failed = exc_type is not None
        if failed:
            self.diagnostics()
        problems = []
        try:
            problems += self._cleanup()
        except Exception as e:  # cleanup must not hide the scenario's own failure
            problems.append(f"cleanup failed: {e}")
        print(f"scenario {self.name}: {time.time() - self.started:.0f}s")
        if self.problems and not failed:
            self.diagnostics()
            problems = [
                f"{len(self.problems)} check(s) failed:\n  - " + "\n  - ".join(self.problems)
            ] + problems
        if problems and not failed:
            raise ScenarioError("; ".join(problems))
        if problems:
            print("also:", "; ".join(problems))
        return False

    def _cleanup(self):
        problems = []
        # Jobs first, while an operator still runs (finalizers, its own pod deletion), then the rest.
        delete_jobs(self.ns)
        if any(op.alive() for op in self.operators):
            try:
                wait_until(
                    "the scenario's TrainingJobs to be deleted",
                    lambda: not kubectl("get", TJ, "-n", self.ns, "-o", "name", check=False).stdout.strip(),
                    timeout=30,
                )
            except ScenarioError as e:
                problems.append(str(e))
        for op in self.operators:
            if op.alive():
                try:
                    code = op.stop(signal.SIGTERM)
                except ScenarioError as e:
                    problems.append(str(e))
                    continue
                if code != 0:
                    problems.append(
                        f"operator {op.name} exited {code} on SIGTERM (want 0; log {op.log_path}):\n"
                        + op.log_tail(30)
                    )
        strip_finalizers(self.ns)  # no operator is left to remove them
        # The pods must be gone (the next scenario counts GPUs); the namespace may finish later.
        delete_namespace(self.ns, wait=False)
        try:
            wait_until(
                f"the pods of {self.ns} to be deleted",
                lambda: not kubectl("get", "pods", "-n", self.ns, "-o", "name").stdout.strip(),
                timeout=60,
            )
        except ScenarioError as e:
            problems.append(str(e))
        if self.leader_election:
            delete_lease()
        return problems

    def check(self, cond, message):
        """A check whose failure is reported at the end of the scenario, which goes on meanwhile
        (so one run shows every finding, not only the first)."""
        if not cond:
            print(f"CHECK FAILED: {message}")
            self.problems.append(message)
        return bool(cond)

    # -- operators
    def start_operator(
        self, name="operator", extra_args=(), wait=True, timings=TEST_TIMINGS, kubeconfig=None
    ):
        """The operator (with the chart's monitorNamespace mode on the scenario's namespace: on the
        shared cluster it must not act on anyone else's TrainingJobs)."""
        args = ["--namespace", self.ns] + list(extra_args)
        op = Operator(f"{self.name}-{name}", kubeconfig or self.kubeconfig, args, timings).start()
        self.operators.append(op)
        if wait:
            op.wait_ready()
        return op

    # -- jobs and polling
    def apply(self, *objects):
        for obj in objects:
            apply_object(obj)

    def state(self, group=GROUP):
        return State(self.ns, group)

    def wait(self, what, predicate, timeout=60, interval=1.0, group=GROUP):
        """Polls State(ns, group) until predicate(state) is truthy (returned)."""
        last = {}

        def probe():
            st = State(self.ns, group)
            last["summary"] = st.summary()
            return predicate(st)

        try:
            return wait_until(what, probe, timeout=timeout, interval=interval)
        except ScenarioError as e:
            raise ScenarioError(f"{e}\n  jobs at the end: {last.get('summary')}") from e

    def diagnostics(self):
        print(f"===== diagnostics of scenario {self.name} (namespace {self.ns})")
        for op in self.operators:  # first: CI output keeps the head and the tail of a long failure
            print_section(f"operator {op.name}: what it did (info and above)", op.actions())
        for args in (
            ["get", TJ, "-n", self.ns, "-o", "yaml"],
            ["get", "pods", "-n", self.ns, "-o", "wide", "--show-labels"],
            ["get", "events", "-n", self.ns, "--sort-by=.lastTimestamp"],
            ["get", "lease", "-n", OPERATOR_NS],
        ):
            result = kubectl(*args, check=False)
            print_section("kubectl " + " ".join(args), (result.stdout + result.stderr)[-12000:])
        for op in self.operators:
            op.print_diagnostics()
