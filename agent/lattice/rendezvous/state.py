"""Membership and generations of one elastic job: pure logic, time passed in.

A *member* is one agent (one pod). A *generation* is one agreed roster of
members with node ranks; the training processes of a generation run until the
generation ends. The server (server.py) only wraps this in HTTP and a lock.

      join (round open)          round can close
    +------------------+      +-------------------+
    |                  v      |                   v
  (none) ---------> FORMING --+               RUNNING
                      ^                          |
                      |  member left / expired,  |
                      |  member asked restart,   |
                      +-- new member admitted ---+   (generation += 1)

While RUNNING, an agent that is not in the roster waits: it is admitted (the
generation ends and a new round forms) when the roster is below max_size and
either the operator's announced target size is reached or the settle time has
passed since the first waiting member arrived (also past the target, which
may be stale).

A FORMING round closes when it has at least min_size participants and either
the target size (announced by the operator, else max_size) is reached, or
(after generation 0) every live member has joined it, or (generation 0 only)
settle time has passed since the last join. After generation 0 the live
members not yet back are the previous roster stopping its workers, and the
checkpoint the new generation restores is written during that stop: the
round waits for them however long it takes (their agents heartbeat while
stopping) and closes without one only when it leaves or its lease expires.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Dict, List, Optional

FORMING = "forming"
RUNNING = "running"


@dataclasses.dataclass
class Member:
    """One agent known to the rendezvous."""

    node_id: str
    addr: str
    nproc: int
    index: int
    last_seen: float


@dataclasses.dataclass
class Settings:
    """Limits of one job's rendezvous (from the server's flags)."""

    min_size: int
    max_size: int
    settle_s: float = 30.0
    lease_s: float = 15.0
    master_port: int = 29500

    def validate(self) -> None:
        if self.min_size < 1:
            raise ValueError(f"min size must be >= 1, got {self.min_size}")
        if self.max_size < self.min_size:
            raise ValueError(f"max size {self.max_size} is below min size {self.min_size}")
        if self.settle_s < 0 or self.lease_s <= 0:
            raise ValueError("settle time must be >= 0 and lease > 0")
        if not 0 < self.master_port < 65536:
            raise ValueError(f"master port {self.master_port} is not a TCP port")


class UnknownMember(KeyError):
    """A request named a node id the rendezvous does not know (expired or never joined)."""


class RendezvousState:
    """Members, the current generation and its roster. Not thread-safe: the server locks."""

    def __init__(self, settings: Settings) -> None:
        settings.validate()
        self.settings = settings
        self.members: Dict[str, Member] = {}
        self.generation = 0
        self.status = FORMING
        self.participants: List[str] = []  # roster when RUNNING, joiners when FORMING
        self.waiting: List[str] = []  # joined while RUNNING, not in the roster
        self.last_join_at: Optional[float] = None
        self.waiting_since: Optional[float] = None
        self.target_size: Optional[int] = None
        self.completed = False
        self.roster: List[dict] = []
        # Generations restart at 0 if the server restarts (its state is in
        # memory); agents compare (server_id, generation), never generation alone.
        self.server_id = uuid.uuid4().hex[:12]

    # ---- requests -------------------------------------------------------

    def join(self, node_id: str, addr: str, nproc: int, index: int, now: float) -> None:
        """Registers an agent for the next roster it can be part of.

        The agent then polls view(): it runs once a RUNNING roster newer than
        its last one assigns it a rank."""
        if nproc < 1:
            raise ValueError(f"nproc must be >= 1, got {nproc}")
        self.members[node_id] = Member(node_id, addr, nproc, index, now)
        if self.status == FORMING:
            if node_id not in self.participants:
                self.participants.append(node_id)
            self.last_join_at = now
            self.tick(now)
            return
        if node_id in self.participants:
            # A roster member joining again wants a new generation (its workers
            # stopped: crash restart, or it saw a change before the others).
            self._end_generation(now)
            self.participants.append(node_id)
            self.last_join_at = now
            self.tick(now)
            return
        if node_id not in self.waiting:
            self.waiting.append(node_id)
        if self.waiting_since is None:
            self.waiting_since = now
        self.tick(now)

    def heartbeat(self, node_id: str, now: float) -> None:
        member = self.members.get(node_id)
        if member is None:
            raise UnknownMember(node_id)
        member.last_seen = now

    def leave(self, node_id: str, succeeded: bool, now: float) -> None:
        """An agent is going away. succeeded=True: its workers finished the job."""
        if succeeded:
            self.completed = True
        if self.members.pop(node_id, None) is None:
            return
        self._drop(node_id, now, end_generation=not succeeded)

    def announce(self, size: Optional[int], now: float) -> None:
        """The operator's intended size (None clears it)."""
        if size is not None and size < 1:
            raise ValueError(f"target size must be >= 1, got {size}")
        self.target_size = size
        self.tick(now)

    # ---- time -----------------------------------------------------------

    def tick(self, now: float) -> None:
        """Expires silent members and closes or ends generations when due."""
        for node_id, member in list(self.members.items()):
            if now - member.last_seen > self.settings.lease_s:
                del self.members[node_id]
                self._drop(node_id, now, end_generation=True)
        if self.status == FORMING:
            if self._round_can_close(now):
                self._start_generation()
        elif self.waiting and self._should_admit(now):
            if self.target_size is not None and len(self.participants) + len(self.waiting) > self.target_size:
                # More workers than the target: it is stale (the size when the
                # rendezvous pod was created). Without it the new round waits
                # for every live member instead of closing at the old size.
                self.target_size = None
            self._end_generation(now)
            if self._round_can_close(now):
                self._start_generation()

    # ---- views ----------------------------------------------------------

    def view(self, node_id: Optional[str] = None) -> dict:
        """What an agent (or the operator) sees: generation, status, roster."""
        out = {
            "server_id": self.server_id,
            "generation": self.generation,
            "status": self.status,
            "completed": self.completed,
            "members": len(self.members),
            "waiting": len(self.waiting),
            "target_size": self.target_size,
            "min_size": self.settings.min_size,
            "max_size": self.settings.max_size,
        }
        if self.status == RUNNING:
            out["world_size"] = sum(entry["nproc"] for entry in self.roster)
            out["roster"] = self.roster
            if node_id is not None:
                out["assignment"] = self._assignment(node_id)
        if node_id is not None:
            out["known"] = node_id in self.members
        return out

    # ---- internals ------------------------------------------------------

    def _target(self) -> int:
        size = self.settings.max_size if self.target_size is None else self.target_size
        return max(self.settings.min_size, min(size, self.settings.max_size))

    def _round_can_close(self, now: float) -> bool:
        count = len(self.participants)
        if count < self.settings.min_size:
            return False
        if count >= self._target():
            return True
        if self.generation > 0:
            # After a generation ended, the live members not back yet are still
            # stopping their workers (rank 0 is writing the checkpoint). Closing
            # on the settle time without them would start a smaller generation
            # from an older checkpoint, ended again as soon as they re-join.
            return count == len(self.members)
        return self.last_join_at is not None and now - self.last_join_at >= self.settings.settle_s

    def _should_admit(self, now: float) -> bool:
        if len(self.participants) >= self.settings.max_size:
            return False
        settled = self.waiting_since is not None and now - self.waiting_since >= self.settings.settle_s
        if self.target_size is None:
            return settled
        # The operator said how many it wants: grow toward that at once. Past
        # it only after the settle time, as without a target: the target can
        # be stale (it is the size when the rendezvous pod was created), and a
        # worker the operator created must never wait forever.
        if len(self.participants) >= self._target():
            return settled
        return settled or len(self.participants) + len(self.waiting) >= self._target()

    def _drop(self, node_id: str, now: float, end_generation: bool) -> None:
        if node_id in self.waiting:
            self.waiting.remove(node_id)
            if not self.waiting:
                self.waiting_since = None
        if node_id not in self.participants:
            return
        if self.status == RUNNING and end_generation:
            self._end_generation(now)
        else:
            self.participants.remove(node_id)

    def _end_generation(self, now: float) -> None:
        """Ends the running generation; waiting agents become the new round's first joiners."""
        self.generation += 1
        self.status = FORMING
        self.participants = list(self.waiting)
        self.waiting = []
        self.waiting_since = None
        self.roster = []
        self.last_join_at = now if self.participants else None

    def _start_generation(self) -> None:
        # Node rank order: operator's worker index first, so ranks are stable
        # and predictable; node id breaks ties (two agents of one index).
        chosen = sorted(self.participants, key=lambda n: (self.members[n].index, n))
        extra = chosen[self.settings.max_size :]
        chosen = chosen[: self.settings.max_size]
        self.participants = chosen
        self.waiting = extra
        self.waiting_since = None
        self.status = RUNNING
        self.roster = []
        first_rank = 0
        for node_rank, node_id in enumerate(chosen):
            member = self.members[node_id]
            self.roster.append(
                {
                    "node_id": node_id,
                    "node_rank": node_rank,
                    "addr": member.addr,
                    "nproc": member.nproc,
                    "first_rank": first_rank,
                }
            )
            first_rank += member.nproc

    def _assignment(self, node_id: str) -> Optional[dict]:
        for entry in self.roster:
            if entry["node_id"] == node_id:
                return {
                    "node_rank": entry["node_rank"],
                    "first_rank": entry["first_rank"],
                    "nproc": entry["nproc"],
                    "nnodes": len(self.roster),
                    "world_size": sum(e["nproc"] for e in self.roster),
                    "master_addr": self.roster[0]["addr"],
                    "master_port": self.settings.master_port,
                }
        return None
