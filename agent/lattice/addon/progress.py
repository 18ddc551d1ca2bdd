"""Training progress: what a checkpoint must remember to resume at the right step."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass
class Progress:
    """Where the job is: epoch, global step, and samples of this epoch already trained."""

    epoch: int = 0
    step: int = 0
    samples_done: int = 0

    def advance(self, samples: int) -> None:
        """Records one finished optimizer step that consumed `samples` samples (all ranks)."""
        self.step += 1
        self.samples_done += samples

    def next_epoch(self) -> None:
        self.epoch += 1
        self.samples_done = 0

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def load(self, state: dict) -> None:
        self.epoch = int(state["epoch"])
        self.step = int(state["step"])
        self.samples_done = int(state["samples_done"])
