#!/usr/bin/env python3
"""End-to-end scenarios of the operator and its observability on the local cluster.

Usage: e2e_test.py CASE   (CTest runs each case as its own test, serially: see CMakeLists.txt)

The chart is installed with real Helm and its Deployment scaled to 0; the operator
($LATTICE_OPERATOR_BIN, default $LATTICE_BUILD_DIR/app/lattice-operator) runs as a local process
with a kubeconfig holding the chart ServiceAccount's token, its JSON log in
$LATTICE_BUILD_DIR/test/e2e/operator/<case>-<name>.log. Each scenario has its own namespace
lattice-e2e-<case>, deleted at the end. LATTICE_E2E_OPERATOR_ARGS adds operator flags;
LATTICE_E2E_LOG_LEVEL sets its log level (default debug). Fails, never skips.
"""

import glob
import importlib
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness_cases  # noqa: E402
import scenario_observability  # noqa: E402
import scenarios_faults  # noqa: E402
import scenarios_lifecycle  # noqa: E402
import scenarios_placement  # noqa: E402
import scenarios_sharing  # noqa: E402
import scenarios_throughput  # noqa: E402

CASES = {
    "setup": harness_cases.case_setup,
    "harness": harness_cases.case_harness,
    "example": scenarios_lifecycle.scenario_example,  # (a)
    "sharing": scenarios_sharing.scenario_sharing,  # (b)
    "preemption": scenarios_sharing.scenario_preemption,  # (c)
    "requeue": scenarios_sharing.scenario_requeue,  # (d)
    "backoff": scenarios_lifecycle.scenario_backoff,  # (e)
    "delete": scenarios_lifecycle.scenario_delete,  # (f)
    "restart": scenarios_faults.scenario_restart,  # (g)
    "leader": scenarios_faults.scenario_leader,  # (h)
    "invalid": scenarios_lifecycle.scenario_invalid,  # (i)
    "status": scenarios_lifecycle.scenario_status,
    "bound": scenarios_lifecycle.scenario_bound,
    "observability": scenario_observability.scenario_observability,
    "throughput": scenarios_throughput.scenario_throughput,
    "throughput-growth": scenarios_throughput.scenario_throughput_growth,
    "repack": scenarios_placement.scenario_repack,
    "lend": scenarios_placement.scenario_lend,
    "teardown": harness_cases.case_teardown,
}

# The fault suite: every faults_<topic>.py next to this file has a CASES dict of its own.
for path in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "faults_*.py"))):
    module = importlib.import_module(os.path.splitext(os.path.basename(path))[0])
    CASES.update(module.CASES)


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(CASES)}}}")
    case = sys.argv[1]
    started = time.time()
    try:
        CASES[case]()
    except AssertionError as e:
        print(f"FAIL {case} after {time.time() - started:.0f}s: {e}", flush=True)
        sys.exit(1)
    print(f"PASS {case} in {time.time() - started:.0f}s")


if __name__ == "__main__":
    main()
