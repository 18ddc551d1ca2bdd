"""Per-job rendezvous server: membership, leases and generations (stdlib only)."""

from .state import FORMING, RUNNING, RendezvousState, Settings, UnknownMember

__all__ = ["FORMING", "RUNNING", "RendezvousState", "Settings", "UnknownMember"]
