"""The side-by-side benchmark's job stream: pure functions of (mix, seed, cluster size), so the same
arguments give every system the same jobs, in the same order, at the same times.

A job is drawn from the mix: maxSize workers (by weight), GPUs per worker (by weight), elastic (minSize =
maxSize / 2) with the mix's probability when maxSize > 1, and a priority 0-3. Each system expresses it in
its own API (peers_manifests.py). Three sets of jobs, one per phase:
  burst       N jobs applied at once to the empty cluster
  contention  low-priority jobs that fill the cluster for the whole phase, then high-priority jobs
              arriving one at a time
  churn       jobs arriving at a fixed rate (Poisson) for a fixed time
"""

import dataclasses
import random

GPUS_PER_NODE = 8
DEFAULT_MIX = (
    "sizes=1:14,2:16,4:18,8:18,16:16;gpus=1:30,2:25,4:25,8:20;elastic=0.5;priorities=0:40,1:30,2:20,3:10"
)


@dataclasses.dataclass(frozen=True)
class Mix:
    sizes: tuple  # ((maxSize, weight), ...)
    gpus: tuple  # ((GPUs per worker, weight), ...)
    elastic: float  # probability that a multi-worker job is elastic
    priorities: tuple  # ((priority, weight), ...)


@dataclasses.dataclass
class Job:
    name: str
    min_size: int
    max_size: int
    gpus: int  # per worker
    priority: int  # 0-3
    duration_s: float  # every worker succeeds this long after Running (KWOK's lattice.dev/exit-after)
    phase: str  # "burst", "low", "high" or "churn"
    arrival_s: float = 0.0  # after the start of its phase

    @property
    def elastic(self):
        return self.min_size < self.max_size

    def size_class(self):
        """The bucket latencies are reported in: maxSize workers x GPUs per worker."""
        return f"{self.max_size}x{self.gpus}"


def _weights(text, what):
    pairs = []
    for item in text.split(","):
        value, sep, weight = item.partition(":")
        try:
            pair = (int(value), float(weight) if sep else 1.0)
        except ValueError:
            raise ValueError(f"--mix {what}: {item!r} is not VALUE:WEIGHT") from None
        if pair[0] < 0 or pair[1] <= 0:
            raise ValueError(f"--mix {what}: {item!r}: value must be >= 0 and weight > 0")
        pairs.append(pair)
    if not pairs:
        raise ValueError(f"--mix {what}: empty")
    return tuple(pairs)


def parse_mix(text):
    """ "sizes=1:14,2:16;gpus=1:30,8:20;elastic=0.5;priorities=0:40,3:10" (any part may be left out:
    the default's is used) -> Mix."""
    parts = dict(item.split("=", 1) for item in DEFAULT_MIX.split(";"))
    for item in filter(None, (s.strip() for s in text.split(";"))):
        key, sep, value = item.partition("=")
        if not sep or key not in parts:
            raise ValueError(f"--mix: {item!r}: expected one of {sorted(parts)}=...")
        parts[key] = value
    mix = Mix(
        sizes=_weights(parts["sizes"], "sizes"),
        gpus=_weights(parts["gpus"], "gpus"),
        elastic=float(parts["elastic"]),
        priorities=_weights(parts["priorities"], "priorities"),
    )
    if any(s < 1 for s, _ in mix.sizes):
        raise ValueError("--mix sizes: every maxSize must be at least 1")
    if any(g not in (1, 2, 4, 8) for g, _ in mix.gpus):
        raise ValueError("--mix gpus: GPUs per worker must be 1, 2, 4 or 8 (nodes have 8)")
    if not 0 <= mix.elastic <= 1:
        raise ValueError("--mix elastic: a probability from 0 to 1")
    if any(p > 3 for p, _ in mix.priorities):
        raise ValueError("--mix priorities: 0 to 3")
    return mix


def _pick(rng, table):
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights=weights)[0]


def draw_job(rng, mix, name, phase, nodes, durations, priority=None, max_gpus=None):
    """One job of the mix; maxSize capped to what the cluster (or max_gpus) can hold at once."""
    max_size = _pick(rng, mix.sizes)
    gpus = _pick(rng, mix.gpus)
    elastic = max_size > 1 and rng.random() < mix.elastic
    drawn_priority = _pick(rng, mix.priorities)
    duration = round(rng.uniform(*durations), 1)
    cap = nodes * (GPUS_PER_NODE // gpus)
    if max_gpus is not None:
        cap = min(cap, max(1, max_gpus // gpus))
    max_size = max(1, min(max_size, cap))
    min_size = max(1, max_size // 2) if elastic else max_size
    return Job(
        name=name,
        min_size=min_size,
        max_size=max_size,
        gpus=gpus,
        priority=drawn_priority if priority is None else priority,
        duration_s=duration,
        phase=phase,
    )


def burst_jobs(mix, seed, nodes, count, durations):
    rng = random.Random(f"burst-{seed}")
    return [draw_job(rng, mix, f"burst-{i:04d}", "burst", nodes, durations) for i in range(count)]


def contention_jobs(mix, seed, nodes, fill_factor, high_count, high_share, interval_s, low_s, high_durations):
    """Low-priority (0) jobs whose maxSize demand adds up to fill_factor x the GPUs, running low_s (longer
    than the phase: the driver deletes them at its end), then high_count priority-3 jobs, each needing
    (minSize) at least 10% and at most high_share of the GPUs, one every interval_s."""
    rng = random.Random(f"contention-{seed}")
    capacity = nodes * GPUS_PER_NODE
    low, demand = [], 0
    while demand < fill_factor * capacity:
        job = draw_job(rng, mix, f"low-{len(low):04d}", "low", nodes, (low_s, low_s), priority=0)
        low.append(job)
        demand += job.max_size * job.gpus
    high = []
    lo_gpus, hi_gpus = max(1, int(0.1 * capacity)), max(1, int(high_share * capacity))
    for i in range(high_count):
        # A job that must take GPUs from others: 10% to high_share of the cluster (redrawn until it is).
        for _ in range(1000):
            job = draw_job(
                rng, mix, f"high-{i:03d}", "high", nodes, high_durations, priority=3, max_gpus=hi_gpus
            )
            if job.min_size * job.gpus >= lo_gpus:
                break
        job.arrival_s = round(i * interval_s, 3)
        high.append(job)
    return low, high


def churn_jobs(mix, seed, nodes, rate, seconds, durations):
    """Poisson arrivals at `rate` jobs/s for `seconds`."""
    rng = random.Random(f"churn-{seed}")
    jobs, t = [], rng.expovariate(rate)
    while t < seconds:
        job = draw_job(rng, mix, f"churn-{len(jobs):05d}", "churn", nodes, durations)
        job.arrival_s = round(t, 3)
        jobs.append(job)
        t += rng.expovariate(rate)
    return jobs
