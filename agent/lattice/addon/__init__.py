"""Lattice addon: what a training script uses to survive resizes.

register model/optimizer/progress, atomic checkpoint and restore on a shared
path (LATTICE_CHECKPOINT_DIR), and an elastic sampler that neither skips nor
repeats a sample of an epoch when the world size changes. See session.py."""

from .checkpoint import atomic_write
from .progress import Progress
from .sampler import ElasticSampler, epoch_permutation
from .session import EXIT_RESTART, Session, init

__all__ = [
    "EXIT_RESTART",
    "ElasticSampler",
    "Progress",
    "Session",
    "atomic_write",
    "epoch_permutation",
    "init",
]
