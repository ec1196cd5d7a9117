"""Run a simulator standalone.

    python -m tests.simulators placeos --port 8765 [--seed N] [--activity]
    python -m tests.simulators deskbee --port 8766 [--seed N] [--activity]
        [--webhook-url URL --webhook-secret S]
    python -m tests.simulators salto_ks --port 8767 [--seed N] [--activity]

Prints one JSON line with how to reach it, e.g.
``{"placeos": {"url": "http://127.0.0.1:8765", "api_key": "keys-….…"}}`` or
``{"deskbee": {"url": "http://127.0.0.1:8766", "client_id": "…", "client_secret": "…"}}``
(the Deskbee API lives under ``url + "/v1.1"``) or
``{"salto_ks": {"url": …, "identity_url": …, "client_id": …, "client_secret": …, "username": …,
"password": …, "site_id": …, "otp": "<url>/app/otp"}}`` (``otp`` is a page showing the code
the SALTO KS app would show the user right now), then serves until interrupted
(SIGINT/SIGTERM).
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
from .deskbee import DeskbeeSimulator
from .deskbee_activity import run_activity as run_deskbee_activity
from .placeos import PlaceOSSimulator
from .salto import SaltoSimulator
from .salto_activity import run_activity as run_salto_activity
from .salto_constants import APP_OTP_PATH


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
    deskbee = providers.add_parser("deskbee", help="Deskbee public REST API v1.1")
    deskbee.add_argument("--host", default="127.0.0.1")
    deskbee.add_argument("--port", type=int, default=0, help="0 picks a free port")
    deskbee.add_argument("--seed", type=int, default=1, help="seed of the account and activity")
    deskbee.add_argument("--empty", action="store_true", help="no seeded buildings")
    deskbee.add_argument("--account", default="acme", help="account code (webhook `account`)")
    deskbee.add_argument("--timezone", default="America/Sao_Paulo", help="account timezone")
    deskbee.add_argument("--activity", action="store_true", help="keep the account living")
    deskbee.add_argument("--interval", type=float, default=2.0, help="seconds between activities")
    deskbee.add_argument("--webhook-url", help="deliver webhooks (booking, checkin, …) here")
    deskbee.add_argument("--webhook-secret", default="", help="HMAC key of the deliveries")
    deskbee.add_argument(
        "--webhook-algorithm", choices=("sha256", "sha1"), default="sha256", help="HMAC digest"
    )
    deskbee.add_argument("--webhook-prefix", default="", help="signature prefix, e.g. sha256=")
    salto = providers.add_parser("salto_ks", help="SALTO KS Connect API + identity + hub")
    salto.add_argument("--host", default="127.0.0.1")
    salto.add_argument("--port", type=int, default=0, help="0 picks a free port")
    salto.add_argument("--seed", type=int, default=1, help="seed of the site and activity")
    salto.add_argument("--empty", action="store_true", help="one site, no locks or pods")
    salto.add_argument("--activity", action="store_true", help="keep the site living")
    salto.add_argument("--interval", type=float, default=3.0, help="seconds between activities")
    salto.add_argument("--time-zone", default="Europe/Berlin", help="site time zone (IANA)")
    salto.add_argument(
        "--ping-interval", type=float, default=15.0, help="hub keep-alive pings, 0 = none"
    )
    salto.add_argument(
        "--client-timeout", type=float, default=30.0, help="hub closes silent clients, 0 = never"
    )
    salto.add_argument(
        "--token-lifetime", type=int, default=3600, help="access token expires_in (seconds)"
    )
    args = parser.parse_args(argv)
    if args.provider == "deskbee" and args.webhook_url and not args.webhook_secret:
        parser.error("--webhook-url needs --webhook-secret")
    return args


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


async def serve_deskbee(args: argparse.Namespace) -> None:
    sim = DeskbeeSimulator(
        seed=None if args.empty else args.seed, timezone=args.timezone, account=args.account
    )
    if args.webhook_url:
        sim.subscribe(
            args.webhook_url,
            args.webhook_secret,
            events=("booking", "checkin", "guest_checkin", "locker"),
            algorithm=args.webhook_algorithm,
            prefix=args.webhook_prefix,
        )
    await sim.start(args.host, args.port)
    sim.start_webhook_delivery()
    announced = {
        "url": sim.url,
        "client_id": sim.client_id,
        "client_secret": sim.client_secret,
        "api_url": sim.api_url,
        "account": sim.account,
    }
    sys.stdout.write(json.dumps({"deskbee": announced}) + "\n")
    sys.stdout.flush()
    activity: asyncio.Task[None] | None = None
    if args.activity:
        rng = random.Random(args.seed)
        activity = asyncio.create_task(run_deskbee_activity(sim, rng, interval=args.interval))
    try:
        await _until_stopped()
    finally:
        if activity is not None:
            activity.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await activity
        await sim.stop()


async def serve_salto(args: argparse.Namespace) -> None:
    sim = SaltoSimulator(seed=None if args.empty else args.seed, time_zone=args.time_zone)
    sim.token_lifetime = args.token_lifetime
    sim.stream.ping_interval = args.ping_interval or None
    sim.stream.client_timeout = args.client_timeout or None
    await sim.start(args.host, args.port)
    announced = {
        "url": sim.url,
        "identity_url": sim.identity_url,
        "client_id": sim.client_id,
        "client_secret": sim.client_secret,
        "username": sim.username,
        "password": sim.password,
        "site_id": sim.site_id,
        "otp": sim.url + APP_OTP_PATH,
    }
    sys.stdout.write(json.dumps({"salto_ks": announced}) + "\n")
    sys.stdout.flush()
    activity: asyncio.Task[None] | None = None
    if args.activity:
        rng = random.Random(args.seed)
        activity = asyncio.create_task(run_salto_activity(sim, rng, interval=args.interval))
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
    elif args.provider == "deskbee":
        asyncio.run(serve_deskbee(args))
    elif args.provider == "salto_ks":
        asyncio.run(serve_salto(args))


if __name__ == "__main__":
    main()
