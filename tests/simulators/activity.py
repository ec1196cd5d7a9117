"""A "living building" for the demo: people keep booking, arriving, leaving, cancelling.

``run_activity`` performs one plausible action every ``interval`` seconds through the
simulator's direct state methods, so every change obeys the same rules as the API. It steers
towards 40-60 % of desks booked at any moment and never raises on an unlucky pick (a rule
refusal just means nothing happened this tick).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import logging
import random

from .placeos import PlaceOSSimulator
from .placeos_errors import PlaceOSError
from .placeos_meeting_model import Meeting
from .placeos_model import Booking, BookingState, Permission, User, booking_state
from .placeos_seed import random_visitor

_LOGGER = logging.getLogger(__name__)

MINUTE = 60
LOW_OCCUPANCY = 0.4
HIGH_OCCUPANCY = 0.6
MEETING_TITLES = ["Quick sync", "Stand-up", "Catch-up", "Interview", "Customer call", "Huddle"]


@dataclass
class Snapshot:
    """What the building looks like right now, from the simulator's state."""

    now: int
    live: list[Booking]  # not deleted, rejected or checked out, not yet ended
    meetings: list[Meeting]  # room meetings not cancelled, not yet ended

    def due_for_check_in(self) -> list[Booking]:
        return [
            b
            for b in self.live
            if b.booking_start <= self.now
            and not b.checked_in
            and (b.approved or b.booking_type == "desk")
        ]

    def checked_in(self) -> list[Booking]:
        return [b for b in self.live if booking_state(b, self.now) is BookingState.CHECKED_IN]

    def upcoming(self) -> list[Booking]:
        return [b for b in self.live if b.booking_start > self.now]

    def upcoming_meetings(self) -> list[Meeting]:
        return [m for m in self.meetings if m.event_start > self.now]

    def busy_assets(self, start: int, end: int) -> set[str]:
        """Desks and rooms taken by a booking, and rooms taken by a meeting."""
        booked = {asset for b in self.live if b.overlaps(start, end) for asset in b.asset_ids}
        return booked | {m.system_id for m in self.meetings if m.overlaps(start, end)}

    def busy_people(self, start: int, end: int) -> set[str]:
        return {b.user_email for b in self.live if b.overlaps(start, end)}


def take_snapshot(sim: PlaceOSSimulator) -> Snapshot:
    now = sim.clock.now_int()
    live = [b for b in sim.bookings.values() if b.blocks_its_assets() and b.booking_end > now]
    meetings = [m for m in sim.meetings.values() if not m.cancelled and m.event_end > now]
    return Snapshot(now=now, live=live, meetings=meetings)


def desk_occupancy(sim: PlaceOSSimulator, snapshot: Snapshot | None = None) -> float:
    """Share of bookable desks with a live booking covering this moment."""
    snapshot = snapshot or take_snapshot(sim)
    desks = _bookable_desks(sim)
    if not desks:
        return 0.0
    busy = snapshot.busy_assets(snapshot.now, snapshot.now + 1)
    return sum(1 for desk in desks if desk in busy) / len(desks)


async def run_activity(sim: PlaceOSSimulator, rng: random.Random, *, interval: float = 2.0) -> None:
    """Loop forever (cancel the task to stop), one action per ``interval`` seconds."""
    while True:
        await asyncio.sleep(interval)
        step(sim, rng)


def step(sim: PlaceOSSimulator, rng: random.Random) -> str | None:
    """Do one plausible thing; returns its name, or ``None`` if nothing happened."""
    snapshot = take_snapshot(sim)
    actions = _weighted_actions(sim, snapshot)
    if not actions:
        return None
    names = list(actions)
    chosen = rng.choices(names, weights=[actions[name][0] for name in names])[0]
    try:
        done = actions[chosen][1](sim, rng, snapshot)
    except PlaceOSError as refusal:  # an unlucky pick the rules refused: try again next tick
        _LOGGER.debug("activity %s refused: %s", chosen, refusal)
        return None
    except Exception:  # the demo must keep living whatever happens
        _LOGGER.exception("activity %s failed", chosen)
        return None
    return chosen if done else None


Action = Callable[[PlaceOSSimulator, random.Random, Snapshot], bool]


def _weighted_actions(sim: PlaceOSSimulator, snapshot: Snapshot) -> dict[str, tuple[float, Action]]:
    occupancy = desk_occupancy(sim, snapshot)
    book_weight = 6.0 if occupancy < LOW_OCCUPANCY else 0.5 if occupancy > HIGH_OCCUPANCY else 2.5
    cancel_weight = 2.0 if occupancy > HIGH_OCCUPANCY else 0.5
    candidates: dict[str, tuple[float, Action]] = {
        "book_desk": (book_weight, book_desk),
        "book_room": (book_weight / 3, book_room),
    }
    if snapshot.due_for_check_in():
        candidates["check_in"] = (4.0, check_in_someone)
    if snapshot.checked_in():
        candidates["check_out"] = (2.0 if occupancy > LOW_OCCUPANCY else 0.7, check_out_someone)
    if snapshot.upcoming():
        candidates["cancel"] = (cancel_weight, cancel_upcoming)
    if _pending_approvals(sim, snapshot):
        candidates["decide_approval"] = (1.0, decide_approval)
    # Room calendars live too (the demo runs this): now and then a meeting is booked or
    # called off.
    candidates["book_meeting"] = (1.0, book_meeting)
    if snapshot.upcoming_meetings():
        candidates["cancel_meeting"] = (0.1, cancel_meeting)
    return candidates


# -- actions ---------------------------------------------------------------------------------


def _slot(rng: random.Random, now: int) -> tuple[int, int]:
    """Starts within the next 0-20 minutes, lasts 10-40 minutes, on whole minutes."""
    start = (now + rng.randint(0, 20 * MINUTE)) // MINUTE * MINUTE
    return start, start + rng.randint(10, 40) * MINUTE


def _free_person(
    sim: PlaceOSSimulator, rng: random.Random, snapshot: Snapshot, start: int, end: int
) -> User | None:
    busy = snapshot.busy_people(start, end)
    people = [
        user
        for user in sim.tenant.directory.users.values()
        if user.permissions is Permission.USER and user.email not in busy
    ]
    return rng.choice(people) if people else None


def _bookable_desks(sim: PlaceOSSimulator) -> list[str]:
    buildings = sim.tenant.buildings
    desks: list[str] = []
    for desk_id in buildings.desk_ids():
        location = buildings.find_asset(desk_id)
        if location is not None and location.bookable:
            desks.append(desk_id)
    return desks


def book_desk(sim: PlaceOSSimulator, rng: random.Random, snapshot: Snapshot) -> bool:
    start, end = _slot(rng, snapshot.now)
    busy = snapshot.busy_assets(start, end)
    free = [desk for desk in _bookable_desks(sim) if desk not in busy]
    person = _free_person(sim, rng, snapshot, start, end)
    if not free or person is None:
        return False
    desk = rng.choice(free)
    sim.create_booking(
        asset_id=desk,
        booking_type="desk",
        start=start,
        end=end,
        user_email=person.email,
        user_name=person.name,
        approved=True,
    )
    return True


def book_room(sim: PlaceOSSimulator, rng: random.Random, snapshot: Snapshot) -> bool:
    start, end = _slot(rng, snapshot.now)
    busy = snapshot.busy_assets(start, end)
    rooms = [s for s in sim.tenant.buildings.systems.values() if s.bookable and s.id not in busy]
    person = _free_person(sim, rng, snapshot, start, end)
    if not rooms or person is None:
        return False
    room = rng.choice(rooms)
    sim.create_booking(
        asset_id=room.id,
        booking_type="room",
        start=start,
        end=end,
        user_email=person.email,
        user_name=person.name,
        title=rng.choice(MEETING_TITLES),
        approved=not room.approval,
    )
    return True


def check_in_someone(sim: PlaceOSSimulator, rng: random.Random, snapshot: Snapshot) -> bool:
    candidates = snapshot.due_for_check_in()
    if not candidates:
        return False
    sim.check_in(rng.choice(candidates).id)
    return True


def check_out_someone(sim: PlaceOSSimulator, rng: random.Random, snapshot: Snapshot) -> bool:
    candidates = snapshot.checked_in()
    if not candidates:
        return False
    sim.check_out(rng.choice(candidates).id)
    return True


def cancel_upcoming(sim: PlaceOSSimulator, rng: random.Random, snapshot: Snapshot) -> bool:
    candidates = snapshot.upcoming()
    if not candidates:
        return False
    sim.delete_booking(rng.choice(candidates).id)
    return True


def _pending_approvals(sim: PlaceOSSimulator, snapshot: Snapshot) -> list[Booking]:
    systems = sim.tenant.buildings.systems
    return [
        b
        for b in snapshot.live
        if not b.approved and b.asset_id in systems and systems[b.asset_id].approval
    ]


def decide_approval(sim: PlaceOSSimulator, rng: random.Random, snapshot: Snapshot) -> bool:
    candidates = _pending_approvals(sim, snapshot)
    if not candidates:
        return False
    chosen = rng.choice(candidates)
    if rng.random() < 0.8:
        sim.approve(chosen.id)
    else:
        sim.reject(chosen.id)
    return True


def book_meeting(sim: PlaceOSSimulator, rng: random.Random, snapshot: Snapshot) -> bool:
    """Someone books a free room through its calendar, with colleagues and maybe a visitor."""
    start, end = _slot(rng, snapshot.now)
    busy = snapshot.busy_assets(start, end)
    rooms = [s for s in sim.tenant.buildings.systems.values() if s.bookable and s.id not in busy]
    host = _free_person(sim, rng, snapshot, start, end)
    if not rooms or host is None:
        return False
    room = rng.choice(rooms)
    others = [
        user
        for user in sim.tenant.directory.users.values()
        if user.permissions is Permission.USER and user.email != host.email
    ]
    colleagues = rng.sample(others, k=min(len(others), rng.randint(0, 2)))
    attendees: list[dict[str, object]] = [{"name": u.name, "email": u.email} for u in colleagues]
    if rng.random() < 0.25:
        visitor = random_visitor(rng)
        attendees.append(
            {"name": visitor.name, "email": visitor.email, "organisation": visitor.organisation}
        )
    sim.add_meeting(
        room.id,
        start=start,
        end=end,
        title=rng.choice(MEETING_TITLES),
        host_email=host.email,
        attendees=attendees,
    )
    return True


def cancel_meeting(sim: PlaceOSSimulator, rng: random.Random, snapshot: Snapshot) -> bool:
    candidates = snapshot.upcoming_meetings()
    if not candidates:
        return False
    sim.cancel_meeting(rng.choice(candidates).id)
    return True
