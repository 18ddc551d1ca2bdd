"""`python -m lattice.rendezvous`: serve one job's rendezvous.

Flags default to the LATTICE_* environment the operator sets on the
rendezvous pod (docs/design/agent.md)."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from .server import RendezvousServer
from .state import Settings


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        sys.exit(f"lattice.rendezvous: invalid value {raw!r} for {name}: expected an integer")


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        sys.exit(f"lattice.rendezvous: invalid value {raw!r} for {name}: expected seconds")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lattice.rendezvous", description=__doc__)
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument(
        "--port",
        type=int,
        default=_env_int("LATTICE_RDZV_PORT", 29400),
        help="listen port, 0 picks a free one (env LATTICE_RDZV_PORT, default 29400)",
    )
    parser.add_argument("--min-size", type=int, default=_env_int("LATTICE_MIN_SIZE", 1))
    parser.add_argument("--max-size", type=int, default=_env_int("LATTICE_MAX_SIZE", 1))
    parser.add_argument(
        "--settle",
        type=float,
        default=_env_float("LATTICE_RDZV_SETTLE_SECONDS", 30.0),
        help="seconds to wait for more members before starting a smaller generation",
    )
    parser.add_argument(
        "--lease",
        type=float,
        default=_env_float("LATTICE_RDZV_LEASE_SECONDS", 15.0),
        help="seconds without heartbeat after which a member is dropped",
    )
    parser.add_argument(
        "--target-size",
        type=int,
        default=_env_int("LATTICE_TARGET_SIZE", 0),
        help="initial intended size (the job's currentSize), 0 = not announced; "
        "the operator updates it with POST /v1/target",
    )
    parser.add_argument("--master-port", type=int, default=_env_int("LATTICE_MASTER_PORT", 29500))
    parser.add_argument("--port-file", help="write the bound port here once listening (tests)")
    args = parser.parse_args(argv)
    settings = Settings(args.min_size, args.max_size, args.settle, args.lease, args.master_port)
    try:
        server = RendezvousServer(settings, args.host, args.port)
    except ValueError as err:
        print(f"lattice.rendezvous: {err}", file=sys.stderr)
        return 2
    if args.target_size:
        try:
            server.state.announce(args.target_size, server.clock())
        except ValueError as err:
            print(f"lattice.rendezvous: invalid --target-size/LATTICE_TARGET_SIZE: {err}", file=sys.stderr)
            return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as out:
            out.write(str(server.port))
        os.replace(tmp, args.port_file)
    print(
        f"lattice.rendezvous: listening on {args.host}:{server.port} "
        f"(size {settings.min_size}..{settings.max_size})",
        flush=True,
    )
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
