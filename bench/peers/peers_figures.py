"""Figures from raw observations (pure functions, unit-tested): when a job first had k workers
created / Running, GPU time lost to deleted workers, fill time, percentiles per size, ratios."""

import math


def percentile(values, q):
    """Nearest-rank percentile (q in 0-100) of a non-empty list; None when empty."""
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    rank = max(1, math.ceil(q / 100 * len(values)))
    return values[rank - 1]


def first_time_at_least(intervals, k):
    """Earliest t at which at least k of the [start, end) intervals are open at once (end None: still
    open); None if never. Used for "the job had k workers created / Running"."""
    if k <= 0:
        return None
    events = []
    for start, end in intervals:
        if start is None or (end is not None and end <= start):
            continue
        events.append((start, 1))
        if end is not None:
            events.append((end, -1))
    events.sort(key=lambda e: (e[0], e[1]))  # an end at t closes before a start at t opens
    open_ = 0
    for t, delta in events:
        open_ += delta
        if open_ >= k:
            return t
    return None


def _end(*times):
    present = [t for t in times if t is not None]
    return min(present) if present else None


def created_interval(pod):
    return pod.created, _end(pod.deleting, pod.gone)


def running_interval(pod):
    return pod.running, _end(pod.finished, pod.deleting, pod.gone)


def job_latency(pods, applied, workers):
    """(apply -> `workers` pods existing at once, apply -> `workers` pods Running at once) in seconds."""
    created = first_time_at_least([created_interval(p) for p in pods], workers)
    running = first_time_at_least([running_interval(p) for p in pods], workers)
    return (
        None if created is None else created - applied,
        None if running is None else running - applied,
    )


def lost_gpu_seconds(pods, t0, t1):
    """Work thrown away by deleting Running workers: for each pod that was Running and was deleted (before
    it Succeeded) between t0 and t1, its GPUs x how long it had run. Returns (GPU-seconds, GPUs of those
    pods, jobs they belonged to)."""
    seconds, gpus, jobs = 0.0, 0, set()
    for p in pods:
        if p.running is None or p.deleting is None or not t0 <= p.deleting <= t1:
            continue
        if p.finished is not None and p.finished <= p.deleting:
            continue  # finished first: its work was done
        seconds += p.gpus * (p.deleting - p.running)
        gpus += p.gpus
        jobs.add(p.job)
    return seconds, gpus, jobs


def creation_wave(times, gap=1.0):
    """The creates of the first wave: from the first create (times sorted) up to the first pause of
    `gap` seconds or more, when the system had nothing left to create (its plan carried out, the
    rest waiting for GPUs to free). Returns (pods, pods per second over the wave's span; None for
    fewer than two)."""
    wave = times[:1]
    for t in times[1:]:
        if t - wave[-1] >= gap:
            break
        wave.append(t)
    span = wave[-1] - wave[0] if len(wave) > 1 else 0.0
    return len(wave), (len(wave) / span if span > 0 else None)


def counter_wave_window(samples, gap=1.0):
    """The first wave of a cumulative counter sampled as (t, count) rows (t ascending): from the last
    sample before it first rose to the first sample showing its count when it then paused for `gap`
    seconds or more. Returns ((start_t, start_count), (last_t, last_count)), or None without a rise."""
    if not samples:
        return None
    base = samples[0][1]
    first = next((i for i, (_, c) in enumerate(samples) if c > base), None)
    if first is None:
        return None
    start = samples[max(first - 1, 0)]
    last_t, last_c = samples[first]
    for t, c in samples[first + 1 :]:
        if c > last_c:
            last_t, last_c = t, c
        elif t - last_t >= gap:
            break
    return start, (last_t, last_c)


def counter_wave(samples, gap=1.0):
    """The first wave of a cumulative counter (counter_wave_window). Returns (increase, increase per
    second; None without a rise). The span starts at the sample before the rise, so the rate errs low
    by at most one sampling interval."""
    window = counter_wave_window(samples, gap)
    if window is None:
        return 0, None
    (start_t, start_c), (last_t, last_c) = window
    span = last_t - start_t
    return last_c - start_c, ((last_c - start_c) / span if span > 0 else None)


def first_crossing(timeline, start, column, target):
    """Seconds after `start` when timeline[column] first reached `target` ((t, held, running) rows)."""
    for row in timeline:
        if row[0] >= start and row[column] >= target:
            return row[0] - start
    return None


def max_rate(times, window):
    """Most events in any `window`-second span, per second."""
    times = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] > window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best / window


def by_size(rows):
    """rows: (size class, created_s, running_s) -> {size: {n, created p50/p99, running p50/p99}} plus
    "all"."""
    groups = {}
    for size, created, running in rows:
        for key in (size, "all"):
            groups.setdefault(key, ([], []))
            groups[key][0].append(created)
            groups[key][1].append(running)

    def size_key(s):
        if s == "all":
            return (1, 0, 0)
        w, g = s.split("x")
        return (0, int(w), int(g))

    out = {}
    for key in sorted(groups, key=size_key):
        created, running = groups[key]
        out[key] = {
            "n": len(created),
            "n_running": sum(1 for r in running if r is not None),
            "created_p50_s": rounded(percentile(created, 50)),
            "created_p99_s": rounded(percentile(created, 99)),
            "running_p50_s": rounded(percentile(running, 50)),
            "running_p99_s": rounded(percentile(running, 99)),
        }
    return out


def rounded(value, digits=3):
    return None if value is None else round(value, digits)


def ratio(lattice, peers, lower_is_better=True):
    """How many times better this operator is than the peers on one figure (> 1: better): peers / lattice
    when lower is better, lattice / peers otherwise. None when either is missing; inf when this operator's
    figure is 0 and the peers' is not (lower is better)."""
    if lattice is None or peers is None:
        return None
    if not lower_is_better:
        lattice, peers = peers, lattice
    if lattice == 0:
        return None if peers == 0 else math.inf
    return round(peers / lattice, 2)
