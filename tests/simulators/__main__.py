"""Run a simulator standalone.

    python -m tests.simulators placeos --port 8765 [--seed N] [--activity]
        [--spaces N [--bookings-per-day M] [--days D] [--timezone TZ]] [--bench]
    python -m tests.simulators deskbee --port 8766 [--seed N] [--activity]
        [--webhook-url URL --webhook-secret S]
        [--spaces N [--bookings-per-day M] [--days D]] [--bench]
    python -m tests.simulators salto_ks --port 8767 [--seed N] [--activity]
        [--locks N] [--bench]

Prints one JSON line with how to reach it, e.g.
``{"placeos": {"url": "http://127.0.0.1:8765", "api_key": "keys-….…"}}`` or
``{"deskbee": {"url": "http://127.0.0.1:8766", "client_id": "…", "client_secret": "…"}}``
(the Deskbee API lives under ``url + "/v1.1"``) or
``{"salto_ks": {"url": …, "identity_url": …, "client_id": …, "client_secret": …, "username": …,
"password": …, "site_id": …, "otp": "<url>/app/otp"}}`` (``otp`` is a page showing the code
the SALTO KS app would show the user right now), then serves until interrupted
(SIGINT/SIGTERM).

Benchmark scale: ``--spaces`` starts from an empty tenant/account seeded by
``placeos_scale``/``deskbee_scale`` (``--bookings-per-day`` defaults to four per space,
``--days`` to 7) and ``--locks`` from an empty site seeded by ``salto_scale``; the JSON line
then also lists ``"spaces"`` (and ``"buildings"``) or ``"locks"``. ``--bench`` adds the
``/_bench/`` control routes (``bench``, ``placeos_bench``, ``deskbee_bench``,
``salto_bench``).
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
from typing import Any

from . import (
    deskbee_bench,
    deskbee_scale,
    placeos_bench,
    placeos_scale,
    salto_bench,
    salto_scale,
)
from .activity import run_activity
from .deskbee import DeskbeeSimulator
from .deskbee_activity import run_activity as run_deskbee_activity
from .placeos import PlaceOSSimulator
from .salto import SaltoSimulator
from .salto_activity import run_activity as run_salto_activity
from .salto_constants import APP_OTP_PATH

BOOKINGS_PER_SPACE = 4  # default bookings a day per space at scale (20 000 for 5 000)
DEFAULT_DAYS = 7


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
    _add_scale_arguments(placeos)
    placeos.add_argument(
        "--timezone", default="UTC", help="time zone of the scale buildings' working day"
    )
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
    _add_scale_arguments(deskbee)
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
    salto.add_argument("--locks", type=_positive, help="empty site seeded with N doors")
    salto.add_argument("--bench", action="store_true", help="add the /_bench/ control routes")
    args = parser.parse_args(argv)
    if args.provider == "deskbee" and args.webhook_url and not args.webhook_secret:
        parser.error("--webhook-url needs --webhook-secret")
    if args.provider in ("placeos", "deskbee"):
        _scale_defaults(parser, args)
    return args


def _add_scale_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--spaces", type=_positive, help="empty start seeded with N spaces")
    parser.add_argument(
        "--bookings-per-day", type=_positive, help="bookings a day at scale (default 4/space)"
    )
    parser.add_argument("--days", type=_positive, help="days of bookings from today (7)")
    parser.add_argument("--bench", action="store_true", help="add the /_bench/ control routes")


def _scale_defaults(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.spaces is None:
        if args.bookings_per_day is not None or args.days is not None:
            parser.error("--bookings-per-day and --days need --spaces")
        return
    args.bookings_per_day = args.bookings_per_day or BOOKINGS_PER_SPACE * args.spaces
    args.days = args.days or DEFAULT_DAYS


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


async def serve_placeos(args: argparse.Namespace) -> None:
    stopped = _stop_signal()
    domain = args.domain or args.host
    scaled = args.spaces is not None
    sim = PlaceOSSimulator(domain=domain, seed=None if args.empty or scaled else args.seed)
    announced: dict[str, Any] = {}
    if scaled:
        campus = placeos_scale.seed_scale(
            sim,
            spaces=args.spaces,
            bookings_per_day=args.bookings_per_day,
            days=args.days,
            timezone=args.timezone,
        )
        announced = {"spaces": campus.spaces, "buildings": sim.building_ids()}
    if args.bench:
        placeos_bench.register_bench(sim, timezone=args.timezone, seed=args.seed)
    await sim.start(args.host, args.port)
    _announce("placeos", {"url": sim.url, "api_key": sim.api_key, **announced})
    activity: asyncio.Task[None] | None = None
    if args.activity:
        rng = random.Random(args.seed)
        activity = asyncio.create_task(run_activity(sim, rng, interval=args.interval))
    try:
        await stopped.wait()
    finally:
        if activity is not None:
            activity.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await activity
        await sim.stop()


async def serve_deskbee(args: argparse.Namespace) -> None:
    stopped = _stop_signal()
    scaled = args.spaces is not None
    sim = DeskbeeSimulator(
        seed=None if args.empty or scaled else args.seed,
        timezone=args.timezone,
        account=args.account,
    )
    extra: dict[str, Any] = {}
    if scaled:
        account = deskbee_scale.seed_scale(
            sim, spaces=args.spaces, bookings_per_day=args.bookings_per_day, days=args.days
        )
        extra = {"spaces": account.spaces, "buildings": account.buildings}
    if args.bench:
        deskbee_bench.register_bench(sim, seed=args.seed)
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
        **extra,
    }
    _announce("deskbee", announced)
    activity: asyncio.Task[None] | None = None
    if args.activity:
        rng = random.Random(args.seed)
        activity = asyncio.create_task(run_deskbee_activity(sim, rng, interval=args.interval))
    try:
        await stopped.wait()
    finally:
        if activity is not None:
            activity.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await activity
        await sim.stop()


async def serve_salto(args: argparse.Namespace) -> None:
    stopped = _stop_signal()
    scaled = args.locks is not None
    sim = SaltoSimulator(seed=None if args.empty or scaled else args.seed, time_zone=args.time_zone)
    sim.token_lifetime = args.token_lifetime
    sim.stream.ping_interval = args.ping_interval or None
    sim.stream.client_timeout = args.client_timeout or None
    locks = salto_scale.seed_scale(sim, locks=args.locks) if scaled else None
    if args.bench:
        salto_bench.register_bench(sim, locks=locks, seed=args.seed)
    await sim.start(args.host, args.port)
    announced: dict[str, Any] = {
        "url": sim.url,
        "identity_url": sim.identity_url,
        "client_id": sim.client_id,
        "client_secret": sim.client_secret,
        "username": sim.username,
        "password": sim.password,
        "site_id": sim.site_id,
        "otp": sim.url + APP_OTP_PATH,
    }
    if locks is not None:
        announced["locks"] = locks
    _announce("salto_ks", announced)
    activity: asyncio.Task[None] | None = None
    if args.activity:
        rng = random.Random(args.seed)
        activity = asyncio.create_task(run_salto_activity(sim, rng, interval=args.interval))
    try:
        await stopped.wait()
    finally:
        if activity is not None:
            activity.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await activity
        await sim.stop()


def _announce(provider: str, details: dict[str, Any]) -> None:
    """The one JSON line telling the caller how to reach the simulator."""
    sys.stdout.write(json.dumps({provider: details}) + "\n")
    sys.stdout.flush()


def _stop_signal() -> asyncio.Event:
    """Set on SIGINT/SIGTERM; installed before the JSON line, so a caller may stop us at once."""
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopped.set)
    return stopped


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
