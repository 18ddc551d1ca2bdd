"""A training process without torch for the agent's tests: real addon, fake math.

Appends one JSON line per launch to $TEST_RECORD (its torchrun-style env), then
takes steps (0.05 s each) with the addon until $TEST_STEPS steps are done
(0: forever), honouring stop requests. $TEST_EXIT_CODES: comma-separated exit
codes for successive launches of this rank (e.g. "3,0": crash once), counted in
$TEST_RECORD. $TEST_STOP_SECONDS: how long a requested stop takes before the
checkpoint is written (a large model's checkpoint)."""

import json
import os
import sys
import time

sys.path.insert(0, os.environ["TEST_AGENT_PATH"])
from lattice import addon  # noqa: E402


class Weights:
    def __init__(self):
        self.value = 0

    def state_dict(self):
        return {"value": self.value}

    def load_state_dict(self, state):
        self.value = state["value"]


def main():
    keys = (
        "WORLD_SIZE",
        "RANK",
        "LOCAL_RANK",
        "LOCAL_WORLD_SIZE",
        "GROUP_RANK",
        "MASTER_ADDR",
        "MASTER_PORT",
        "TORCHELASTIC_RESTART_COUNT",
        "LATTICE_GENERATION",
    )
    record = {k: os.environ.get(k) for k in keys}
    with open(os.environ["TEST_RECORD"], "a") as out:
        out.write(json.dumps(record) + "\n")
    with open(os.environ["TEST_RECORD"]) as f:
        launches = sum(1 for line in f if json.loads(line)["RANK"] == record["RANK"])
    codes = [int(c) for c in os.environ.get("TEST_EXIT_CODES", "").split(",") if c]
    if launches <= len(codes) and codes[launches - 1] != 0:
        return codes[launches - 1]
    session = addon.init()
    weights = Weights()
    session.register(weights)
    session.restore()
    with open(os.environ["TEST_RECORD"] + ".starts", "a") as out:
        out.write(
            json.dumps(
                {
                    "generation": session.generation,
                    "rank": session.rank,
                    "step": session.progress.step,
                    "value": weights.value,
                }
            )
            + "\n"
        )
    steps = int(os.environ.get("TEST_STEPS", "0"))
    stop_seconds = float(os.environ.get("TEST_STOP_SECONDS", "0"))
    while steps == 0 or session.progress.step < steps:
        time.sleep(0.05)
        weights.value += 1
        if stop_seconds and session.stop_requested_here():
            time.sleep(stop_seconds)
        if session.step_end(1):
            session.exit_for_restart()
    session.checkpoint()
    return 0


if __name__ == "__main__":
    sys.exit(main())
