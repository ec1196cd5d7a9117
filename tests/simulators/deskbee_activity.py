"""A living Deskbee account for the demo: people book desks and rooms, arrive, leave, cancel,
invite visitors who then show up.

``run_activity`` performs one plausible action every ``interval`` seconds through the
simulator's direct methods, so every change obeys the API's rules and emits the same
webhooks. It steers towards 40-60 % of workstations held at any moment and never raises on an
unlucky pick (a rule refusal just means nothing happened this tick).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import logging
import random

from .deskbee import DeskbeeSimulator
from .deskbee_errors import DeskbeeError
from .deskbee_model import BLOCKING, MEETING_ROOM, Booking, PassStatus, State, User
from .deskbee_seed import MEETING_TITLES, VISITOR_COMPANIES, VISITORS, ascii_slug

_LOGGER = logging.getLogger(__name__)

MINUTE = 60
GRID = 5 * MINUTE
LOW_OCCUPANCY = 0.4
HIGH_OCCUPANCY = 0.6


@dataclass
class Snapshot:
    """What the account looks like right now."""

    now: float
    live: list[Booking]  # reserved, waiting or busy, not yet ended

    def due_for_check_in(self) -> list[Booking]:
        return [
            b
            for b in self.live
            if b.state is State.RESERVED and b.checkin_min_time <= self.now <= b.checkin_max_time
        ]

    def checked_in(self) -> list[Booking]:
        return [b for b in self.live if b.state is State.BUSY]

    def upcoming(self) -> list[Booking]:
        return [
            b
            for b in self.live
            if b.state in (State.RESERVED, State.WAITING) and b.start > self.now
        ]

    def waiting(self) -> list[Booking]:
        return [b for b in self.live if b.state is State.WAITING]

    def busy_people(self, start: float, end: float) -> set[str]:
        return {b.person_uuid for b in self.live if b.overlaps(start, end)}


def take_snapshot(sim: DeskbeeSimulator) -> Snapshot:
    sim.model.settle()
    now = sim.model.now()
    live = [b for b in sim.bookings.values() if b.state in BLOCKING and b.end > now]
    return Snapshot(now, live)


def desk_occupancy(sim: DeskbeeSimulator, snapshot: Snapshot | None = None) -> float:
    """Share of workstations held by a live booking at this moment."""
    snapshot = snapshot or take_snapshot(sim)
    desks = sim.place_uuids("workspace")
    if not desks:
        return 0.0
    held = {b.place_uuid for b in snapshot.live if b.start <= snapshot.now < b.end}
    return sum(1 for desk in desks if desk in held) / len(desks)


async def run_activity(sim: DeskbeeSimulator, rng: random.Random, *, interval: float = 2.0) -> None:
    """Loop forever (cancel the task to stop), one action per ``interval`` seconds."""
    while True:
        await asyncio.sleep(interval)
        step(sim, rng)


def step(sim: DeskbeeSimulator, rng: random.Random) -> str | None:
    """Do one plausible thing; returns its name, or ``None`` if nothing happened."""
    snapshot = take_snapshot(sim)
    actions = _weighted_actions(sim, snapshot)
    names = list(actions)
    chosen = rng.choices(names, weights=[actions[name][0] for name in names])[0]
    try:
        done = actions[chosen][1](sim, rng, snapshot)
    except DeskbeeError as refusal:  # an unlucky pick the rules refused: try again next tick
        _LOGGER.debug("activity %s refused: %s", chosen, refusal)
        return None
    except Exception:  # the demo must keep living whatever happens
        _LOGGER.exception("activity %s failed", chosen)
        return None
    return chosen if done else None


Action = Callable[[DeskbeeSimulator, random.Random, Snapshot], bool]


def _weighted_actions(sim: DeskbeeSimulator, snapshot: Snapshot) -> dict[str, tuple[float, Action]]:
    occupancy = desk_occupancy(sim, snapshot)
    book_weight = 6.0 if occupancy < LOW_OCCUPANCY else 0.5 if occupancy > HIGH_OCCUPANCY else 2.5
    candidates: dict[str, tuple[float, Action]] = {
        "book_desk": (book_weight, book_desk),
        "book_room": (book_weight / 4, book_room),
        "invite_guest": (0.4, invite_guest),
    }
    if snapshot.due_for_check_in():
        candidates["check_in"] = (4.0, check_in_someone)
    if snapshot.checked_in():
        candidates["check_out"] = (2.0 if occupancy > LOW_OCCUPANCY else 0.7, check_out_someone)
        candidates["participant_check_in"] = (0.5, participant_arrives)
    if snapshot.upcoming():
        candidates["cancel"] = (2.0 if occupancy > HIGH_OCCUPANCY else 0.5, cancel_upcoming)
    if snapshot.waiting():
        candidates["decide_approval"] = (1.0, decide_approval)
    if _arriving_guests(sim, snapshot.now):
        candidates["guest_arrives"] = (1.5, guest_arrives)
    if _upcoming_guests(sim, snapshot.now):
        candidates["cancel_guest_pass"] = (0.2, cancel_guest_pass)
    return candidates


# -- actions ---------------------------------------------------------------------------------


def _slot(rng: random.Random, now: float, low: int = 30, high: int = 120) -> tuple[float, float]:
    """Starts within the next 0-20 minutes on the 5-minute grid, lasts ``low``-``high`` min."""
    start = (int(now) // GRID + 1 + rng.randint(0, 3)) * GRID
    return float(start), float(start + rng.randint(low, high) * MINUTE)


def _free_person(
    sim: DeskbeeSimulator, rng: random.Random, snapshot: Snapshot, start: float, end: float
) -> User | None:
    busy = snapshot.busy_people(start, end)
    people = [u for u in sim.model.users.values() if u.status and u.uuid not in busy]
    return rng.choice(people) if people else None


def _free_places(sim: DeskbeeSimulator, place_type: str, start: float, end: float) -> list[str]:
    book = sim.model.bookings
    return [p for p in sim.place_uuids(place_type) if not book.clashes(p, start, end)]


def book_desk(sim: DeskbeeSimulator, rng: random.Random, snapshot: Snapshot) -> bool:
    start, end = _slot(rng, snapshot.now)
    free = _free_places(sim, "workspace", start, end)
    person = _free_person(sim, rng, snapshot, start, end)
    if not free or person is None:
        return False
    sim.create_booking(
        place_uuid=rng.choice(free), person_email=person.email, start=start, end=end, state=None
    )
    return True


def book_room(sim: DeskbeeSimulator, rng: random.Random, snapshot: Snapshot) -> bool:
    start, end = _slot(rng, snapshot.now, 20, 60)
    free = _free_places(sim, MEETING_ROOM, start, end)
    person = _free_person(sim, rng, snapshot, start, end)
    if not free or person is None:
        return False
    others = [u for u in sim.model.users.values() if u.uuid != person.uuid]
    invited = rng.sample(others, k=min(len(others), rng.randint(1, 3)))
    sim.create_booking(
        place_uuid=rng.choice(free),
        person_email=person.email,
        start=start,
        end=end,
        title=rng.choice(MEETING_TITLES),
        state=None,
        guests=[(u.name, u.email) for u in invited],
    )
    return True


def check_in_someone(sim: DeskbeeSimulator, rng: random.Random, snapshot: Snapshot) -> bool:
    candidates = snapshot.due_for_check_in()
    if not candidates:
        return False
    sim.check_in(rng.choice(candidates).uuid)
    return True


def check_out_someone(sim: DeskbeeSimulator, rng: random.Random, snapshot: Snapshot) -> bool:
    candidates = snapshot.checked_in()
    if not candidates:
        return False
    sim.check_out(rng.choice(candidates).uuid)
    return True


def cancel_upcoming(sim: DeskbeeSimulator, rng: random.Random, snapshot: Snapshot) -> bool:
    candidates = snapshot.upcoming()
    if not candidates:
        return False
    sim.cancel(rng.choice(candidates).uuid)
    return True


def decide_approval(sim: DeskbeeSimulator, rng: random.Random, snapshot: Snapshot) -> bool:
    candidates = snapshot.waiting()
    if not candidates:
        return False
    chosen = rng.choice(candidates)
    if rng.random() < 0.8:
        sim.approve(chosen.uuid)
    else:
        sim.reject(chosen.uuid)
    return True


def participant_arrives(sim: DeskbeeSimulator, rng: random.Random, snapshot: Snapshot) -> bool:
    meetings = [
        b
        for b in snapshot.checked_in()
        if sim.model.places[b.place_uuid].place_type == MEETING_ROOM and b.guests
    ]
    candidates = [
        (b, g)
        for b in meetings
        for g in b.guests
        if g.email and g.email not in {c.person_email for c in b.participant_checkins}
    ]
    if not candidates:
        return False
    booking, guest = rng.choice(candidates)
    assert guest.email is not None
    sim.participant_check_in(booking.uuid, guest.email, guest.name)
    return True


def invite_guest(sim: DeskbeeSimulator, rng: random.Random, snapshot: Snapshot) -> bool:
    rooms = sim.place_uuids(MEETING_ROOM)
    people = [u for u in sim.model.users.values() if u.status]
    if not rooms or not people:
        return False
    floor_uuid = sim.model.places[rng.choice(rooms)].floor_uuid
    start, end = _slot(rng, snapshot.now, 60, 180)
    visitors = rng.sample(VISITORS, k=rng.randint(1, 2))
    sim.create_guest_pass(
        host_email=rng.choice(people).email,
        floor_uuid=floor_uuid,
        start=start,
        end=end,
        guests=[(v, f"{ascii_slug(v)}@{rng.choice(VISITOR_COMPANIES)}") for v in visitors],
        title=rng.choice(["Visita técnica", "Reunião comercial", "Entrevista"]),
    )
    return True


def _guests_where(sim: DeskbeeSimulator, keep: Callable[[float, float], bool]) -> list[str]:
    book = sim.model.guest_passes
    return [
        guest.uuid
        for invitation, guest in book.listing()
        if book.status(guest) is PassStatus.ACTIVE and keep(invitation.start, invitation.end)
    ]


def _arriving_guests(sim: DeskbeeSimulator, now: float) -> list[str]:
    return _guests_where(sim, lambda start, end: start - 30 * MINUTE <= now <= end)


def _upcoming_guests(sim: DeskbeeSimulator, now: float) -> list[str]:
    return _guests_where(sim, lambda start, _end: start > now)


def guest_arrives(sim: DeskbeeSimulator, rng: random.Random, snapshot: Snapshot) -> bool:
    candidates = _arriving_guests(sim, snapshot.now)
    if not candidates:
        return False
    sim.pass_guest(rng.choice(candidates))
    return True


def cancel_guest_pass(sim: DeskbeeSimulator, rng: random.Random, snapshot: Snapshot) -> bool:
    candidates = _upcoming_guests(sim, snapshot.now)
    if not candidates:
        return False
    sim.cancel_guest_pass(rng.choice(candidates))
    return True
