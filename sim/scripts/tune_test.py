#!/usr/bin/env python3
"""Tests of tune.py against the real lattice-sim (argv[1]) on the short traces of sim/test/data: its
defaults are the planner's, a search never returns worse than where it started and says what lattice-sim
measures for what it returns, --check reports what lattice-sim measures, and the flags it prints are the
operator's."""

import json
import os
import re
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, HERE)
import tune  # noqa: E402

SIM = None
TRACES = [
    os.path.join(ROOT, "sim", "test", "data", "mixed.csv"),
    os.path.join(ROOT, "sim", "data", "pollux", "workloads", "workload-6.csv"),
]


def summary(workload, settings, extra=()):
    out = subprocess.run(
        [SIM, "--workload", workload, "--json", "/dev/stdout", *extra, "--set", json.dumps(settings)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(out.stdout.splitlines()[0])["summary"]
    figures.pop("policyMsPerPlan")  # the planner's own time, not what it planned
    return figures


class Defaults(unittest.TestCase):
    def test_tune_defaults_are_the_planners(self):
        # DEFAULTS as a whole plans exactly as no settings do (a wrong default would show as another run).
        for workload in TRACES:
            self.assertEqual(summary(workload, {}), summary(workload, tune.DEFAULTS), workload)

    def test_every_searched_setting_has_a_default_and_a_flag(self):
        self.assertEqual(sorted(tune.SPACE), sorted(tune.DEFAULTS))
        self.assertEqual(sorted(tune.SPACE), sorted(tune.FLAGS))
        for key, values in tune.SPACE.items():
            self.assertGreater(len(values), 1, key)
            self.assertIn(tune.DEFAULTS[key], values, f"{key}: the default is one of the candidates")


class Flags(unittest.TestCase):
    def test_flags_are_the_operators_with_values_it_parses(self):
        with open(os.path.join(ROOT, "docs", "reference", "operator-flags.md"), encoding="utf-8") as f:
            documented = set(re.findall(r"^\| `(--[a-z0-9-]+)", f.read(), re.M))
        everything = {k: v[-1] if v[-1] != tune.DEFAULTS[k] else v[0] for k, v in tune.SPACE.items()}
        flags = tune.operator_flags(everything)
        self.assertEqual(len(flags), len(tune.SPACE))
        for flag in flags:
            name, _, value = flag.partition("=")
            self.assertIn(name, documented, flag)
            self.assertRegex(value, r"^(\d+s|true|false|[0-9.]+(,[0-9.]+)*)$", flag)

    def test_only_changed_settings_are_printed(self):
        self.assertEqual(tune.operator_flags(dict(tune.DEFAULTS)), [])
        settings = {**tune.DEFAULTS, "serviceClassesGpuSeconds": [1800, 7200, 28800], "lendInBulk": True}
        self.assertEqual(
            tune.operator_flags(settings), ["--service-class-gpu-hours=0.5,2,8", "--lend-in-bulk=true"]
        )
        self.assertEqual(
            tune.operator_flags({**tune.DEFAULTS, "useThroughput": False}), ['[useThroughput: false]']
        )

    def test_sim_options_split_on_the_first_equals(self):
        self.assertEqual(
            tune.sim_options(["--restart-penalty=300", "--throughput", "--nodes", "12"]),
            ["--restart-penalty", "300", "--throughput", "--nodes", "12"],
        )


class Search(unittest.TestCase):
    def test_a_search_keeps_its_bound_and_reports_what_lattice_sim_measures(self):
        sim = tune.Simulator(SIM, TRACES, ["--restart-penalty", "60"])
        start = dict(tune.DEFAULTS)
        start_figures, best, best_figures = tune.search(sim, start, 16, "restarts", 5.0, seed=4)
        self.assertLessEqual(best_figures["restarts"], start_figures["restarts"])
        self.assertLessEqual(best_figures["mean_avg_jct"], start_figures["mean_avg_jct"] * 1.05 + 1e-6)
        # What it reports for the settings it returns is what lattice-sim gives for its `--set` document.
        again = [summary(w, tune.changed(best), ["--restart-penalty", "60"]) for w in TRACES]
        self.assertEqual(best_figures["restarts"], sum(r["restarts"] for r in again))
        self.assertAlmostEqual(best_figures["mean_avg_jct"], sum(r["avgJct"] for r in again) / len(again))
        # The same seed, the same search.
        self.assertEqual(tune.search(sim, start, 16, "restarts", 5.0, seed=4)[1], best)

    def test_minimizing_jct_never_returns_a_slower_setting(self):
        sim = tune.Simulator(SIM, TRACES[:1], [])
        start_figures, _, best_figures = tune.search(sim, dict(tune.DEFAULTS), 8, "avg-jct", 0, seed=2)
        self.assertLessEqual(best_figures["mean_avg_jct"], start_figures["mean_avg_jct"])

    def test_check_compares_settings_with_tiresias_in_each_situation(self):
        trace = TRACES[0]
        rows = tune.check(SIM, [trace], [], [{}, {"resizePayback": 20}], other_loads=False)
        names = [r.split(" | ")[0] for r in rows]
        self.assertEqual(names, ["| as given", "| --nodes 12", "| --nodes 24", "| --interval 120"])
        tiresias = summary(trace, {}, ["--policy", "tiresias"])

        def cell(run):
            return (
                f"{run['avgJct']:,.0f} s / {run['restarts']} / {int(run['avgJct'] < tiresias['avgJct'])} of 1"
            )

        default, slower_resizes = summary(trace, {}), summary(trace, {"resizePayback": 20})
        expected = f"| as given | {tiresias['avgJct']:,.0f} s | {cell(default)} | {cell(slower_resizes)} |"
        self.assertEqual(rows[0], expected)

    def test_score_ranks_infeasible_last(self):
        feasible = {"mean_avg_jct": 100.0, "restarts": 50}
        over = {"mean_avg_jct": 120.0, "restarts": 1}
        self.assertLess(tune.score(feasible, "restarts", 110.0), tune.score(over, "restarts", 110.0))
        self.assertLess(tune.score(over, "restarts", 110.0), tune.score(None, "restarts", 110.0))
        self.assertLess(tune.score(feasible, "avg-jct", None), tune.score(over, "avg-jct", None))


if __name__ == "__main__":
    SIM = sys.argv.pop(1)
    unittest.main()
