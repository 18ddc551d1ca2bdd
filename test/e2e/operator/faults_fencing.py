"""Fencing: a leader paused (SIGSTOP) past its Lease with writes queued, a standby that takes over,
the old leader resumed (SIGCONT). The API server's audit log (scripts/cluster turns it on) shows who
wrote what: no write but Lease requests comes from the old replica after the new one acquired the
Lease, every job converges with one worker each, and the handover time is measured."""

import glob
import json
import os
import signal
import time
from datetime import datetime

from e2e_chart import lease_holder
from e2e_jobs import training_job
from e2e_kube import expect, wait_until
from e2e_scenario import Scenario
from scenarios_faults import LEASE_ARGS

WRITE_VERBS = {"create", "patch", "update", "delete", "deletecollection"}
JOBS = 16
# Lease duration + retry period (LEASE_ARGS) + a margin for a loaded machine: the README's figure.
HANDOVER_LIMIT = 14.0
# The old leader's API rate while its queue is built: its writes pile up in the write dispatcher.
SLOW_API = ["--api-qps", "2", "--api-burst", "1"]


def audit_log_path():
    cluster_dir = os.environ.get("LATTICE_CLUSTER_DIR") or os.path.expanduser("~/.cache/lattice/cluster")
    return os.path.join(cluster_dir, "audit.log")


def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def audit_events(since):
    """The audit log's events received at or after `since` (epoch seconds), oldest first."""
    path = audit_log_path()
    expect(
        os.path.exists(path),
        f"no audit log at {path}: the API server runs without --audit-log-path "
        "(restart it: scripts/cluster stop kube-apiserver && scripts/cluster up)",
    )
    out = []
    rotated = sorted(glob.glob(os.path.join(os.path.dirname(path), "audit-*.log")))  # audit-<time>.log
    for name in rotated[-1:] + [path]:
        if not os.path.exists(name):
            continue
        with open(name) as f:
            for line in f:
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                t = parse_time(e.get("requestReceivedTimestamp", "1970-01-01T00:00:00Z"))
                if t >= since:
                    e["_t"] = t
                    out.append(e)
    return sorted(out, key=lambda e: e["_t"])


def by_replica(events, identity):
    suffix = f"({identity})"
    return [e for e in events if e.get("userAgent", "").endswith(suffix)]


def is_lease(e):
    return (e.get("objectRef") or {}).get("resource") == "leases"


def writes(events):
    return [e for e in events if e.get("verb") in WRITE_VERBS and not is_lease(e)]


def describe(e):
    ref = e.get("objectRef") or {}
    code = (e.get("responseStatus") or {}).get("code")
    return (
        f"{e['requestReceivedTimestamp']} {e['verb']} {ref.get('resource')}/{ref.get('name', '')} -> {code}"
    )


def scenario_fencing():
    with Scenario("fencing", leader_election=True) as s:
        # The first replica leads, with a slow API client; the second stands by at full speed.
        old_id, new_id = "fence-a", "fence-b"
        started = time.time()
        old = s.start_operator(old_id, LEASE_ARGS + ["--identity", old_id] + SLOW_API)
        wait_until(f"{old_id} to hold the Lease", lambda: lease_holder() == old_id, timeout=40)
        s.start_operator(new_id, LEASE_ARGS + ["--identity", new_id])
        expect(
            by_replica(audit_events(started - 60), old_id),
            f"the audit log names no request of {old_id}: its User-Agent must end in ({old_id})",
        )

        # Work for the old leader's queue: at 1 request/s its creates and status writes wait.
        s.apply(*[training_job(f"job-{k}", s.ns, min_size=1, max_size=1, gpus=1) for k in range(JOBS)])
        wait_until(
            f"{old_id} to start writing for the new jobs",
            lambda: writes(by_replica(audit_events(started), old_id)),
            timeout=30,
            interval=0.2,
        )
        stopped = time.time()
        os.kill(old.process.pid, signal.SIGSTOP)
        try:
            wait_until(
                f"{new_id} to hold the Lease", lambda: lease_holder() == new_id, timeout=40, interval=0.2
            )
            acquired_events = [
                e
                for e in by_replica(audit_events(stopped), new_id)
                if is_lease(e)
                and e.get("verb") in WRITE_VERBS
                and (e.get("responseStatus") or {}).get("code", 0) < 300
            ]
            expect(acquired_events, f"no successful Lease write of {new_id} in the audit log")
            acquired = acquired_events[0]["_t"]
            first_write = wait_until(
                f"{new_id}'s first write as leader",
                lambda: next(iter(writes(by_replica(audit_events(stopped), new_id))), None),
                timeout=30,
                interval=0.2,
            )
        finally:
            os.kill(old.process.pid, signal.SIGCONT)
        resumed = time.time()
        handover = first_write["_t"] - stopped
        print(
            f"ok {old_id} stopped at +0.0s; {new_id} acquired the Lease at +{acquired - stopped:.1f}s "
            f"and wrote at +{handover:.1f}s ({describe(first_write)})"
        )

        # Every job converges under the new leader, one worker each (no duplicate, nothing lost).
        s.wait(
            f"all {JOBS} jobs Running with one worker",
            lambda st: all(st.settled(f"job-{k}", "Running", 1) for k in range(JOBS)),
            timeout=120,
        )
        st = s.state()
        pods = [p["metadata"]["name"] for k in range(JOBS) for p in st.workers(f"job-{k}", active_only=False)]
        expect(len(pods) == JOBS, f"want {JOBS} worker pods, one per job: {sorted(pods)}")
        wait_until(f"{old_id} to stand by", lambda: lease_holder() == new_id and old.alive(), timeout=20)
        time.sleep(3)  # anything the resumed replica still had would have gone by now

        late = writes(by_replica(audit_events(acquired), old_id))
        expect(
            not late,
            f"{len(late)} write(s) from {old_id} after {new_id} acquired the Lease "
            f"(resumed at +{resumed - stopped:.1f}s):\n  " + "\n  ".join(describe(e) for e in late[:20]),
        )
        dropped = [line for line in old.log_lines() if "queued writes dropped" in line]
        print(
            f"ok no write from {old_id} after the takeover; its log: {dropped[-1] if dropped else '(none)'}"
        )
        s.check(
            handover <= HANDOVER_LIMIT,
            f"handover took {handover:.1f}s, want <= {HANDOVER_LIMIT}s (lease 10s, retry 2s)",
        )
        print(f"ok fencing: handover {handover:.1f}s, {JOBS} jobs converged, {len(pods)} pods")


CASES = {"fencing": scenario_fencing}
