"""Fault case: /readyz reports a watch that makes no progress. With a short --watch-stall-window the
API server is stopped: /readyz goes 503 naming the stalled watch, and is ready again at the first
progress once the API server is back; a job applied then runs."""

import time

from e2e_jobs import training_job
from e2e_kube import GPU_NODES, expect, kubectl, wait_until
from e2e_scenario import Scenario
from fault_figures import duplicates, record
from faults_decode import api_ready, cluster

# The flag's smallest value. A quiet watch (no event, no bookmark) looks stalled this soon too, so
# the case makes every watch progress right before it checks that the operator is ready.
WINDOW_SECONDS = 10


def readyz(op):
    try:
        return op.probe("/readyz")
    except OSError as e:  # the operator's probe port must keep answering: report it as a failure
        return 0, str(e)


def touch_every_watch(s, name):
    """An event on each watched resource: a Node (a label on a suite node), a TrainingJob and its
    Pods (a job applied and Running)."""
    kubectl("label", "node", GPU_NODES[0], f"lattice.dev/e2e-touch={int(time.time())}", "--overwrite")
    s.apply(training_job(name, s.ns))
    s.wait(f"{name} Running", lambda st: st.settled(name, "Running", 1), timeout=60)


def case_readiness_stall():
    with Scenario("readiness-stall") as s:
        op = s.start_operator(extra_args=["--watch-stall-window", f"{WINDOW_SECONDS}s"])
        try:
            touch_every_watch(s, "warm")
            status, body = readyz(op)
            expect(
                status == 200, f"/readyz answered {status} with every watch just progressing: {body.strip()}"
            )
            cluster("stop", "kube-apiserver")
            stopped = time.time()
            try:
                status, body = wait_until(
                    "/readyz 503 naming a watch that made no progress",
                    lambda: (lambda r: r[0] == 503 and "made no progress" in r[1] and r)(readyz(op)),
                    timeout=WINDOW_SECONDS + 30,
                    interval=0.5,
                )
                stalled_after = time.time() - stopped
                print(f"/readyz 503 {stalled_after:.1f}s after the API server stopped: {body.strip()}")
                expect(
                    f"(window {WINDOW_SECONDS}s)" in body,
                    f"/readyz does not name the window: {body.strip()}",
                )
                expect(op.probe("/healthz")[0] == 200, "/healthz failed: the process itself is fine")
            finally:
                cluster("start", "kube-apiserver")
            wait_until("the API server to answer again", api_ready, timeout=60, interval=0.2)
            back = time.time()
            wait_until("/readyz ready again", lambda: readyz(op)[0] == 200, timeout=30, interval=0.2)
            ready_after = time.time() - back
            print(f"API server back -> /readyz 200: {ready_after:.1f}s")
            s.apply(training_job("fresh", s.ns))
            st = s.wait("fresh admitted", lambda st: st.stage("fresh") == "Running" and st, timeout=60)
            s.check(st.stage("warm") == "Running", f"warm left Running: {st.status('warm')}")
            s.check(st.settled("warm", "Running", 1), "warm's worker changed")
            record(
                "readiness_stall",
                f"watches stalled (API server stopped; --watch-stall-window {WINDOW_SECONDS}s)",
                ready_after,
                sum(1 for job in ("warm", "fresh") if job not in st.jobs),
                duplicates(st, "warm", 1),
                f"/readyz 503 after {stalled_after:.0f}s, 200 at the first progress; jobs went on",
            )
        finally:
            if not api_ready():
                cluster("start", "kube-apiserver")
            kubectl("label", "node", GPU_NODES[0], "lattice.dev/e2e-touch-", check=False)
        # The cluster's controllers reconnect at their own pace: end once they run pods again.
        s.wait("fresh Running", lambda st: st.settled("fresh", "Running", 1), timeout=180)


CASES = {"readiness_stall": case_readiness_stall}
