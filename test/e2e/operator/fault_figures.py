"""Figures of the fault cases: each case records, for the fault it injects, the time until the
affected job ran again, the objects lost and the duplicate pods seen. record() prints one
`FAULT-FIGURE {...}` line and writes $LATTICE_BUILD_DIR/test/e2e/operator/fault-figures/<case>.json;
`python3 test/e2e/operator/fault_figures.py [BUILD_DIR]` prints the Markdown table of docs/faults.md
from those files."""

import glob
import json
import os
import sys

from e2e_jobs import index_of, is_active
from e2e_kube import BUILD_DIR


def figures_dir(build_dir=BUILD_DIR):
    return os.path.join(build_dir, "test", "e2e", "operator", "fault-figures")


def record(case, fault, recovery_s, objects_lost, duplicate_pods, outcome):
    figure = {
        "case": case,
        "fault": fault,
        "recovery_s": None if recovery_s is None else round(recovery_s, 1),
        "objects_lost": objects_lost,
        "duplicate_pods": duplicate_pods,
        "outcome": outcome,
    }
    print("FAULT-FIGURE " + json.dumps(figure), flush=True)
    os.makedirs(figures_dir(), exist_ok=True)
    with open(os.path.join(figures_dir(), case + ".json"), "w") as f:
        json.dump(figure, f)
    return figure


def duplicates(state, job, max_size):
    """Active workers beyond one per replica index, plus any beyond maxSize: what a fault must never
    cause (two workers of one rank)."""
    workers = [p for p in state.workers(job, active_only=False) if is_active(p)]
    per_index = {}
    for p in workers:
        per_index[index_of(p)] = per_index.get(index_of(p), 0) + 1
    return sum(n - 1 for n in per_index.values()) + max(0, len(workers) - max_size)


def table(build_dir=BUILD_DIR):
    rows = []
    for path in sorted(glob.glob(os.path.join(figures_dir(build_dir), "*.json"))):
        with open(path) as f:
            rows.append(json.load(f))
    out = [
        "| fault (case) | time to recover | objects lost | duplicate pods | outcome |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        recovery = "-" if r["recovery_s"] is None else f"{r['recovery_s']:.1f} s"
        out.append(
            f"| {r['fault']} (`{r['case']}`) | {recovery} | {r['objects_lost']} | {r['duplicate_pods']} "
            f"| {r['outcome']} |"
        )
    return "\n".join(out)


if __name__ == "__main__":
    print(table(sys.argv[1] if len(sys.argv) > 1 else BUILD_DIR))
