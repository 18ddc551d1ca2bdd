#!/usr/bin/env python3
"""Compares planner settings on the Pollux workloads: the tables of docs/simulator.md's alternatives.

    sim/scripts/variants.py --sim build/release/sim/lattice-sim '{}' '{"repackRunning": false}' ...
    sim/scripts/variants.py --sim build/release/sim/lattice-sim --robustness '{}' '{"repackRunning": false}'

Each variant is a `--set` document on top of the default. The first form prints one row per variant:
workload 6's avg JCT and restarts, the mean avg JCT and the restarts summed over the eight workloads at 1x
load, on how many of them it beats the Tiresias baseline (at 1x, then 0.5x/1.5x/2x load), on how many
maxSize twice the tuned count is worse than maxSize equal to it (and the change of the mean), and on how
many its makespan and p99 JCT are no worse than the legacy policy's. --robustness prints, for each variant,
the mean avg JCT, the restarts and the Tiresias wins at 1x load under other cluster settings (the same
option added to every run, Tiresias' included).
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
SETTINGS = [[], ["--restart-penalty", "45"], ["--interval", "120"], ["--nodes", "12"], ["--nodes", "24"]]


class Runner:
    def __init__(self, sim):
        self.sim = sim
        self.pool = concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2)

    def one(self, load, workload, args):
        path = os.path.join(DATA, load, f"workload-{workload}.csv")
        out = subprocess.run(
            [self.sim, "--workload", path, "--json", "/dev/stdout", *args],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode not in (0, 3):
            sys.exit(f"lattice-sim failed on {path} {args}: {out.stderr}")
        return json.loads(out.stdout.splitlines()[0])["summary"]

    def eight(self, args, load="workloads"):
        return list(self.pool.map(lambda w: self.one(load, w, args), range(1, 9)))


def wins(runs, baseline):
    return sum(r["avgJct"] < b["avgJct"] for r, b in zip(runs, baseline, strict=True))


def mean(runs):
    return sum(r["avgJct"] for r in runs) / len(runs)


def row(runner, variant):
    base = ["--set", variant]
    x1 = runner.eight(base)
    x2 = runner.eight([*base, "--max-factor", "2"])
    legacy = runner.eight(["--set", '{"preset": "legacy"}'])
    loads = [wins(runner.eight(base, load), runner.eight(["--policy", "tiresias"], load)) for load in LOADS]
    worse = sum(b["avgJct"] > a["avgJct"] for a, b in zip(x1, x2, strict=True))
    change = 100 * (mean(x2) / mean(x1) - 1)
    makespan = sum(a["makespan"] <= b["makespan"] for a, b in zip(x1, legacy, strict=True))
    p99 = sum(a["p99Jct"] <= b["p99Jct"] for a, b in zip(x1, legacy, strict=True))
    return (
        f"| `{variant}` | {x1[5]['avgJct']:,.0f} s / {x1[5]['restarts']} | {mean(x1):,.0f} s | "
        f"{sum(r['restarts'] for r in x1):,} | {loads[0]} of 8 ({loads[1]}/{loads[2]}/{loads[3]}) | "
        f"{worse} of 8 ({change:+.1f}%) | {makespan} / {p99} of 8 |"
    )


def robustness(runner, variants):
    head = "| setting (1x load) | " + " | ".join(
        f"`{v}`: mean avg JCT / restarts / beats Tiresias" for v in variants
    )
    lines = [head + " |", "|---|" + "---|" * len(variants)]
    for setting in SETTINGS:
        tiresias = runner.eight(["--policy", "tiresias", *setting])
        cells = []
        for v in variants:
            runs = runner.eight(["--set", v, *setting])
            cells.append(
                f"{mean(runs):,.0f} s / {sum(r['restarts'] for r in runs):,} / {wins(runs, tiresias)} of 8"
            )
        name = " ".join(setting) if setting else "as above (16 x 4 GPUs, 60 s, 30 s penalty)"
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sim", required=True, help="the lattice-sim executable")
    ap.add_argument("--robustness", action="store_true", help="the variants under other cluster settings")
    ap.add_argument("variants", nargs="+", help="--set documents, e.g. '{}' for the default")
    args = ap.parse_args()
    runner = Runner(args.sim)
    if args.robustness:
        print(robustness(runner, args.variants))
        return
    print(
        "| variant | workload 6 avg JCT / restarts | mean avg JCT | restarts | better than Tiresias | "
        "maxSize x2 worse than x1 | makespan / p99 no worse than legacy |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for v in args.variants:
        print(row(runner, v))


if __name__ == "__main__":
    main()
