"""ElasticSampler: exactly-once per epoch across resizes, matched batch counts."""

import random

import pytest
from lattice.addon import ElasticSampler, Progress, epoch_permutation


def run_epoch_with_resizes(num_samples, batch_size, sizes_and_steps):
    """Trains (simulated) one epoch, changing world size at step boundaries.

    sizes_and_steps: [(world_size, steps to run before the next resize)], the last
    entry runs to the end of the epoch. Returns the samples every rank trained."""
    progress = Progress()
    seen = []
    for world_size, steps in sizes_and_steps:
        samplers = [
            ElasticSampler(num_samples, batch_size, progress, r, world_size, seed=3)
            for r in range(world_size)
        ]
        per_rank = [list(s.batches()) for s in samplers]
        counts = {len(batches) for batches in per_rank}
        assert len(counts) == 1, f"ranks got different batch counts {counts}"
        total = counts.pop()
        for step in range(total if steps is None else min(steps, total)):
            consumed = samplers[0].step_samples()
            step_samples = [i for batches in per_rank for i in batches[step]]
            assert len(step_samples) == consumed
            seen += step_samples
            progress.advance(consumed)  # checkpointed at this boundary
    return seen, progress


@pytest.mark.parametrize(
    "num_samples, batch_size, plan",
    [
        (600, 8, [(2, 10), (3, 7), (2, None)]),
        (101, 4, [(3, 2), (1, 5), (4, None)]),  # nothing divides evenly
        (10, 8, [(4, None)]),  # one short step, some ranks empty
        (50, 3, [(2, 0), (5, 1), (2, 0), (3, None)]),  # resizes with no step in between
    ],
)
def test_every_sample_exactly_once_across_resizes(num_samples, batch_size, plan):
    seen, progress = run_epoch_with_resizes(num_samples, batch_size, plan)
    assert sorted(seen) == list(range(num_samples))
    assert progress.samples_done == num_samples


def test_random_resize_plans_never_skip_or_repeat():
    rng = random.Random(42)
    for _ in range(200):
        n, b = rng.randint(1, 120), rng.randint(1, 9)
        plan = [(rng.randint(1, 5), rng.randint(0, 6)) for _ in range(rng.randint(0, 4))]
        plan.append((rng.randint(1, 5), None))
        seen, _ = run_epoch_with_resizes(n, b, plan)
        assert sorted(seen) == list(range(n)), (n, b, plan)


def test_epoch_order_is_deterministic_and_differs_between_epochs():
    assert epoch_permutation(50, 1, 7, True) == epoch_permutation(50, 1, 7, True)
    assert epoch_permutation(50, 1, 7, True) != epoch_permutation(50, 2, 7, True)
    assert epoch_permutation(5, 0, 7, False) == [0, 1, 2, 3, 4]


def test_resumes_after_the_trained_prefix():
    progress = Progress(epoch=0, step=3, samples_done=6)
    sampler = ElasticSampler(10, 2, progress, rank=0, world_size=1, shuffle=False)
    assert list(sampler.batches()) == [[6, 7], [8, 9]]
    assert len(sampler) == 4


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_samples": 0}, "num_samples"),
        ({"batch_size": 0}, "batch_size"),
        ({"rank": 2, "world_size": 2}, "rank 2 outside world size 2"),
    ],
)
def test_bad_arguments_name_the_field(kwargs, message):
    args = {"num_samples": 10, "batch_size": 2, "progress": Progress(), "rank": 0, "world_size": 1}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        ElasticSampler(**args)
