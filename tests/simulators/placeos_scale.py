"""A campus at benchmark scale: thousands of spaces, tens of thousands of bookings a day.

Buildings of ten levels with 98 desks and 2 rooms each; every space is booked in equal slots
of the working day (08:00-18:00 in the given time zone), for `days` days from today. Bookings
were made the day before (so nothing is news when a client starts watching), and those already
under way are checked in. No meetings or visitors: the benchmark measures bookings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
import math
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from .placeos import PlaceOSSimulator

LEVELS_PER_BUILDING = 10
DESKS_PER_LEVEL = 98
ROOMS_PER_LEVEL = 2
WORKDAY_START_HOUR = 8
WORKDAY_HOURS = 10


@dataclass(frozen=True)
class ScaledCampus:
    """What was seeded: space ids (desks and rooms) and the number of bookings."""

    spaces: list[str]
    bookings: int


def seed_scale(
    sim: PlaceOSSimulator,
    *,
    spaces: int,
    bookings_per_day: int,
    days: int,
    timezone: str = "UTC",
) -> ScaledCampus:
    """Seed an empty tenant with `spaces` spaces and `bookings_per_day` bookings a day."""
    per_level = DESKS_PER_LEVEL + ROOMS_PER_LEVEL
    levels = math.ceil(spaces / per_level)
    space_ids: list[str] = []
    for building_index in range(math.ceil(levels / LEVELS_PER_BUILDING)):
        building = sim.add_building(f"Tower {building_index + 1}", timezone=timezone)
        for level_number in range(1, LEVELS_PER_BUILDING + 1):
            if len(space_ids) >= spaces:
                break
            level = sim.add_level(building, f"T{building_index + 1} Level {level_number}")
            for number in range(1, per_level + 1):
                if len(space_ids) >= spaces:
                    break
                label = f"{building_index + 1}.{level_number}.{number:03d}"
                if number > DESKS_PER_LEVEL:
                    space_ids.append(sim.add_room(level, f"Room {label}", capacity=8))
                else:
                    space_ids.append(sim.add_desk(level, f"Desk {label}", desk_id=f"d-{label}"))
    rooms = set(sim.room_ids())
    people = [
        sim.add_user(f"Person {number}", f"person{number}@{sim.tenant.email_domain}")
        for number in range(len(space_ids))
    ]
    directory = sim.tenant.directory
    book = sim.tenant.bookings
    now = sim.clock.now_int()
    slots = math.ceil(bookings_per_day / len(space_ids))
    slot_length = WORKDAY_HOURS * 3600 // slots
    today = datetime.fromtimestamp(now, ZoneInfo(timezone)).replace(
        hour=WORKDAY_START_HOUR, minute=0, second=0, microsecond=0
    )
    made = 0
    for day in range(days):
        first = int((today + timedelta(days=day)).timestamp())
        for index in range(bookings_per_day):
            space_id = space_ids[index % len(space_ids)]
            start = first + (index // len(space_ids)) * slot_length
            owner = directory.user(people[(index + day) % len(people)])
            assert owner is not None
            booking = book.create(
                {
                    "booking_type": "room" if space_id in rooms else "desk",
                    "booking_start": start,
                    "booking_end": start + slot_length,
                    "asset_id": space_id,
                    "zones": list(sim.tenant.buildings.find_asset(space_id).zones),
                    "title": f"Booking {made + 1}",
                    "approved": True,
                },
                owner,
            )
            booking.created = booking.updated_at = booking.last_changed = first - 86_400
            if start <= now < start + slot_length:
                booking.checked_in, booking.checked_in_at = True, start
            made += 1
    book.changed()
    return ScaledCampus(spaces=space_ids, bookings=made)
