"""The result document of a run: the figures of docs/benchmarks.md computed from the raw
observations. Every field of scale_report.REQUIRED_FIELDS is set, null when a failed run did not
get far enough to measure it."""

from scale_observe import operator_timings
from scale_report import (
    counter_delta,
    first_crossing,
    gpu_summary,
    histogram_delta,
    histogram_quantile,
    max_rate,
    percentile,
    rounded,
)

TERMINAL_STAGES = ("Completed", "Failed")


def latency_summary(samples):
    def figures(key):
        return [s[key] for s in samples if s.get(key) is not None]

    created, running = figures("created_s"), figures("running_s")
    out = {
        "n": len(samples),
        "n_running": len(running),
        "created_p50_s": rounded(percentile(created, 50)),
        "created_p99_s": rounded(percentile(created, 99)),
        "created_max_s": rounded(max(created, default=None)),
        "running_p50_s": rounded(percentile(running, 50)),
        "running_p99_s": rounded(percentile(running, 99)),
        "running_max_s": rounded(max(running, default=None)),
        "samples": [{k: rounded(v) if isinstance(v, float) else v for k, v in s.items()} for s in samples],
    }
    # The operator's own clock (its log): queued → admitted, decision → all created, and their sum.
    for key in ("operator_admission_wait_s", "operator_created_s", "operator_observed_to_created_s"):
        values = figures(key)
        out[key[:-2] + "_p50_s"] = rounded(percentile(values, 50))
        out[key[:-2] + "_p99_s"] = rounded(percentile(values, 99))
    return out


def with_operator_timings(probes, timings, namespace):
    """The probe samples with the operator's figures for each (scale_observe.operator_timings)."""
    out = []
    for p in probes:
        t = timings.get(f"{namespace}/{p['job']}", {})
        wait, created = t.get("admission_wait_s"), t.get("decision_to_created_s")
        out.append(
            dict(
                p,
                operator_admission_wait_s=wait,
                operator_created_s=created,
                operator_observed_to_created_s=wait + created if None not in (wait, created) else None,
            )
        )
    return out


def _operator(raw, run):
    empty, loaded, busy = raw.get("idle_empty") or {}, raw.get("idle_loaded") or {}, raw.get("busy") or {}
    samples = run.proc.samples if run.proc else []
    series, step = [], max(1, len(samples) // 300)
    start = samples[0][0] if samples else 0
    for t, rss, _, cpu in samples[::step]:
        series.append([round(t - start, 1), round(rss / 1024, 1), round(cpu, 2)])
    return {
        "rss_peak_mib": rounded(max((s[2] for s in samples), default=0) / 1024 or None, 1),
        "rss_steady_mib": rounded(loaded.get("rss_mib"), 1),
        "rss_empty_mib": rounded(empty.get("rss_mib"), 1),
        "cpu_idle_loaded_cores": rounded(loaded.get("cpu_cores"), 5),
        "cpu_idle_empty_cores": rounded(empty.get("cpu_cores"), 5),
        "cpu_busy_cores": rounded(busy.get("operator_cpu_cores"), 4),
        "idle_window_s": rounded(loaded.get("window_s"), 1),
        "idle_api_requests": loaded.get("api_requests"),
        "idle_settled": loaded.get("settled"),
        "idle_empty": empty,
        "idle_loaded": loaded,
        "exit_code": raw.get("operator_exit"),
        "exit_seconds": raw.get("operator_exit_s"),
        "rss_series": series,
    }


def _fill(raw, run):
    b = run.bench
    start, end = raw.get("fill_start"), raw.get("fill_end")
    out = {
        "gpus": b.capacity if b else None,
        "jobs": run.result["config"]["fill_jobs"],
        "pods": None,
        "held_95_s": None,
        "running_95_s": None,
        "peak_ratio": None,
        "apply_s": rounded(raw.get("fill_apply_s")),
    }
    if b is None or start is None:
        return out, [], []
    with b.pods.lock:
        timeline = list(b.pods.timeline)
        creations = list(b.pods.worker_creations)
    target = 0.95 * b.capacity
    window = [e for e in timeline if start <= e[0] <= end]
    in_fill = [t for t in creations if start <= t <= end]
    out.update(
        held_95_s=rounded(first_crossing(timeline, start, 1, target)),
        running_95_s=rounded(first_crossing(timeline, start, 2, target)),
        peak_ratio=rounded(max((e[1] for e in window), default=0) / b.capacity, 4),
        pods=len(in_fill),
        first_pod_s=rounded(in_fill[0] - start) if in_fill else None,
        last_pod_s=rounded(in_fill[-1] - start) if in_fill else None,
    )
    return out, in_fill, creations


def _pod_creation(raw, in_fill, creations):
    before, after = raw.get("ceiling_before") or {}, raw.get("ceiling_after") or {}
    rates = [c["pods_per_s"] for c in (before, after) if c]
    span = (in_fill[-1] - in_fill[0]) if len(in_fill) > 1 else 0
    return {
        "ceiling_pods_per_s": rounded(max(rates), 1) if rates else None,
        "ceiling_before_pods_per_s": rounded(before.get("pods_per_s"), 1),
        "ceiling_after_pods_per_s": rounded(after.get("pods_per_s"), 1),
        "ceiling_concurrency": before.get("concurrency"),
        "ceiling_pods": before.get("pods"),
        "fill_pods_per_s": rounded(len(in_fill) / span, 1) if span > 0 else None,
        "peak_1s": rounded(max_rate(creations, 1.0), 1) if creations else None,
        "peak_5s": rounded(max_rate(creations, 5.0), 1) if creations else None,
        "worker_pods_created": len(creations),
    }


def _api_and_plan(raw, completed):
    before, after = raw.get("metrics_before"), raw.get("metrics_after")
    api = {"requests": None, "requests_per_job": None, "per_job_by_verb": None, "errors": None}
    plan = {"count": None, "mean_ms": None, "p50_ms": None, "p99_ms": None}
    counters = {}
    if not (before and after):
        return api, plan, counters
    requests = counter_delta(before, after, "lattice_api_requests_total")
    total = sum(requests.values())
    by_verb, errors = {}, {}
    for labels, value in requests.items():
        d = dict(labels)
        key = f"{d.get('verb')} {d.get('resource')}"
        by_verb[key] = by_verb.get(key, 0) + value
        if not d.get("code", "").startswith("2"):
            errors[f"{key} {d.get('code')}"] = value
    per = max(completed, 1)
    sums = counter_delta(before, after, "lattice_api_request_duration_seconds_sum")
    counts = counter_delta(before, after, "lattice_api_request_duration_seconds_count")
    api["latency_mean_ms_by_verb"] = {
        f"{dict(k).get('verb')} {dict(k).get('resource')}": rounded(1000 * v / counts[k], 1)
        for k, v in sorted(sums.items())
        if counts.get(k)
    }
    api.update(
        requests=int(total),
        requests_per_job=rounded(total / per, 2),
        per_job_by_verb={k: rounded(v / per, 2) for k, v in sorted(by_verb.items())},
        errors=errors,
    )
    count, total_s, buckets = histogram_delta(before, after, "lattice_plan_duration_seconds")
    busy_s = (raw.get("busy") or {}).get("seconds")
    plan.update(
        count=int(count),
        mean_ms=rounded(1000 * total_s / count, 3) if count else None,
        p50_ms=rounded(1000 * (histogram_quantile(0.5, buckets) or 0), 3) if count else None,
        p99_ms=rounded(1000 * (histogram_quantile(0.99, buckets) or 0), 3) if count else None,
        plans_per_s=rounded(count / busy_s, 2) if busy_s else None,
        buckets_ms={f"{1000 * le:g}": int(c) for le, c in buckets},
    )
    for name in (
        "lattice_apply_to_running_seconds",
        "lattice_apply_to_created_seconds",
        "lattice_admission_wait_seconds",
        "lattice_api_request_duration_seconds",
    ):
        count, total_s, buckets = histogram_delta(before, after, name)
        key = name[len("lattice_") : -len("_seconds")]
        plan[key] = {
            "count": int(count),
            "mean_s": rounded(total_s / count) if count else None,
            "p50_s": rounded(histogram_quantile(0.5, buckets)) if count else None,
            "p99_s": rounded(histogram_quantile(0.99, buckets)) if count else None,
        }
    for name in (
        "lattice_admissions_total",
        "lattice_preemptions_total",
        "lattice_resizes_total",
        "lattice_requeues_total",
    ):
        counters[name] = int(sum(counter_delta(before, after, name).values()))
    return api, plan, counters


def _gpu(raw, run):
    b = run.bench
    samples = b.samples if b else []
    start = raw.get("fill_start") or (samples[0]["t"] if samples else 0)
    out = gpu_summary(samples, start)
    step = max(1, len(samples) // 600)
    out["series_columns"] = ["t_s", "planned", "held", "running", "waiting", "fit", "queue"]
    out["series"] = [
        [
            round(s["t"] - start, 1),
            rounded(s["planned"], 4),
            round(s["held"], 4),
            round(s["running"], 4),
            s["waiting"],
            s["fit"],
            s.get("queue"),
        ]
        for s in samples[::step]
    ]
    return out


def _operator_log_timings(run):
    objects = {f"{run.ns}/{j.name}" for j in run.probe_jobs}
    try:
        with open(run.log_path, errors="replace") as log:
            return operator_timings(log, objects)
    except OSError:
        return {}


def summarize(raw, run):
    b = run.bench
    names = [j.name for j in run.jobs + run.probe_jobs]
    stages = b.tj.stages() if b else {}
    completed = sum(1 for n in names if stages.get(n) == "Completed")
    fill, in_fill, creations = _fill(raw, run)
    api, plan, counters = _api_and_plan(raw, completed)
    queue_wait = []
    if b:
        for job in run.jobs:
            pods = b.pods.job_pods(job.name)
            if pods and job.name in b.applied:
                queue_wait.append(min(p.created for p in pods) - b.applied[job.name])
    completion_lag, timeline = [], []
    origin = raw.get("fill_start") or 0.0
    if b:
        for job in run.jobs + run.probe_jobs:
            pods = b.pods.job_pods(job.name)
            finished = [p.finished for p in pods if p.finished is not None]
            done = b.tj.seen.get(job.name, {}).get("Completed")
            if finished and done:
                completion_lag.append(done - max(finished))
            times = [
                b.applied.get(job.name),
                min((p.created for p in pods), default=None),
                max(finished, default=None),
                done,
            ]
            timeline.append(
                [job.name, job.wave, job.min_size, job.max_size, job.gpus, job.priority, len(pods)]
                + [None if t is None else round(t - origin, 3) for t in times]
            )
    probes = with_operator_timings(raw.get("probes") or [], _operator_log_timings(run), run.ns)
    result = {
        k: raw.get(k)
        for k in (
            "schema",
            "config",
            "machine",
            "completed",
            "error",
            "failures",
            "wall_s",
            "driver_cpu_cores",
            "watch_errors",
            "unfinished",
            "stages",
            "busy",
            "arrivals",
            "ceiling_before",
            "ceiling_after",
        )
    }
    result["completed"] = bool(raw.get("completed")) and not raw.get("error")
    result["jobs"] = {
        "total": len(names),
        "completed": completed,
        "failed": sum(1 for n in names if stages.get(n) == "Failed"),
        "mix": len(run.jobs),
        "probes": len(run.probe_jobs),
    }
    result["operator"] = _operator(raw, run)
    result["latency"] = {
        "probe_8": latency_summary([p for p in probes if p["workers"] == 8]),
        "probe_64": latency_summary([p for p in probes if p["workers"] == 64]),
        "queue_wait_p50_s": rounded(percentile(queue_wait, 50)),
        "queue_wait_p99_s": rounded(percentile(queue_wait, 99)),
        "queue_wait_n": len(queue_wait),
        "completion_lag_p50_s": rounded(percentile(completion_lag, 50)),
        "completion_lag_p99_s": rounded(percentile(completion_lag, 99)),
    }
    result["job_timeline_columns"] = [
        "job",
        "wave",
        "min",
        "max",
        "gpus",
        "priority",
        "pods",
        "applied_s",
        "first_pod_s",
        "last_worker_finished_s",
        "completed_s",
    ]
    result["job_timeline"] = timeline
    result["clock"] = raw.get("clock")
    result["fill"] = fill
    result["pod_creation"] = _pod_creation(raw, in_fill, creations)
    result["api"], result["plan"], result["operator_counters"] = api, plan, counters
    result["gpu_allocation"] = _gpu(raw, run)
    return result
