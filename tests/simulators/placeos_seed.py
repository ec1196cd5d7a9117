"""A realistic seeded PlaceOS tenant: buildings, levels, desks, rooms, people, today's bookings.

Bookings are laid out around the simulated *now* (not around office hours) so that a demo
started at any hour shows a busy building: some people already checked in, some checked
out or no-shows, some arriving soon, room meetings back to back, approvals pending.
"""

from __future__ import annotations

from dataclasses import dataclass
import random
from typing import TYPE_CHECKING

from .placeos_booking_input import AttendeeInput
from .placeos_errors import PlaceOSError
from .placeos_model import Booking, BookingState, User, booking_state, email_digest

if TYPE_CHECKING:
    from .placeos import PlaceOSSimulator

MINUTE = 60
HOUR = 3600

BUILDINGS = [
    ("Sydney HQ", "syd", "Australia/Sydney"),
    ("Melbourne Office", "mel", "Australia/Melbourne"),
    ("Brisbane Hub", "bne", "Australia/Brisbane"),
    ("Perth Studio", "per", "Australia/Perth"),
]
ROOM_NAMES = {
    "syd": [
        "Harbour Room",
        "Opera Room",
        "Bondi Room",
        "Manly Room",
        "Circular Quay",
        "Darling Room",
    ],
    "mel": [
        "Yarra Room",
        "Laneway Room",
        "Collins Room",
        "Fitzroy Room",
        "St Kilda Room",
        "Docklands",
    ],
    "bne": [
        "Story Bridge",
        "Southbank Room",
        "Kangaroo Point",
        "Fortitude Room",
        "Riverside",
        "Mt Coot-tha",
    ],
    "per": [
        "Swan Room",
        "Kings Park",
        "Cottesloe Room",
        "Rottnest Room",
        "Fremantle",
        "Elizabeth Quay",
    ],
}
FIRST_NAMES = [
    "Olivia", "Noah", "Charlotte", "Oliver", "Amelia", "William", "Isla", "Jack", "Mia", "Leo",
    "Ava", "Henry", "Grace", "Lucas", "Chloe", "Thomas", "Zoe", "James", "Ruby", "Ethan",
    "Sophie", "Liam", "Ella", "Hugo", "Priya", "Arjun", "Mei", "Kenji", "Fatima", "Omar",
    "Aroha", "Tane", "Lucia", "Mateo", "Ingrid", "Lars", "Amara", "Kofi", "Nadia", "Yusuf",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Nguyen", "Williams", "Brown", "Wilson", "Taylor", "Johnson", "White", "Martin",
    "Anderson", "Thompson", "Walker", "Harris", "Lee", "Ryan", "Robinson", "Kelly", "King",
    "Patel", "Chen", "Singh", "Kumar", "Tanaka", "Rossi", "Okafor", "Haddad", "Novak", "Silva",
]  # fmt: skip
DEPARTMENTS = [
    "Engineering",
    "Sales",
    "Finance",
    "People & Culture",
    "Operations",
    "Marketing",
    "Legal",
]
DESK_FEATURES = ["dual-monitor", "standing", "docking-station", "window"]
ROOM_FEATURES = ["vidconf", "whiteboard", "display", "phone"]
MEETING_TITLES = [
    "Weekly sync", "Quarterly planning", "Customer call", "Design review", "1:1", "Interview",
    "Sprint retro", "Budget review", "All hands prep", "Vendor demo", "Onboarding",
]  # fmt: skip
JOB_TITLES = {
    "Engineering": ["Software Engineer", "Senior Engineer", "Engineering Manager"],
    "Sales": ["Account Executive", "Sales Manager"],
    "Finance": ["Financial Analyst", "Accountant"],
    "People & Culture": ["People Partner", "Recruiter"],
    "Operations": ["Operations Coordinator", "Facilities Lead"],
    "Marketing": ["Marketing Specialist", "Content Lead"],
    "Legal": ["Legal Counsel", "Paralegal"],
}
GUEST_COMPANIES = [
    "Contoso",
    "Globex",
    "Initech",
    "Umbrella Pty",
    "Wayne Enterprises",
    "Stark Industries",
]


@dataclass
class SeededSpaces:
    """What the seed created, for booking placement."""

    desks: list[str]
    rooms: list[str]


def seed_building(
    sim: PlaceOSSimulator,
    rng: random.Random,
    *,
    buildings: int = 2,
    levels_per_building: int = 3,
    desks_per_level: int = 25,
    rooms_per_level: int = 2,
) -> None:
    """Populate an (empty) tenant: zones, desks, rooms, people and bookings around now."""
    spaces = SeededSpaces(desks=[], rooms=[])
    for index in range(buildings):
        name, code, timezone = _building_identity(index)
        building_id = sim.add_building(name, timezone=timezone)
        room_names = _room_name_pool(code, levels_per_building * rooms_per_level)
        for level_number in range(1, levels_per_building + 1):
            level_id = sim.add_level(building_id, f"Level {level_number}")
            _seed_desks(sim, rng, spaces, level_id, code, level_number, desks_per_level)
            for _ in range(rooms_per_level):
                # The building's second room only takes bookings once approved.
                approval = len(room_names) == levels_per_building * rooms_per_level - 1
                spaces.rooms.append(
                    sim.add_room(
                        level_id,
                        room_names.pop(0),
                        capacity=rng.choice([4, 6, 8, 10, 12, 16]),
                        approval=approval,
                        features=sorted(rng.sample(ROOM_FEATURES, rng.randint(1, 3))),
                    )
                )
    people = _seed_people(sim, rng, count=max(40, len(spaces.desks)))
    _seed_desk_bookings(sim, rng, spaces.desks, people)
    _seed_room_bookings(sim, rng, spaces.rooms, people)
    sim.tenant.bookings.changed()  # the seed adjusted bookings behind the rules' back
    # Last, so every seeded id and booking above stays what it was before meetings existed.
    _seed_meetings(sim, rng, spaces.rooms, people)


def _building_identity(index: int) -> tuple[str, str, str]:
    if index < len(BUILDINGS):
        return BUILDINGS[index]
    number = index + 1
    return f"Campus Building {number}", f"b{number}", "Australia/Sydney"


def _room_name_pool(code: str, needed: int) -> list[str]:
    pool = list(ROOM_NAMES.get(code, []))
    pool += [f"Meeting Room {n}" for n in range(1, needed - len(pool) + 1)]
    return pool[:needed]


def _seed_desks(
    sim: PlaceOSSimulator,
    rng: random.Random,
    spaces: SeededSpaces,
    level_id: str,
    code: str,
    level_number: int,
    count: int,
) -> None:
    for number in range(1, count + 1):
        label = f"{level_number}.{number:02d}"
        features = sorted(rng.sample(DESK_FEATURES, rng.randint(0, 2)))
        bookable = rng.random() > 0.04
        desk_id = sim.add_desk(
            level_id,
            f"Desk {label}",
            desk_id=f"desk-{code}-{label}",
            bookable=bookable,
            features=features,
        )
        if bookable:
            spaces.desks.append(desk_id)


def _seed_people(sim: PlaceOSSimulator, rng: random.Random, *, count: int) -> list[User]:
    people: list[User] = []
    seen: set[str] = set()
    while len(people) < count:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}@{sim.tenant.email_domain}".lower()
        if email in seen:
            email = f"{first}.{last}{len(people)}@{sim.tenant.email_domain}".lower()
        seen.add(email)
        user_id = sim.add_user(f"{first} {last}", email, department=rng.choice(DEPARTMENTS))
        user = sim.tenant.directory.user(user_id)
        assert user is not None
        _give_directory_details(user)
        people.append(user)
    return people


def _give_directory_details(user: User) -> None:
    """Job title and phone as the calendar provider's directory holds them (§3.2).

    Derived from the email rather than drawn from the seed's random stream, which would
    move every booking seeded after the people.
    """
    digest = int(email_digest(user.email), 16)
    titles = JOB_TITLES.get(user.department or "", ["Specialist"])
    user.title = titles[digest % len(titles)]
    user.phone = f"+61 2 9{digest % 1000:03d} {digest // 1000 % 10000:04d}"


def _round_to(value: float, step: int) -> int:
    return int(value // step * step)


def _seed_desk_bookings(
    sim: PlaceOSSimulator, rng: random.Random, desks: list[str], people: list[User]
) -> None:
    now = sim.clock.now_int()
    owners = rng.sample(people, k=min(len(people), len(desks)))
    for desk_id, owner in zip(desks, owners, strict=False):
        if rng.random() > 0.72:
            continue
        start = _round_to(now + rng.uniform(-3 * HOUR, 1.5 * HOUR), 15 * MINUTE)
        end = start + rng.choice([3, 4, 6, 8, 9]) * HOUR
        booking = _place(sim, desk_id, "desk", owner, start, end, approved=True)
        if booking is not None:
            _play_out(sim, rng, booking, now)
    _seed_cancellations(sim, rng, desks, owners, now)


def _seed_cancellations(
    sim: PlaceOSSimulator, rng: random.Random, desks: list[str], people: list[User], now: int
) -> None:
    """A few bookings later today that were cancelled (deleted) already."""
    for desk_id in rng.sample(desks, k=min(3, len(desks))):
        start = _round_to(now + rng.uniform(5 * HOUR, 7 * HOUR), 15 * MINUTE)
        booking = _place(
            sim, desk_id, "desk", rng.choice(people), start, start + 2 * HOUR, approved=True
        )
        if booking is not None:
            sim.tenant.bookings.delete(booking)


def _seed_room_bookings(
    sim: PlaceOSSimulator, rng: random.Random, rooms: list[str], people: list[User]
) -> None:
    now = sim.clock.now_int()
    for room_id in rooms:
        system = sim.tenant.buildings.systems[room_id]
        cursor = _round_to(now - 3 * HOUR, 15 * MINUTE)
        while cursor < now + 6 * HOUR:
            length = rng.choice([30, 45, 60, 90]) * MINUTE
            if rng.random() < 0.6:
                approved = not system.approval or cursor + length <= now or rng.random() < 0.3
                booking = _place(
                    sim,
                    room_id,
                    "room",
                    rng.choice(people),
                    cursor,
                    cursor + length,
                    approved=approved,
                    title=rng.choice(MEETING_TITLES),
                )
                if booking is not None:
                    _add_visitors(sim, rng, booking)
                    _play_out(sim, rng, booking, now)
            cursor += length + rng.choice([0, 15, 30]) * MINUTE


def _place(
    sim: PlaceOSSimulator,
    asset_id: str,
    booking_type: str,
    owner: User,
    start: int,
    end: int,
    *,
    approved: bool,
    title: str | None = None,
) -> Booking | None:
    """Create a booking as its owner made it, some hours earlier."""
    location = sim.tenant.buildings.find_asset(asset_id)
    fields = {
        "booking_type": booking_type,
        "booking_start": start,
        "booking_end": end,
        "asset_id": asset_id,
        "zones": list(location.zones) if location else [],
        "title": title or (f"{location.name}" if location else None),
        "timezone": _timezone_of(sim, location.zones if location else ()),
        "approved": approved,
    }
    try:
        booking = sim.tenant.bookings.create(fields, owner, utm_source="seed")
    except PlaceOSError:
        return None  # the slot is taken; the seed simply books less
    created = min(start, sim.clock.now_int()) - 3 * HOUR
    booking.created = booking.last_changed = booking.updated_at = created
    booking.booked_from = "workplace-app"
    booking.history = [{"state": BookingState.RESERVED.value, "time": created}]
    if approved:
        booking.approved_at = created
        booking.approver_id = sim.manager.id
        booking.approver_name = sim.manager.name
        booking.approver_email = sim.manager.email
    return booking


def _timezone_of(sim: PlaceOSSimulator, zones: tuple[str, ...] | list[str]) -> str | None:
    for zone_id in reversed(list(zones)):
        zone = sim.tenant.buildings.zones.get(zone_id)
        if zone is not None and zone.timezone:
            return zone.timezone
    return None


def _play_out(sim: PlaceOSSimulator, rng: random.Random, booking: Booking, now: int) -> None:
    """Give a booking that has already started a plausible past: arrived, left, or no-show."""
    if booking.booking_start > now or (not booking.approved and booking.booking_type == "room"):
        return
    arrival = booking.booking_start + rng.randint(-10, 25) * MINUTE
    if rng.random() < 0.2 or arrival > now:
        _record(booking, now)  # a no-show so far
        return
    booking.checked_in = True
    booking.checked_in_at = arrival
    booking.history.append(
        {"state": BookingState.CHECKED_IN.value, "time": arrival, "source": "kiosk"}
    )
    leave = booking.booking_end - rng.randint(0, 90) * MINUTE
    if leave <= now and rng.random() < 0.8:
        booking.checked_in = False
        booking.checked_out_at = max(leave, arrival + 5 * MINUTE)
        booking.history.append(
            {
                "state": BookingState.CHECKED_OUT.value,
                "time": booking.checked_out_at,
                "source": "kiosk",
            }
        )
    _record(booking, now)


def _record(booking: Booking, now: int) -> None:
    """Append the state reached by now (e.g. no_show, ended) as the server's save would."""
    state = booking_state(booking, now)
    if state is not BookingState.UNKNOWN and booking.history[-1]["state"] != state.value:
        booking.history.append({"state": state.value, "time": now})


def _add_visitors(sim: PlaceOSSimulator, rng: random.Random, booking: Booking) -> None:
    """About a third of meetings host one or two external visitors."""
    if rng.random() > 0.35:
        return
    for _ in range(rng.randint(1, 2)):
        attendee = random_visitor(rng)
        guest = sim.tenant.guests.upsert(attendee, refresh_contact=True)
        sim.tenant.guests.attach(booking.id, guest)


# -- room meetings ---------------------------------------------------------------------------


def _seed_meetings(
    sim: PlaceOSSimulator, rng: random.Random, rooms: list[str], people: list[User]
) -> None:
    """Today's meetings in the rooms' calendars, in the gaps the room bookings leave.

    Some have colleagues and external visitors, a few are private, a few upcoming ones have
    been cancelled already.
    """
    now = sim.clock.now_int()
    for room_id in rooms:
        cursor = _round_to(now - 3 * HOUR, 30 * MINUTE)
        while cursor < now + 8 * HOUR:
            length = rng.choice([30, 45, 60, 60, 90]) * MINUTE
            if rng.random() < 0.45 and not _room_taken(sim, room_id, cursor, cursor + length):
                event_id = _place_meeting(sim, rng, room_id, cursor, cursor + length, people)
                if event_id is not None and cursor > now + HOUR and rng.random() < 0.15:
                    sim.cancel_meeting(event_id)
            cursor += length + rng.choice([0, 15, 30]) * MINUTE


def _room_taken(sim: PlaceOSSimulator, room_id: str, start: int, end: int) -> bool:
    """A live room booking already holds the slot (meetings clash through the rules)."""
    return any(
        booking.asset_id == room_id and booking.blocks_its_assets() and booking.overlaps(start, end)
        for booking in sim.bookings.values()
    )


def _place_meeting(
    sim: PlaceOSSimulator,
    rng: random.Random,
    room_id: str,
    start: int,
    end: int,
    people: list[User],
) -> str | None:
    """A meeting as its host booked it the day before; ``None`` if the room refused."""
    host, *colleagues = rng.sample(people, k=rng.randint(1, 4))
    attendees: list[dict[str, object]] = [{"name": p.name, "email": p.email} for p in colleagues]
    if rng.random() < 0.3:
        for _ in range(rng.randint(1, 2)):
            visitor = random_visitor(rng)
            attendees.append(
                {
                    "name": visitor.name,
                    "email": visitor.email,
                    "organisation": visitor.organisation,
                    "visit_expected": True,
                }
            )
    try:
        event_id = sim.add_meeting(
            room_id,
            start=start,
            end=end,
            title=rng.choice(MEETING_TITLES),
            host_email=host.email,
            attendees=attendees,
            private=rng.random() < 0.1,
        )
    except PlaceOSError:
        return None
    meeting = sim.meetings[event_id]
    meeting.created = meeting.updated = min(start, sim.clock.now_int()) - 24 * HOUR
    return event_id


def random_visitor(rng: random.Random) -> AttendeeInput:
    """An external visitor from one of the guest companies."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    company = rng.choice(GUEST_COMPANIES)
    domain = company.lower().replace(" ", "").replace("pty", "") + ".example"
    return AttendeeInput(
        name=f"{first} {last}",
        email=f"{first}.{last}@{domain}".lower(),
        organisation=company,
        visit_expected=True,
    )
