"""Lattice: the agent that wraps elastic training processes, its rendezvous
server, and the addon training scripts use (checkpoint, elastic sampler)."""

__version__ = "0.1.0"
