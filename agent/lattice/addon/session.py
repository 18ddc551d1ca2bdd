"""The addon's API for training scripts: register state, checkpoint, stop on request.

    from lattice import addon
    session = addon.init()                       # reads RANK, WORLD_SIZE, LATTICE_* from env
    session.register(model, optimizer)           # anything with state_dict()/load_state_dict()
    session.restore()                            # resumes at the checkpointed step, if any
    sampler = session.sampler(len(data), batch_size=32)
    while session.progress.epoch < epochs:
        for batch in sampler.batches():
            train(batch)
            if session.step_end(sampler.step_samples()):   # the agent asked: checkpointed,
                session.exit_for_restart()                  # exit, resume at the new size
        session.end_epoch()
    session.checkpoint()

Stopping: the agent creates LATTICE_STOP_FILE when the job's membership
changes or the pod gets SIGTERM. At every step boundary the ranks agree (a
one-integer all-reduce, MAX) whether any of them was asked, so all stop after
the same step; rank 0 writes the checkpoint, all ranks wait for it (barrier)
and exit with EXIT_RESTART.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from typing import Any, Dict, Mapping, Optional

from . import checkpoint as ckpt
from .progress import Progress
from .sampler import ElasticSampler

EXIT_RESTART = 75  # same value as lattice.agent.workers.EXIT_RESTART


def _dist():
    """torch.distributed when a process group is up, else None (single process)."""
    try:
        import torch.distributed as dist  # noqa: WPS433 (optional dependency)
    except ImportError:
        return None
    return dist if dist.is_available() and dist.is_initialized() else None


class Session:
    """One training process's view of the elastic job."""

    def __init__(
        self,
        env: Optional[Mapping[str, str]] = None,
        checkpoint_every: Optional[int] = None,
        handle_sigterm: bool = True,
    ) -> None:
        env = os.environ if env is None else env
        self.rank = int(env.get("RANK", "0"))
        self.world_size = int(env.get("WORLD_SIZE", "1"))
        self.local_rank = int(env.get("LOCAL_RANK", "0"))
        self.generation = int(env.get("LATTICE_GENERATION", "0"))
        self.checkpoint_dir = env.get("LATTICE_CHECKPOINT_DIR") or None
        self.stop_file = env.get("LATTICE_STOP_FILE") or None
        # Set by the agent for one process per node: where the job's running
        # sample count goes for the agent's throughput report.
        self.progress_file = env.get("LATTICE_PROGRESS_FILE") or None
        self.samples_trained = 0
        self._progress_written_at = 0.0
        if checkpoint_every is None:
            checkpoint_every = int(env.get("LATTICE_CHECKPOINT_EVERY_STEPS", "0") or 0)
        self.checkpoint_every = checkpoint_every
        self.progress = Progress()
        self.restored = False
        self._objects: Dict[str, Any] = {}
        self._sigterm = False
        if self.checkpoint_dir is None and self.world_size > 1 and self.rank == 0:
            print(
                "lattice.addon: LATTICE_CHECKPOINT_DIR is not set: checkpoints are disabled and a "
                "resize restarts training from the beginning",
                file=sys.stderr,
                flush=True,
            )
        if handle_sigterm and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, self._on_sigterm)

    def _on_sigterm(self, *_args) -> None:
        self._sigterm = True

    def register(
        self, model: Any = None, optimizer: Any = None, progress: Optional[Progress] = None, **others: Any
    ) -> Session:
        """Objects saved in and restored from the checkpoint (each needs state_dict/load_state_dict)."""
        if progress is not None:
            self.progress = progress
        for name, obj in (("model", model), ("optimizer", optimizer), *others.items()):
            if obj is None:
                continue
            if not (hasattr(obj, "state_dict") and hasattr(obj, "load_state_dict")):
                raise TypeError(f"register: {name} has no state_dict()/load_state_dict()")
            self._objects[name] = obj
        return self

    def sampler(
        self, num_samples: int, batch_size: int, seed: int = 0, shuffle: bool = True
    ) -> ElasticSampler:
        return ElasticSampler(
            num_samples, batch_size, self.progress, self.rank, self.world_size, seed, shuffle
        )

    def restore(self) -> bool:
        """Loads the latest checkpoint into the registered objects; False if there is none."""
        if self.checkpoint_dir is None:
            return False
        state = ckpt.load(self.checkpoint_dir)
        if state is None:
            return False
        self.progress.load(state["progress"])
        for name, obj in self._objects.items():
            if name not in state["objects"]:
                raise KeyError(f"restore: checkpoint has no state for registered {name!r}")
            obj.load_state_dict(state["objects"][name])
        self.restored = True
        return True

    def checkpoint(self) -> None:
        """Rank 0 writes the checkpoint atomically; every rank waits until it is on disk."""
        if self.checkpoint_dir is None:
            return
        if self.rank == 0:
            state = {
                "progress": self.progress.to_dict(),
                "objects": {name: obj.state_dict() for name, obj in self._objects.items()},
                "world_size": self.world_size,
                "generation": self.generation,
                "saved_at": time.time(),
            }
            ckpt.save(self.checkpoint_dir, state)
        dist = _dist()
        if dist is not None:
            dist.barrier()

    def stop_requested_here(self) -> bool:
        """This process was asked to stop (stop file or SIGTERM)."""
        return self._sigterm or (self.stop_file is not None and os.path.exists(self.stop_file))

    def should_stop(self) -> bool:
        """Whether any rank was asked to stop; the same answer on every rank."""
        local = self.stop_requested_here()
        dist = _dist()
        if dist is None:
            return local
        import torch  # noqa: WPS433 (present when dist is)

        device = "cpu"
        if dist.get_backend() == "nccl":
            device = f"cuda:{self.local_rank}"
        flag = torch.tensor([1 if local else 0], dtype=torch.int32, device=device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        return bool(flag.item())

    def step_end(self, samples: int) -> bool:
        """Call after each optimizer step. True: stop now (the checkpoint is written)."""
        self.progress.advance(samples)
        self.samples_trained += samples
        self._write_progress()
        if self.should_stop():
            self.checkpoint()
            return True
        if self.checkpoint_every and self.progress.step % self.checkpoint_every == 0:
            self.checkpoint()
        return False

    def _write_progress(self, min_interval_s: float = 1.0) -> None:
        """The samples trained by this process's generation so far, for the agent (at most once a second)."""
        if self.progress_file is None:
            return
        now = time.time()
        if now - self._progress_written_at < min_interval_s:
            return
        self._progress_written_at = now
        # Renamed into place (never read torn); no fsync: the agent reads it
        # within a second and a lost point after a crash does not matter.
        tmp = self.progress_file + ".tmp"
        try:
            with open(tmp, "w") as out:
                json.dump({"samples": self.samples_trained, "time": now}, out)
            os.replace(tmp, self.progress_file)
        except OSError:
            pass  # a throughput report is not worth failing the training for

    def end_epoch(self) -> None:
        self.progress.next_epoch()

    def exit_for_restart(self) -> None:
        """Exits with EXIT_RESTART: the agent re-joins and relaunches at the new size."""
        dist = _dist()
        if dist is not None:
            dist.destroy_process_group()
        sys.stdout.flush()
        sys.exit(EXIT_RESTART)


def init(env: Optional[Mapping[str, str]] = None, checkpoint_every: Optional[int] = None) -> Session:
    return Session(env, checkpoint_every)
