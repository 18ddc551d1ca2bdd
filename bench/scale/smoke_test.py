#!/usr/bin/env python3
"""CTest bench_scale_smoke: runs the cluster-scale benchmark at its smoke size with this build's
operator ($LATTICE_BUILD_DIR/app/lattice-operator) and checks that the driver completed, every job
Completed and the result JSON has every field. Timings are recorded, never asserted."""

import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from scale_report import missing_fields  # noqa: E402

# Figures every completed run measures (the others may be null, e.g. a fill that never reached 95%).
ALWAYS_MEASURED = (
    "operator.rss_peak_mib",
    "operator.rss_steady_mib",
    "operator.cpu_idle_loaded_cores",
    "latency.probe_8.created_p99_s",
    "latency.probe_64.created_p99_s",
    "latency.probe_64.running_p99_s",
    "pod_creation.ceiling_pods_per_s",
    "api.requests_per_job",
    "plan.count",
    "gpu_allocation.samples",
)


def value(result, path):
    for key in path.split("."):
        result = result[key]
    return result


def main():
    build = os.environ.get("LATTICE_BUILD_DIR")
    if not build:
        sys.exit("LATTICE_BUILD_DIR is not set (run through CTest)")
    operator = os.path.join(build, "app", "lattice-operator")
    out_dir = os.path.join(build, "bench", "scale")
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, "smoke-result.json")
    if os.path.exists(out):
        os.remove(out)
    code = subprocess.run(
        [
            sys.executable,
            os.path.join(HERE, "run.py"),
            "--size",
            "smoke",
            "--out",
            out,
            "--operator",
            operator,
        ]
    ).returncode
    problems = []
    if code != 0:
        problems.append(f"run.py exited with {code}")
    if not os.path.exists(out):
        sys.exit(f"FAIL: no result file {out} ({'; '.join(problems)})")
    result = json.load(open(out))
    jobs = result.get("jobs", {})
    if not result.get("completed"):
        problems.append(f"not completed: error {result.get('error')}, failures {result.get('failures')}")
    if jobs.get("completed") != jobs.get("total") or not jobs.get("total"):
        problems.append(
            f"{jobs.get('completed')} of {jobs.get('total')} jobs Completed "
            f"(stages {result.get('stages')}, unfinished {result.get('unfinished')})"
        )
    expected_total = result["config"]["jobs"] + 2 * result["config"]["probes_per_size"]
    if jobs.get("total") != expected_total:
        problems.append(f"{jobs.get('total')} jobs in the result, expected {expected_total}")
    missing = missing_fields(result)
    if missing:
        problems.append(f"fields missing from the result: {missing}")
    else:
        nulls = [p for p in ALWAYS_MEASURED if value(result, p) is None]
        if nulls:
            problems.append(f"figures not measured: {nulls}")
    if problems:
        sys.exit("FAIL: " + "\n".join(problems))
    print(f"ok: {jobs['completed']} jobs Completed, result {out}")


if __name__ == "__main__":
    main()
