"""`python -m lattice.agent -- <command...>`: run a command as an elastic worker."""

from __future__ import annotations

import os
import sys

from .agent import Agent, install_signal_handlers, log
from .config import ConfigError, load
from .rdzv_client import RendezvousUnavailable


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["-h"], ["--help"]):
        print(__doc__.strip() + "\nConfiguration: LATTICE_* environment, see docs/design/agent.md.")
        return 0
    if args[:1] == ["--"]:
        args = args[1:]
    try:
        config = load(os.environ, args)
    except ConfigError as err:
        print(f"lattice.agent: {err}", file=sys.stderr)
        return 2
    agent = Agent(config)
    install_signal_handlers(agent)
    log(
        f"job {config.job_namespace}/{config.job_name}: node {agent.node_id} ({config.advertise_addr}), "
        f"{config.nproc_per_node} process(es), rendezvous {config.rdzv_endpoint}"
    )
    try:
        return agent.run()
    except RendezvousUnavailable as err:
        print(f"lattice.agent: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
