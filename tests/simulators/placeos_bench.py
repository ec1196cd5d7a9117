"""Benchmark controls of the PlaceOS simulator (``--bench``); common routes in ``bench``.

``POST /_bench/change?fraction=0.01`` deletes ``round(fraction * N)`` of the N bookings that
overlap today (local day of ``timezone``) and are neither deleted nor rejected, picked in a
seeded random order, exactly as their owner's ``DELETE /bookings/{id}`` would (soft delete:
``deleted``, ``deleted_at`` and ``updated_at`` set). Answers ``{"changed": [booking ids as
strings], "spaces": [their asset ids]}``.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from aiohttp import web

from .bench import answer, local_day, pick, query_float, register_common

if TYPE_CHECKING:
    from .placeos import PlaceOSSimulator


def register_bench(sim: PlaceOSSimulator, *, timezone: str = "UTC", seed: int = 1) -> None:
    """Add the ``/_bench/`` routes to the simulator's app (before it starts)."""
    rng = random.Random(f"placeos-bench-{seed}")
    zone = ZoneInfo(timezone)

    async def change(request: web.Request) -> web.Response:
        fraction = query_float(request, "fraction", 0.01, minimum=0.0)
        book = sim.tenant.bookings
        start, end = local_day(sim.clock.now(), zone)
        active = [
            booking
            for booking in book.bookings.values()
            if booking.overlaps(int(start), int(end))
            and not booking.deleted
            and not booking.rejected
        ]
        chosen = pick(rng, active, round(fraction * len(active)))
        for booking in chosen:
            book.delete(booking)
        return answer(
            {
                "changed": [str(booking.id) for booking in chosen],
                "spaces": [booking.asset_id for booking in chosen],
            }
        )

    register_common(sim.app, faults=sim.faults, clock=sim.clock)
    sim.app.router.add_post("/_bench/change", change)
