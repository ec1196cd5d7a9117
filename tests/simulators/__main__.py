"""Run a simulator standalone.

    python -m tests.simulators placeos --port 8765 [--seed N] [--activity]

Prints one JSON line with how to reach it, e.g.
``{"placeos": {"url": "http://127.0.0.1:8765", "api_key": "keys-….…"}}``, then serves until
interrupted (SIGINT/SIGTERM).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import signal
import sys

from .activity import run_activity
from .placeos import PlaceOSSimulator


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.simulators")
    providers = parser.add_subparsers(dest="provider", required=True)
    placeos = providers.add_parser("placeos", help="PlaceOS Staff API + REST API")
    placeos.add_argument("--host", default="127.0.0.1")
    placeos.add_argument("--port", type=int, default=0, help="0 picks a free port")
    placeos.add_argument("--domain", help="tenant domain clients must send as Host (default: host)")
    placeos.add_argument("--seed", type=int, default=1, help="seed of the building and activity")
    placeos.add_argument("--empty", action="store_true", help="no seeded building")
    placeos.add_argument("--activity", action="store_true", help="keep the building living")
    placeos.add_argument("--interval", type=float, default=2.0, help="seconds between activities")
    return parser.parse_args(argv)


async def serve_placeos(args: argparse.Namespace) -> None:
    domain = args.domain or args.host
    sim = PlaceOSSimulator(domain=domain, seed=None if args.empty else args.seed)
    await sim.start(args.host, args.port)
    sys.stdout.write(json.dumps({"placeos": {"url": sim.url, "api_key": sim.api_key}}) + "\n")
    sys.stdout.flush()
    activity: asyncio.Task[None] | None = None
    if args.activity:
        rng = random.Random(args.seed)
        activity = asyncio.create_task(run_activity(sim, rng, interval=args.interval))
    try:
        await _until_stopped()
    finally:
        if activity is not None:
            activity.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await activity
        await sim.stop()


async def _until_stopped() -> None:
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopped.set)
    await stopped.wait()


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.provider == "placeos":
        asyncio.run(serve_placeos(args))


if __name__ == "__main__":
    main()
