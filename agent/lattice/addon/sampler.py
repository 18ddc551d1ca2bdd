"""ElasticSampler: every sample of an epoch exactly once, across resizes.

An epoch is a fixed permutation of the dataset (seeded by seed + epoch, so
every rank and every generation computes the same one). `Progress.samples_done`
says how long a prefix of it the job has already trained on. The rest is
dealt out round-robin: rank r of W takes rest[r], rest[r + W], ... so after k
steps of batch size b the ranks together have consumed exactly the prefix
rest[: k * b * W]; a checkpoint taken at a step boundary records that prefix
and the next generation, of any size, resumes right after it.

Every rank gets the same number of batches (the last may be short or empty),
so collective operations stay matched even when W does not divide the rest.
"""

from __future__ import annotations

import random
from typing import Iterator, List

from .progress import Progress


def epoch_permutation(num_samples: int, epoch: int, seed: int, shuffle: bool) -> List[int]:
    """The order in which epoch `epoch` visits the dataset (same on every rank)."""
    order = list(range(num_samples))
    if shuffle:
        random.Random(seed * 1_000_003 + epoch).shuffle(order)
    return order


class ElasticSampler:
    """Indices for this rank's batches of the current epoch, resuming at Progress."""

    def __init__(
        self,
        num_samples: int,
        batch_size: int,
        progress: Progress,
        rank: int = 0,
        world_size: int = 1,
        seed: int = 0,
        shuffle: bool = True,
    ) -> None:
        if num_samples < 1:
            raise ValueError(f"ElasticSampler: num_samples must be >= 1, got {num_samples}")
        if batch_size < 1:
            raise ValueError(f"ElasticSampler: batch_size must be >= 1, got {batch_size}")
        if not 0 <= rank < world_size:
            raise ValueError(f"ElasticSampler: rank {rank} outside world size {world_size}")
        self.num_samples = num_samples
        self.batch_size = batch_size
        self.progress = progress
        self.rank = rank
        self.world_size = world_size
        self.seed = seed
        self.shuffle = shuffle

    def remaining(self) -> List[int]:
        """The not yet trained samples of the current epoch, in epoch order."""
        order = epoch_permutation(self.num_samples, self.progress.epoch, self.seed, self.shuffle)
        return order[self.progress.samples_done :]

    def steps_left(self) -> int:
        """Global steps left in the epoch (the same on every rank)."""
        per_step = self.batch_size * self.world_size
        return -(-len(self.remaining()) // per_step)

    def batches(self) -> Iterator[List[int]]:
        """This rank's batches for the rest of the epoch; possibly short or empty at the end.

        Does not advance Progress: the training loop calls Session.step_end()
        (or Progress.advance()) after each step, so a stop between steps never
        counts samples that were not trained."""
        rest = self.remaining()
        mine = rest[self.rank :: self.world_size]
        for step in range(self.steps_left()):
            yield mine[step * self.batch_size : (step + 1) * self.batch_size]

    def step_samples(self) -> int:
        """How many samples the whole job consumes in the next step."""
        return min(self.batch_size * self.world_size, self.num_samples - self.progress.samples_done)

    def __iter__(self) -> Iterator[int]:
        for batch in self.batches():
            yield from batch

    def __len__(self) -> int:
        return len(self.remaining()[self.rank :: self.world_size])
