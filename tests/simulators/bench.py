"""Benchmark controls shared by the simulators (``--bench``): request log and clock.

The routes live under ``/_bench/`` on the simulator's own application — never part of a
vendor API, no credentials — and answer JSON:

* ``GET /_bench/requests`` → ``{"requests": [[method, path_qs], ...]}``: every request the
  simulator received, oldest first, without the ``/_bench/`` ones;
* ``POST /_bench/requests/reset`` → ``{"cleared": N}``: forgets that log; with ``?bodies=1``
  the simulator also keeps the body of every answer from then on (until the next reset);
* ``GET /_bench/body?index=I`` → the I-th kept answer body, byte for byte (what a client had
  to decode, so a benchmark can time decoding alone);
* ``POST /_bench/clock?advance=SECONDS`` → ``{"now": simulated unix time, "offset": seconds
  ahead of the wall clock}``: moves the simulated clock, then lets the simulator apply what
  fell due (bookings missed or ended, doors re-locked).

A bad parameter answers 400 ``{"error": "..."}``. Provider modules add their own routes
(``placeos_bench``, ``deskbee_bench``, ``salto_bench``) with the helpers below.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
import json
import math
import random
from zoneinfo import ZoneInfo

from aiohttp import web

from .clock import SimClock
from .faults import FaultInjector

BENCH_PREFIX = "/_bench/"

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def register_common(
    app: web.Application,
    *,
    faults: FaultInjector,
    clock: SimClock,
    settle: Callable[[], None] | None = None,
) -> None:
    """Add the request-log and clock routes; ``settle`` applies the clock after a jump."""

    bodies: list[bytes] = []
    keeping = {"bodies": False}

    @web.middleware
    async def keep_bodies(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if (
            keeping["bodies"]
            and not request.path.startswith(BENCH_PREFIX)
            and isinstance(response, web.Response)
            and isinstance(response.body, bytes)
        ):
            bodies.append(response.body)
        return response

    async def requests(_: web.Request) -> web.Response:
        return answer({"requests": [list(entry) for entry in _served(faults)]})

    async def reset(request: web.Request) -> web.Response:
        cleared = len(_served(faults))
        faults.requests.clear()
        bodies.clear()
        keeping["bodies"] = request.query.get("bodies") == "1"
        return answer({"cleared": cleared})

    async def body(request: web.Request) -> web.Response:
        index = query_count(request, "index", 0)
        if index >= len(bodies):
            raise refuse(f"no body {index}: {len(bodies)} kept", web.HTTPNotFound)
        return web.Response(body=bodies[index], content_type="application/json")

    async def advance(request: web.Request) -> web.Response:
        clock.advance(query_float(request, "advance"))
        if settle is not None:
            settle()
        return answer({"now": clock.now(), "offset": clock.offset})

    app.middlewares.append(keep_bodies)
    app.router.add_get(BENCH_PREFIX + "body", body)
    app.router.add_get(BENCH_PREFIX + "requests", requests)
    app.router.add_post(BENCH_PREFIX + "requests/reset", reset)
    app.router.add_post(BENCH_PREFIX + "clock", advance)


def _served(faults: FaultInjector) -> list[tuple[str, str]]:
    return [entry for entry in faults.requests if not entry[1].startswith(BENCH_PREFIX)]


# -- helpers for the provider routes -------------------------------------------------------------


def answer(data: object, *, status: int = 200) -> web.Response:
    return web.json_response(data, status=status)


def refuse(message: str, kind: type[web.HTTPException] = web.HTTPBadRequest) -> web.HTTPException:
    """An error answer with a JSON ``{"error": message}`` body, to ``raise``."""
    return kind(text=json.dumps({"error": message}), content_type="application/json")


def query_float(
    request: web.Request, name: str, default: float | None = None, *, minimum: float | None = None
) -> float:
    raw = request.query.get(name)
    if raw is None:
        if default is None:
            raise refuse(f"{name} is required")
        return default
    try:
        value = float(raw)
    except ValueError:
        raise refuse(f"{name} must be a number") from None
    if not math.isfinite(value):
        raise refuse(f"{name} must be a finite number")
    if minimum is not None and value < minimum:
        raise refuse(f"{name} must be at least {minimum}")
    return value


def query_count(request: web.Request, name: str = "count", default: int = 1) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise refuse(f"{name} must be a whole number") from None
    if value < 0:
        raise refuse(f"{name} must not be negative")
    return value


def pick[T](rng: random.Random, candidates: Sequence[T], count: int) -> list[T]:
    """``count`` distinct candidates (all of them if fewer), in the seeded random order."""
    return rng.sample(list(candidates), min(count, len(candidates)))


def local_day(now: float, zone: ZoneInfo) -> tuple[float, float]:
    """Unix times of the local midnights starting and ending the day of ``now``."""
    midnight = datetime.fromtimestamp(now, zone).replace(hour=0, minute=0, second=0, microsecond=0)
    # Aware arithmetic adds wall-clock time, so a DST change keeps the next midnight local.
    return midnight.timestamp(), (midnight + timedelta(days=1)).timestamp()
