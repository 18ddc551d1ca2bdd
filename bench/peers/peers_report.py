"""The comparison: each figure for both systems and the ratio (how many times better this operator is),
the issue's targets with met/missed, and the markdown table the driver prints (pure)."""

from peers_figures import ratio

# (label, dotted path in a system's summary, lower is better)
FIGURES = (
    ("API server ceiling before the system: gated plain pods (pods/s)", "ceiling.pods_per_s", False),
    (
        "API server ceiling before the system: pinned plain pods, scheduled and run (pods/s)",
        "ceiling_scheduled.pods_per_s",
        False,
    ),
    ("the same: 95% of their GPUs held (s)", "ceiling_scheduled.held_95_s", True),
    ("the same: a create's round trip, mean (s)", "ceiling_scheduled.round_trip_mean_s", True),
    ("burst: 95% of GPUs held by bound pods (s)", "burst.fill_95_held_s", True),
    ("burst: 95% of GPUs Running (s)", "burst.fill_95_running_s", True),
    ("burst: most GPUs held by bound pods at once (share)", "burst.peak_held", False),
    ("burst: apply -> minSize workers created p50 (s)", "burst.latency_min_workers.all.created_p50_s", True),
    ("burst: apply -> minSize workers created p99 (s)", "burst.latency_min_workers.all.created_p99_s", True),
    ("burst: apply -> minSize workers Running p50 (s)", "burst.latency_min_workers.all.running_p50_s", True),
    ("burst: apply -> minSize workers Running p99 (s)", "burst.latency_min_workers.all.running_p99_s", True),
    (
        "burst: apply -> maxSize workers Running p99 (s)",
        "burst.latency_all_requested.all.running_p99_s",
        True,
    ),
    ("burst: pod creates/s until 95% held", "burst.fill_pods_per_s", False),
    (
        "burst: pod creates/s in the first creation wave (until a pause of 1 s)",
        "burst.wave_pods_per_s",
        False,
    ),
    ("burst: pods of that wave", "burst.wave_pods", False),
    (
        "burst: the same wave as the system's answered creates (its own counter, every 50 ms)",
        "burst.answered_wave_pods_per_s",
        False,
    ),
    ("burst: pods of that wave, answered", "burst.answered_wave_pods", False),
    (
        "burst: this operator's pod creates: wait for an API connection, mean (s)",
        "burst.pod_create_queue_wait_mean_s",
        True,
    ),  # fmt: skip
    (
        "burst: this operator's pod creates: the API server's round trip, mean (s)",
        "burst.pod_create_round_trip_mean_s",
        True,
    ),  # fmt: skip
    (
        "burst: CPU in the answered wave, the cluster's and the system's processes (cores)",
        "burst.wave_cpu_cores.total",
        True,
    ),
    ("burst: the same, kube-apiserver (cores)", "burst.wave_cpu_cores.kube-apiserver", True),
    ("burst: the same, etcd (cores)", "burst.wave_cpu_cores.etcd", True),
    (
        "burst: the same, kube-scheduler + kube-controller-manager + kwok (cores)",
        "burst.wave_cpu_cores.downstream",
        True,
    ),
    ("burst: the same, the system's own processes (cores)", "burst.wave_cpu_cores.system", True),
    (
        "burst: the same, this driver (its watches and samplers; cores)",
        "burst.wave_cpu_cores.bench-driver",
        True,
    ),
    (
        "burst: kube-scheduler, kube-controller-manager and kwok paused (s; --pause-downstream)",
        "burst.downstream_paused_s",
        True,
    ),
    ("burst: pod creates/s, best 5 s", "burst.peak_5s_pods_per_s", False),
    ("burst: API requests per job", "burst.api_requests_per_job", True),
    ("contention: high priority apply -> Running p50 (s)", "contention.high_running_p50_s", True),
    ("contention: high priority apply -> Running p99 (s)", "contention.high_running_p99_s", True),
    ("contention: GPUs taken from lower priorities", "contention.gpus_taken_from_lower", True),
    ("contention: GPU time lost to preemption (GPU-s)", "contention.gpu_seconds_lost", True),
    ("contention: lower-priority jobs hit / evicted whole", None, True),
    ("churn: RSS peak, all processes (MiB)", "churn.usage.total.rss_peak_mib", True),
    ("churn: RSS mean, all processes (MiB)", "churn.usage.total.rss_mean_mib", True),
    ("churn: CPU, all processes (cores)", "churn.usage.total.cpu_cores", True),
    ("churn: API requests per job (API server's count)", "churn.api_requests_per_job", True),
    ("churn: bytes received from the API server per job (KiB)", "churn.bytes_received_per_job_kib", True),
    ("churn: apply -> minSize workers Running p99 (s)", "churn.latency_min_workers.running_p99_s", True),
    ("whole run: RSS peak, all processes (MiB)", "usage_whole_run.total.rss_peak_mib", True),
)


def value(summary, path):
    for key in path.split("."):
        if not isinstance(summary, dict) or key not in summary:
            return None
        summary = summary[key]
    return summary


def best(values, lower_is_better=True):
    present = [v for v in values if v is not None]
    if not present:
        return None
    return min(present) if lower_is_better else max(present)


def comparison(lattice, peers):
    """peers: {variant: summary}. [{figure, path, lattice, peers {variant: value}, best_peer, ratio}]: the
    ratio is against the best peer variant on that figure (> 1: this operator better)."""
    rows = []
    for label, path, lower in FIGURES:
        if path is not None and path.startswith("ceiling"):
            # The API server's state when the system started, not the system's doing: no ratio.
            rows.append({"figure": label, "path": path, "lattice": value(lattice, path),
                         "peers": {n: value(p, path) for n, p in peers.items()}, "best_peer": None,
                         "ratio": None})  # fmt: skip
            continue
        if path is None:

            def hit(summary):
                c = summary.get("contention")
                return f"{c.get('victim_jobs')} / {c.get('victims_evicted_whole')}" if c else None

            rows.append({"figure": label, "path": None, "lattice": hit(lattice),
                         "peers": {n: hit(p) for n, p in peers.items()}, "best_peer": None, "ratio": None})  # fmt: skip
            continue
        values = {n: value(p, path) for n, p in peers.items()}
        lv, bp = value(lattice, path), best(values.values(), lower)
        rows.append({"figure": label, "path": path, "lattice": lv, "peers": values, "best_peer": bp,
                     "ratio": ratio(lv, bp, lower)})  # fmt: skip
    return rows


def targets(lattice, peers):
    """The issue's targets against the best peer variant: [{target, value, met}] (met None when not
    measured)."""

    def at_least(v, bound):
        return None if v is None else v >= bound

    def best_of(path):
        return best(value(p, path) for p in peers.values())

    contention = ratio(
        value(lattice, "contention.high_running_p99_s"), best_of("contention.high_running_p99_s")
    )
    # Work lost is compared with the peer variants that served the high-priority jobs by preemption (took
    # GPUs from lower priorities): one that never preempted lost nothing because its high-priority jobs
    # waited (that shows in the latency target).
    served = [p for p in peers.values() if (value(p, "contention.gpus_taken_from_lower") or 0) > 0]
    lost_l = value(lattice, "contention.gpu_seconds_lost")
    lost_p = best(value(p, "contention.gpu_seconds_lost") for p in served)
    lost = ratio(lost_l, lost_p)
    rss = ratio(
        value(lattice, "usage_whole_run.total.rss_peak_mib"), best_of("usage_whole_run.total.rss_peak_mib")
    )
    fill = value(lattice, "burst.fill_rate_vs_ceiling")
    fill_scheduled = value(lattice, "burst.fill_rate_vs_scheduled_ceiling")
    fill_target = "pod creates/s during the burst (first wave) >= 80% of the plain-pod ceiling"
    if value(lattice, "burst.downstream_paused_s") is not None:
        # Nothing reacted to the wave's pods, as nothing reacts to the gated ceiling's: that ratio is the
        # operator's own creation capacity, and the scheduled ceiling (downstream running) is no measure.
        fill_target += " (downstream paused for the wave, as for the gated ceiling)"
        fill_scheduled = None
    held = value(lattice, "burst.held_mean_while_waiting")
    planned = value(lattice, "burst.planned_mean_while_waiting")
    gap = None if held is None or planned is None else round(100 * (planned - held), 1)
    return [
        {"target": "apply -> Running p99 under contention >= 2x better", "value": contention,
         "met": at_least(contention, 2)},
        {"target": "GPU time lost to preemption >= 2x better (peers that preempted)", "value": lost,
         "met": None if lost_l is None or lost_p is None else (lost_l == 0 or (lost is not None and lost >= 2))},
        {"target": "RSS at most half the peers' combined (peak, whole run)", "value": rss, "met": at_least(rss, 2)},
        {"target": fill_target, "value": fill, "met": at_least(fill, 0.8)},
        {"target": "the same against pinned plain pods that are scheduled and run (same downstream work)",
         "value": fill_scheduled, "met": at_least(fill_scheduled, 0.8)},
        {"target": "GPUs held within 5 points of planned while jobs wait", "value": gap,
         "met": None if gap is None else gap <= 5},
    ]  # fmt: skip


def _fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return "inf" if v == float("inf") else f"{v:g}"
    return str(v)


def markdown(result):
    systems = result["systems"]
    names = [n for n in systems if n != "lattice"]
    title = {n: systems[n].get("title", n) for n in systems}
    lines = [
        "| figure | "
        + " | ".join([title.get("lattice", "lattice")] + [title[n] for n in names])
        + " | best peer / lattice |",
        "|---|" + "---:|" * (len(names) + 2),
    ]
    for row in result["comparison"]:
        r = row["ratio"]
        cells = [_fmt(row["lattice"])] + [_fmt(row["peers"].get(n)) for n in names]
        lines.append(f"| {row['figure']} | " + " | ".join(cells) + f" | {_fmt(r) + 'x' if r else '-'} |")
    lines += ["", "| target (against the best peer variant) | value | met |", "|---|---:|---|"]
    for t in result["targets"]:
        met = {True: "met", False: "MISSED", None: "not measured"}[t["met"]]
        lines.append(f"| {t['target']} | {_fmt(t['value'])} | {met} |")
    return "\n".join(lines)
