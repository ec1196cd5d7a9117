"""A living SALTO KS site for the demo: people come and go through the doors.

``run_activity`` performs one plausible action every ``interval`` seconds through the
simulator's direct methods, so every change follows the same rules as the API and every
entry is streamed on the hub at once: openings by tag and PIN (mostly granted, sometimes
rejected, sometimes an unknown tag or PIN), exits by the inside handle, remote openings from
the SALTO KS app, easy office mode at the main entrance, guests of the flats arriving,
being invited and leaving, and now and then a battery running down (and being replaced), a
lock dropping offline and coming back, or a door alarm that later clears. It never raises: a
refused pick just means nothing happened this tick.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import logging
import random

from .salto import SaltoSimulator
from .salto_errors import SaltoError
from .salto_model import Lock, SiteUser
from .salto_pods import guest_may_open
from .salto_seed import GUESTS

_LOGGER = logging.getLogger(__name__)

Action = Callable[[SaltoSimulator, random.Random], bool]
BATTERY_STEPS = {"fresh": "low", "low": "very_low", "very_low": "fresh"}  # replaced at the end
MAIN_DOOR = "Haupteingang"


async def run_activity(sim: SaltoSimulator, rng: random.Random, *, interval: float = 2.0) -> None:
    """Loop forever (cancel the task to stop), one action per ``interval`` seconds."""
    while True:
        await asyncio.sleep(interval)
        step(sim, rng)


def step(sim: SaltoSimulator, rng: random.Random) -> str | None:
    """Do one plausible thing; returns its name, or ``None`` if nothing happened."""
    sim.settle()
    actions = ACTIONS
    names = list(actions)
    chosen = rng.choices(names, weights=[actions[name][0] for name in names])[0]
    try:
        done = actions[chosen][1](sim, rng)
    except SaltoError as refusal:  # an unlucky pick the rules refused: try again next tick
        _LOGGER.debug("activity %s refused: %s", chosen, refusal)
        return None
    except Exception:  # the demo must keep living whatever happens
        _LOGGER.exception("activity %s failed", chosen)
        return None
    return chosen if done else None


# -- who and where ----------------------------------------------------------------------------


def _staff(sim: SaltoSimulator) -> list[SiteUser]:
    """People with a tag who work here (not guests, not the Home Assistant login)."""
    logins = {a.platform_user_id for a in sim.identity.accounts.values()}
    return [
        u
        for u in sim.state.site_users.values()
        if u.user.tag_number and "site_guest" not in u.roles and u.user.id not in logins
    ]


def _doors(sim: SaltoSimulator, *, online_only: bool = False) -> list[Lock]:
    return [lock for lock in sim.state.locks.values() if lock.online or not online_only]


def _pick(sim: SaltoSimulator, rng: random.Random) -> tuple[Lock, SiteUser] | None:
    doors, people = _doors(sim), _staff(sim)
    if not doors or not people:
        return None
    return rng.choice(doors), rng.choice(people)


# -- actions ----------------------------------------------------------------------------------


def tag_open(sim: SaltoSimulator, rng: random.Random) -> bool:
    picked = _pick(sim, rng)
    if picked is None:
        return False
    lock, person = picked
    name = person.user
    sim.open_with_tag(lock.id, first_name=name.first_name, last_name=name.last_name)
    return True


def pin_open(sim: SaltoSimulator, rng: random.Random) -> bool:
    picked = _pick(sim, rng)
    if picked is None:
        return False
    lock, person = picked
    name = person.user
    sim.open_with_pin(lock.id, first_name=name.first_name, last_name=name.last_name)
    return True


def tag_rejected(sim: SaltoSimulator, rng: random.Random) -> bool:
    picked = _pick(sim, rng)
    if picked is None:
        return False
    lock, person = picked
    name = person.user
    sim.open_with_tag(lock.id, first_name=name.first_name, last_name=name.last_name, granted=False)
    return True


def stranger(sim: SaltoSimulator, rng: random.Random) -> bool:
    doors = _doors(sim)
    if not doors:
        return False
    lock = rng.choice(doors)
    if rng.random() < 0.5:
        sim.reject_unknown_tag(lock.id, "0" + "".join(rng.choices("0123456789", k=7)))
    else:
        sim.reject_unknown_pin(lock.id)
    return True


def handle_exit(sim: SaltoSimulator, rng: random.Random) -> bool:
    doors = _doors(sim)
    if not doors:
        return False
    sim.exit_with_handle(rng.choice(doors).id)
    return True


def app_open(sim: SaltoSimulator, rng: random.Random) -> bool:
    doors = _doors(sim, online_only=True)
    admins = [u for u in _staff(sim) if u.remote_access]
    if not doors or not admins:
        return False
    person = rng.choice(admins).user
    sim.app_open(rng.choice(doors).id, first_name=person.first_name, last_name=person.last_name)
    return True


def office_mode(sim: SaltoSimulator, rng: random.Random) -> bool:
    door = next((x for x in sim.state.locks.values() if x.customer_reference == MAIN_DOOR), None)
    leads = [u for u in _staff(sim) if u.toggle_easy_office_mode]
    if door is None or not leads:
        return False
    person = rng.choice(leads).user
    start = door.resting_state != "office_mode"
    sim.easy_office_mode(
        door.id, start=start, first_name=person.first_name, last_name=person.last_name
    )
    return True


def battery(sim: SaltoSimulator, rng: random.Random) -> bool:
    doors = _doors(sim)
    if not doors:
        return False
    lock = rng.choice(doors)
    sim.set_lock(lock.id, battery_level=BATTERY_STEPS.get(lock.battery_level, "fresh"))
    return True


def connectivity(sim: SaltoSimulator, rng: random.Random) -> bool:
    offline = [lock for lock in sim.state.locks.values() if not lock.online]
    if offline and rng.random() < 0.7:
        sim.set_lock(rng.choice(offline).id, online=True)
        return True
    online = _doors(sim, online_only=True)
    if not online:
        return False
    sim.set_lock(rng.choice(online).id, online=False)
    return True


def alarm(sim: SaltoSimulator, rng: random.Random) -> bool:
    raised = [x for x in sim.state.locks.values() if x.left_open_alarm or x.intrusion_alarm]
    if raised:
        sim.set_lock(rng.choice(raised).id, left_open_alarm=False, intrusion_alarm=False)
        return True
    doors = _doors(sim)
    if not doors:
        return False
    field = "intrusion_alarm" if rng.random() < 0.25 else "left_open_alarm"
    sim.set_lock(rng.choice(doors).id, **{field: True})
    return True


def guest_arrives(sim: SaltoSimulator, rng: random.Random) -> bool:
    state = sim.state
    visits = [(pod, guest) for pod in state.pods.values() for guest in pod.guests]
    if not visits:
        return False
    pod, guest = rng.choice(visits)
    lock_id = rng.choice(pod.locks) if pod.locks else None
    if lock_id is None:
        return False
    person = state.site_users[guest.site_user_id].user
    granted = guest_may_open(pod, guest, lock_id, state.now(), state.zone)
    sim.open_with_pin(
        lock_id, first_name=person.first_name, last_name=person.last_name, granted=granted
    )
    return True


def guest_invited(sim: SaltoSimulator, rng: random.Random) -> bool:
    state = sim.state
    pods = [p for p in state.pods.values() if len(p.guests) < p.max_guest_amount]
    if not pods:
        return False
    pod = rng.choice(pods)
    present = {state.site_users[g.site_user_id].user.email for g in pod.guests}
    candidates = [g for g in GUESTS if g[2] not in present]
    if not candidates:
        return False
    first, last, email = rng.choice(candidates)
    sim.add_guest(pod.id, first_name=first, last_name=last, email=email)
    return True


def guest_leaves(sim: SaltoSimulator, rng: random.Random) -> bool:
    visits = [(pod, guest) for pod in sim.state.pods.values() for guest in pod.guests]
    if not visits:
        return False
    pod, guest = rng.choice(visits)
    sim.remove_guest(pod.id, guest.id)
    return True


ACTIONS: dict[str, tuple[float, Action]] = {
    "tag_open": (10.0, tag_open),
    "pin_open": (2.0, pin_open),
    "handle_exit": (4.0, handle_exit),
    "tag_rejected": (1.0, tag_rejected),
    "stranger": (0.8, stranger),
    "app_open": (0.7, app_open),
    "office_mode": (0.5, office_mode),
    "guest_arrives": (1.2, guest_arrives),
    "guest_invited": (0.25, guest_invited),
    "guest_leaves": (0.2, guest_leaves),
    "battery": (0.15, battery),
    "connectivity": (0.25, connectivity),
    "alarm": (0.2, alarm),
}
