"""Figures from the raw observations (pure functions), the result's required fields, and the
markdown table the driver prints."""

import math

# Every field a result must have (dotted paths); the smoke test checks them. A figure that could
# not be measured in a run is null, never missing.
REQUIRED_FIELDS = (
    "config.nodes",
    "config.jobs",
    "config.arrival_rate",
    "config.seed",
    "config.operator_args",
    "machine.cpus",
    "machine.load_before",
    "machine.load_after",
    "completed",
    "jobs.total",
    "jobs.completed",
    "jobs.failed",
    "wall_s",
    "operator.rss_peak_mib",
    "operator.rss_steady_mib",
    "operator.rss_empty_mib",
    "operator.cpu_idle_loaded_cores",
    "operator.cpu_idle_empty_cores",
    "operator.cpu_busy_cores",
    "operator.idle_window_s",
    "operator.idle_api_requests",
    "latency.probe_8.n",
    "latency.probe_8.created_p50_s",
    "latency.probe_8.created_p99_s",
    "latency.probe_8.running_p50_s",
    "latency.probe_8.running_p99_s",
    "latency.probe_64.n",
    "latency.probe_64.created_p50_s",
    "latency.probe_64.created_p99_s",
    "latency.probe_64.running_p50_s",
    "latency.probe_64.running_p99_s",
    "latency.probe_64.operator_observed_to_created_p50_s",
    "latency.probe_64.operator_observed_to_created_p99_s",
    "latency.queue_wait_p50_s",
    "latency.queue_wait_p99_s",
    "fill.gpus",
    "fill.jobs",
    "fill.pods",
    "fill.held_95_s",
    "fill.running_95_s",
    "fill.peak_ratio",
    "pod_creation.ceiling_pods_per_s",
    "pod_creation.ceiling_concurrency",
    "pod_creation.fill_pods_per_s",
    "pod_creation.peak_1s",
    "pod_creation.peak_5s",
    "api.requests",
    "api.requests_per_job",
    "api.per_job_by_verb",
    "plan.count",
    "plan.mean_ms",
    "plan.p50_ms",
    "plan.p99_ms",
    "gpu_allocation.samples",
    "gpu_allocation.waiting_samples",
    "gpu_allocation.fit_samples",
    "gpu_allocation.planned_mean_while_waiting",
    "gpu_allocation.held_mean_while_waiting",
    "gpu_allocation.planned_mean_while_fit",
    "gpu_allocation.planned_min_while_fit",
    "gpu_allocation.share_fit_planned_above_95",
    "gpu_allocation.queued_fit_samples",
    "gpu_allocation.planned_mean_while_queued_fit",
    "gpu_allocation.queued_fit_below_95",
    "gpu_allocation.series",
)


def missing_fields(result):
    """REQUIRED_FIELDS absent from `result` (a null value counts as present)."""
    missing = []
    for path in REQUIRED_FIELDS:
        node = result
        for key in path.split("."):
            if not isinstance(node, dict) or key not in node:
                missing.append(path)
                break
            node = node[key]
    return missing


def percentile(values, q):
    """The q-th percentile (0-100) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def rounded(value, digits=3):
    return None if value is None else round(value, digits)


def max_rate(times, window):
    """Most events in any `window`-second span, per second."""
    best, lo = 0, 0
    ordered = sorted(times)
    for hi, t in enumerate(ordered):
        while t - ordered[lo] > window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best / window


def first_crossing(timeline, start, index, threshold):
    """Seconds after `start` when timeline[i][index] first reached `threshold` (None: never)."""
    for entry in timeline:
        if entry[0] >= start and entry[index] >= threshold:
            return entry[0] - start
    return None


def histogram_delta(before, after, name):
    """(count, sum, [(le, cumulative count)]) of a Prometheus histogram between two scrapes, all
    its label sets added up."""

    def series(sample):
        buckets, count, total = {}, 0.0, 0.0
        for (n, labels), value in sample.items():
            if n == name + "_bucket":
                le = float(dict(labels)["le"])
                buckets[le] = buckets.get(le, 0.0) + value
            elif n == name + "_count":
                count += value
            elif n == name + "_sum":
                total += value
        return buckets, count, total

    b0, c0, s0 = series(before)
    b1, c1, s1 = series(after)
    return c1 - c0, s1 - s0, sorted((le, b1[le] - b0.get(le, 0.0)) for le in b1)


def histogram_quantile(q, buckets):
    """Prometheus' histogram_quantile: linear within the bucket holding the q-th observation."""
    if not buckets or buckets[-1][1] <= 0:
        return None
    rank = q * buckets[-1][1]
    lower_le, lower_count = 0.0, 0.0
    for le, count in buckets:
        if count >= rank:
            if math.isinf(le):
                return lower_le
            if count == lower_count:
                return le
            return lower_le + (le - lower_le) * (rank - lower_count) / (count - lower_count)
        lower_le, lower_count = le, count
    return buckets[-1][0]


def counter_delta(before, after, name):
    """{(label values...): delta} of a counter family between two scrapes."""
    out = {}
    for key, value in after.items():
        if key[0] == name:
            delta = value - before.get(key, 0.0)
            if delta:
                out[key[1]] = delta
    return out


def gpu_summary(samples, start=0.0):
    """Allocation ratios over the samples taken while jobs waited, and while a waiting job would
    have fit the free GPUs. Sample: dict with t, planned, held, waiting, fit and the operator's queue
    length. The driver's "waiting" (no pod, no Running status yet) also counts admitted jobs whose
    pods or status are still being written; with the operator's queue empty, no job waits for the
    planner, so the "queued" figures keep only samples with a job in it. The queued samples below
    95% are listed whole (seconds after `start`), to say when the target was missed."""
    waiting = [s for s in samples if s["waiting"] > 0]
    fit = [s for s in waiting if s["fit"]]
    queued_fit = [s for s in fit if (s.get("queue") or 0) > 0]

    def mean(values):
        return rounded(sum(values) / len(values), 4) if values else None

    below = [s for s in queued_fit if (s["planned"] or 0) < 0.95]
    return {
        "queued_fit_samples": len(queued_fit),
        "queued_fit_below_95_columns": ["t_s", "planned", "waiting", "queue"],
        "queued_fit_below_95": [
            [round(s["t"] - start, 1), rounded(s["planned"], 4), s["waiting"], s["queue"]] for s in below
        ],
        "planned_mean_while_queued_fit": mean([s["planned"] for s in queued_fit if s["planned"] is not None]),
        "share_queued_fit_planned_above_95": rounded(
            sum(1 for s in queued_fit if (s["planned"] or 0) >= 0.95) / len(queued_fit), 4
        )
        if queued_fit
        else None,
        "samples": len(samples),
        "waiting_samples": len(waiting),
        "fit_samples": len(fit),
        "planned_mean_while_waiting": mean([s["planned"] for s in waiting if s["planned"] is not None]),
        "held_mean_while_waiting": mean([s["held"] for s in waiting]),
        "planned_mean_while_fit": mean([s["planned"] for s in fit if s["planned"] is not None]),
        "held_mean_while_fit": mean([s["held"] for s in fit]),
        "planned_min_while_fit": rounded(
            min((s["planned"] for s in fit if s["planned"] is not None), default=None), 4
        ),
        "share_fit_planned_above_95": rounded(
            sum(1 for s in fit if (s["planned"] or 0) >= 0.95) / len(fit), 4
        )
        if fit
        else None,
    }


def _fmt(value, unit="", digits=2):
    if value is None:
        return "—"
    if isinstance(value, float):
        value = f"{value:,.{digits}f}"
    return f"{value}{unit}"


def _queued_fit(gpu):
    mean, share = gpu.get("planned_mean_while_queued_fit"), gpu.get("share_queued_fit_planned_above_95")
    text = f"{_fmt(mean and 100 * mean, '%', 1)}; {_fmt(share and 100 * share, '%', 0)}"
    below = gpu.get("queued_fit_below_95") or []
    if below:
        times = ", ".join(f"{row[0]:g}" for row in below[:5])
        text += f" (below at t = {times}{', ...' if len(below) > 5 else ''} s)"
    return text


def markdown_table(r):
    """The result as the table docs/benchmarks.md records."""
    op, lat, fill, pc, api, plan, gpu = (
        r["operator"],
        r["latency"],
        r["fill"],
        r["pod_creation"],
        r["api"],
        r["plan"],
        r["gpu_allocation"],
    )
    p8, p64 = lat["probe_8"], lat["probe_64"]
    rows = [
        (
            "operator RSS peak / steady (all jobs done, their pods tracked)",
            f"{_fmt(op['rss_peak_mib'], ' MiB', 1)} / {_fmt(op['rss_steady_mib'], ' MiB', 1)}",
            "<= 128 MiB",
        ),
        ("operator RSS with the nodes only (before any job)", _fmt(op["rss_empty_mib"], " MiB", 1), ""),
        (
            "operator CPU idle: loaded / empty (cores)",
            f"{_fmt(op['cpu_idle_loaded_cores'], '', 4)} / {_fmt(op['cpu_idle_empty_cores'], '', 4)}",
            "well under 0.1",
        ),
        ("operator CPU while busy (cores)", _fmt(op["cpu_busy_cores"], "", 3), ""),
        (
            f"8-worker job: apply → all pods created p50 / p99 (n={p8['n']})",
            f"{_fmt(p8['created_p50_s'], ' s')} / {_fmt(p8['created_p99_s'], ' s')}",
            "",
        ),
        (
            f"8-worker job: apply → all pods Running p50 / p99 (n={p8.get('n_running', p8['n'])})",
            f"{_fmt(p8['running_p50_s'], ' s')} / {_fmt(p8['running_p99_s'], ' s')}",
            "",
        ),
        (
            f"64-worker job: apply → all pods created p50 / p99 (n={p64['n']})",
            f"{_fmt(p64['created_p50_s'], ' s')} / {_fmt(p64['created_p99_s'], ' s')}",
            "p99 < 2 s",
        ),
        (
            "64-worker job, the operator's clock: queued → admitted + decision → all created p50 / p99",
            f"{_fmt(p64.get('operator_admission_wait_p50_s'), ' s')} + {_fmt(p64.get('operator_created_p50_s'), ' s')}"
            f" = {_fmt(p64.get('operator_observed_to_created_p50_s'), ' s')} / "
            f"{_fmt(p64.get('operator_observed_to_created_p99_s'), ' s')}",
            "",
        ),
        (
            f"64-worker job: apply → all pods Running p50 / p99 (n={p64.get('n_running', p64['n'])})",
            f"{_fmt(p64['running_p50_s'], ' s')} / {_fmt(p64['running_p99_s'], ' s')}",
            "",
        ),
        (
            "mix jobs: apply → first pod p50 / p99 (includes queueing)",
            f"{_fmt(lat['queue_wait_p50_s'], ' s')} / {_fmt(lat['queue_wait_p99_s'], ' s')}",
            "",
        ),
        (
            f"fill {fill['gpus']} empty GPUs ({fill['jobs']} jobs, {fill['pods']} pods): 95% held / Running",
            f"{_fmt(fill['held_95_s'], ' s')} / {_fmt(fill['running_95_s'], ' s')}"
            f" (peak {_fmt(fill['peak_ratio'] and 100 * fill['peak_ratio'], '%', 1)})",
            "",
        ),
        (
            "pods created/s: operator during fill / peak 1 s / peak 5 s",
            f"{_fmt(pc['fill_pods_per_s'], '', 1)} / {_fmt(pc['peak_1s'], '', 1)} / {_fmt(pc['peak_5s'], '', 1)}",
            "keeps pace with the API server",
        ),
        (
            f"API server ceiling: plain pod creates/s ({pc['ceiling_concurrency']} connections), before / after",
            f"{_fmt(pc.get('ceiling_before_pods_per_s'), '', 1)} / {_fmt(pc.get('ceiling_after_pods_per_s'), '', 1)}",
            "",
        ),
        ("API requests per job lifecycle", _fmt(api["requests_per_job"], "", 1), ""),
        (
            f"plan duration mean / p50 / p99 ({plan['count']} plans)",
            f"{_fmt(plan['mean_ms'], ' ms')} / {_fmt(plan['p50_ms'], ' ms')} / {_fmt(plan['p99_ms'], ' ms')}",
            "",
        ),
        (
            "operator's histograms p50 / p99: admission wait; decision → all created",
            f"{_fmt(plan.get('admission_wait', {}).get('p50_s'), ' s')} / "
            f"{_fmt(plan.get('admission_wait', {}).get('p99_s'), ' s')}; "
            f"{_fmt(plan.get('apply_to_created', {}).get('p50_s'), ' s')} / "
            f"{_fmt(plan.get('apply_to_created', {}).get('p99_s'), ' s')}",
            "",
        ),
        (
            "operator's apply → Running histogram p50 / p99; API request latency mean",
            f"{_fmt(plan.get('apply_to_running', {}).get('p50_s'), ' s')} / "
            f"{_fmt(plan.get('apply_to_running', {}).get('p99_s'), ' s')}; "
            f"{_fmt((plan.get('api_request_duration', {}).get('mean_s') or 0) * 1000 or None, ' ms', 1)}",
            "",
        ),
        (
            "last worker Succeeded → job Completed p50 / p99",
            f"{_fmt(lat.get('completion_lag_p50_s'), ' s')} / {_fmt(lat.get('completion_lag_p99_s'), ' s')}",
            "",
        ),
        (
            f"GPU allocation while jobs wait ({gpu['waiting_samples']} s): planned / held by pods",
            f"{_fmt(gpu['planned_mean_while_waiting'] and 100 * gpu['planned_mean_while_waiting'], '%', 1)} / "
            f"{_fmt(gpu['held_mean_while_waiting'] and 100 * gpu['held_mean_while_waiting'], '%', 1)}",
            "",
        ),
        (
            f"GPU allocation while a waiting job fits the free GPUs ({gpu['fit_samples']} s): planned mean / min;"
            " held mean",
            f"{_fmt(gpu['planned_mean_while_fit'] and 100 * gpu['planned_mean_while_fit'], '%', 1)} / "
            f"{_fmt(gpu['planned_min_while_fit'] and 100 * gpu['planned_min_while_fit'], '%', 1)}; "
            f"{_fmt(gpu['held_mean_while_fit'] and 100 * gpu['held_mean_while_fit'], '%', 1)}",
            "> 95%",
        ),
        (
            f"the same with a job in the operator's queue ({gpu.get('queued_fit_samples')} s): planned mean;"
            " share of samples > 95%",
            _queued_fit(gpu),
            "> 95%",
        ),
    ]
    lines = ["| figure | value | target |", "|---|---:|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)
