"""A Deskbee account at benchmark scale: thousands of places, tens of thousands of bookings a day.

Buildings of ten floors with 98 workstations and 2 meeting rooms each; every place is booked
in equal slots of the working day (08:00-18:00 in the account's time zone), for ``days``
days from today, by a pool of one person per place. Bookings were made the day before (so
nothing is news when a client starts watching) and their state follows the clock: today's
finished slots were used (``last``), the slot under way is checked in (``busy``), later
ones are ``reserved``. No guest passes: the benchmark measures bookings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
import math
from typing import TYPE_CHECKING

from .deskbee_bookings import MeetingInput
from .deskbee_model import MEETING_ROOM, Place, State

if TYPE_CHECKING:
    from .deskbee import DeskbeeSimulator

FLOORS_PER_BUILDING = 10
WORKSPACES_PER_FLOOR = 98
ROOMS_PER_FLOOR = 2
WORKDAY_START_HOUR = 8
WORKDAY_HOURS = 10
DAY = 86_400
EMAIL_DOMAIN = "scale.example"


@dataclass(frozen=True)
class ScaledAccount:
    """What was seeded: building and place uuids (workstations and rooms), booking count."""

    buildings: list[str]
    spaces: list[str]
    bookings: int


def seed_scale(
    sim: DeskbeeSimulator, *, spaces: int, bookings_per_day: int, days: int
) -> ScaledAccount:
    """Seed an empty account with ``spaces`` places and ``bookings_per_day`` bookings a day."""
    model = sim.model
    buildings, places = _structure(sim, spaces)
    people = [
        model.add_user(f"Person {number}", f"person{number}@{EMAIL_DOMAIN}")
        for number in range(1, len(places) + 1)
    ]
    now = model.now()
    slots = math.ceil(bookings_per_day / len(places))
    slot_length = WORKDAY_HOURS * 3600 // slots
    today = datetime.fromtimestamp(now, model.zone).replace(
        hour=WORKDAY_START_HOUR, minute=0, second=0, microsecond=0
    )
    book = model.bookings
    made = 0
    for day in range(days):
        # Local 08:00 of each day (not + n x 24 h, which drifts across a DST change).
        first = (today + timedelta(days=day)).timestamp()
        for index in range(bookings_per_day):
            place = places[index % len(places)]
            start = first + (index // len(places)) * slot_length
            end = start + slot_length
            person = people[(index + day) % len(people)]
            room = place.place_type == MEETING_ROOM
            book.create(
                place=place,
                person=person,
                owner=person,
                start=start,
                end=end,
                meeting=MeetingInput(title=f"Meeting {made + 1}") if room else None,
                state=State.LAST if end <= now else State.BUSY if start <= now else State.RESERVED,
                made_at=first - DAY,
                announce=False,
            )
            made += 1
    return ScaledAccount(buildings=buildings, spaces=[p.uuid for p in places], bookings=made)


def _structure(sim: DeskbeeSimulator, spaces: int) -> tuple[list[str], list[Place]]:
    """Buildings of ten floors of 100 places (the last floor may be partly filled)."""
    model = sim.model
    per_floor = WORKSPACES_PER_FLOOR + ROOMS_PER_FLOOR
    floors = math.ceil(spaces / per_floor)
    buildings: list[str] = []
    places: list[Place] = []
    for building_index in range(1, math.ceil(floors / FLOORS_PER_BUILDING) + 1):
        building = model.add_building(f"Tower {building_index}")
        buildings.append(building.uuid)
        for floor_number in range(1, FLOORS_PER_BUILDING + 1):
            if len(places) >= spaces:
                break
            floor = model.add_floor(building.uuid, f"T{building_index} Floor {floor_number}")
            for number in range(1, min(per_floor, spaces - len(places)) + 1):
                label = f"{building_index}.{floor_number}.{number:03d}"
                if number > WORKSPACES_PER_FLOOR:
                    places.append(
                        model.add_place(
                            floor.uuid, f"Room {label}", place_type=MEETING_ROOM, capacity=8
                        )
                    )
                else:
                    places.append(model.add_place(floor.uuid, f"Desk {label}"))
    return buildings, places
