#!/usr/bin/env python3
"""Runs lattice-sim over the Pollux workloads and writes the results tables.

    sim/scripts/results.py --sim build/release/sim/lattice-sim --out results.json [--markdown results.md]
                           [--plots DIR] [--reference ref.jsonl]

Policies: the Tiresias baseline, the first planner (preset "legacy"), the
default planner, and the default planner with throughput reports; each on the
eight workloads at 0.5x, 1x, 1.5x and 2x job load, and at 1x load with maxSize
twice the tuned GPU count. --reference adds, per workload, the avg JCT the
Pollux paper's own simulator gave for the same policy (JSON lines with
"label", "workload", "avg", "p99", "makespan", "restarts"). Plots need
matplotlib (a venv from PyPI; never Debian's python3-* packages).
"""

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "pollux")
LOADS = ["workloads", "workloads-0.5", "workloads-1.5", "workloads-2.0"]
POLICIES = {
    "tiresias": ["--policy", "tiresias"],
    "legacy": ["--set", '{"preset": "legacy"}'],
    "default": [],
    "default+throughput": ["--throughput"],
}
POLLUX_PUBLISHED = {("workloads", 6): 2446}


def run(sim, load, workload, args):
    path = os.path.join(DATA, load, f"workload-{workload}.csv")
    out = subprocess.run(
        [sim, "--workload", path, "--json", "/dev/stdout", *args], capture_output=True, text=True, check=False
    )
    if out.returncode not in (0, 3):
        sys.exit(f"lattice-sim failed on {path}: {out.stderr}")
    return json.loads(out.stdout.splitlines()[0])["summary"]


def matrix(sim):
    cases = []
    for load in LOADS:
        for name, args in POLICIES.items():
            for w in range(1, 9):
                cases.append((load, name, w, args))
    for name in ("legacy", "default", "default+throughput"):
        for w in range(1, 9):
            cases.append(("workloads", name + " maxSize x2", w, [*POLICIES[name], "--max-factor", "2"]))
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        futures = {pool.submit(run, sim, load, w, args): (load, name, w) for load, name, w, args in cases}
        results = []
        for future in concurrent.futures.as_completed(futures):
            load, name, w = futures[future]
            results.append({"load": load, "policy": name, "workload": w, **future.result()})
    results.sort(key=lambda r: (r["load"], r["workload"], r["policy"]))
    return results


def reference_index(path):
    index = {}
    if not path:
        return index
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            load = os.path.basename(os.path.dirname(r["workload"]))
            w = int(os.path.basename(r["workload"]).split("-")[1].split(".")[0])
            index[(r["label"], load, w)] = r
    return index


def markdown(results, reference):
    lines = []
    by = {}
    for r in results:
        by.setdefault((r["load"], r["workload"]), []).append(r)
    for (load, w), rows in sorted(by.items()):
        factor = {"workloads": "1x", "workloads-0.5": "0.5x", "workloads-1.5": "1.5x", "workloads-2.0": "2x"}[
            load
        ]
        lines.append(f"#### Workload {w}, {factor} load\n")
        head = "| policy | avg JCT | p99 JCT | makespan | restarts | utilisation |"
        sep = "|---|---:|---:|---:|---:|---:|"
        if reference:
            head += " reference sim avg JCT |"
            sep += "---:|"
        lines += [head, sep]
        for r in rows:
            line = (
                f"| {r['policy']} | {r['avgJct']:,.0f} s | {r['p99Jct']:,.0f} s | {r['makespan']:,.0f} s | "
                f"{r['restarts']} | {100 * r['utilisation']:.1f}% |"
            )
            if reference:
                ref = reference.get((r["policy"], load, w))
                line += f" {ref['avg']:,.0f} s |" if ref else " |"
            lines.append(line)
        if (load, w) in POLLUX_PUBLISHED:
            lines.append(f"| Pollux (published) | {POLLUX_PUBLISHED[(load, w)]:,} s | | | | |")
        lines.append("")
    return "\n".join(lines)


def plots(results, directory):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(directory, exist_ok=True)
    names = list(POLICIES)
    for metric, label, file in (
        ("avgJct", "average JCT (s)", "avg-jct.png"),
        ("restarts", "restarts", "restarts.png"),
    ):
        fig, ax = plt.subplots(figsize=(9, 4))
        for k, name in enumerate(names):
            values = [
                next(
                    r[metric]
                    for r in results
                    if r["load"] == "workloads" and r["policy"] == name and r["workload"] == w
                )
                for w in range(1, 9)
            ]
            ax.bar([w + (k - 1.5) * 0.2 for w in range(1, 9)], values, width=0.2, label=name)
        ax.set_xlabel("workload")
        ax.set_ylabel(label)
        ax.set_xticks(range(1, 9))
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(directory, file), dpi=100)
        plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sim", required=True, help="the lattice-sim executable")
    ap.add_argument("--out", required=True, help="JSON file for every run's figures")
    ap.add_argument("--markdown", help="Markdown file for the tables")
    ap.add_argument("--plots", help="directory for PNG plots (needs matplotlib)")
    ap.add_argument("--reference", help="JSON lines from the reference simulator")
    args = ap.parse_args()
    results = matrix(args.sim)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(markdown(results, reference_index(args.reference)))
    if args.plots:
        plots(results, args.plots)


if __name__ == "__main__":
    main()
