"""One system's figures from its SystemRun (raw observations -> the result's numbers)."""

import re

from peers_downstream import DOWNSTREAM
from peers_figures import (
    by_size,
    counter_wave,
    counter_wave_window,
    creation_wave,
    first_crossing,
    job_latency,
    lost_gpu_seconds,
    max_rate,
    percentile,
    rounded,
)
from peers_observe import usage_between


def wave_cpu(samples, window, system_names):
    """CPU cores of each sampled process over the creation wave `window` (counter_wave_window), and
    summed: "downstream" (the processes that react to a created pod), "system" (the system's own
    processes) and "total"; None without a wave or samples (pure)."""
    if not window or not samples:
        return None
    usage = usage_between(samples, window[0][0], window[1][0])
    if not usage:
        return None
    cores = {name: u["cpu_cores"] for name, u in usage.items()}

    def summed(names):
        present = [cores[n] for n in names if cores.get(n) is not None]
        return round(sum(present), 4) if present else None

    cores["downstream"] = summed(DOWNSTREAM)
    cores["system"] = summed(system_names)
    return cores


def _window_pods(run, names):
    pods = []
    for name in names:
        pods += run.pods.job_pods(name)
    return pods


def _latencies(run, jobs, threshold="min"):
    rows = []
    for job in jobs:
        if job.name not in run.applied:
            continue
        workers = job.min_size if threshold == "min" else job.max_size
        created, running = job_latency(run.pods.job_pods(job.name), run.applied[job.name], workers)
        rows.append((job.size_class(), created, running))
    return rows


def _requests(run, a, b):
    """API requests of the system's identities between snapshots a and b (the API server's count)."""
    sa, sb = run.raw["snapshots"].get(a, {}), run.raw["snapshots"].get(b, {})
    fa, fb = sa.get("flow_schemas"), sb.get("flow_schemas")
    if fa is None or fb is None:
        return None, {}
    per = {name: fb[name] - fa.get(name, 0) for name in fb}
    names = run.system.flow_schemas()
    return sum(per.values()), {comp: per.get(schema) for comp, schema in names.items()}


def _bytes_received(run, a, b):
    """Bytes the system's processes received from the API server between snapshots a and b."""
    pa = run.raw["snapshots"].get(a, {}).get("processes", {})
    pb = run.raw["snapshots"].get(b, {}).get("processes", {})
    if not (pa and pb):
        return None
    return sum(pb[n]["received"] - pa[n]["received"] for n in pb if n in pa and "received" in pb[n])


_LINE = re.compile(r'^(\w+)\{([^}]*)\}\s+(\S+)$')


def _counter_by(lines_a, lines_b, name, keys):
    """Delta of counter `name` between two metric snapshots, summed by the label values `keys`."""

    def parse(lines):
        out = {}
        for line in lines or []:
            m = _LINE.match(line)
            if not m or m.group(1) != name:
                continue
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
            key = " ".join(labels.get(k, "") for k in keys)
            out[key] = out.get(key, 0.0) + float(m.group(3))
        return out

    a, b = parse(lines_a), parse(lines_b)
    return {k: v - a.get(k, 0.0) for k, v in b.items() if v - a.get(k, 0.0) > 0}


def _histogram_mean(run, a, b, name, key):
    """Mean of histogram `name` between snapshots a and b for the series whose label values (joined by
    a space) are `key`; None when it has no observation there."""
    ma, mb = (run.raw["snapshots"].get(s, {}).get("metrics") for s in (a, b))
    if ma is None or mb is None:
        return None
    labels = ("verb", "resource") if " " in key else ("class",)
    total = _counter_by(ma, mb, f"{name}_sum", labels).get(key)
    count = _counter_by(ma, mb, f"{name}_count", labels).get(key)
    return rounded(total / count, 4) if total and count else None


def _mean(samples, key):
    return rounded(sum(s[key] for s in samples) / len(samples), 4) if samples else None


def _burst(run, plan, raw):
    start, end = raw["start"], raw["end"]
    with run.pods.lock:
        timeline = list(run.pods.timeline)
        creations = sorted(t for t in run.pods.worker_creations if start <= t <= end)
    target = 0.95 * run.ctx.capacity
    window = [row for row in timeline if row[0] <= end]
    held_95 = first_crossing(window, start, 1, target)
    running_95 = first_crossing(window, start, 2, target)
    peak = max((row[1] for row in window if row[0] >= start), default=0) / run.ctx.capacity
    in_fill = [t for t in creations if held_95 is None or t <= start + held_95]
    span = (in_fill[-1] - in_fill[0]) if len(in_fill) > 1 else 0
    wave_pods, wave_rate = creation_wave(in_fill)
    counter = raw.get("create_samples") or []
    answered_pods, answered_rate = counter_wave(counter)
    cpu = wave_cpu(
        raw.get("cluster_samples"), counter_wave_window(counter), raw.get("system_processes") or []
    )
    # The counter around each rise, to check the rate by hand: (seconds after the apply began, count).
    rising = [
        (t, c)
        for i, (t, c) in enumerate(counter)
        if i in (0, len(counter) - 1) or c != counter[i - 1][1] or c != counter[i + 1][1]
    ]
    answered_series = [[rounded(t - start, 3), c] for t, c in rising]
    samples = [s for s in run.samples if start <= s["t"] <= end]
    waiting = [s for s in samples if s["waiting"] > 0]
    planned = [s["planned"] for s in waiting if s["planned"] is not None]
    return {
        "jobs": len(plan.burst),
        "unfinished": len(raw["unfinished"]),
        "apply_s": rounded(raw["applied"] - start),
        "fill_95_held_s": rounded(held_95),
        "fill_95_running_s": rounded(running_95),
        "peak_held": rounded(peak, 4),
        "latency_min_workers": by_size(_latencies(run, plan.burst, "min")),
        "latency_all_requested": by_size(_latencies(run, plan.burst, "max")),
        "pods_created": len(creations),
        "fill_pods": len(in_fill),
        "fill_pods_per_s": rounded(len(in_fill) / span, 1) if span > 0 else None,
        "wave_pods": wave_pods,
        "wave_pods_per_s": rounded(wave_rate, 1),
        "answered_wave_pods": answered_pods or None,
        "answered_wave_pods_per_s": rounded(answered_rate, 1),
        "answered_creates_series": answered_series or None,
        "wave_cpu_cores": cpu,
        "downstream_paused_s": rounded(raw.get("downstream_paused_s")),
        "peak_1s_pods_per_s": rounded(max_rate(creations, 1.0), 1) if creations else None,
        "peak_5s_pods_per_s": rounded(max_rate(creations, 5.0), 1) if creations else None,
        "waiting_samples": len(waiting),
        "held_mean_while_waiting": _mean(waiting, "held"),
        "created_mean_while_waiting": _mean(waiting, "created"),
        "running_mean_while_waiting": _mean(waiting, "running"),
        "planned_mean_while_waiting": rounded(sum(planned) / len(planned), 4) if planned else None,
        "apply_request_p99_s": rounded(
            percentile([run.apply_s[j.name] for j in plan.burst if j.name in run.apply_s], 99)
        ),
    }


def _contention(run, plan, raw):
    start, end = raw["arrivals_start"], raw["end"]
    low = set(raw["low_jobs"])
    rows = _latencies(run, plan.high, "min")
    running = [r[2] for r in rows]
    lost_s, taken, victims = lost_gpu_seconds(_window_pods(run, sorted(low)), start, end)
    lost_all, _, _ = lost_gpu_seconds(
        _window_pods(run, [j.name for j in plan.high] + sorted(low)), start, end
    )
    evicted = 0
    for job in victims:
        # Evicted whole: every worker it ran when the arrivals began was deleted during the phase.
        at_start = [
            p
            for p in run.pods.job_pods(job)
            if p.running is not None
            and p.running <= start
            and all(t is None or t > start for t in (p.deleting, p.finished))
        ]
        if at_start and all(p.deleting is not None and p.deleting <= end for p in at_start):
            evicted += 1
    return {
        "low_jobs": len(low),
        "high_jobs": len(plan.high),
        "unfinished": len(raw["unfinished"]),
        "cluster_full_s": rounded(raw["full"] - raw["start"]) if raw.get("full") else None,
        "held_at_first_arrival": rounded(raw["held_at_first_arrival"], 4),
        "high_running_p50_s": rounded(percentile(running, 50)),
        "high_running_p99_s": rounded(percentile(running, 99)),
        "high_created_p99_s": rounded(percentile([r[1] for r in rows], 99)),
        "high_latency": by_size(rows),
        "gpus_taken_from_lower": taken,
        "gpu_seconds_lost": rounded(lost_s, 1),
        "gpu_seconds_lost_all_jobs": rounded(lost_all, 1),
        "victim_jobs": len(victims),
        "victims_evicted_whole": evicted,
        "window_s": rounded(end - start, 1),
    }


def _churn(run, plan, raw):
    done = len(plan.churn) - len(raw["unfinished"])
    names = [j.name for j in plan.churn]
    with run.jobs.lock:
        writes = [run.jobs.writes.get(n, 0) for n in names]
    total, per_component = _requests(run, "churn_start", "churn_end")
    bytes_read = _bytes_received(run, "churn_start", "churn_end")
    seconds = raw["end"] - raw["start"]
    return {
        "jobs": len(plan.churn),
        "completed": done,
        "seconds": rounded(seconds, 1),
        "max_lag_s": rounded(raw["max_lag_s"]),
        "usage": usage_between(run.sampler.samples if run.sampler else [], raw["start"], raw["end"]),
        "api_requests": total,
        "api_requests_per_job": rounded(total / done, 2) if total is not None and done else None,
        "api_requests_by_component": per_component,
        "bytes_received_mib": rounded(bytes_read / 2**20, 2) if bytes_read is not None else None,
        "bytes_received_per_job_kib": rounded(bytes_read / 1024 / done, 1) if bytes_read and done else None,
        "latency_min_workers": by_size(_latencies(run, plan.churn, "min"))["all"] if plan.churn else None,
        # Changes of the job objects seen on the watch (writes that changed them), per job.
        "job_object_writes_per_job": rounded(sum(writes) / len(writes), 2) if writes else None,
    }


def summarize_system(run, plan):
    raw, phases = run.raw, run.raw["phases"]
    out = {
        "system": raw["system"],
        "title": raw["title"],
        "ceiling": raw.get("ceiling"),
        "ceiling_scheduled": raw.get("ceiling_scheduled"),
        "failures": run.failures,
    }
    if "burst" in phases:
        out["burst"] = _burst(run, plan, phases["burst"])
        ceiling = (raw.get("ceiling") or {}).get("pods_per_s")
        # The creation rate while the system creates (its first wave), against what the API server took
        # of plain pods just before; "until 95% held" also counts waits for GPUs its plan could not use.
        # Where the system counts its answered creates, that rate is the one compared: the ceilings
        # count answers at the creating client too, while the pod watch sees creates later and spread
        # out when the API server and this machine are busy.
        rate = out["burst"]["answered_wave_pods_per_s"] or out["burst"]["wave_pods_per_s"]
        out["burst"]["fill_rate_vs_ceiling"] = rounded(rate / ceiling, 3) if rate and ceiling else None
        scheduled = (raw.get("ceiling_scheduled") or {}).get("pods_per_s")
        out["burst"]["fill_rate_vs_scheduled_ceiling"] = (
            rounded(rate / scheduled, 3) if rate and scheduled else None
        )
        total, per = _requests(run, "start", "burst_end")
        out["burst"]["api_requests_per_job"] = (
            rounded(total / len(plan.burst), 2) if total is not None else None
        )
        out["burst"]["api_requests_by_component"] = per
        # Where this operator's pod creates spent their time: waiting for one of its API connections, then
        # the API server's round trip (the plain pods' round trip is in ceiling_scheduled).
        out["burst"]["pod_create_round_trip_mean_s"] = _histogram_mean(
            run, "start", "burst_end", "lattice_api_request_duration_seconds", "POST pods"
        )
        out["burst"]["pod_create_queue_wait_mean_s"] = _histogram_mean(
            run, "start", "burst_end", "lattice_write_queue_wait_seconds", "start_pods"
        )
        received = _bytes_received(run, "start", "burst_end")
        out["burst"]["bytes_received_per_job_kib"] = (
            rounded(received / 1024 / len(plan.burst), 1) if received else None
        )
    if "contention" in phases:
        out["contention"] = _contention(run, plan, phases["contention"])
    if "churn" in phases:
        out["churn"] = _churn(run, plan, phases["churn"])
    origin = min(run.applied.values(), default=0.0)
    out["gpu_series_columns"] = ["t_s", "planned", "created", "held", "running", "waiting"]
    out["gpu_series"] = [
        [round(s["t"] - origin, 1), rounded(s["planned"], 4), round(s["created"], 4), round(s["held"], 4),
         round(s["running"], 4), s["waiting"]]
        for s in run.samples
    ]  # fmt: skip
    with run.jobs.lock:
        out["job_object_changes_by_field"] = dict(run.jobs.changed.most_common())
    snaps = raw["snapshots"]
    if run.sampler and "start" in snaps:
        first, last = snaps["start"]["t"], snaps.get("end", snaps["start"])["t"]
        out["usage_whole_run"] = usage_between(run.sampler.samples, first, last)
        idle = [(t, s) for t, s in run.sampler.samples if t <= first]
        out["usage_idle_start"] = usage_between(idle, idle[0][0], first) if len(idle) > 1 else {}
    if "start" in snaps and "end" in snaps:
        out["lattice_requests_by_verb"] = _counter_by(
            snaps["start"].get("metrics"),
            snaps["end"].get("metrics"),
            "lattice_api_requests_total",
            ("verb", "resource"),
        )
        out["training_operator_requests_by_method"] = _counter_by(
            snaps["start"].get("metrics"),
            snaps["end"].get("metrics"),
            "rest_client_requests_total",
            ("method",),
        )
    return out
