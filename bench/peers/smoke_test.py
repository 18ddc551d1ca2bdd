#!/usr/bin/env python3
"""CTest bench_peers_smoke: the side-by-side benchmark at its smoke size with this build's operator
($LATTICE_BUILD_DIR/app/lattice-operator) and the peers of scripts/build-peer-bins. Checks that every phase
of both systems finished and every compared figure was measured for both. Timings are recorded, never
asserted."""

import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "scale")]
from peers_report import FIGURES, value  # noqa: E402

# Figures every system measures in a completed run. The others may be null for a peer that never got
# there (a fill that never reached 95%, a high-priority job still queued when the phase timed out).
ALWAYS = (
    "burst.latency_min_workers.all.created_p99_s",
    "burst.api_requests_per_job",
    "churn.usage.total.rss_peak_mib",
    "churn.api_requests_per_job",
    "churn.bytes_received_per_job_kib",
    "usage_whole_run.total.rss_peak_mib",
)
# This operator must finish every job of every phase, so every figure but these is measured.
MAY_BE_NULL = {"contention.gpus_taken_from_lower", "contention.gpu_seconds_lost"}


def main():
    build = os.environ.get("LATTICE_BUILD_DIR")
    if not build:
        sys.exit("LATTICE_BUILD_DIR is not set (run through CTest)")
    out_dir = os.path.join(build, "bench", "peers")
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, "smoke-result.json")
    if os.path.exists(out):
        os.remove(out)
    code = subprocess.run(
        [sys.executable, os.path.join(HERE, "run.py"), "--size", "smoke", "--out", out,
         "--operator", os.path.join(build, "app", "lattice-operator")]
    ).returncode  # fmt: skip
    if not os.path.exists(out):
        sys.exit(f"FAIL: no result file {out} (run.py exited with {code})")
    result = json.load(open(out))
    problems = [] if code == 0 else [f"run.py exited with {code}"]
    if not result.get("completed"):
        problems.append(f"not completed: {result.get('error')}")
    for name in ("lattice", "peers", "peers-nb"):
        summary = result["systems"].get(name)
        if summary is None:
            problems.append(f"no result for {name}")
            continue
        if summary.get("error") or summary.get("failures"):
            problems.append(f"{name}: {summary.get('error')} {summary.get('failures')}")
        if name != "lattice":
            missing = [path for path in ALWAYS if value(summary, path) is None]
            if missing:
                problems.append(f"{name}: figures not measured: {missing}")
            continue
        if summary.get("notes"):
            problems.append(f"lattice did not finish every job: {summary['notes']}")
        missing = [
            path
            for _, path, _ in FIGURES
            if path and path not in MAY_BE_NULL and value(summary, path) is None
        ]
        if missing:
            problems.append(f"{name}: figures not measured: {missing}")
    if problems:
        sys.exit("FAIL: " + "\n".join(problems))
    print(f"ok: every system ran every phase; result {out}")


if __name__ == "__main__":
    main()
