#!/usr/bin/env python3
"""Unit tests of the cluster-scale benchmark's pure parts (no cluster): the job mix, the pod
accounting behind the GPU figures, the Prometheus histogram arithmetic and the result's fields."""

import os
import sys
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scale_observe import PodTracker, operator_timings, parse_metrics  # noqa: E402
from scale_report import (
    REQUIRED_FIELDS,
    first_crossing,
    gpu_summary,
    histogram_delta,  # noqa: E402
    histogram_quantile,
    max_rate,
    missing_fields,
    percentile,
)
from scale_summary import latency_summary, with_operator_timings  # noqa: E402
from scale_workload import (
    GPUS_PER_NODE,
    PROBE_GROUP,
    arrival_times,
    general_gpus,
    make_jobs,  # noqa: E402
    make_probes,
    node_layout,
    training_job,
)

GROUP = "bench.example.ai"


class JobMix(unittest.TestCase):
    def setUp(self):
        self.layout = node_layout(20)

    def test_layout_of_smoke_size(self):
        self.assertEqual(
            {g.name: g.count for g in self.layout}, {"bench-a": 5, "bench-b": 5, "bench-c": 2, PROBE_GROUP: 8}
        )
        self.assertEqual(general_gpus(self.layout), 96)
        with self.assertRaises(ValueError):
            node_layout(11)

    def test_same_seed_same_jobs_other_seed_other_jobs(self):
        a = arrival_times(make_jobs(50, self.layout, 7, (2, 6), 8), 5.0, 7)
        b = arrival_times(make_jobs(50, self.layout, 7, (2, 6), 8), 5.0, 7)
        c = make_jobs(50, self.layout, 8, (2, 6), 8)
        self.assertEqual(a, b)
        self.assertNotEqual([(j.max_size, j.gpus) for j in a], [(j.max_size, j.gpus) for j in c])

    def test_every_job_fits_its_node_groups(self):
        sizes = {g.name: g.count for g in self.layout}
        for job in make_jobs(500, self.layout, 3, (2, 6), 8):
            placeable = sum(sizes[g] * (GPUS_PER_NODE // job.gpus) for g in job.groups())
            self.assertLessEqual(job.min_size, placeable, job)
            self.assertTrue(1 <= job.min_size <= job.max_size <= 16, job)
            self.assertIn(job.gpus, (1, 2, 4, 8))
            self.assertIn(job.priority, range(4))

    def test_fill_wave_comes_first_and_outlasts_its_minimum(self):
        jobs = arrival_times(make_jobs(50, self.layout, 1, (2, 6), 8), 5.0, 1)
        waves = [j.wave for j in jobs]
        fill = waves.count("fill")
        self.assertGreater(fill, 0)
        self.assertEqual(waves, ["fill"] * fill + ["arrival"] * (len(jobs) - fill))
        self.assertTrue(all(j.duration_s >= 8 and j.placement == "any" for j in jobs[:fill]))
        self.assertGreaterEqual(
            sum(j.max_size * j.gpus for j in jobs[:fill]), 1.5 * general_gpus(self.layout)
        )
        times = [j.arrival_s for j in jobs[fill:]]
        self.assertEqual(times, sorted(times))

    def test_manifest_keeps_bench_jobs_on_bench_nodes(self):
        job = make_jobs(1, self.layout, 1, (2, 6), 8)[0]
        spec = training_job(job, "ns", GROUP, "bench-x", "x")["spec"]["replicaSpecs"]["template"]
        self.assertEqual(spec["spec"]["nodeSelector"]["lattice.dev/node-set"], "bench-x")
        self.assertIn("lattice.dev/bench", [t["key"] for t in spec["spec"]["tolerations"]])
        self.assertEqual(spec["metadata"]["annotations"]["lattice.dev/exit-after"], f"{job.duration_s:g}s")
        probe = training_job(make_probes(1, 2)[1], "ns", GROUP, "bench-x", "x")
        template = probe["spec"]["replicaSpecs"]["template"]["spec"]
        self.assertEqual(probe["spec"]["minSize"], 64)
        self.assertEqual(template["nodeSelector"]["lattice.dev/node-group"], PROBE_GROUP)


def pod(name, job, gpus, node=None, phase="Pending", pinned=None, uid=None, deleting=False):
    meta = {"name": name, "uid": uid or name, "labels": {f"{GROUP}/job-name": job}, "annotations": {}}
    if pinned:
        meta["annotations"][f"{GROUP}/node"] = pinned
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    spec = {"containers": [{"resources": {"requests": {"nvidia.com/gpu": str(gpus)}}}]}
    if node:
        spec["nodeName"] = node
    return {"metadata": meta, "spec": spec, "status": {"phase": phase}}


class PodAccounting(unittest.TestCase):
    def setUp(self):
        self.t = PodTracker(GROUP, {"n0": "bench-a", "n1": "bench-b", "p0": PROBE_GROUP})

    def test_pinned_pods_take_gpus_but_only_bound_ones_are_held(self):
        self.t.on_event("ADDED", pod("j-worker-0", "j", 4, pinned="n0"), 1.0)
        self.assertEqual(self.t.used_gpus(["n0"]), 4)
        self.assertEqual(self.t.general(), (0, 0))
        self.t.on_event("MODIFIED", pod("j-worker-0", "j", 4, node="n0", pinned="n0"), 2.0)
        self.assertEqual(self.t.general(), (4, 0))
        self.t.on_event("MODIFIED", pod("j-worker-0", "j", 4, node="n0", phase="Running"), 3.0)
        self.assertEqual(self.t.general(), (4, 4))
        self.assertEqual(self.t.free_slots()["bench-a"][4], 1)
        self.t.on_event("MODIFIED", pod("j-worker-0", "j", 4, node="n0", phase="Succeeded"), 4.0)
        self.assertEqual(self.t.general(), (0, 0))
        self.assertEqual(self.t.used_gpus(["n0"]), 0)
        rec = self.t.job_pods("j")[0]
        self.assertEqual((rec.created, rec.running, rec.finished), (1.0, 3.0, 4.0))
        self.assertEqual([e[1:] for e in self.t.timeline], [(0, 0), (4, 0), (4, 4), (0, 0)])

    def test_a_recreated_pod_is_a_new_record_and_probe_nodes_are_not_general(self):
        self.t.on_event("ADDED", pod("j-worker-0", "j", 8, node="n1", phase="Running", uid="a"), 1.0)
        self.t.on_event(
            "MODIFIED", pod("j-worker-0", "j", 8, node="n1", phase="Running", uid="a", deleting=True), 2.0
        )
        self.t.on_event("DELETED", pod("j-worker-0", "j", 8, node="n1", uid="a"), 2.5)
        self.t.on_event("ADDED", pod("j-worker-0", "j", 8, node="p0", phase="Running", uid="b"), 3.0)
        self.assertEqual(len(self.t.job_pods("j")), 2)
        self.assertEqual(self.t.general(), (0, 0))
        self.assertEqual(self.t.used_gpus(["p0"]), 8)
        self.assertEqual(self.t.worker_creations, [1.0, 3.0])
        self.assertEqual(self.t.active_jobs(), {"j"})

    def test_a_relist_forgets_pods_deleted_meanwhile(self):
        self.t.on_event("ADDED", pod("j-worker-0", "j", 2, node="n0", phase="Running"), 1.0)
        self.t.on_event("RELISTED", set(), 5.0)
        self.assertEqual(self.t.general(), (0, 0))
        self.assertEqual(self.t.job_pods("j")[0].gone, 5.0)


METRICS = """# HELP x
lattice_plan_duration_seconds_bucket{le="0.001"} 10
lattice_plan_duration_seconds_bucket{le="0.01"} 20
lattice_plan_duration_seconds_bucket{le="+Inf"} 20
lattice_plan_duration_seconds_sum 0.05
lattice_plan_duration_seconds_count 20
lattice_api_requests_total{code="201",resource="pods",verb="POST"} 7
other_metric 3
"""


class Arithmetic(unittest.TestCase):
    def test_histogram_delta_and_quantile(self):
        before = parse_metrics(METRICS.replace(" 20\n", " 10\n").replace("0.05", "0.01"))
        after = parse_metrics(METRICS)
        self.assertNotIn(("other_metric", ()), after)
        count, total, buckets = histogram_delta(before, after, "lattice_plan_duration_seconds")
        self.assertEqual((count, round(total, 6)), (10, 0.04))
        self.assertEqual(buckets, [(0.001, 0.0), (0.01, 10.0), (float("inf"), 10.0)])
        self.assertAlmostEqual(histogram_quantile(0.5, buckets), 0.0055)
        self.assertIsNone(histogram_quantile(0.5, [(0.1, 0.0)]))

    def test_percentile_rates_and_crossings(self):
        self.assertIsNone(percentile([], 50))
        self.assertEqual(percentile([3, 1, 2], 50), 2)
        self.assertAlmostEqual(percentile(list(range(101)), 99), 99)
        self.assertEqual(max_rate([0.0, 0.1, 0.2, 5.0], 1.0), 3.0)
        timeline = [(0.0, 0, 0), (1.0, 50, 10), (2.0, 96, 40), (3.0, 96, 96)]
        self.assertEqual(first_crossing(timeline, 0.5, 1, 91.2), 1.5)
        self.assertIsNone(first_crossing(timeline, 0.0, 2, 100))

    def test_gpu_summary_only_counts_samples_with_waiting_jobs(self):
        samples = [
            {"t": 10.0, "planned": 0.5, "held": 0.4, "waiting": 0, "fit": False, "queue": 0},
            {"t": 11.0, "planned": 0.9, "held": 0.8, "waiting": 2, "fit": False, "queue": 2},
            {"t": 12.0, "planned": 1.0, "held": 0.9, "waiting": 1, "fit": True, "queue": 1},
            {"t": 13.0, "planned": 0.6, "held": 0.5, "waiting": 3, "fit": True, "queue": 0},
        ]
        s = gpu_summary(samples, start=10.0)
        self.assertEqual((s["waiting_samples"], s["fit_samples"], s["queued_fit_samples"]), (3, 2, 1))
        self.assertEqual(s["planned_mean_while_waiting"], 0.8333)
        self.assertEqual(s["share_fit_planned_above_95"], 0.5)
        # The last sample's "waiting" jobs are admitted ones whose pods are still being created.
        self.assertEqual(
            (s["planned_mean_while_queued_fit"], s["share_queued_fit_planned_above_95"]), (1.0, 1.0)
        )
        self.assertEqual(s["queued_fit_below_95"], [])

    def test_gpu_summary_lists_when_a_queued_job_fit_and_the_plan_stayed_below_95(self):
        samples = [
            {"t": 105.0, "planned": 0.8, "held": 0.7, "waiting": 4, "fit": True, "queue": 3},
            {"t": 106.0, "planned": 0.97, "held": 0.7, "waiting": 4, "fit": True, "queue": 3},
            {"t": 107.0, "planned": 0.7, "held": 0.7, "waiting": 4, "fit": False, "queue": 3},
        ]
        s = gpu_summary(samples, start=100.0)
        self.assertEqual(s["queued_fit_below_95"], [[5.0, 0.8, 4, 3]])
        self.assertEqual(s["share_queued_fit_planned_above_95"], 0.5)

    def test_probe_latency_leaves_out_probes_that_never_ran(self):
        samples = [
            {"job": "p1", "workers": 8, "created_s": 0.5, "running_s": 3.0},
            {"job": "p2", "workers": 8, "created_s": 1.5, "running_s": None},
        ]
        lat = latency_summary(samples)
        self.assertEqual((lat["n"], lat["n_running"]), (2, 1))
        self.assertEqual((lat["created_p50_s"], lat["created_max_s"]), (1.0, 1.5))
        self.assertEqual((lat["running_p50_s"], lat["running_max_s"]), (3.0, 3.0))

    def test_operator_timings_come_from_the_probes_own_log_lines(self):
        log = [
            'lattice-operator --log-format json',
            '{"ts":"t","level":"info","msg":"admitted after 0.412s in the queue","object":"ns/p64-0"}',
            '{"ts":"t","level":"info","msg":"admitted after 9.000s in the queue","object":"ns/mix-1"}',
            '{"ts":"t","level":"info","msg":"all 64 worker pods created 1.250s after the decision",'
            '"object":"ns/p64-0"}',
            '{"ts":"t","level":"info","msg":"all 64 worker pods created 7.000s after the decision",'
            '"object":"ns/p64-0"}',
            '{"ts":"t","level":"info","msg":"admitted after 0.1s in the queue","object":"ns/p8-0"}',
            '{"truncated',
        ]
        timings = operator_timings(log, {"ns/p64-0", "ns/p8-0"})
        self.assertEqual(
            timings,
            {
                "ns/p64-0": {"admission_wait_s": 0.412, "decision_to_created_s": 1.25},
                "ns/p8-0": {"admission_wait_s": 0.1},
            },
        )
        probes = with_operator_timings(
            [
                {"job": "p64-0", "workers": 64, "created_s": 2.0, "running_s": 4.0},
                {"job": "p8-0", "workers": 8, "created_s": 1.0, "running_s": 2.0},
            ],
            timings,
            "ns",
        )
        self.assertAlmostEqual(probes[0]["operator_observed_to_created_s"], 1.662)
        self.assertIsNone(probes[1]["operator_observed_to_created_s"], "no created line: no sum")
        lat = latency_summary(probes[:1])
        self.assertEqual((lat["operator_admission_wait_p50_s"], lat["operator_created_p99_s"]), (0.412, 1.25))

    def test_missing_fields(self):
        self.assertEqual(len(missing_fields({})), len(REQUIRED_FIELDS))
        self.assertEqual(missing_fields({"config": {"nodes": None}})[0], "config.jobs")


if __name__ == "__main__":
    unittest.main()
