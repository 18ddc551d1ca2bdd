"""Elastic data-parallel training with the Lattice agent and addon (PyTorch, gloo or nccl).

Run under the agent (the operator does this with injectLattice: true):
    python -m lattice.agent -- python -u train_elastic.py --epochs 5

A small MLP learns a fixed nonlinear function of synthetic inputs (generated
from a seed, so every rank and every generation sees the same data set; swap
in a real Dataset by index). Gradients are summed over all ranks and divided
by the samples of the global step, so a step means the same thing at any
world size: the run's result does not depend on how often the job was resized.

--log-dir makes every rank append one JSON line per trained step (the sample
indices it trained, and the wall-clock time "t" the step ended) and rank 0
one line per generation start/stop with the full-data loss; the agent's
end-to-end test and the real node's elastic test read them.

--step-delay sleeps that long per step, so a tiny model trains at a
watchable pace: every rank sleeps at once, so the job's samples/s rises
with its size (linear scaling). With --step-delay-scales-with-world the
sleep is --step-delay x world size and samples/s stays the same at any size
(flat scaling: a job that gains nothing from more workers, as the real
node's throughput test needs).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import time

import torch
import torch.distributed as dist
from lattice import addon
from torch import nn


def make_data(num_samples: int, features: int, seed: int):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(num_samples, features, generator=generator)
    w = torch.randn(features, 1, generator=generator)
    y = torch.tanh(x @ w) + 0.1 * torch.sin(3 * x[:, :1])
    return x, y


def make_model(features: int) -> nn.Module:
    torch.manual_seed(0)  # identical initial weights on every rank
    return nn.Sequential(nn.Linear(features, 32), nn.Tanh(), nn.Linear(32, 1))


def full_loss(model: nn.Module, x, y) -> float:
    with torch.no_grad():
        return float(nn.functional.mse_loss(model(x), y))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--samples", type=int, default=600)
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=8, help="per rank")
    parser.add_argument("--lr", type=float, default=0.02)
    parser.add_argument(
        "--step-delay", type=float, default=0.0, help="seconds to sleep per step (demos, tests)"
    )
    parser.add_argument(
        "--step-delay-scales-with-world",
        action="store_true",
        help="sleep --step-delay x world size per step: samples/s stays flat at any size "
        "(a job that does not speed up when it grows; demos, tests)",
    )
    parser.add_argument("--log-dir", default=os.environ.get("LATTICE_EXAMPLE_LOG_DIR"))
    args = parser.parse_args()

    session = addon.init()
    distributed = session.world_size > 1
    if distributed:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend, timeout=datetime.timedelta(seconds=60))
    x, y = make_data(args.samples, args.features, seed=1234)
    model = make_model(args.features)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    session.register(model, optimizer)
    restored = session.restore()
    sampler = session.sampler(args.samples, args.batch_size, seed=7)

    def log(record: dict, name: str) -> None:
        if args.log_dir:
            with open(os.path.join(args.log_dir, name), "a") as out:
                out.write(json.dumps({**record, "t": round(time.time(), 3)}) + "\n")

    rank_log = f"steps-rank{session.rank}-gen{session.generation}.jsonl"
    if session.rank == 0:
        log(
            {
                "event": "start",
                "generation": session.generation,
                "world_size": session.world_size,
                "restored": restored,
                "step": session.progress.step,
                "epoch": session.progress.epoch,
                "loss": full_loss(model, x, y),
            },
            "events.jsonl",
        )
    print(
        f"rank {session.rank}/{session.world_size} generation {session.generation}: "
        f"{'resumed at' if restored else 'starting at'} epoch {session.progress.epoch} "
        f"step {session.progress.step}",
        flush=True,
    )

    while session.progress.epoch < args.epochs:
        for batch in sampler.batches():
            global_samples = sampler.step_samples()
            optimizer.zero_grad()
            if batch:
                index = torch.tensor(batch)
                loss_sum = nn.functional.mse_loss(model(x[index]), y[index], reduction="sum")
                loss_sum.backward()
            for p in model.parameters():
                if p.grad is None:
                    p.grad = torch.zeros_like(p)
                if distributed:
                    dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
                p.grad /= global_samples
            optimizer.step()
            log({"epoch": session.progress.epoch, "step": session.progress.step, "samples": batch}, rank_log)
            if args.step_delay:
                scale = session.world_size if args.step_delay_scales_with_world else 1
                time.sleep(args.step_delay * scale)
            if session.step_end(global_samples):
                if session.rank == 0:
                    log(
                        {
                            "event": "stop",
                            "generation": session.generation,
                            "step": session.progress.step,
                            "epoch": session.progress.epoch,
                            "loss": full_loss(model, x, y),
                        },
                        "events.jsonl",
                    )
                print(
                    f"rank {session.rank}: checkpointed at step {session.progress.step}, "
                    "restarting at the new size",
                    flush=True,
                )
                session.exit_for_restart()
        session.end_epoch()
        if session.rank == 0:
            print(f"epoch {session.progress.epoch} done: loss {full_loss(model, x, y):.5f}", flush=True)

    session.checkpoint()
    if session.rank == 0:
        log(
            {
                "event": "done",
                "generation": session.generation,
                "step": session.progress.step,
                "loss": full_loss(model, x, y),
            },
            "events.jsonl",
        )
    if distributed:
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
