"""A SALTO KS site at benchmark scale: hundreds of doors on many floors.

Floors of 50 doors (``Door 1.001`` … ``Door 1.050``, ``Door 2.001`` …), one IQ per floor
(the logins with remote access have activated every IQ, so their OTPs open any door), a
pool of people with tags (one per five doors) and a few pods ("Suite 1" … over groups of
five doors). No entry history: the benchmark measures new entries.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .salto import SaltoSimulator

DOORS_PER_FLOOR = 50
DOORS_PER_PERSON = 5
DOORS_PER_POD = 5
PODS = 4
EMAIL_DOMAIN = "scale.example"


def seed_scale(sim: SaltoSimulator, *, locks: int) -> list[str]:
    """Seed an empty site with ``locks`` doors; returns their lock ids in name order."""
    state = sim.state
    gateways = list(state.iqs.values())  # the simulator starts with "IQ 01"
    lock_ids: list[str] = []
    for floor in range(1, math.ceil(locks / DOORS_PER_FLOOR) + 1):
        if floor > len(gateways):
            gateways.append(state.add_iq(f"IQ {floor:02d}"))
        gateway = gateways[floor - 1]
        for number in range(1, min(DOORS_PER_FLOOR, locks - len(lock_ids)) + 1):
            lock = state.add_lock(
                f"Door {floor}.{number:03d}", iq_id=gateway.id, floor=f"Floor {floor}"
            )
            lock_ids.append(lock.id)
    now = state.now()
    for member in state.site_users.values():
        if member.remote_access:
            for gateway in gateways:
                member.activated_iqs.setdefault(gateway.id, now)
    for number in range(1, max(1, locks // DOORS_PER_PERSON) + 1):
        state.add_person(
            "Person", str(number), f"person{number}@{EMAIL_DOMAIN}", roles=["site_user"]
        )
    for index in range(min(PODS, locks // DOORS_PER_POD)):
        group = lock_ids[index * DOORS_PER_POD : (index + 1) * DOORS_PER_POD]
        sim.add_pod(f"Suite {index + 1}", locks=group, max_guest_amount=4)
    return lock_ids
