"""Benchmark controls of the SALTO KS simulator (``--bench``); common routes in ``bench``.

``POST /_bench/entries?count=N&interval=S`` publishes N door entries, one every S seconds:
a person with a tag opens a door picked in a seeded random order — the same path as
``SaltoSimulator.open_with_tag`` (the entry is stored for ``GET …/entries`` and streamed to
every hub connection at once). Answers once all are published:
``{"entries": [{"id": entry id, "lock": lock id, "user": user id, "sent": time.time() right
before publishing}, ...]}``.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import TYPE_CHECKING

from aiohttp import web

from .bench import answer, query_count, query_float, register_common

if TYPE_CHECKING:
    from .salto import SaltoSimulator
    from .salto_model import SiteUser

FALLBACK_PERSON = ("Bench", "Visitor")  # opens doors on a site without tagged people


def register_bench(sim: SaltoSimulator, *, locks: list[str] | None = None, seed: int = 1) -> None:
    """Add the ``/_bench/`` routes; entries happen at ``locks`` (default: every door)."""
    rng = random.Random(f"salto-bench-{seed}")

    async def entries(request: web.Request) -> web.Response:
        count = query_count(request)
        interval = query_float(request, "interval", 0.0, minimum=0.0)
        doors = locks if locks is not None else sim.lock_ids()
        people = _tagged_people(sim)
        published: list[dict[str, object]] = []
        for number in range(count if doors else 0):
            if number and interval:
                await asyncio.sleep(interval)
            lock_id = rng.choice(doors)
            first, last = _name(rng.choice(people)) if people else FALLBACK_PERSON
            sent = time.time()
            made = sim.open_with_tag(lock_id, first_name=first, last_name=last)
            published.append(
                {"id": made["id"], "lock": lock_id, "user": made["user_id"], "sent": sent}
            )
        return answer({"entries": published})

    register_common(sim.app, faults=sim.faults, clock=sim.clock, settle=sim.settle)
    sim.app.router.add_post("/_bench/entries", entries)


def _tagged_people(sim: SaltoSimulator) -> list[SiteUser]:
    """Site users with a tag who are not admins (the main login stays out of the log)."""
    return [
        member
        for member in sim.state.site_users.values()
        if member.user.tag_number and "site_admin" not in member.roles
    ]


def _name(member: SiteUser) -> tuple[str, str]:
    return member.user.first_name, member.user.last_name
