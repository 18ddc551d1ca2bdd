#!/usr/bin/env python3
"""Searches the planner's settings for a workload in lattice-sim: the settings with the lowest mean avg JCT,
or the fewest restarts while the mean avg JCT stays within a bound (docs/simulator.md, "Tuning the settings
for a workload").

    sim/scripts/tune.py --sim build/release/sim/lattice-sim --minimize restarts --max-jct-increase 5
    sim/scripts/tune.py --sim build/release/sim/lattice-sim --sim-arg=--restart-penalty=300 \\
        --base '{"restartCostSeconds": 300}'
    sim/scripts/tune.py --sim build/release/sim/lattice-sim --workload my-trace.csv --sim-arg=--nodes=32

The workloads default to the eight Pollux traces at 1x load. The search starts from the operator's
defaults plus --base, then evaluates --evaluations candidates: mostly the best so far with one to three
settings changed, now and then a fresh random draw over the whole space (SPACE below). The same seed gives
the same search. It prints the starting point's figures, the best found, its `--set` document and the
operator flags that select it (the chart passes them through `extraArgs`), and writes every evaluation to
--out as a JSON line. Settings tuned on a few traces fit those traces: check the result where the search
did not look before making it a cluster's configuration:

    sim/scripts/tune.py --sim build/release/sim/lattice-sim --check '{}' --check '{"minResizeRatio": 1.5}'

compares each document with the Tiresias baseline at the Pollux traces' other loads (default workloads
only), on 12 and 24 nodes and with a 120 s interval (each added to --sim-arg).
"""

import argparse
import concurrent.futures
import json
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
POLLUX = os.path.join(HERE, "..", "data", "pollux", "workloads")

# Candidate values of each setting searched (the snapshot config's keys, docs/reference/snapshot-format.md).
# Settings whose best value depends on the cluster's size in GPUs (growthHeadroomGpus) or that change
# what jobs may do (priorities, reservation, topology, throughput) are left out.
SPACE = {
    "rescaleIntervalSeconds": [60, 120, 180, 240, 300, 600],
    "serviceClassesGpuSeconds": [
        [1800, 7200, 28800],
        [3600, 14400],
        [3600, 14400, 57600],
        [7200, 28800, 115200],
        [3600, 14400, 57600, 230400],
    ],
    "resizePayback": [0, 2, 5, 10, 20],
    "minResizeRatio": [0, 1.25, 1.5],
    "lendHysteresis": [0, 0.5, 1, 2, 5],
    "rescaleAgeFraction": [0, 0.1, 0.25, 0.5],
    "maxRescaleHoldSeconds": [1800, 3600, 7200],
    "growthAgeFraction": [0, 0.15, 0.25, 0.5, 1],
    "growthQuietSeconds": [0, 120, 300, 600],
    "arrivalWindowSeconds": [0, 900, 2700, 5400],
    "arrivalHeadroomFactor": [0.5, 1, 1.25, 2, 3],
    "reclaimLocked": [True, False],
    "repackRunning": [True, False],
    "spreadPenalty": [0.05, 0.1, 0.2],
    "lendInBulk": [False, True],
    "restartCostSeconds": [30, 45, 60, 120, 300],
}

# The operator's defaults of those settings (`lattice-operator --help`); tune_test.py checks that lattice-sim
# plans the same with and without them.
DEFAULTS = {
    "rescaleIntervalSeconds": 180,
    "serviceClassesGpuSeconds": [3600, 14400, 57600],
    "resizePayback": 5,
    "minResizeRatio": 0,
    "lendHysteresis": 0.5,
    "rescaleAgeFraction": 0,
    "maxRescaleHoldSeconds": 1800,
    "growthAgeFraction": 0.15,
    "growthQuietSeconds": 0,
    "arrivalWindowSeconds": 2700,
    "arrivalHeadroomFactor": 1.25,
    "reclaimLocked": True,
    "repackRunning": True,
    "spreadPenalty": 0.1,
    "lendInBulk": False,
    "restartCostSeconds": 30,
}


def _number(x):
    return f"{x:g}"


def _seconds(x):
    return f"{int(x)}s"


def _hours(bounds):
    return ",".join(f"{b / 3600:g}" for b in bounds)


def _flag_bool(x):
    return "true" if x else "false"


# Snapshot config key -> (operator flag, how its value is written on the flag).
FLAGS = {
    "rescaleIntervalSeconds": ("--rescale-interval", _seconds),
    "serviceClassesGpuSeconds": ("--service-class-gpu-hours", _hours),
    "resizePayback": ("--resize-payback", _number),
    "minResizeRatio": ("--min-resize-ratio", _number),
    "lendHysteresis": ("--lend-hysteresis", _number),
    "rescaleAgeFraction": ("--rescale-age-fraction", _number),
    "maxRescaleHoldSeconds": ("--max-rescale-hold", _seconds),
    "growthAgeFraction": ("--growth-age-fraction", _number),
    "growthQuietSeconds": ("--growth-quiet", _seconds),
    "arrivalWindowSeconds": ("--arrival-window", _seconds),
    "arrivalHeadroomFactor": ("--arrival-headroom-factor", _number),
    "reclaimLocked": ("--reclaim-locked", _flag_bool),
    "repackRunning": ("--repack-running", _flag_bool),
    "spreadPenalty": ("--spread-penalty", _number),
    "lendInBulk": ("--lend-in-bulk", _flag_bool),
    "restartCostSeconds": ("--restart-cost", _seconds),
}


def changed(settings):
    """The settings that differ from the operator's defaults (SPACE's order first, then the rest)."""
    searched = {k: settings[k] for k in SPACE if k in settings and settings[k] != DEFAULTS[k]}
    return {**searched, **{k: v for k, v in settings.items() if k not in SPACE}}


def operator_flags(settings):
    """`--flag=value` for each searched setting that differs from the default, and (unmapped) the rest."""
    return [
        f"{FLAGS[k][0]}={FLAGS[k][1](v)}" if k in FLAGS else f"[{k}: {json.dumps(v)}]"
        for k, v in changed(settings).items()
    ]


def sim_options(args):
    """lattice-sim takes `--option value`: `--restart-penalty=300` becomes two arguments."""
    out = []
    for a in args:
        if a.startswith("--") and "=" in a:
            out.extend(a.split("=", 1))
        else:
            out.append(a)
    return out


def score(figures, minimize, jct_bound):
    """Smaller is better. Infeasible (a job left unfinished or a rule broken, or the mean avg JCT above the
    bound) ranks after every feasible candidate, the less infeasible first."""
    if figures is None:
        return (2, 0.0, 0.0)
    excess = 0.0 if jct_bound is None else max(0.0, figures["mean_avg_jct"] - jct_bound)
    if excess > 0:
        return (1, excess, 0.0)
    key = figures["restarts"] if minimize == "restarts" else figures["mean_avg_jct"]
    return (0, float(key), figures["mean_avg_jct"])


def mutate(rng, settings):
    """The settings with one to three of them drawn again (fresh values, never the current one)."""
    out = dict(settings)
    for key in rng.sample(sorted(SPACE), rng.randint(1, 3)):
        current = out.get(key, DEFAULTS[key])
        out[key] = rng.choice([v for v in SPACE[key] if v != current])
    return out


def draw(rng, base):
    """A fresh draw of every searched setting (the rest of `base` kept)."""
    out = dict(base)
    for key in sorted(SPACE):
        out[key] = rng.choice(SPACE[key])
    return out


class Simulator:
    def __init__(self, sim, workloads, sim_args):
        self.sim, self.workloads, self.sim_args = sim, workloads, sim_args
        self.pool = concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2)

    def run(self, workload, settings):
        out = subprocess.run(
            [
                self.sim,
                "--workload",
                workload,
                "--json",
                "/dev/stdout",
                *self.sim_args,
                *([] if settings is None else ["--set", json.dumps(settings)]),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode == 3:
            return None  # a job did not complete or a rule was broken
        if out.returncode != 0:
            sys.exit(f"tune: lattice-sim failed on {workload}: {out.stderr.strip()}")
        return json.loads(out.stdout.splitlines()[0])["summary"]

    def figures(self, settings):
        """Mean avg JCT and total restarts over the workloads; None when any run was infeasible. Settings
        None: lattice-sim's own (with `--policy tiresias` among the options, the Tiresias baseline)."""
        runs = list(self.pool.map(lambda w: self.run(w, settings), self.workloads))
        if any(r is None for r in runs):
            return None
        return {
            "mean_avg_jct": sum(r["avgJct"] for r in runs) / len(runs),
            "restarts": sum(r["restarts"] for r in runs),
            "avg_jct": [round(r["avgJct"], 1) for r in runs],
            "workload_restarts": [r["restarts"] for r in runs],
        }


def search(sim, start, evaluations, minimize, max_jct_increase, seed, record=None):
    """(starting point's figures, best settings, best figures) after `evaluations` candidates."""
    rng = random.Random(seed)
    start_figures = sim.figures(start)
    if start_figures is None:
        sys.exit("tune: the starting settings leave a job unfinished or break a rule")
    bound = None
    if minimize == "restarts":
        bound = start_figures["mean_avg_jct"] * (1 + max_jct_increase / 100)
    best, best_figures = start, start_figures
    best_score = score(start_figures, minimize, bound)
    for n in range(evaluations):
        candidate = draw(rng, start) if rng.random() < 0.1 else mutate(rng, best)
        figures = sim.figures(candidate)
        s = score(figures, minimize, bound)
        if record:
            record.write(json.dumps({"n": n, "settings": changed(candidate), "figures": figures}) + "\n")
        if s < best_score:
            best, best_figures, best_score = candidate, figures, s
            print(f"tune: {n + 1}/{evaluations}: {describe(figures)}", file=sys.stderr, flush=True)
    return start_figures, best, best_figures


# What --check runs besides the workloads as given: the Pollux traces at other loads (only when the
# workloads are the default ones), then other cluster settings added to --sim-arg.
OTHER_LOADS = ["0.5", "1.5", "2.0"]
OTHER_CLUSTERS = [["--nodes", "12"], ["--nodes", "24"], ["--interval", "120"]]


def pollux_workloads(load=None):
    folder = "workloads" if load is None else f"workloads-{load}"
    return [os.path.join(POLLUX, "..", folder, f"workload-{w}.csv") for w in range(1, 9)]


def check(sim_path, workloads, sim_args, settings_list, other_loads):
    """Markdown table rows: in each situation Tiresias' mean avg JCT, then for each settings document its
    mean avg JCT / restarts / workloads where it beats Tiresias."""
    situations = [("as given", workloads, [])]
    if other_loads:
        situations += [(f"{load}x load", pollux_workloads(load), []) for load in OTHER_LOADS]
    situations += [(" ".join(extra), workloads, extra) for extra in OTHER_CLUSTERS]
    rows = []
    for name, paths, extra in situations:
        tiresias = Simulator(sim_path, paths, [*sim_args, *extra, "--policy", "tiresias"]).figures(None)
        sim = Simulator(sim_path, paths, [*sim_args, *extra])
        cells = [name, f"{tiresias['mean_avg_jct']:,.0f} s"]
        for settings in settings_list:
            f = sim.figures(settings)
            if f is None:
                cells.append("a job unfinished or a rule broken")
                continue
            wins = sum(a < b for a, b in zip(f["avg_jct"], tiresias["avg_jct"], strict=True))
            cells.append(f"{f['mean_avg_jct']:,.0f} s / {f['restarts']:,} / {wins} of {len(paths)}")
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def describe(figures):
    return f"mean avg JCT {figures['mean_avg_jct']:,.0f} s, {figures['restarts']:,} restarts"


def parse_settings(text, option):
    """A --set document from the command line, or exit with what is wrong with it."""
    try:
        settings = json.loads(text)
    except json.JSONDecodeError as e:
        sys.exit(f"tune: {option} is not JSON: {e}")
    if not isinstance(settings, dict):
        sys.exit(
            f"tune: {option} must be a JSON object of planner settings, e.g. '{{\"restartCostSeconds\": 300}}'"
        )
    return settings


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sim", required=True, help="the lattice-sim executable")
    ap.add_argument(
        "--workload", action="append", help="a trace (repeatable; default: the eight Pollux ones)"
    )
    ap.add_argument(
        "--sim-arg", action="append", default=[], help="one more lattice-sim option, e.g. --nodes=32"
    )
    ap.add_argument("--base", default="{}", help="settings kept unless searched (a --set document)")
    ap.add_argument("--minimize", choices=["avg-jct", "restarts"], default="avg-jct")
    ap.add_argument(
        "--max-jct-increase",
        type=float,
        default=5.0,
        help="with --minimize restarts: the mean avg JCT at most this many percent above the start's",
    )
    ap.add_argument("--evaluations", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", help="every evaluation as a JSON line")
    ap.add_argument(
        "--check",
        action="append",
        metavar="SETTINGS",
        help="instead of searching, compare these settings (a --set document; repeatable) with Tiresias on "
        "the workloads, at the Pollux traces' other loads (default workloads only) and on other clusters",
    )
    args = ap.parse_args()
    workloads = args.workload or [os.path.join(POLLUX, f"workload-{w}.csv") for w in range(1, 9)]
    base = parse_settings(args.base, "--base")
    if args.evaluations < 0:
        sys.exit("tune: --evaluations must be 0 or more")
    start = {**DEFAULTS, **base}
    if args.check:
        settings_list = [parse_settings(text, "--check") for text in args.check]
        print("| situation | Tiresias | " + " | ".join(f"`{json.dumps(x)}`" for x in settings_list) + " |")
        print("|---|---:|" + "---:|" * len(settings_list))
        for row in check(args.sim, workloads, sim_options(args.sim_arg), settings_list, not args.workload):
            print(row)
        return
    sim = Simulator(args.sim, workloads, sim_options(args.sim_arg))
    record = open(args.out, "w", encoding="utf-8") if args.out else None
    try:
        start_figures, best, best_figures = search(
            sim, start, args.evaluations, args.minimize, args.max_jct_increase, args.seed, record
        )
    finally:
        if record:
            record.close()
    print(f"start: {describe(start_figures)}")
    print(f"best:  {describe(best_figures)}")
    print("avg JCT per workload (s): " + ", ".join(f"{x:,.0f}" for x in best_figures["avg_jct"]))
    print("restarts per workload: " + ", ".join(str(x) for x in best_figures["workload_restarts"]))
    print("--set " + json.dumps(changed(best)))
    print("operator flags: " + (" ".join(operator_flags(best)) or "(the defaults)"))


if __name__ == "__main__":
    main()
