"""What the building looks like at one moment: derived from spaces and bookings, no I/O."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from .api import Account, Booking, BookingStatus, Space, Visitor, Zone, ZoneKind


class SpaceStatus(StrEnum):
    """What a space is doing right now; the options of the `status` sensor."""

    FREE = "free"
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    PENDING_APPROVAL = "pending_approval"


_STATUS_OF_BOOKING = {
    BookingStatus.RESERVED: SpaceStatus.BOOKED,
    BookingStatus.PENDING_APPROVAL: SpaceStatus.PENDING_APPROVAL,
    BookingStatus.CHECKED_IN: SpaceStatus.CHECKED_IN,
}
# When bookings overlap (a clash the server let through), the space shows the strongest claim.
_PRECEDENCE = (BookingStatus.CHECKED_IN, BookingStatus.RESERVED, BookingStatus.PENDING_APPROVAL)


@dataclass(frozen=True, slots=True)
class SpaceState:
    """One space now: its status, the booking holding it and when the next one starts."""

    status: SpaceStatus
    current: Booking | None = None
    next_start: datetime | None = None


@dataclass(frozen=True, slots=True)
class ZoneState:
    """Counters of one building or level now, and today's visitors."""

    bookings_today: int
    checked_in_now: int
    free_now: int
    visitors: tuple[Visitor, ...] = ()


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the entities of one entry show, as of `taken_at`."""

    account: Account
    zones: Mapping[str, Zone]
    spaces: Mapping[str, Space]
    bookings_by_zone: Mapping[str, tuple[Booking, ...]]
    bookings_by_space: Mapping[str, tuple[Booking, ...]]
    space_states: Mapping[str, SpaceState]
    zone_states: Mapping[str, ZoneState]
    space_names: Mapping[str, str]
    taken_at: datetime


def tracked_zones(zones: Iterable[Zone], selected: Iterable[str]) -> dict[str, Zone]:
    """Return the selected levels (directly or through their building) and their buildings."""
    by_id = {zone.id: zone for zone in zones}
    chosen = set(selected)
    levels = {
        zone.id: zone
        for zone in by_id.values()
        if zone.kind is ZoneKind.LEVEL and (zone.id in chosen or zone.parent_id in chosen)
    }
    buildings = {
        zone.parent_id: by_id[zone.parent_id] for zone in levels.values() if zone.parent_id in by_id
    }
    return buildings | levels


def build_snapshot(
    *,
    account: Account,
    zones: Mapping[str, Zone],
    spaces: Iterable[Space],
    bookings: Iterable[Booking],
    visitors: Iterable[Visitor] = (),
    now: datetime,
    day_start: datetime,
    day_end: datetime,
) -> Snapshot:
    """Derive every space's and zone's state at `now`; `day_*` bound "today" for counters."""
    space_by_id = {space.id: space for space in spaces if space.zone_id in zones}
    by_space: dict[str, list[Booking]] = defaultdict(list)
    by_zone: dict[str, list[Booking]] = defaultdict(list)
    for booking in bookings:
        for space_id in booking.space_ids:
            by_space[space_id].append(booking)
        for zone_id in zones_of(booking, space_by_id, zones):
            by_zone[zone_id].append(booking)
    visitors_by_zone: dict[str, list[Visitor]] = defaultdict(list)
    for visitor in visitors:
        for zone_id in _visitor_zones(visitor, space_by_id, zones):
            visitors_by_zone[zone_id].append(visitor)
    members: dict[str, list[Space]] = defaultdict(list)
    for space in space_by_id.values():
        for zone_id in {space.zone_id, space.building_id or space.zone_id}:
            members[zone_id].append(space)

    space_states = {
        space_id: _space_state(by_space.get(space_id, ()), now) for space_id in space_by_id
    }
    zone_states = {
        zone.id: replace(
            _zone_state(
                members.get(zone.id, []), space_states, by_zone.get(zone.id, []), day_start, day_end
            ),
            visitors=tuple(
                sorted(
                    visitors_by_zone.get(zone.id, []),
                    key=lambda v: (v.start or day_start, v.guest.name or "", v.guest.email),
                )
            ),
        )
        for zone in zones.values()
    }
    return Snapshot(
        account=account,
        zones=dict(zones),
        spaces=space_by_id,
        bookings_by_zone={
            zone_id: tuple(sorted(items, key=lambda b: (b.start, b.id)))
            for zone_id, items in by_zone.items()
        },
        bookings_by_space={
            space_id: tuple(sorted(items, key=lambda b: (b.start, b.id)))
            for space_id, items in by_space.items()
            if space_id in space_by_id
        },
        space_states=space_states,
        zone_states=zone_states,
        space_names=unambiguous_names(space_by_id.values(), zones),
        taken_at=now,
    )


def unambiguous_names(spaces: Iterable[Space], zones: Mapping[str, Zone]) -> dict[str, str]:
    """Space names, prefixed with their building (or level) where the bare name repeats.

    Two buildings often both have a "Desk 1.01"; entity ids derive from these names, and
    they must not depend on which space happened to load first.
    """

    def qualified(space: Space, depth: int) -> str:
        level = zones.get(space.zone_id)
        building = zones.get(space.building_id) if space.building_id else None
        parts = {
            0: [],
            1: [building.name] if building else [],
            2: [z.name for z in (building, level) if z],
        }[depth]
        return " ".join([*parts, space.name])

    spaces = list(spaces)
    names: dict[str, str] = {}
    for depth in (0, 1, 2):
        counts = Counter(qualified(space, depth) for space in spaces)
        for space in spaces:
            name = qualified(space, depth)
            if space.id not in names and (counts[name] == 1 or depth == 2):  # noqa: PLR2004
                names[space.id] = name
    return names


def _visitor_zones(
    visitor: Visitor, spaces: Mapping[str, Space], zones: Mapping[str, Zone]
) -> set[str]:
    found = {zone_id for zone_id in visitor.zone_ids if zone_id in zones}
    for space_id in visitor.space_ids:
        if space := spaces.get(space_id):
            found |= {space.zone_id, space.building_id or space.zone_id}
    return found


def zones_of(booking: Booking, spaces: Mapping[str, Space], zones: Mapping[str, Zone]) -> set[str]:
    """The tracked zones a booking is in: its own and those of its spaces."""
    found = {zone_id for zone_id in booking.zone_ids if zone_id in zones}
    for space_id in booking.space_ids:
        if space := spaces.get(space_id):
            found.add(space.zone_id)
            if space.building_id:
                found.add(space.building_id)
    return found


def _space_state(bookings: Iterable[Booking], now: datetime) -> SpaceState:
    active = [b for b in bookings if b.is_active and b.end > now]
    # Someone who checked in early (before the start) already holds the space.
    current = [b for b in active if b.start <= now or b.status is BookingStatus.CHECKED_IN]
    upcoming = [b.start for b in active if b not in current]
    next_start = min(upcoming) if upcoming else None
    if not current:
        return SpaceState(SpaceStatus.FREE, None, next_start)
    holder = min(current, key=lambda b: (_PRECEDENCE.index(b.status), b.start, b.id))
    return SpaceState(_STATUS_OF_BOOKING[holder.status], holder, next_start)


def _zone_state(
    members: list[Space],
    space_states: Mapping[str, SpaceState],
    bookings: list[Booking],
    day_start: datetime,
    day_end: datetime,
) -> ZoneState:
    today = {
        b.id
        for b in bookings
        if b.status not in (BookingStatus.CANCELLED, BookingStatus.REJECTED)
        and b.overlaps(day_start, day_end)
    }
    return ZoneState(
        bookings_today=len(today),
        checked_in_now=sum(
            1 for s in members if space_states[s.id].status is SpaceStatus.CHECKED_IN
        ),
        free_now=sum(
            1 for s in members if s.bookable and space_states[s.id].status is SpaceStatus.FREE
        ),
    )
